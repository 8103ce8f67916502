"""GPU checks that need CUDA (run by ``benchmarks/gpu_check.sh`` on a machine with a GPU).

1. The monitor on CUDA: a plain VICReg loop on a CUDA model trains to bit-identical weights with
   and without ``InformationMonitor`` (the CUDA generator is forked and restored), and the
   rows have every quantity; the time of one pass is printed.
2. Every registered objective on CUDA in bf16: finite, within 2 % of float64.
3. The exact kNN search on CUDA (``infossl.estimators._neighbors``, torch back-end, float64):
   KSG-1 at n = 10^5 and 10^6 (1+1) and n = 10^5 (8+8) from CUDA tensors (the back-end follows
   the input's device) and with ``device="cuda"``, against the CPU numpy back-ends
   (``algorithm="auto"``): wall times and whether the values are identical. The CPU numpy run
   of 8+8 at n = 10^5 (brute force, minutes) is skipped with ``--quick-knn``.
4. ``critic-ksg`` with its critic trained on CUDA against the CPU (5 + 5, n = 20,000).

    python benchmarks/gpu_check.py --out DIR [--knn-only] [--quick-knn]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn


def monitor_check(out: Path) -> dict:
    from infossl.analysis.monitor import InformationMonitor
    from infossl.data.digits import load_digits
    from infossl.objectives import VICRegLoss

    dev = torch.device("cuda")
    data = load_digits("train")

    def augment(x: torch.Tensor) -> torch.Tensor:
        x = x.to(dev).float() / 255.0
        return (x + 0.1 * torch.randn_like(x) - 0.3) / 0.38

    def run(monitor_dir: Path | None) -> tuple[dict, float | None]:
        torch.manual_seed(0)
        model = nn.Sequential(
            nn.Flatten(),
            nn.Linear(64, 256),
            nn.BatchNorm1d(256),
            nn.ReLU(),
            nn.Dropout(0.1),
            nn.Linear(256, 64),
        ).to(dev)
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        crit = VICRegLoss()
        mon = (
            None
            if monitor_dir is None
            else InformationMonitor(
                monitor_dir,
                data.inputs,
                data.labels,
                views=augment,
                clean=lambda x: (x.to(dev).float() / 255.0 - 0.3) / 0.38,
                max_overhead=None,
            )
        )
        seconds = None
        if mon is not None:
            mon.step(model, epoch=0)
        for epoch in range(1, 4):
            for idx in torch.randperm(len(data), device="cpu").split(256):
                x = data.inputs[idx]
                loss = crit(model(augment(x)), model(augment(x)))
                opt.zero_grad()
                loss.backward()
                opt.step()
            if mon is not None:
                start = time.perf_counter()
                mon.step(model, epoch=epoch)
                torch.cuda.synchronize()
                seconds = time.perf_counter() - start
        if mon is not None:
            mon.close()
        return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}, seconds

    plain, _ = run(None)
    watched, seconds = run(out / "monitor-cuda")
    same = all(torch.equal(plain[k], watched[k]) for k in plain)
    rows = [
        json.loads(line)
        for line in (out / "monitor-cuda" / "diagnostics.jsonl").read_text().splitlines()
    ]
    return {
        "bit_identical": same,
        "rows": len(rows),
        "errors": rows[-1]["errors"],
        "quantities": sorted(rows[-1]["estimates"]),
        "pass_seconds": seconds,
    }


def bf16_check() -> dict:
    from infossl.objectives import list_objectives

    torch.manual_seed(0)
    worst = {}
    for spec in list_objectives():
        crit = spec.example()
        try:
            z1, z2 = torch.randn(2, 256, 128, device="cuda", dtype=torch.float64)
            ref = float(crit.to("cuda")(z1, z2).loss)
            crit = spec.example().to("cuda")
            low = float(crit(z1.bfloat16(), z2.bfloat16()).loss)
        except (TypeError, ValueError) as err:  # objectives with other inputs
            worst[spec.name] = f"skipped: {err}"[:80]
            continue
        worst[spec.name] = abs(low - ref) / max(abs(ref), 1e-12)
    return worst


def knn_check(quick: bool) -> list[dict]:
    """KSG-1 on CUDA (torch brute force) against the CPU numpy back-ends: time and equality."""
    import numpy as np

    from infossl.estimators.knn import KSG1

    def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
        torch.cuda.synchronize()
        start = time.perf_counter()
        value = fn()
        torch.cuda.synchronize()
        return value, time.perf_counter() - start

    rows = []
    for n, dx, dy in ((100_000, 1, 1), (1_000_000, 1, 1), (100_000, 8, 8)):
        rng = np.random.default_rng(0)
        x = rng.standard_normal((n, dx))
        y = rng.standard_normal((n, dy))
        y[:, : min(dx, dy)] += 0.5 * x[:, : min(dx, dy)]
        xc, yc = torch.from_numpy(x).cuda(), torch.from_numpy(y).cuda()
        KSG1().estimate(xc[:2000], yc[:2000])  # warm-up: CUDA context, kernels
        row: dict = {"n": n, "dims": f"{dx}+{dy}"}
        est, row["cuda_input_s"] = timed(lambda xc=xc, yc=yc: KSG1().estimate(xc, yc))
        row["cuda_input"] = est.value
        est, row["device_cuda_s"] = timed(lambda x=x, y=y: KSG1(device="cuda").estimate(x, y))
        row["device_cuda"] = est.value
        if quick and dx + dy > 2:
            row["cpu_numpy"] = None
        else:
            est, row["cpu_numpy_s"] = timed(lambda x=x, y=y: KSG1().estimate(x, y))
            row["cpu_numpy"] = est.value
        row["identical"] = row["cpu_numpy"] in (None, row["cuda_input"]) and (
            row["cuda_input"] == row["device_cuda"]
        )
        print(row, flush=True)
        rows.append(row)
    return rows


def critic_check(device: str = "cuda") -> dict:
    """``critic-ksg`` with its critic trained on ``device`` against the CPU: values and times on
    two Gaussian pairs at 1.02 nats in 5 + 5, n = 20,000 (the values differ by the float
    arithmetic of the training, not by more than the estimator's noise, about 0.02 nats)."""
    import numpy as np

    from infossl.estimators.neural.features import CriticKSG

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((20_000, 5)), rng.standard_normal((20_000, 5))
    y[:, :2] = 0.8 * x[:, :2] + 0.6 * y[:, :2]
    row: dict = {"truth": float(-np.log(1 - 0.64)), "device": device}
    for where in (device, "cpu"):
        start = time.perf_counter()
        row[where] = CriticKSG(device=where, progress=False).estimate(x, y).value
        row[f"{where}_s"] = time.perf_counter() - start
    print(row, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--knn-only", action="store_true", help="run the kNN check only")
    parser.add_argument("--quick-knn", action="store_true", help="skip the slow CPU kNN run")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    result = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}
    if not args.knn_only:
        result["monitor"] = monitor_check(args.out)
        result["bf16_relative_error"] = bf16_check()
    result["knn"] = knn_check(args.quick_knn)
    if not args.knn_only:
        result["critic_ksg"] = critic_check()
    (args.out / "gpu_check.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

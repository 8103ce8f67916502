"""GPU checks that need CUDA (run by ``benchmarks/gpu_check.sh`` on a machine with a GPU).

1. The monitor on CUDA: a plain VICReg loop on a CUDA model trains to bit-identical weights with
   and without ``InformationMonitor`` (the CUDA generator is forked and restored), and the
   rows have every quantity; the time of one pass is printed.
2. Every registered objective on CUDA in bf16: finite, within 2 % of float64.

    python benchmarks/gpu_check.py --out DIR
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "monitor": monitor_check(args.out),
        "bf16_relative_error": bf16_check(),
    }
    (args.out / "gpu_check.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

"""End-to-end ``infossl train`` throughput against the bare model, measured step by step.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/throughput.py
       [--models resnet20,resnet18] [--batch 128] [--steps 24,12] [--warmup 3]
       [--threads N] [--method simclr] [--out benchmarks/throughput.md]

The two measurements are *paired*: ``infossl.train.trainer.train`` (what ``infossl train``
runs) trains for ``--steps`` steps on CIFAR-10 (``../shared/data``; random uint8 images if
absent), and a callback called after every training step runs one **bare** step of the same
model. Each training step and each bare step is timed separately, so both see the same machine
load (the machine may be shared), and the ratio is taken per step pair.

* **bare step**: forward + backward of backbone and projector on two ready-made random views
  ``(B, 3, 32, 32)``, in the precision and memory format the trainer resolved
  (``train.precision=auto``); no data, augmentation, loss, probe, optimiser step or logging.
* **training step**: everything the loop does between two callbacks — batch loading,
  augmentation of two views, forward, the objective, the online probe, the NaN/inf guard,
  backward, optimiser and learning-rate step, EMA hooks, JSONL/TensorBoard logging
  (``log.every_steps=10``) and the progress bookkeeping.

img/s counts images (each gives two views). Reported: the median over steps (after
``--warmup`` steps) of each rate and of the per-pair ratio ``bare time / training time``, the
fraction of the training step spent in the model itself; 1 − ratio is the cost of data,
augmentation, loss, optimiser and logging together.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
CIFAR = ROOT.parent / "shared" / "data" / "cifar10" / "cifar10_train_jpg.zip"


def _data_source(tmp: Path) -> str:
    if CIFAR.is_file():
        return str(CIFAR)
    rng = np.random.default_rng(0)
    path = tmp / "random32.npz"
    np.savez(
        path,
        images=rng.integers(0, 256, (4096, 3, 32, 32), dtype=np.uint8),
        labels=rng.integers(0, 10, 4096),
    )
    return str(path)


class PairedTimer:
    """Training-step callback: times the step since the previous callback, then a bare step."""

    def __init__(self, batch: int) -> None:
        self.batch = batch
        self.train_s: list[float] = []
        self.bare_s: list[float] = []
        self.last = time.perf_counter()
        self.views: list[torch.Tensor] | None = None
        self.trainer = None

    def _bare(self, method, prec, device) -> float:
        if self.views is None:
            gen = torch.Generator().manual_seed(0)
            self.views = [
                torch.randn(self.batch, 3, 32, 32, generator=gen).to(device) for _ in range(2)
            ]
            if prec.channels_last:
                self.views = [v.contiguous(memory_format=torch.channels_last) for v in self.views]
        t0 = time.perf_counter()
        with prec.autocast(device):
            z = [method.projector(method.backbone(v)) for v in self.views]
        sum(t.float().square().mean() for t in z).backward()
        for p in method.parameters():
            p.grad = None
        return time.perf_counter() - t0

    def __call__(self, info) -> None:
        now = time.perf_counter()
        self.train_s.append(now - self.last)
        tr = self.trainer
        self.bare_s.append(self._bare(info.method, tr.precision, tr.device))
        self.last = time.perf_counter()


def measure(model: str, steps: int, args, data: str, tmp: Path) -> dict:
    from infossl.train.config import load_config
    from infossl.train.trainer import Trainer

    cfg = load_config(
        None,
        [
            f"method={args.method}",
            f"data.name={data}",
            f"model.backbone={model}",
            f"train.batch_size={args.batch}",
            "train.epochs=1000",
            f"train.max_steps={steps}",
            "train.precision=auto",
            "log.every_steps=10",
            "log.progress=false",
            "eval.knn_every_epochs=0",
            "eval.final_linear=false",
            f"out={tmp / model}",
        ],
    )
    timer = PairedTimer(args.batch)
    trainer = Trainer(cfg, callbacks=[timer])
    timer.trainer = trainer
    try:
        timer.last = time.perf_counter()
        trainer.run()
    finally:
        trainer.close()
    train_s, bare_s = timer.train_s[args.warmup :], timer.bare_s[args.warmup :]
    ratios = [b / t for b, t in zip(bare_s, train_s, strict=True)]
    return {
        "model": model,
        "precision": trainer.precision,
        "steps": len(train_s),
        "bare": args.batch / statistics.median(bare_s),
        "train": args.batch / statistics.median(train_s),
        "ratio": statistics.median(ratios),
        "ratio_q": (float(np.quantile(ratios, 0.25)), float(np.quantile(ratios, 0.75))),
    }


def _machine() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        name = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in lscpu.splitlines()
                if ln.startswith("Model name")
            ),
            platform.processor(),
        )
    except OSError:
        name = platform.processor()
    return f"{name}, {torch.get_num_threads()} torch threads, torch {torch.__version__}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default="resnet20,resnet18")
    parser.add_argument("--steps", default="24,12", help="training steps per model")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--warmup", type=int, default=3, help="steps left out of the medians")
    parser.add_argument("--method", default="simclr")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", default=None, help="append a results section to this file")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    models = [m.strip() for m in args.models.split(",")]
    steps = [int(s) for s in args.steps.split(",")]
    steps += [steps[-1]] * (len(models) - len(steps))
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data = _data_source(tmp)
        for model, n in zip(models, steps, strict=False):
            rows.append(measure(model, n, args, data, tmp))
            r = rows[-1]
            print(
                f"{model}: bare {r['bare']:.1f} img/s, train {r['train']:.1f} img/s, "
                f"ratio {r['ratio']:.3f}",
                flush=True,
            )
    source = "CIFAR-10 (shared JPEG zip)" if CIFAR.is_file() else "random uint8 images"
    command = (
        "PYTHONPATH=. .venv/bin/python benchmarks/throughput.py "
        f"--models {args.models} --steps {args.steps} --batch {args.batch} "
        f"--warmup {args.warmup} --method {args.method}"
        + (f" --threads {args.threads}" if args.threads else "")
    )
    lines = [
        f"## {datetime.date.today().isoformat()}: {args.method}, batch {args.batch}, 32×32",
        "",
        f"Machine: {_machine()}. Data: {source}.",
        "",
        f"Command: `{command}`",
        "",
        "| backbone | precision | steps | bare fwd+bwd img/s | `infossl train` img/s | "
        "ratio (median) | ratio IQR |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        p = r["precision"]
        fmt = f"{p.dtype}{' + channels_last' if p.channels_last else ''}"
        lines.append(
            f"| {r['model']} | {fmt} | {r['steps']} | {r['bare']:.1f} | "
            f"{r['train']:.1f} | {r['ratio']:.3f} | "
            f"{r['ratio_q'][0]:.3f}–{r['ratio_q'][1]:.3f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()

"""Cost of the information diagnostics relative to training, on digits and a CIFAR-sized run.

Part 1 (cost of one pass): each run trains with diagnostics after *every* epoch
(``every_epochs=1``, ``max_overhead=None``, batch 512) and reads the two timers of every row:
the seconds the diagnostics took (encoding 4 × 512 images and every estimator) and the
training seconds since the previous row (optimiser steps only; the trainer's own kNN
evaluation is not counted, so the ratio is conservative). The overhead at a period of N epochs
is mean(diagnostics seconds) / (N · mean(epoch seconds)).

Part 2 (the defaults): digits for 40 epochs with the default settings (every 5 epochs,
``max_overhead=0.1``): total diagnostics seconds after epoch 0 / total training seconds, and
the epochs that were measured. All runs use one torch thread (``train.threads=1``), the
fastest setting on this shared 2-core machine, which makes the training epochs short and the
ratios pessimistic.

    PYTHONPATH=. .venv/bin/python benchmarks/diagnostics_overhead.py [--cifar ZIP] [--out FILE]

Runs: SimCLR on digits (convnet, 1,438 images per epoch), and SimCLR with ResNet-20 on 5,000
CIFAR-10 images (32×32, the shared validation zip used as a training set); the second is
extrapolated to a 50,000-image CIFAR-10 epoch by scaling the epoch time by 10.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CIFAR = ROOT.parent / "shared" / "data" / "cifar10" / "cifar10_val_jpg.zip"


def _run(name: str, overrides: list[str], out: Path, *, strict: bool = True) -> dict:
    from infossl.analysis.monitor import read_diagnostics
    from infossl.analysis.trainer_diagnostics import callbacks_from_config
    from infossl.train.config import load_config
    from infossl.train.trainer import train

    schedule = ["diagnostics.every_epochs=1", "diagnostics.max_overhead=null"] if strict else []
    cfg = load_config(
        None,
        [
            *overrides,
            "diagnostics.enabled=true",
            *schedule,
            "train.threads=1",
            "log.progress=false",
            "log.tensorboard=false",
            "eval.final_linear=false",
            f"out={out / name}",
        ],
    )
    start = time.perf_counter()
    result = train(cfg, epoch_callbacks=callbacks_from_config(cfg))
    wall = time.perf_counter() - start
    rows = [r for r in read_diagnostics(out / name) if r["time"]["train_seconds"] > 0]
    diag = [r["time"]["seconds"] for r in rows]
    epoch = [r["time"]["train_seconds"] for r in rows]
    return {
        "name": name,
        "wall": wall,
        "steps": result.steps,
        "diag": diag,
        "epoch": epoch,
        "ratio": statistics.mean(diag) / statistics.mean(epoch),
        "total_ratio": sum(diag) / result.summary["train_seconds"],
        "epochs_measured": [r["epoch"] for r in read_diagnostics(out / name)],
        "parts": rows[-1]["time"]["parts"],
        "dim": rows[-1]["dim"],
    }


def _machine() -> str:
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpu if "Model name" in line), "?")
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    import os

    import torch

    return (
        f"{model}, {os.cpu_count()} CPUs, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), Python {platform.python_version()}, "
        f"load average {' '.join(load)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cifar", type=Path, default=DEFAULT_CIFAR)
    parser.add_argument("--digits-epochs", type=int, default=6)
    parser.add_argument("--cifar-epochs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "diagnostics_overhead.md")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        digits = [
            "method=simclr",
            "data.name=digits",
            "train.batch_size=256",
            "model.proj_hidden=512",
            "model.proj_out=128",
        ]
        runs = [_run("digits-convnet", [*digits, f"train.epochs={args.digits_epochs}"], tmp)]
        default = _run("digits-defaults", [*digits, "train.epochs=40"], tmp, strict=False)
        if args.cifar.is_file():
            runs.append(
                _run(
                    "cifar5k-resnet20",
                    [
                        "method=simclr",
                        f"data.name={args.cifar}",
                        "model.backbone=resnet20",
                        f"train.epochs={args.cifar_epochs}",
                        "train.batch_size=256",
                        "eval.knn_every_epochs=0",
                    ],
                    tmp,
                )
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = [
        "# Information diagnostics: overhead relative to training",
        "",
        f"Date: {time.strftime('%Y-%m-%d %H:%M')}  ",
        f"Machine: {_machine()}  ",
        "Command: `PYTHONPATH=. .venv/bin/python benchmarks/diagnostics_overhead.py`",
        "",
        "Diagnostics after every epoch, evaluation batch 512 (+ 512 held out); per row the "
        "diagnostics' wall time and the training-step time since the previous row.",
        "",
        "| run | epochs timed | diagnostics s (mean, max) | epoch s (mean) | per-epoch "
        "ratio | overhead at every 5 epochs |",
        "|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['name']} (d = {r['dim']}) | {len(r['diag'])} | "
            f"{statistics.mean(r['diag']):.2f}, {max(r['diag']):.2f} | "
            f"{statistics.mean(r['epoch']):.1f} | {r['ratio']:.1%} | "
            f"{r['ratio'] / 5:.1%} |"
        )
    for r in runs:
        if r["name"].startswith("cifar"):
            lines.append(
                f"| CIFAR-10 extrapolated (50,000-image epoch) | | | "
                f"{10 * statistics.mean(r['epoch']):.0f} | {r['ratio'] / 10:.2%} | "
                f"{r['ratio'] / 50:.2%} |"
            )
    lines += [
        "",
        "Defaults (every 5 epochs, max_overhead 0.1), digits, 40 epochs: epochs measured "
        f"{default['epochs_measured']}; diagnostics after epoch 0 took "
        f"{default['total_ratio']:.1%} of the training-step time "
        f"({sum(default['diag']):.1f} s of diagnostics, "
        f"{sum(default['epoch']):.1f} s of training).",
        "",
        "Seconds per quantity in the last row:",
        "",
    ]
    for r in runs:
        parts = ", ".join(f"{k} {v:.2f}" for k, v in r["parts"].items())
        lines.append(f"- {r['name']}: {parts}")
    lines.append("")
    lines.append(
        "Raw: "
        + json.dumps(
            [{k: r[k] for k in ("name", "diag", "epoch", "wall")} for r in [*runs, default]]
        )
    )
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

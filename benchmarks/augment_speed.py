"""Throughput of the batched augmentation presets (views per second) on this machine.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/augment_speed.py [--batch 256] [--rounds 7]
       [--threads 2]

Images: the first `batch` CIFAR-10 validation images from ../shared/data when present, else
random uint8 images of the same shape. Configurations are measured in interleaved rounds
(A, B, C, A, B, C, ...) so that load from other processes hits them alike; the median round
is reported, both per wall-clock second and per CPU second of this process (``process_time``;
with ``--threads 1`` the latter is what one core delivers, and is far less sensitive to other
processes competing for the cores). "per-sample loop" runs the same SimCLR pipeline on one
image at a time (batch 1), the way a per-sample transform in a data-loader worker would.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from infossl.data import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    ColorJitter,
    byol,
    load_dataset,
    multicrop,
    simclr,
)

CIFAR_VAL = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "cifar10"
    / "cifar10_val_jpg.zip"
)


def images(batch: int) -> torch.Tensor:
    if CIFAR_VAL.is_file():
        return load_dataset(CIFAR_VAL).images[:batch].clone()
    return torch.randint(
        0, 256, (batch, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )


def fixed_order_simclr():
    views = simclr(32, mean=CIFAR10_MEAN, std=CIFAR10_STD)
    for op in views.pipelines[0].ops:
        if isinstance(op, ColorJitter):
            op.random_order = False
    return views


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x = images(args.batch)
    norm = {"mean": CIFAR10_MEAN, "std": CIFAR10_STD}
    configs = {
        "SimCLR pair (32 px, no blur)": simclr(32, **norm),
        "SimCLR pair, fixed jitter order": fixed_order_simclr(),
        "SimCLR pair + blur p=0.5": simclr(32, blur_p=0.5, **norm),
        "BYOL pair (32 px)": byol(32, **norm),
        "multi-crop 2x32 + 4x16": multicrop(32, 16, 4, **norm),
    }
    loop_views = simclr(32, **norm)
    loop_n = max(8, args.batch // 8)

    def per_sample_loop(seed: int) -> int:
        gen = torch.Generator().manual_seed(seed)
        return sum(len(loop_views(x[i : i + 1], gen)) for i in range(loop_n))

    for views in configs.values():  # warm-up
        views(x, 0)
    per_sample_loop(0)
    names = [*configs, "per-sample loop (SimCLR)"]
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}

    def timed(name: str, run) -> None:
        t, c = time.perf_counter(), time.process_time()
        n = run()
        wall[name].append(n / (time.perf_counter() - t))
        cpu[name].append(n / (time.process_time() - c))

    for r in range(args.rounds):
        for name, views in configs.items():
            timed(name, lambda views=views, r=r: sum(v.shape[0] for v in views(x, r)))
        timed("per-sample loop (SimCLR)", lambda r=r: per_sample_loop(r))
    first = names[0]
    base_cpu = statistics.median(cpu[first])
    print(f"threads={args.threads} batch={args.batch} rounds={args.rounds}")
    print(
        "| configuration | views/s wall (median, min–max) | views per CPU-s (median) | "
        "ratio to SimCLR pair (CPU-s) |"
    )
    print("|---|---:|---:|---:|")
    for name in names:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(
            f"| {name} | {w:,.0f} ({min(wall[name]):,.0f}–{max(wall[name]):,.0f}) | "
            f"{c:,.0f} | {c / base_cpu:.2f} |"
        )


if __name__ == "__main__":
    main()

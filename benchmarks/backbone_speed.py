"""Training-step throughput of the backbones: forward + backward, images per second.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/backbone_speed.py [--model resnet20]
       [--batch 256] [--size 32] [--steps 3] [--rounds 5] [--threads 2]

Four settings are measured in interleaved rounds (one model each, same architecture): float32
or bfloat16 autocast, each with contiguous (NCHW) or channels_last tensors. A step is
``loss = model(x).square().mean(); loss.backward()`` in train mode (BatchNorm in batch
statistics). The median round is reported per wall-clock second and per CPU second of this
process (``process_time``: with ``--threads 1`` what one core delivers, far less sensitive to
other processes competing for the cores), with ratios to float32 NCHW from the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

import torch

from infossl.nn import build_backbone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="resnet20")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.batch, 3, args.size, args.size)
    settings = {}
    for dtype in ("float32", "bfloat16"):
        for fmt in ("NCHW", "channels_last"):
            model = build_backbone(args.model, channels_last=fmt == "channels_last").train()
            settings[f"{dtype}, {fmt}"] = (model, dtype)

    def step(model: torch.nn.Module, dtype: str) -> None:
        ctx = (
            torch.autocast("cpu", dtype=torch.bfloat16)
            if dtype == "bfloat16"
            else contextlib.nullcontext()
        )
        with ctx:
            loss = model(x).float().square().mean()
        loss.backward()
        model.zero_grad(set_to_none=True)

    for model, dtype in settings.values():
        step(model, dtype)
    wall: dict[str, list[float]] = {k: [] for k in settings}
    cpu: dict[str, list[float]] = {k: [] for k in settings}
    for _ in range(args.rounds):
        for name, (model, dtype) in settings.items():
            t, c = time.perf_counter(), time.process_time()
            for _ in range(args.steps):
                step(model, dtype)
            wall[name].append(args.steps * args.batch / (time.perf_counter() - t))
            cpu[name].append(args.steps * args.batch / (time.process_time() - c))
    base_wall = statistics.median(wall["float32, NCHW"])
    base_cpu = statistics.median(cpu["float32, NCHW"])
    print(
        f"{args.model} batch={args.batch} size={args.size} threads={args.threads} "
        f"steps/round={args.steps} rounds={args.rounds}"
    )
    print(
        "| setting | img/s wall (median, min–max) | ratio (wall) | img per CPU-s (median) | "
        "ratio (CPU-s) |"
    )
    print("|---|---:|---:|---:|---:|")
    for name in settings:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(
            f"| {name} | {w:,.1f} ({min(wall[name]):,.1f}–{max(wall[name]):,.1f}) | "
            f"{w / base_wall:.2f} | {c:,.1f} | {c / base_cpu:.2f} |"
        )


if __name__ == "__main__":
    main()

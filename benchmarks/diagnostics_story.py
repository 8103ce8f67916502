"""Time the demo's training story (SimCLR and VICReg on digits with diagnostics and reports).

    PYTHONPATH=. .venv/bin/python benchmarks/diagnostics_story.py [--minutes 3] [--out DIR]

Prints the comparison table and writes benchmarks/diagnostics_story.md (date, machine, load,
the table, seconds in all, epochs each run reached, and the diagnostics overhead per run).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from infossl.demo.story import run_training_story

    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--results", type=Path, default=ROOT / "benchmarks" / "diagnostics_story.md"
    )
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp()) / "story"
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    start = time.perf_counter()
    story = run_training_story(
        out, minutes_budget=args.minutes, threads=args.threads, progress=False
    )
    seconds = time.perf_counter() - start
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpu if "Model name" in line), "?")
    lines = [
        "# The demo's training story: timing",
        "",
        f"Date: {time.strftime('%Y-%m-%d %H:%M')}  ",
        f"Machine: {model}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average before the run {' '.join(load_before)} (other jobs running)  ",
        f"Command: `PYTHONPATH=. .venv/bin/python benchmarks/diagnostics_story.py "
        f"--minutes {args.minutes:g}`",
        "",
        f"Budget {args.minutes:g} min; measured {seconds:.0f} s in all.",
        "",
        "```",
        story.format(),
        "```",
        "",
        "| method | epochs reached | training-step seconds | mean diagnostics overhead per pass |",
        "|---|---|---|---|",
    ]
    for r in story.rows:
        overhead = "n/a" if r.overhead is None else f"{r.overhead:.0%}"
        lines.append(f"| {r.method} | {r.epochs:g} | {r.train_seconds:.0f} | {overhead} |")
    args.results.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

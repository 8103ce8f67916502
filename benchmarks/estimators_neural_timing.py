"""Run time of neural vs kNN estimators, side by side in one process (n = 5000, one thread).

Each (task, method) is timed three times in an interleaved order; the table gives the median wall
time and its ratio to KSG1 on the same task. Usage:
``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/estimators_neural_timing.py``
"""

from __future__ import annotations

import time

import numpy as np
import torch

from infossl import estimate_mi
from infossl.tasks import get_task

TASKS = (
    "1v1-normal-0.75",
    "multinormal-sparse-5-5-2-2.0",
    "multinormal-sparse-25-25-2-2.0",
    "multinormal-dense-50-50-0.5",
)
METHODS = ("ksg1", "ksg2", "infonce", "nwj", "smile", "doe")
REPEATS = 3


def main() -> None:
    torch.set_num_threads(1)
    times: dict[tuple[str, str], list[float]] = {}
    for task_id in TASKS:
        x, y = get_task(task_id).sample(5000, seed=0)
        for _ in range(REPEATS):
            for m in METHODS:
                extra = {"progress": False} if m not in ("ksg1", "ksg2") else {}
                t0 = time.perf_counter()
                estimate_mi(x, y, method=m, **extra)
                times.setdefault((task_id, m), []).append(time.perf_counter() - t0)
    print("| task | " + " | ".join(METHODS) + " |")
    print("|---" * (len(METHODS) + 1) + "|")
    for task_id in TASKS:
        base = np.median(times[(task_id, "ksg1")])
        medians = [float(np.median(times[(task_id, m)])) for m in METHODS]
        cells = [f"{t:.2f} s (×{t / base:.1f})" for t in medians]
        print(f"| {task_id} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

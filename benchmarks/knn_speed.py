"""Speed and memory of the kNN estimators (infossl.estimators.knn).

Measures, on bivariate/multivariate Gaussian data with k = 3:

1. KSG-1 at n = 10,000 for joint dimensions 2 (1+1), 4 (2+2), 50 (25+25) with ``algorithm="auto"``
   (targets: < 0.1 s, < 0.3 s, < 1.5 s);
2. the KD-tree / brute-force crossover at n = 10,000 (both back-ends side by side);
3. 1-D KSG-1 at n = 100,000 against ``sklearn.feature_selection.mutual_info_regression`` with the
   same k, interleaved in one run: time ratio and value difference;
4. peak resident memory of one estimate at n = 200,000, joint dimension 10 (a fresh subprocess per
   case, ``resource.getrusage(RUSAGE_SELF).ru_maxrss``).

Timings are the minimum over repeats (the machine is shared). Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/knn_speed.py [--quick] [--skip-memory]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Timing:
    """Minimum and median wall time, minimum CPU time (all threads), and the last result.

    The CPU time is what the run costs on an idle machine; the wall time also contains waiting
    for the cores that other processes hold.
    """

    wall: float
    median: float
    cpu: float
    result: Any


def best_time(fn: Callable[[], Any], repeats: int) -> Timing:
    """Time ``repeats`` calls of ``fn``."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return Timing(min(walls), float(np.median(walls)), min(cpus), result)


def gaussian_xy(n: int, dx: int, dy: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x ~ N(0, I); y = 0.5 x[:, :dy] (padded) + noise: dependent, tie-free."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dx))
    y = rng.standard_normal((n, dy))
    m = min(dx, dy)
    y[:, :m] += 0.5 * x[:, :m]
    return x, y


def targets(repeats: int) -> list[dict[str, Any]]:
    from infossl.estimators.knn import KSG1

    rows = []
    for dx, dy, target in ((1, 1, 0.1), (2, 2, 0.3), (25, 25, 1.5)):
        x, y = gaussian_xy(10_000, dx, dy)
        est = KSG1(k=3)
        est.estimate(x, y)  # warm-up (imports, allocator)
        t = best_time(lambda est=est, x=x, y=y: est.estimate(x, y), repeats)
        rows.append(
            {
                "dims": f"{dx}+{dy}",
                "n": 10_000,
                "seconds": t.wall,
                "cpu_s": t.cpu,
                "median_s": t.median,
                "target": target,
                "value": t.result.value,
                "load": os.getloadavg()[0],
            }
        )
    return rows


def crossover(repeats: int, quick: bool) -> list[dict[str, Any]]:
    from infossl.estimators.knn import KSG1

    dims = (
        [(2, 2), (3, 3), (4, 4), (5, 5)]
        if quick
        else [(2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (8, 8), (25, 25)]
    )
    rows = []
    for dx, dy in dims:
        x, y = gaussian_xy(10_000, dx, dy)
        row: dict[str, Any] = {"dims": f"{dx}+{dy}"}
        for algorithm in ("tree", "brute"):
            reps = 1 if (algorithm == "tree" and dx + dy > 12) else repeats
            est = KSG1(algorithm=algorithm)
            t = best_time(lambda est=est, x=x, y=y: est.estimate(x, y), reps)
            row[algorithm], row[f"cpu_{algorithm}"] = t.wall, t.cpu
            row[f"value_{algorithm}"] = t.result.value
        rows.append(row)
    return rows


def versus_sklearn(repeats: int) -> dict[str, Any]:
    from sklearn.feature_selection import mutual_info_regression

    from infossl.estimators.knn import KSG1

    x, y = gaussian_xy(100_000, 1, 1)
    ours_t = sk_t = ours_c = sk_c = float("inf")
    for _ in range(repeats):  # interleaved, so both see the same machine load
        t = best_time(lambda: KSG1(k=3).estimate(x, y), 1)
        ours_t, ours_c, ours = min(ours_t, t.wall), min(ours_c, t.cpu), t.result
        t = best_time(
            lambda: mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0)[0], 1
        )
        sk_t, sk_c, sk = min(sk_t, t.wall), min(sk_c, t.cpu), t.result
    return {
        "n": 100_000,
        "ours_s": ours_t,
        "sklearn_s": sk_t,
        "ratio": sk_t / ours_t,
        "ours_cpu_s": ours_c,
        "sklearn_cpu_s": sk_c,
        "cpu_ratio": sk_c / ours_c,
        "ours": ours.value,
        "sklearn": float(sk),
        "abs_diff": abs(ours.value - float(sk)),
    }


_MEMORY_SNIPPET = """
import json, resource, sys, time
import numpy as np
sys.path.insert(0, ".")
from infossl.estimators.knn import KSG1, KozachenkoLeonenko
case = sys.argv[1]
rng = np.random.default_rng(0)
x = rng.standard_normal((200_000, 5))
y = 0.5 * x + rng.standard_normal((200_000, 5))
start, start_cpu = time.perf_counter(), time.process_time()
if case == "ksg1 5+5":
    value = KSG1().estimate(x, y).value
else:
    value = KozachenkoLeonenko().estimate(np.hstack([x, y])).value
print(json.dumps({"case": case, "seconds": time.perf_counter() - start,
                  "cpu_s": time.process_time() - start_cpu, "value": value,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def memory() -> list[dict[str, Any]]:
    rows = []
    for case in ("kl 10-D", "ksg1 5+5"):
        out = subprocess.run(
            [sys.executable, "-c", _MEMORY_SNIPPET, case],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and dimensions")
    parser.add_argument("--skip-memory", action="store_true", help="skip the n=200,000 runs")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
    }
    report["targets"] = targets(3 if args.quick else 10)
    for row in report["targets"]:
        print(
            f"KSG-1 n=10,000 {row['dims']:>6}: {row['seconds']:.3f} s wall (median "
            f"{row['median_s']:.3f}), {row['cpu_s']:.3f} s CPU (target < {row['target']} s)  "
            f"I={row['value']:.4f}  load {row['load']:.1f}",
            flush=True,
        )
    report["crossover"] = crossover(repeats, args.quick)
    for row in report["crossover"]:
        print(
            f"crossover {row['dims']:>6}: tree {row['tree']:.3f} s ({row['cpu_tree']:.3f} CPU)"
            f"  brute {row['brute']:.3f} s ({row['cpu_brute']:.3f} CPU)"
            f"  same value: {row['value_tree'] == row['value_brute']}",
            flush=True,
        )
    report["sklearn_1d"] = versus_sklearn(3 if args.quick else 5)
    s = report["sklearn_1d"]
    print(
        f"1-D n=100,000: ours {s['ours_s']:.3f} s ({s['ours_cpu_s']:.3f} CPU), sklearn "
        f"{s['sklearn_s']:.3f} s ({s['sklearn_cpu_s']:.3f} CPU): sklearn/ours = "
        f"{s['ratio']:.2f} wall, {s['cpu_ratio']:.2f} CPU; values {s['ours']:.6f} vs "
        f"{s['sklearn']:.6f}",
        flush=True,
    )
    if not args.skip_memory:
        report["memory"] = memory()
        for row in report["memory"]:
            print(
                f"n=200,000 {row['case']}: {row['seconds']:.1f} s ({row['cpu_s']:.1f} CPU), "
                f"peak RSS {row['peak_rss_mib']:.0f} MiB",
                flush=True,
            )
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

"""The compiled kNN search of two source trees side by side (e.g. before and after a change).

Each case runs in a fresh process per tree, alternating trees for ``--rounds`` rounds: one
warm-up call (numba loaded, kernels compiled or read from the cache), then the best of
``--repeats`` calls, with ``INFOSSL_NUMBA=1``. Cases: KSG-1 (k = 3) and ``knn_counts_over_k``
(k = 1, 2, 4, 8, the series of ``copula-max``) on the Gaussian pairs of knn_speed.py; the values
of the two trees are compared. One torch/OpenMP thread per process, 2 worker threads.

    PYTHONPATH=. .venv/bin/python benchmarks/knn_fused_ab.py --before /tmp/old_tree \\
        --after . [--rounds 3] [--repeats 5]

``--before`` and ``--after`` are repository roots (``git worktree add /tmp/old_tree <commit>``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

CASES = (
    ("ksg1", 10_000, 25),
    ("ksg1", 20_000, 10),
    ("ksg1", 10_000, 5),
    ("ksg1", 2_000, 25),
    ("over_k", 5_000, 10),
    ("over_k", 20_000, 5),
)

_CHILD = """
import json, sys, time
import numpy as np
sys.path.insert(0, sys.argv[4])
from knn_speed import gaussian_xy
from infossl.estimators._neighbors import knn_counts_over_k
from infossl.estimators.knn import KSG1
what, n, d, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[5])
x, y = gaussian_xy(n, d, d)
if what == "ksg1":
    run = lambda: KSG1(k=3).estimate(x, y).value
else:
    run = lambda: [c.tolist() for c in knn_counts_over_k([x, y], (1, 2, 4, 8), [(0,), (1,)])]
run()
best = float("inf")
for _ in range(repeats):
    t = time.perf_counter(); out = run(); best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best, "digest": hash(json.dumps(out))}))
"""


def run_case(tree: Path, what: str, n: int, d: int, repeats: int) -> dict:
    env = {**os.environ, "INFOSSL_NUMBA": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(tree)}
    bench_dir = str(Path(__file__).resolve().parent)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, what, str(n), str(d), bench_dir, str(repeats)],
        env={**env, "PYTHONHASHSEED": "0"},
        cwd=str(tree),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for what, n, d in CASES:
        best = {"before": float("inf"), "after": float("inf")}
        digests: dict[str, set[int]] = {"before": set(), "after": set()}
        loads = [os.getloadavg()[0]]
        for _ in range(args.rounds):
            for name in best:
                res = run_case(getattr(args, name).resolve(), what, n, d, args.repeats)
                best[name] = min(best[name], res["seconds"])
                digests[name].add(res["digest"])
        loads.append(os.getloadavg()[0])
        row = {
            "case": f"{what} n={n:,} {d}+{d}",
            "before_s": best["before"],
            "after_s": best["after"],
            "speedup": best["before"] / best["after"],
            "identical": digests["before"] == digests["after"] and len(digests["after"]) == 1,
            "load": f"{loads[0]:.2f}-{loads[1]:.2f}",
        }
        rows.append(row)
        print(
            f"{row['case']:>24}: before {row['before_s']:.3f} s  after {row['after_s']:.3f} s"
            f"  x{row['speedup']:.2f}  identical {row['identical']}  load {row['load']}",
            flush=True,
        )
    print(
        json.dumps(
            {"rows": rows, "median_speedup": float(np.median([r["speedup"] for r in rows]))},
            indent=1,
        )
    )


if __name__ == "__main__":
    main()

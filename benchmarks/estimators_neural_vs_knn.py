"""Neural vs kNN estimators on `beyond-normal`: one table from the two benchmark result files.

Reads ``benchmarks/estimators/beyond-normal/results.csv`` (ksg1, ksg2, gaussian, kde, binned)
and ``benchmarks/estimators/beyond-normal-neural/results.csv`` (infonce, nwj, mine, smile, doe),
both written by ``infossl bench estimators`` with the same tasks, sample sizes and seeds, and
prints a markdown comparison at each n:

* per task: the true MI, the better of KSG1/KSG2 (by absolute error of the seed mean) and each
  neural estimator's median over seeds (the median, because a heavy-tailed task can send one
  seed of NWJ or MINE to −1e20, which would swamp a mean);
* per method: tasks within ×1.5 of the truth, tasks where it is closer than the best kNN, the
  median absolute error, and the mean seconds per cell.

With ``--rank-gauss`` it compares instead, on the tasks of
``benchmarks/estimators/beyond-normal-neural-rankgauss/results.csv``, each neural estimator
with and without ``rank_gauss=true`` against the best kNN.

Usage: ``python benchmarks/estimators_neural_vs_knn.py [--rank-gauss] > /tmp/compare.md``
"""

from __future__ import annotations

import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "estimators"
KNN = ("ksg1", "ksg2")
NEURAL = ("infonce", "nwj", "mine", "smile", "doe")
FACTOR = 1.5


def load(path: Path) -> dict[tuple[str, str, int], dict]:
    """(method, task, n) → {"true", "values", "seconds"} over the seeds that succeeded."""
    cells: dict[tuple[str, str, int], dict] = defaultdict(
        lambda: {"values": [], "seconds": [], "failed": 0}
    )
    with path.open() as fh:
        for r in csv.DictReader(fh):
            c = cells[(r["method"], r["task"], int(r["n"]))]
            c["true"] = float(r["true_mi"])
            c["seconds"].append(float(r["seconds"]))
            if r["status"] == "ok" and r["value"] not in ("", "nan"):
                c["values"].append(float(r["value"]))
            else:
                c["failed"] += 1
    return cells


def centre(cell: dict) -> float:
    return float(np.median(cell["values"])) if cell["values"] else math.nan


def best_knn(cells: dict, task: str, n: int) -> float:
    """The better of KSG1/KSG2 (seed median) by absolute error."""
    truth = cells[(KNN[0], task, n)]["true"]
    return min((centre(cells[(m, task, n)]) for m in KNN), key=lambda v: abs(v - truth))


def within(value: float, truth: float) -> bool:
    return truth / FACTOR <= value <= FACTOR * truth if truth > 0 else abs(value) <= 0.05


def rank_gauss_table() -> None:
    """Per task at n = 5000: best kNN, then each neural method without / with rank_gauss."""
    cells = load(HERE / "beyond-normal" / "results.csv")
    cells.update(load(HERE / "beyond-normal-neural" / "results.csv"))
    ranked = load(HERE / "beyond-normal-neural-rankgauss" / "results.csv")
    tasks = sorted({t for _, t, _ in ranked})
    n = max(n for _, _, n in ranked)
    print(f"### n = {n}: without → with `rank_gauss=true` (median over seeds, nats)\n")
    print("| task | true | best kNN | " + " | ".join(NEURAL) + " |")
    print("|---" * (len(NEURAL) + 3) + "|")
    good: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in tasks:
        truth = cells[(KNN[0], t, n)]["true"]
        knn = best_knn(cells, t, n)
        good["best kNN"][0] += within(knn, truth)
        row = [t, f"{truth:.3f}", f"{knn:.3f}"]
        for m in NEURAL:
            before = centre(cells[(m, t, n)])
            after = centre(ranked[(f"{m}:rank_gauss=true", t, n)])
            good[m][0] += within(before, truth)
            good[m][1] += within(after, truth)
            row.append(f"{before:.3g} → {after:.3g}")
        print("| " + " | ".join(row) + " |")
    print(
        f"\nWithin ×1.5 of the truth on these {len(tasks)} tasks (without → with): "
        + "; ".join(f"{m} {good[m][0]} → {good[m][1]}" for m in NEURAL)
        + f"; best kNN {good['best kNN'][0]}."
    )


def main() -> None:
    if "--rank-gauss" in sys.argv[1:]:
        rank_gauss_table()
        return
    cells = load(HERE / "beyond-normal" / "results.csv")
    cells.update(load(HERE / "beyond-normal-neural" / "results.csv"))
    sizes = sorted({n for _, _, n in cells})
    tasks = sorted({t for _, t, _ in cells})
    for n in sizes:
        print(f"\n### n = {n} (median over seeds, nats)\n")
        print("| task | true | best kNN | " + " | ".join(NEURAL) + " |")
        print("|---" * (len(NEURAL) + 3) + "|")
        wins: dict[str, int] = defaultdict(int)
        good: dict[str, int] = defaultdict(int)
        errors: dict[str, list[float]] = defaultdict(list)
        seconds: dict[str, list[float]] = defaultdict(list)
        for t in tasks:
            truth = cells[(KNN[0], t, n)]["true"]
            knn = best_knn(cells, t, n)
            row = [t, f"{truth:.3f}", f"{knn:.3f}"]
            for m in ("best kNN", *NEURAL):
                v = knn if m == "best kNN" else centre(cells[(m, t, n)])
                if m != "best kNN":
                    seconds[m] += cells[(m, t, n)]["seconds"]
                    row.append(f"**{v:.3f}**" if abs(v - truth) < abs(knn - truth) else f"{v:.3g}")
                    wins[m] += abs(v - truth) < abs(knn - truth)
                good[m] += within(v, truth)
                errors[m].append(abs(v - truth))
            for m in KNN:
                seconds["best kNN"] += cells[(m, t, n)]["seconds"]
            print("| " + " | ".join(row) + " |")
        print(f"\nBold: closer to the truth than the better of KSG1/KSG2. At n = {n}:\n")
        print("| method | within ×1.5 | closer than best kNN | median abs. error | mean s/cell |")
        print("|---|---|---|---|---|")
        for m in ("best kNN", *NEURAL):
            won = "—" if m == "best kNN" else f"{wins[m]}/{len(tasks)}"
            print(
                f"| {m} | {good[m]}/{len(tasks)} | {won} | "
                f"{np.median(errors[m]):.3f} | {np.mean(seconds[m]):.2f} |"
            )


if __name__ == "__main__":
    main()

"""Tuning runs for ``critic-ksg`` and its place in ``method="auto"``.

One critic per cell (the separable InfoNCE critic of ``critic-ksg``'s defaults), then every
variant from it: its InfoNCE value, and KSG on the held-out canonical features with 1–4 pairs,
plain KSG1 (k = 3) and extrapolated over k = 1, 2, 4, 8; beside them ``copula-max`` and its
parts. Rows go to a CSV (one per task × n × seed, resumable); ``--summary`` prints the rule
candidates.

    OMP_NUM_THREADS=1 python benchmarks/critic_features.py --suites tails,high-mi,composed,\
mixtures,sparsity --n 5000 --seeds 3 --out benchmarks/estimators/critic-ksg/tuning.csv
    python benchmarks/critic_features.py --summary benchmarks/estimators/critic-ksg/tuning.csv
    OMP_NUM_THREADS=1 python benchmarks/critic_features.py --constructed --n 2000,5000 \
        --out benchmarks/estimators/critic-ksg/constructed.csv
    OMP_NUM_THREADS=1 python benchmarks/critic_features.py --independent --n 1000,2000,5000 \
        --seeds 20 --out benchmarks/estimators/critic-ksg/independent.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from auto_rule import FIELDS as AUTO_RULE_FIELDS
from auto_rule import cell_identity, standardise, tasks_of

from infossl import estimate_mi
from infossl.estimators.copula import CopulaKSG1
from infossl.estimators.knn import KSG1
from infossl.estimators.neural.estimator import evaluate
from infossl.estimators.neural.features import CriticKSG, critic_features

PAIRS = (1, 2, 3, 4)
#: The cell's identity (as in auto_rule.py), then what this script measures.
FIELDS = [
    *AUTO_RULE_FIELDS[: AUTO_RULE_FIELDS.index("method")],
    "copula_max",
    "gcmi",
    "ksg1_copula",
    "used",
    "copula_max_s",
    "infonce",
    "train_s",
    *(f"ksg3_r{r}" for r in PAIRS),
    *(f"ksgx_r{r}" for r in PAIRS),
    "features_s",
]


def measure_cell(x: np.ndarray, y: np.ndarray, seed: int) -> dict[str, object]:
    row: dict[str, object] = {}
    t = time.perf_counter()
    cm = estimate_mi(x, y, method="copula-max")
    row["copula_max_s"] = time.perf_counter() - t
    row.update(copula_max=cm.value, gcmi=cm.params["gcmi"], ksg1_copula=cm.params["ksg1_copula"])
    row["used"] = cm.params["used"]
    est = CriticKSG(seed=seed)
    t = time.perf_counter()
    trained = est._train(x, y)
    row["train_s"] = time.perf_counter() - t
    with torch.no_grad():
        row["infonce"] = float(
            evaluate(trained.model, trained.x_test, trained.y_test, trained.eval_k).mean()
        )
    t = time.perf_counter()
    u, v, _ = critic_features(trained, max(PAIRS))
    for r in PAIRS:
        if r > u.shape[1] or r > v.shape[1]:
            continue
        ur, vr = u[:, :r], v[:, :r]
        row[f"ksg3_r{r}"] = KSG1(k=3).estimate(ur, vr).value
        row[f"ksgx_r{r}"] = CopulaKSG1(k=(1, 2, 4, 8)).estimate(ur, vr).value
    row["features_s"] = time.perf_counter() - t
    return row


def constructed_cells(independent: bool = False) -> list[tuple[str, str, int, float, object]]:
    """``(suite, task id, d, truth, sample(n, seed))`` of the two constructed families of
    ``gcmi_check.py`` where ``gcmi`` overshoots or misses: hidden discrete and shared clusters;
    with ``independent``, independent Gaussian pairs in 2 + 2, 3 + 3 and 5 + 5 instead."""
    from gcmi_check import shared_clusters

    from infossl.tasks import HiddenDiscreteTask

    cells: list[tuple[str, str, int, float, object]] = []
    if independent:
        for d in (2, 3, 5):

            def sample_independent(n: int, seed: int, d: int = d) -> object:
                rng = np.random.default_rng(10_000 + seed)
                return rng.standard_normal((n, d)), rng.standard_normal((n, d))

            cells.append(("independent", f"independent-{d}-{d}", d, 0.0, sample_independent))
        return cells
    for d, levels in ((2, 2), (3, 2), (5, 2), (3, 4), (8, 3)):
        task = HiddenDiscreteTask(d, levels, 4.0)
        cells.append(("hidden-discrete", task.id, d, math.log(levels), task.sample))
    for d in (5, 10):
        for i_top in (0.5, 2.0):

            def sample(n: int, seed: int, d: int = d, i: float = i_top) -> object:
                return shared_clusters(n, d, i, 2.0, seed)

            task_id = f"shared-clusters-{d}-{d}-{i_top:g}-2"
            cells.append(("shared-clusters", task_id, d, math.log(2) + i_top, sample))
    return cells


def measure(args: argparse.Namespace) -> None:
    torch.set_num_threads(1)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if out.exists():
        with out.open() as fh:
            done = {(r["task"], r["n"], r["seed"]) for r in csv.DictReader(fh)}
    new = not out.exists()
    with out.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, FIELDS)
        if new:
            writer.writeheader()
        if args.constructed or args.independent:
            for suite, task_id, d, truth, sample in constructed_cells(args.independent):
                for n in map(int, args.n.split(",")):
                    for seed in range(args.seeds):
                        if (task_id, str(n), str(seed)) in done:
                            continue
                        x, y = sample(n, seed=seed)  # type: ignore[operator]
                        x, y = standardise(x), standardise(y)
                        ident = {"suite": suite, "task": task_id, "dim_x": d, "dim_y": d}
                        row = {**ident, "true": truth, "n": n, "seed": seed}
                        writer.writerow({**row, **measure_cell(x, y, seed)})
                        fh.flush()
                print(f"{time.strftime('%H:%M:%S')} {suite} {task_id}", flush=True)
            return
        for suite in args.suites.split(","):
            for task in tasks_of(suite):
                if args.tasks and task.id not in args.tasks.split(","):
                    continue
                for n in map(int, args.n.split(",")):
                    for seed in range(args.seeds):
                        if (task.id, str(n), str(seed)) in done:
                            continue
                        x, y = task.sample(n, seed=seed)
                        x, y = standardise(x), standardise(y)
                        row = {**cell_identity(suite, task, n, seed), **measure_cell(x, y, seed)}
                        writer.writerow(row)
                        fh.flush()
                print(f"{time.strftime('%H:%M:%S')} {suite} {task.id}", flush=True)


CONDITIONS = {
    "never": lambda r: False,
    "always": lambda r: True,
    "joint>=3": lambda r: int(r["dim_x"]) + int(r["dim_y"]) >= 3,
    "joint>=4": lambda r: int(r["dim_x"]) + int(r["dim_y"]) >= 4,
    "both>=2": lambda r: min(int(r["dim_x"]), int(r["dim_y"])) >= 2,
    "ksg>=gcmi": lambda r: r["used"] != "gcmi",
    "both>=2,ksg>=gcmi": lambda r: (
        min(int(r["dim_x"]), int(r["dim_y"])) >= 2 and r["used"] != "gcmi"
    ),
}


def rule_value(row: dict[str, str], feature: str, condition: str) -> float:
    """``copula-max``, or its maximum with the feature column where the condition holds."""
    base = float(row["copula_max"])
    if feature == "none" or not row.get(feature) or not CONDITIONS[condition](row):
        return base
    return max(base, float(row[feature]))


def summarise(paths: list[str], conditions: list[str]) -> None:
    rows = [r for p in paths for r in csv.DictReader(open(p))]
    features = ["none"] + [f"{kind}_r{r}" for kind in ("ksg3", "ksgx") for r in PAIRS]
    suites = sorted({r["suite"] for r in rows})
    ns = sorted({int(r["n"]) for r in rows})
    print("| n | feature | condition | all | " + " | ".join(suites) + " | > 0.25 | largest over |")
    print("|---" * (6 + len(suites)) + "|")
    for n in ns:
        for feature in features:
            for condition in conditions if feature != "none" else ["never"]:
                per_task: dict[tuple[str, str], list[float]] = {}
                for r in rows:
                    if int(r["n"]) == n:
                        err = rule_value(r, feature, condition) - float(r["true"])
                        per_task.setdefault((r["suite"], r["task"]), []).append(err)
                mean_err = {k: float(np.mean(v)) for k, v in per_task.items()}
                abs_err = {k: float(np.mean(np.abs(v))) for k, v in per_task.items()}
                by_suite = [
                    np.mean([e for (s, _), e in abs_err.items() if s == suite]) for suite in suites
                ]
                worst = max(mean_err, key=mean_err.__getitem__)
                over = sum(e > 0.25 for e in abs_err.values())
                print(
                    f"| {n} | {feature} | {condition} | {np.mean(list(abs_err.values())):.3f} | "
                    + " | ".join(f"{e:.3f}" for e in by_suite)
                    + f" | {over} | {mean_err[worst]:+.3f} ({worst[1]}) |"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suites", default="tails,high-mi,composed,mixtures,sparsity")
    parser.add_argument("--tasks", default="")
    parser.add_argument("--n", default="5000")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/estimators/critic-ksg/tuning.csv")
    parser.add_argument("--summary", nargs="+", help="CSV files to summarise instead")
    parser.add_argument(
        "--constructed",
        action="store_true",
        help="the hidden-discrete and shared-clusters families of gcmi_check.py instead of suites",
    )
    parser.add_argument(
        "--independent", action="store_true", help="independent Gaussian pairs instead of suites"
    )
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    args = parser.parse_args()
    if args.summary:
        summarise(args.summary, args.conditions.split(","))
    else:
        measure(args)


if __name__ == "__main__":
    main()

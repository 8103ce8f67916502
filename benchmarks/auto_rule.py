"""Tuning and held-out measurements of the ``method="auto"`` rule for float MI.

Every cell samples a task once per (n, seed), standardises every column (as users do), then runs
each method on the same data in this one process (one core: set ``OMP_NUM_THREADS=1``) and
records the value and the wall time of the ``estimate_mi`` call. Rows are appended to a CSV
(resumable: cells already there are skipped). ``--summary`` prints mean |error| and median
time per suite and method, and the value of any candidate rule given as the methods it picks.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/auto_rule.py \
        --suites high-mi,sparsity,tails,mixtures,composed --n 5000 --seeds 3 \
        --methods ksg1,gaussian,gcmi,ksg1-copula,mixed-ksg,auto \
        --out benchmarks/estimators/auto-rule/tuning.csv
    python benchmarks/auto_rule.py --summary benchmarks/estimators/auto-rule/tuning.csv
"""

from __future__ import annotations

import argparse
import csv
import time
import warnings
from collections import defaultdict
from pathlib import Path
from statistics import mean, median

import numpy as np

from infossl.api import choose_method, estimate_mi
from infossl.bench.cells import MethodSpec, split_method_specs
from infossl.tasks._base import Task
from infossl.tasks.gaussian import dense_normal_for_mi, pairs_normal
from infossl.tasks.mixtures import (
    concentric_gaussians,
    galaxy,
    sparse_with_inliers,
    with_inliers,
    x_mixture,
)
from infossl.tasks.student import student_identity, student_sparse
from infossl.tasks.suites import get_suite, spiral_task
from infossl.tasks.transformed import TransformedTask
from infossl.tasks.transforms import (
    Asinh,
    Elementwise,
    HalfCube,
    Linear,
    NormalCDF,
    Power,
    Wiggly,
)
from infossl.tasks.uniform import AdditiveUniformTask

FIELDS = [
    "suite",
    "task",
    "dim_x",
    "dim_y",
    "true",
    "n",
    "seed",
    "method",
    "chosen",
    "value",
    "seconds",
    "error",
    "detail",
]


class Exp(Elementwise):
    """x ↦ eˣ (log-normal marginals): a strictly increasing map, MI unchanged."""

    name = "exp"

    def _forward(self, x: np.ndarray) -> np.ndarray:
        return np.exp(x)

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        return np.log(y)

    def _log_derivative(self, x: np.ndarray) -> np.ndarray:
        return x


def composed_tasks() -> list[Task]:
    """Compositions of the library's tasks and transforms at dimensions the suites lack."""
    tasks: list[Task] = []
    for base in (
        pairs_normal(2, 2, 1, 1.0),
        pairs_normal(5, 5, 2, 1.0),
        pairs_normal(20, 20, 2, 1.0),
        pairs_normal(5, 5, 5, 2.0),
    ):
        tasks += [
            base,
            TransformedTask(base, Exp(), Exp()),
            TransformedTask(base, Power(3.0), Power(3.0)),
        ]
    tasks.append(
        TransformedTask(
            pairs_normal(3, 3, 2, 1.0), Wiggly([0.5], [1.5], [0.3]), Wiggly([0.4], [2.0], [1.0])
        )
    )
    tasks.append(spiral_task(pairs_normal(5, 5, 2, 1.0)))
    tasks += [student_sparse(d, d, df) for d in (2, 5, 10) for df in (1, 3)]
    return tasks


def heldout2_tasks() -> list[Task]:
    """A second held-out suite, fixed before any rule was scored on it: the families that
    ``beyond-normal`` showed hard (spirals, identity-dispersion Student-t, monotone maps,
    mixtures) at dimensions, parameters and maps that neither it nor the tuning suites use."""
    rotation = np.linalg.qr(np.random.default_rng(2026).standard_normal((4, 4)))[0]
    tasks: list[Task] = []
    for base in (pairs_normal(4, 4, 2, 0.5), pairs_normal(7, 7, 3, 1.5)):
        tasks += [base, TransformedTask(base, Asinh(), NormalCDF())]
    tasks.append(TransformedTask(pairs_normal(4, 4, 2, 0.5), HalfCube(), Exp()))
    tasks.append(dense_normal_for_mi(3, 3, 0.7))
    tasks += [
        spiral_task(pairs_normal(4, 4, 2, 0.7)),
        spiral_task(pairs_normal(3, 3, 2, 1.5)),
        spiral_task(pairs_normal(7, 7, 2, 0.7)),
        spiral_task(pairs_normal(6, 6, 2, 1.0), speed=0.5),
        spiral_task(pairs_normal(3, 3, 2, 0.7), speed=2.0),
        TransformedTask(spiral_task(pairs_normal(4, 4, 2, 0.7)), Linear(rotation), Asinh()),
    ]
    tasks += [
        student_identity(4, 4, 2),
        student_identity(7, 7, 4),
        student_identity(2, 2, 5),
        student_sparse(4, 4, 2),
        student_sparse(7, 7, 5),
    ]
    tasks += [
        x_mixture(0.8),
        galaxy(0.75, 2.5),
        concentric_gaussians(4, 6),
        sparse_with_inliers(4, 4, 0.3),
        AdditiveUniformTask(0.3),
        TransformedTask(
            pairs_normal(2, 2, 1, 1.0), Wiggly([0.7], [1.1], [0.2]), Wiggly([0.3], [2.5], [0.6])
        ),
    ]
    return tasks


def heldout3_tasks() -> list[Task]:
    """A third held-out suite, fixed before the rule with ``max_extrapolation_dim`` was scored
    on it: dense (within-variable correlated) Gaussians on both sides of joint dimension 20,
    spirals, Student-t and mixtures at dimensions and parameters no other suite uses."""
    tasks: list[Task] = [
        dense_normal_for_mi(6, 6, 0.8),
        dense_normal_for_mi(8, 8, 1.0),
        TransformedTask(dense_normal_for_mi(10, 10, 1.2), Power(3.0), Asinh()),
        dense_normal_for_mi(15, 15, 1.0),
        TransformedTask(pairs_normal(30, 30, 4, 2.0), Exp(), HalfCube()),
        pairs_normal(6, 2, 2, 0.8),
        spiral_task(pairs_normal(3, 4, 2, 0.4)),
        spiral_task(pairs_normal(6, 6, 3, 1.2)),
        spiral_task(pairs_normal(8, 8, 2, 0.8), speed=0.75),
        spiral_task(pairs_normal(12, 12, 2, 1.0)),
        student_identity(3, 3, 4),
        student_identity(6, 6, 3),
        student_identity(8, 2, 2),
        student_sparse(6, 6, 3),
        student_sparse(12, 12, 2),
        x_mixture(0.95),
        galaxy(1.0, 2.0),
        concentric_gaussians(2, 4),
        sparse_with_inliers(6, 6, 0.4),
        with_inliers(dense_normal_for_mi(4, 4, 0.6), 0.2),
        AdditiveUniformTask(0.5),
        TransformedTask(
            pairs_normal(4, 4, 2, 0.8),
            Wiggly([0.4, 0.15], [1.3, 2.7], [0.1, 0.9]),
            Wiggly([0.6], [0.9], [0.4]),
        ),
        TransformedTask(pairs_normal(5, 5, 2, 0.6), NormalCDF(), Wiggly([0.4], [1.7], [0.5])),
    ]
    return tasks


def tasks_of(suite: str) -> list[Task]:
    if suite == "composed":
        return composed_tasks()
    if suite == "heldout-2":
        return heldout2_tasks()
    if suite == "heldout-3":
        return heldout3_tasks()
    return get_suite(suite)


def cell_identity(suite: str, task: Task, n: int, seed: int) -> dict[str, object]:
    """The first columns of a result row: which task, sample size and seed."""
    return {
        "suite": suite,
        "task": task.id,
        "dim_x": task.dim_x,
        "dim_y": task.dim_y,
        "true": task.mutual_information,
        "n": n,
        "seed": seed,
    }


def standardise(a: np.ndarray) -> np.ndarray:
    return (a - a.mean(axis=0)) / a.std(axis=0)


def run_method(method: str, x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """The chosen method, value, seconds, error and (for ``copula-max`` and
    ``copula-critic-max``) the parts. ``method``
    may carry parameters, written ``name:key=value:...`` (e.g. ``infonce:steps=10000``)."""
    spec = MethodSpec.parse(method)
    chosen = choose_method("mi", x, y).method if spec.name == "auto" else spec.name
    start = time.perf_counter()
    detail = ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = estimate_mi(x, y, method=spec.name, **spec.params)
        value, error = est.value, ""
        if "used" in est.params:
            p = est.params
            detail = f"used={p['used']} gcmi={p['gcmi']:.4f} ksg1_copula={p['ksg1_copula']:.4f}"
            if "critic_ksg" in p:
                detail += f" critic_ksg={p['critic_ksg']:.4f}"
    except Exception as err:  # recorded, never dropped
        value, error = float("nan"), f"{type(err).__name__}: {err}"[:200]
    seconds = time.perf_counter() - start
    return {"chosen": chosen, "value": value, "seconds": seconds, "error": error, "detail": detail}


def done_keys(path: Path) -> set[tuple[str, str, str, str]]:
    if not path.exists():
        return set()
    with path.open() as fh:
        return {(r["task"], r["n"], r["seed"], r["method"]) for r in csv.DictReader(fh)}


def measure(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = done_keys(out)
    new = not out.exists()
    fields = FIELDS
    if not new:
        with out.open() as fh:
            fields = next(csv.reader(fh))
    with out.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fields, extrasaction="ignore")
        if new:
            writer.writeheader()
        for suite in args.suites.split(","):
            for task in tasks_of(suite):
                if args.tasks and task.id not in args.tasks.split(","):
                    continue
                for n in map(int, args.n.split(",")):
                    for seed in range(args.seeds):
                        todo = [
                            m
                            for m in split_method_specs(args.methods)
                            if (task.id, str(n), str(seed), m) not in done
                        ]
                        if not todo:
                            continue
                        x, y = task.sample(n, seed=seed)
                        x, y = standardise(x), standardise(y)
                        for method in todo:
                            row = {**cell_identity(suite, task, n, seed), "method": method}
                            writer.writerow({**row, **run_method(method, x, y)})
                            fh.flush()
                print(f"{time.strftime('%H:%M:%S')} {suite} {task.id}", flush=True)


DERIVED = "max(gcmi,ksg1-copula)"


def with_derived(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows plus, per cell holding both parts, the value of their maximum (the value
    ``copula-max`` returns: the same deterministic computations; its time is their sum)."""
    cells: dict[tuple[str, str, str], dict[str, dict[str, str]]] = defaultdict(dict)
    for r in rows:
        cells[(r["task"], r["n"], r["seed"])][r["method"]] = r
    out = list(rows)
    for parts in cells.values():
        if "gcmi" in parts and "ksg1-copula" in parts:
            g, k = parts["gcmi"], parts["ksg1-copula"]
            seconds = float(g["seconds"]) + float(k["seconds"])
            value = max(float(g["value"]), float(k["value"]))
            out.append({**g, "method": DERIVED, "value": str(value), "seconds": str(seconds)})
    return out


def summarise(path: Path) -> None:
    """Mean |error| (median seconds) per suite, n and method; the worst task of each."""
    with path.open() as fh:
        rows = with_derived(list(csv.DictReader(fh)))
    errors: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    times: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    per_task: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for r in rows:
        value = float(r["value"])
        err = abs(value - float(r["true"])) if np.isfinite(value) else float("inf")
        for suite in (r["suite"], "all"):
            errors[(suite, r["n"], r["method"])].append(err)
            times[(suite, r["n"], r["method"])].append(float(r["seconds"]))
        per_task[(r["task"], r["n"], r["method"])].append(err)
    methods = sorted({k[2] for k in errors})
    print("| suite | n | " + " | ".join(methods) + " |")
    print("|---|---|" + "---|" * len(methods))
    for suite, n in sorted({(k[0], k[1]) for k in errors}, key=lambda t: (t[0], int(t[1]))):
        cells = []
        for m in methods:
            e, t = errors.get((suite, n, m)), times.get((suite, n, m))
            cells.append(f"{mean(e):.3f} ({median(t):.2f} s)" if e and t else "")
        print(f"| {suite} | {n} | " + " | ".join(cells) + " |")
    worst: dict[tuple[str, str], tuple[float, str]] = {}
    for (task, n, m), e in per_task.items():
        worst[(n, m)] = max(worst.get((n, m), (0.0, "")), (mean(e), task))
    print("\nworst task (mean |error| over seeds) per n and method:")
    for (n, m), (w, task) in sorted(worst.items(), key=lambda t: (int(t[0][0]), t[0][1])):
        print(f"  n={n} {m}: {w:.3f} ({task})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default="high-mi,sparsity,tails,mixtures,composed")
    parser.add_argument("--tasks", default="")
    parser.add_argument("--n", default="5000")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--methods", default="ksg1,gaussian,gcmi,ksg1-copula,mixed-ksg,auto")
    parser.add_argument("--out", default="benchmarks/estimators/auto-rule/tuning.csv")
    parser.add_argument("--summary", default="")
    args = parser.parse_args()
    if args.summary:
        summarise(Path(args.summary))
    else:
        measure(args)


if __name__ == "__main__":
    main()

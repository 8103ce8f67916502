"""The canonical-pair check of the Gaussian-copula MI (infossl.estimators.copula).

1. On every task of the given suites with two multivariate variables, at each n and seed:
   whether the check flags the Gaussian-copula MI (it should not where the copula is Gaussian
   or the Gaussian part is below the truth), and the smallest margin to its threshold.
2. On "hidden discrete" pairs (``infossl.tasks.HiddenDiscreteTask``; I(X;Y) = ln K exactly: x
   and y share a K-valued B in the direction (1, ..., 1), with independent Gaussian spread in
   the other directions, so every column looks Gaussian) and on "shared clusters" (x and y
   share a coin C that shifts both, Gaussian dependence given C; I = ln 2 + I(X;Y|C)): gcmi,
   copula-max without the check (the larger part) and with it.

3. ``--headroom``: KSG1 (k = 3) on bivariate Gaussians by rows and MI (how far KSG can
   measure a pair: ``CHECK_HEADROOM_NATS``).

Run from the repository root (one process, one thread):

    OMP_NUM_THREADS=1 PYTHONPATH=. .venv/bin/python benchmarks/gcmi_check.py \\
        --suites tails,high-mi,composed,mixtures,sparsity --n 500,2000,5000
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from auto_rule import standardise, tasks_of

from infossl import estimate_mi
from infossl.estimators import copula
from infossl.estimators.copula import (
    CHECK_TOLERANCE_NATS,
    CHECK_TOLERANCE_REL,
    canonical_pair_check,
    copula_normalise,
    gaussian_copula_mi,
)
from infossl.tasks import HiddenDiscreteTask


def shared_clusters(n: int, d: int, i_top: float, shift: float, seed: int):  # type: ignore[no-untyped-def]
    """x = z + shift·C·1, y = (ρ z_1 + …, noise) − shift·C·1, each rotated at random; C a fair
    coin. The clusters lie shift·√d apart, so C is nearly a function of x and of y and
    I(X;Y) ≈ H(C) + I(X;Y | C) = ln 2 + i_top (exactly, between that minus 2 H(C|X) and minus
    H(C|X); H(C|X) = 0.034 nats at d = 5, shift 2, at most 0.002 in the other settings)."""
    rng = np.random.default_rng(seed)
    rho = math.sqrt(1 - math.exp(-2 * i_top))
    z, e = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    y = e.copy()
    y[:, 0] = rho * z[:, 0] + math.sqrt(1 - rho**2) * e[:, 0]
    c = rng.integers(0, 2, n)[:, None] * shift
    qx, qy = (np.linalg.qr(rng.standard_normal((d, d)))[0] for _ in range(2))
    return (z + c) @ qx, (y - c) @ qy


def suites(names: list[str], ns: list[int], seeds: int) -> None:
    checked = flagged = 0
    closest = -math.inf
    for suite in names:
        for task in tasks_of(suite):
            if min(task.dim_x, task.dim_y) < 2:
                continue
            for n in ns:
                for seed in range(seeds):
                    x, y = task.sample(n, seed=seed)
                    sx, sy = copula_normalise(standardise(x)), copula_normalise(standardise(y))
                    try:
                        gcmi, _ = gaussian_copula_mi(sx, sy)
                        check = canonical_pair_check(sx, sy)
                    except ValueError:  # collinear scores, a constant side, too few rows
                        continue
                    if not check.testable:
                        continue
                    checked += 1
                    limit = CHECK_TOLERANCE_NATS + CHECK_TOLERANCE_REL * check.gaussian
                    margin = check.gaussian - check.ksg - limit
                    closest = max(closest, margin)
                    if check.contradicted:
                        flagged += 1
                        print(
                            f"FLAG {suite} {task.id} n={n} seed={seed} "
                            f"true={task.mutual_information:.3f} gcmi={gcmi:.3f} "
                            f"pair: gaussian {check.gaussian:.3f} ksg {check.ksg:.3f}",
                            flush=True,
                        )
    print(
        f"suites {','.join(names)} at n={ns}, {seeds} seeds: {checked} multivariate cells, "
        f"{flagged} flagged; largest margin to the threshold {closest:+.3f} nats"
    )


def _table_row(make, truth: float, seeds: int) -> str:  # type: ignore[no-untyped-def]
    """Means over seeds of gcmi, copula-max without the check (its larger part), copula-max."""
    rows = []
    for seed in range(seeds):
        est = estimate_mi(*make(seed), "copula-max")
        p = est.params
        rows.append((p["gcmi"], max(p["gcmi"], p["ksg1_copula"]), est.value, "gcmi_adjusted" in p))
    g, old, new, flag = (float(np.mean([r[i] for r in rows])) for i in range(4))
    return f"| {truth:.3f} | {g:.3f} | {old:.3f} | {new:.3f} | {round(flag * seeds)}/{seeds} |"


def clusters(ns: list[int], seeds: int) -> None:
    print(
        "| d + d | shift | I given C | n | truth | gcmi | max (no check) | copula-max | flagged |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for d in (5, 10, 20):
        for shift in (2.0, 3.0):
            for i_top in (0.5, 1.0, 2.0):
                for n in ns:
                    row = _table_row(
                        lambda seed, n=n, d=d, i=i_top, sh=shift: shared_clusters(
                            n, d, i, sh, seed
                        ),
                        math.log(2) + i_top,
                        seeds,
                    )
                    print(f"| {d} + {d} | {shift:g} | {i_top:g} | {n} {row}", flush=True)


def hidden(ns: list[int], seeds: int) -> None:
    print("| d + d | K | n | truth | gcmi | max (no check) | copula-max | flagged |")
    print("|---|---|---|---|---|---|---|---|")
    for d, levels in ((2, 2), (3, 2), (5, 2), (3, 4), (8, 3)):
        for n in ns:
            row = _table_row(
                lambda seed, n=n, d=d, k=levels: HiddenDiscreteTask(d, k, 4.0).sample(n, seed=seed),
                math.log(levels),
                seeds,
            )
            print(f"| {d} + {d} | {levels} | {n} {row}", flush=True)


def ksg_headroom(seeds: int) -> None:
    """KSG1 (k = 3) on the normal scores of a bivariate Gaussian: mean error by rows and MI,
    the measurement behind ``CHECK_HEADROOM_NATS``."""
    from infossl.estimators.knn import KSG1

    print("| rows | " + " | ".join(f"I = {i}" for i in range(1, 7)) + " |")
    print("|---|" + "---|" * 6)
    for m in (250, 1000, 2500):
        errors = []
        for i in range(1, 7):
            rho = math.sqrt(1 - math.exp(-2 * i))
            values = []
            for seed in range(seeds):
                rng = np.random.default_rng(seed)
                x = rng.standard_normal(m)
                y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(m)
                pair = [copula_normalise(v[:, None]) for v in (x, y)]
                values.append(KSG1(k=3).estimate(*pair).value)
            errors.append(f"{np.mean(values) - i:+.2f}")
        print(f"| {m} | " + " | ".join(errors) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suites", default="tails,high-mi,composed,mixtures,sparsity")
    parser.add_argument("--n", default="500,2000,5000")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--skip-hidden", action="store_true", help="no constructed families")
    parser.add_argument("--headroom", action="store_true", help="KSG1 on bivariate Gaussians")
    parser.add_argument(
        "--min-rows", type=int, help="try the check with another CHECK_MIN_ROWS (default 500)"
    )
    args = parser.parse_args()
    ns = [int(v) for v in args.n.split(",")]
    warnings.simplefilter("ignore")
    if args.min_rows is not None:
        copula.CHECK_MIN_ROWS = args.min_rows
    if args.headroom:
        ksg_headroom(args.seeds)
    if args.suites:
        suites(args.suites.split(","), ns, args.seeds)
    if not args.skip_hidden:
        hidden(ns, args.seeds)
        clusters(ns, args.seeds)


if __name__ == "__main__":
    main()

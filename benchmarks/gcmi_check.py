"""The canonical-pair check of the Gaussian-copula MI (infossl.estimators.copula).

1. On every task of the given suites with two multivariate variables, at each n and seed:
   whether the check flags the Gaussian-copula MI (it should not where the copula is Gaussian
   or the Gaussian part is below the truth), and the smallest margin to its threshold.
2. On "hidden discrete" pairs (I(X;Y) = ln K exactly: x and y share a K-valued B in the
   direction (1, ..., 1), with independent Gaussian spread in the other directions, so every
   column looks Gaussian): gcmi, copula-max without the check (the larger part) and with it.

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
from infossl.estimators.copula import (
    CHECK_TOLERANCE_NATS,
    CHECK_TOLERANCE_REL,
    canonical_pair_check,
    copula_normalise,
    gaussian_copula_mi,
)


def hidden_discrete(n: int, d: int, levels: int, spread: float, seed: int):  # type: ignore[no-untyped-def]
    """x, y of dimension d sharing B uniform on {0..levels-1} along (1, ..., 1)/sqrt(d)."""
    rng = np.random.default_rng(seed)
    b = rng.integers(0, levels, n).astype(float)
    basis = np.linalg.qr(np.hstack([np.ones((d, 1)), rng.standard_normal((d, d - 1))]))[0][:, 1:]

    def side() -> np.ndarray:
        return spread * rng.standard_normal((n, d - 1)) @ basis.T + b[:, None] / math.sqrt(d)

    return side(), side()


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
                    except ValueError:  # collinear scores or a constant side
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


def hidden(ns: list[int], seeds: int) -> None:
    print("| d + d | K | n | truth | gcmi | max (no check) | copula-max | flagged |")
    print("|---|---|---|---|---|---|---|---|")
    for d, levels in ((2, 2), (3, 2), (5, 2), (3, 4), (8, 3)):
        for n in ns:
            rows = []
            for seed in range(seeds):
                x, y = hidden_discrete(n, d, levels, 4.0, seed)
                est = estimate_mi(x, y, "copula-max")
                p = est.params
                rows.append(
                    (p["gcmi"], max(p["gcmi"], p["ksg1_copula"]), est.value, p["used"] != "gcmi")
                )
            g, old, new, flag = (np.mean([r[i] for r in rows]) for i in range(4))
            print(
                f"| {d} + {d} | {levels} | {n} | {math.log(levels):.3f} | {g:.3f} | {old:.3f} "
                f"| {new:.3f} | {flag * seeds:.0f}/{seeds} |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suites", default="tails,high-mi,composed,mixtures,sparsity")
    parser.add_argument("--n", default="500,2000,5000")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--skip-hidden", action="store_true")
    args = parser.parse_args()
    ns = [int(v) for v in args.n.split(",")]
    warnings.simplefilter("ignore")
    if args.suites:
        suites(args.suites.split(","), ns, args.seeds)
    if not args.skip_hidden:
        hidden(ns, args.seeds)


if __name__ == "__main__":
    main()

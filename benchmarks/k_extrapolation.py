"""Choose the bias exponent of the k → 0 extrapolation in ``copula-max`` on the tuning suites.

Reads rows of ``benchmarks/auto_rule.py`` that hold, per cell (task, n, seed), ``gcmi`` and
``ksg1-copula`` at k = 1, 2, 3, 4, 8 (``ksg1-copula`` alone is k = 3). For each exponent c it
forms what ``copula-max`` returns with ``bias_exponent=c``, max(gcmi, a) with a the intercept of
the least-squares line Î(k) = a + b·k^(c/d) through k = 1, 2, 4, 8 (d = d_x + d_y; the same
function the estimator calls), and prints per n: mean |error| per suite (mean over tasks of the
mean over seeds) and the largest mean overestimate of any task. c = 0 stands for the rule
without extrapolation, max(gcmi, ksg1-copula at k = 3).

Criterion (fixed before the held-out runs): the smallest c whose largest mean overestimate is
at most 0.05 nats at every n.

    python benchmarks/k_extrapolation.py --exponents 0,2,3,4,5,6,8 \\
        benchmarks/estimators/auto-rule/tuning.csv benchmarks/estimators/auto-rule/sizes.csv \\
        benchmarks/estimators/auto-rule/extrapolated/tuning-k.csv \\
        benchmarks/estimators/auto-rule/extrapolated/sizes-k.csv
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from statistics import mean

from infossl.estimators.copula import EXTRAPOLATION_KS, extrapolate_to_k0

OVERSHOOT_LIMIT = 0.05

Cell = tuple[str, str, str, str]  # suite, task, n, seed


def load(paths: list[str]) -> tuple[dict[Cell, dict[str, float]], dict[Cell, tuple[int, float]]]:
    """Values per cell and method (``ksg1-copula`` renamed ``ksg1-copula:k=3``), and per cell
    the joint dimension and the true MI."""
    values: dict[Cell, dict[str, float]] = defaultdict(dict)
    meta: dict[Cell, tuple[int, float]] = {}
    for path in paths:
        with open(path) as fh:
            for r in csv.DictReader(fh):
                cell = (r["suite"], r["task"], r["n"], r["seed"])
                method = "ksg1-copula:k=3" if r["method"] == "ksg1-copula" else r["method"]
                values[cell][method] = float(r["value"])
                meta[cell] = (int(r["dim_x"]) + int(r["dim_y"]), float(r["true"]))
    return values, meta


def rule_value(parts: dict[str, float], dim: int, exponent: float) -> float:
    """What ``copula-max`` returns with this exponent (0: no extrapolation, k = 3)."""
    if exponent == 0:
        return max(parts["gcmi"], parts["ksg1-copula:k=3"])
    series = [parts[f"ksg1-copula:k={k}"] for k in EXTRAPOLATION_KS]
    return max(parts["gcmi"], extrapolate_to_k0(series, EXTRAPOLATION_KS, dim, exponent)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="+")
    parser.add_argument("--exponents", default="0,2,3,4,5,6,8")
    args = parser.parse_args()
    values, meta = load(args.csv)
    needed = {"gcmi", "ksg1-copula:k=3", *(f"ksg1-copula:k={k}" for k in EXTRAPOLATION_KS)}
    cells = [c for c, parts in values.items() if needed <= parts.keys()]
    ns = sorted({c[2] for c in cells}, key=int)
    suites = sorted({c[0] for c in cells})
    passing: list[float] = []
    print("| c | n | all | " + " | ".join(suites) + " | largest overestimate (task) |")
    print("|---" * (len(suites) + 4) + "|")
    for exponent in map(float, args.exponents.split(",")):
        worst_over = float("-inf")
        for n in ns:
            errors: dict[tuple[str, str], list[float]] = defaultdict(list)
            for cell in (c for c in cells if c[2] == n):
                dim, truth = meta[cell]
                errors[(cell[0], cell[1])].append(rule_value(values[cell], dim, exponent) - truth)
            per_task = {key: mean(e) for key, e in errors.items()}
            abs_task = {key: mean(abs(v) for v in e) for key, e in errors.items()}
            over_key = max(per_task, key=per_task.__getitem__)
            worst_over = max(worst_over, per_task[over_key])
            columns = [mean(v for (s, _), v in abs_task.items() if s == suite) for suite in suites]
            print(
                f"| {exponent:g} | {n} | {mean(abs_task.values()):.3f} | "
                + " | ".join(f"{v:.3f}" for v in columns)
                + f" | {per_task[over_key]:+.3f} ({over_key[1]}) |"
            )
        if exponent > 0 and worst_over <= OVERSHOOT_LIMIT:
            passing.append(exponent)
    chosen = min(passing) if passing else None
    print(f"\nsmallest exponent with every largest overestimate ≤ {OVERSHOOT_LIMIT}: {chosen}")


if __name__ == "__main__":
    main()

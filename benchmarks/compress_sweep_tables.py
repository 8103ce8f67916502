"""Markdown tables of benchmarks/compress_sweep.md from a sweep folder's CSV files.

Usage: ``python benchmarks/compress_sweep_tables.py benchmarks/compress_experiment/sweep_mlp``.
Reads ``label_summary.csv``, ``eps_summary.csv`` and ``crossover.csv`` written by
``infossl experiment compress --label-sweep ... --eps-sweep ...``; prints mean [95 % t-interval
over seeds] cells. Nothing is recomputed here.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def _label(row: dict[str, str]) -> str:
    beta = float(row["beta"])
    return row["objective"] if math.isnan(beta) else f"{row['objective']} β={beta:g}"


def _ci(row: dict[str, str], prefix: str, digits: int = 3, signed: bool = False) -> str:
    mean, low, high = (float(row[f"{prefix}_{k}"]) for k in ("mean", "low", "high"))
    fmt = f"{{:+.{digits}f}}" if signed else f"{{:.{digits}f}}"
    return f"{fmt.format(mean)} [{fmt.format(low)}, {fmt.format(high)}]"


def label_tables(folder: Path) -> str:
    """Per measured point of the main figure: accuracy and paired gap to SimCLR per count."""
    rows = _read(folder / "label_summary.csv")
    out = []
    for eps in sorted({r["eps_info"] for r in rows}, key=float):
        here = [r for r in rows if r["eps_info"] == eps]
        counts = sorted({int(r["labels"]) for r in here})
        names = list(dict.fromkeys(_label(r) for r in here))
        cell = {(_label(r), int(r["labels"])): r for r in here}
        head = "| objective | " + " | ".join(f"{n} labels" for n in counts) + " |"
        sep = "|---" * (len(counts) + 1) + "|"
        out += [f"\n**{here[0]['regime']}, ε_info = {float(eps):.3g} nats**: accuracy\n", head, sep]
        for name in names:
            out.append(
                f"| {name} | " + " | ".join(_ci(cell[(name, n)], "acc") for n in counts) + " |"
            )
        first = names[0]
        for prefix, what in (("oracle_s", "probe on S"), ("oracle_x1", "probe on X1")):
            out.append(
                f"| *{what}* | " + " | ".join(_ci(cell[(first, n)], prefix) for n in counts) + " |"
            )
        ref = cell[(first, counts[0])]
        out.append(
            f"\nBayes accuracy from X1 {float(ref['bayes_x1']):.3f}, from S "
            f"{float(ref['bayes_s']):.3f}, from Z* = E[S|X1] {float(ref['bayes_sufficient']):.3f}."
            "\n\nPaired gap to SimCLR (same seed, same labelled rows):\n"
        )
        out += [head, sep]
        for name in names[1:]:
            out.append(
                f"| {name} | "
                + " | ".join(_ci(cell[(name, n)], "gap", signed=True) for n in counts)
                + " |"
            )
    return "\n".join(out)


def eps_tables(folder: Path) -> str:
    """Gap to SimCLR per ε and objective, and the label information lost vs the bound."""
    rows = _read(folder / "eps_summary.csv")
    eps_values = sorted({r["eps_info"] for r in rows}, key=float)
    names = list(dict.fromkeys(_label(r) for r in rows))
    cell = {(_label(r), r["eps_info"]): r for r in rows}
    others = [n for n in names if n != "simclr"]
    head = "| ε_info | SimCLR acc | " + " | ".join(others) + " | predicted cost |"
    out = ["Accuracy gap to SimCLR (2000 labels; paired per seed):\n", head]
    out.append("|---" * (len(others) + 3) + "|")
    for eps in eps_values:
        base = cell[("simclr", eps)]
        out.append(
            f"| {float(eps):.3g} | {_ci(base, 'acc')} | "
            + " | ".join(_ci(cell[(n, eps)], "gap", signed=True) for n in others)
            + f" | {-float(base['ideal_acc_cost']):+.3f} |"
        )
    head = "| ε_info (bound) | I(Y;X1) − I(Y;Z*) | " + " | ".join(names) + " |"
    out += ["\nLabel information lost, I(Y;X1) − I(Z1;Y), nats (seed mean):\n", head]
    out.append("|---" * (len(names) + 2) + "|")
    for eps in eps_values:
        base = cell[("simclr", eps)]
        i_y_x1 = float(base["i_y_x1"])
        out.append(
            f"| {float(eps):.3g} | {float(base['ideal_loss_nats']):.3f} | "
            + " | ".join(f"{i_y_x1 - float(cell[(n, eps)]['i_z1_y_mean']):.2f}" for n in names)
            + " |"
        )
    cross = _read(folder / "crossover.csv")
    out += [
        "\nWhere compression stops paying (gap interval vs 0):\n",
        "| objective | last ε not worse | first ε worse | first ε better |",
        "|---|---|---|---|",
    ]
    for r in cross:
        out.append(
            f"| {_label(r)} | {float(r['last_not_worse']):.3g} | "
            f"{float(r['first_worse']):.3g} | {float(r['first_better']):.3g} |"
        )
    return "\n".join(out)


def x1_gap_table(folder: Path) -> str:
    """Paired gap ``code − probe on X1`` (same seed, the whole label pool)
    per ε and objective, t-intervals over seeds, next to the predicted ``Bayes(Z*) −
    Bayes(X1)``."""
    from infossl.analysis.compress_sweep import t_interval

    rows = _read(folder / "label_sweep.csv")
    pool = max(int(r["labels"]) for r in rows)
    gaps: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        if int(r["labels"]) == pool:
            key = (f"{float(r['eps_info']):.6f}", _label(r))
            gaps.setdefault(key, []).append(float(r["probe_accuracy"]) - float(r["oracle_x1"]))
    cost = {
        f"{float(r['eps_info']):.6f}": float(r["ideal_acc_cost"])
        for r in _read(folder / "eps_summary.csv")
    }
    names = list(dict.fromkeys(name for _, name in gaps))
    eps_values = sorted({eps for eps, _ in gaps}, key=float)
    out = [
        f"Accuracy gap to the probe on X1 (keep everything; {pool} labels, paired per seed):\n",
        "| ε_info | predicted | " + " | ".join(names) + " |",
        "|---" * (len(names) + 2) + "|",
    ]
    for eps in eps_values:
        cells = []
        for name in names:
            t = t_interval(gaps[(eps, name)])
            cells.append(f"{t['mean']:+.3f} [{t['low']:+.3f}, {t['high']:+.3f}]")
        out.append(f"| {float(eps):.3g} | {-cost[eps]:+.3f} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: list[str]) -> None:
    for arg in argv:
        folder = Path(arg)
        print(f"## {folder}\n")
        print(label_tables(folder))
        print()
        print(eps_tables(folder))
        print()
        print(x1_gap_table(folder))
        print()


if __name__ == "__main__":
    main(sys.argv[1:])

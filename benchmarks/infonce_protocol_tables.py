"""Tables of ``benchmarks/infonce_protocol.md`` from the CSVs that ``benchmarks/auto_rule.py``
wrote (one row per method × task × n × seed).

    python benchmarks/infonce_protocol_tables.py protocols FILE.csv [FILE.csv ...]
    python benchmarks/infonce_protocol_tables.py best --ours M1,M2 --theirs M3,M4 FILE.csv ...

``protocols``: per method, over the tasks every method has, the mean and median absolute error
of the seed-mean value (nats), the largest error, the number of tasks off by more than 1 nat, and
the mean and median seconds per call; then the same means without the tasks where any method is
off by more than 3 nats (the blow-ups), so that one value cannot decide a comparison alone.
``best``: per task, the smallest absolute error (seed means) among ``--ours`` against the
smallest among ``--theirs``; prints the count of tasks where ours is closer, and the tasks where it
is not.
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from statistics import mean, median

BLOW_UP = 3.0


def load(paths: list[str]) -> dict[str, dict[str, dict[str, list[float]]]]:
    """method → task → {"value": [...], "true": [...], "seconds": [...]} (finite rows only)."""
    table: dict[str, dict[str, dict[str, list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for path in paths:
        with open(path) as fh:
            for row in csv.DictReader(fh):
                if row["error"] or row["value"] in ("", "nan"):
                    continue
                cell = table[row["method"]][row["task"]]
                cell["value"].append(float(row["value"]))
                cell["true"].append(float(row["true"]))
                cell["seconds"].append(float(row["seconds"]))
    return table


def errors(cells: dict[str, dict[str, list[float]]], tasks: set[str]) -> dict[str, float]:
    """Absolute error of the seed-mean value, per task."""
    return {t: abs(mean(cells[t]["value"]) - cells[t]["true"][0]) for t in tasks}


def protocols(paths: list[str]) -> None:
    table = load(paths)
    tasks = set.intersection(*(set(v) for v in table.values()))
    errs = {m: errors(cells, tasks) for m, cells in table.items()}
    bad = {t for t in tasks if any(e[t] > BLOW_UP for e in errs.values())}
    print(f"{len(tasks)} tasks; without blow-ups: {len(tasks - bad)} ({', '.join(sorted(bad))})\n")
    print(
        "| method | mean abs. error | median | max | tasks off > 1 nat | mean s | median s "
        "| mean abs. error without blow-ups |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for method, e in errs.items():
        secs = [s for t in tasks for s in table[method][t]["seconds"]]
        rest = [e[t] for t in tasks - bad]
        print(
            f"| `{method}` | {mean(e.values()):.3g} | {median(e.values()):.3f} | "
            f"{max(e.values()):.3g} | {sum(v > 1 for v in e.values())} | {mean(secs):.2f} | "
            f"{median(secs):.2f} | {mean(rest):.3f} |"
        )


def best(paths: list[str], ours: list[str], theirs: list[str]) -> None:
    table = load(paths)
    tasks = set.intersection(*(set(table[m]) for m in ours + theirs))
    mine = {m: errors(table[m], tasks) for m in ours}
    other = {m: errors(table[m], tasks) for m in theirs}
    wins = 0
    lines = []
    for t in sorted(tasks):
        a_method, a = min(((m, e[t]) for m, e in mine.items()), key=lambda p: p[1])
        b_method, b = min(((m, e[t]) for m, e in other.items()), key=lambda p: p[1])
        if a < b:
            wins += 1
        else:
            lines.append(f"- {t}: ours {a:.3f} ({a_method}), theirs {b:.3f} ({b_method})")
    print(f"ours closer on {wins} of {len(tasks)} tasks")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", choices=("protocols", "best"))
    parser.add_argument("files", nargs="+")
    parser.add_argument("--ours", default="")
    parser.add_argument("--theirs", default="")
    args = parser.parse_args()
    if args.table == "protocols":
        protocols(args.files)
    else:
        best(args.files, args.ours.split(","), args.theirs.split(","))


if __name__ == "__main__":
    main()

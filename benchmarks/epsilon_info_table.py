"""The tables of benchmarks/epsilon_info.md from the files of benchmarks/epsilon_info.sh.

Usage, from the repository root: python benchmarks/epsilon_info_table.py
"""

from __future__ import annotations

import json
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "epsilon_info"
RUNS = [(data, scale) for data in ("digits", "cifar10") for scale in ("0.08", "0.5")]
#: Every ε_info folder: the main runs, then the follow-up of benchmarks/epsilon_info_budget.sh.
EPS_RUNS = [f"{data}-{scale}" for data, scale in RUNS] + [
    "digits-0.08-weak",
    "digits-0.08-strong",
    "digits-0.5-weak",
    "cifar10-0.08-large",
]


def _ci(estimate: dict) -> str:
    low, high = estimate["ci"]
    return f"{estimate['value']:.3f} [{low:.3f}, {high:.3f}]"


def _acc(values: list[float]) -> str:
    return f"{values[0]:.3f} [{values[1]:.3f}, {values[2]:.3f}]"


def main() -> None:
    print(
        "| run | classifier (epochs run x1/x2/both) | Î(Y;X1\\|X2) | Î(Y;X2\\|X1) | CE X1 | CE X2 "
        "| CE X1,X2 | acc X1 | acc X2 | acc X1,X2 | train / test images | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in EPS_RUNS:
        path = FOLDER / name / "epsilon_info.json"
        if not path.is_file():
            continue
        r = json.loads(path.read_text())
        e, a, s = r["estimates"], r["accuracy"], r["settings"]
        pairs = r["data"]["pairs_per_image"]
        run = s.get("epochs_run")
        ran = "/".join(f"{run[k]:.0f}" for k in ("x1", "x2", "both")) if run else "not recorded"
        cells = [
            name,
            f"convnet w{s['conv_width']}, ≤ {s['epochs']} ({ran})",
            _ci(e["I(Y;X1|X2)"]),
            _ci(e["I(Y;X2|X1)"]),
            f"{e['H(Y|X1)']['value']:.3f}",
            f"{e['H(Y|X2)']['value']:.3f}",
            f"{e['H(Y|X1,X2)']['value']:.3f}",
            _acc(a["x1"]),
            _acc(a["x2"]),
            _acc(a["both"]),
            f"{r['n_train'] // pairs} / {r['n_test'] // pairs}",
            f"{r['seconds']:.0f}",
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        "| data | min_scale | SimCLR epochs | kNN acc | linear-probe acc | train img/s | wall s |"
    )
    print("|---|---|---|---|---|---|---|")
    for data, scale in RUNS:
        path = FOLDER / f"ssl-{data}-{scale}.json"
        if not path.is_file():
            continue
        s = json.loads(path.read_text())
        cells = [
            data,
            scale,
            f"{s['epochs_completed']:.0f}",
            f"{s.get('knn_acc', float('nan')):.4f}",
            f"{s.get('linear_acc', float('nan')):.4f}",
            f"{s['img_per_s']:.0f}",
            f"{s['wall_seconds']:.0f}",
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    print("| untrained encoder (random init) | kNN acc | linear-probe acc |")
    print("|---|---|---|")
    for run in ("digits-0.5", "cifar10-0.5"):
        values = []
        for kind in ("knn", "linear"):
            path = FOLDER / f"random-{run}-{kind}.txt"
            text = path.read_text() if path.is_file() else ""
            record = json.loads(text[text.index("{") :]) if "{" in text else {}
            values.append(record.get("accuracy", record.get(f"{kind}_acc", float("nan"))))
        print(f"| {run.split('-')[0]} | {values[0]:.4f} | {values[1]:.4f} |")


if __name__ == "__main__":
    main()

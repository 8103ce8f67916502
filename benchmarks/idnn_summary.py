"""Summarise the JSON outputs of benchmarks/idnn.sh as markdown tables (printed to stdout).

Usage: python benchmarks/idnn_summary.py benchmarks/idnn/*/infoplane.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def summarise(path: Path) -> str:
    data = json.loads(path.read_text())
    cfg = data["config"]
    xt = np.array(data["I_XT_bits"], dtype=float)  # (S, E, L); "nan" strings read as NaN
    ty = np.array(data["I_TY_bits"], dtype=float)
    epochs = np.array(data["epochs"])
    mean_xt, mean_ty = xt.mean(axis=0), ty.mean(axis=0)
    peak = mean_xt.argmax(axis=0)
    per_seed_drop = xt.max(axis=1) - xt[:, -1, :]  # (S, L)
    lines = [
        f"### {path.parent.name}: {cfg['activation']}, {data['estimator']}, "
        f"{len(data['seeds'])} seeds, {cfg['epochs']} epochs, {len(epochs)} logged epochs",
        "",
        f"Estimator parameters: `{_params(data['estimator_params'])}`. "
        f"H(X) = {data['H_X_bits']:.3f} bits, H(Y) = {data['H_Y_bits']:.4f} bits. "
        f"Final accuracy (seed mean): train {np.mean(data['train_accuracy'], axis=0)[-1]:.3f}, "
        f"test {np.mean(data['test_accuracy'], axis=0)[-1]:.3f}. "
        f"Training {data['seconds'].get('training', float('nan')):.0f} s, information "
        f"{data['seconds'].get('information', float('nan')):.0f} s (wall clock, shared machine).",
        "",
        "| layer | I(X;T) epoch 0 | max I(X;T) (epoch) | I(X;T) last | compression (seed mean) "
        "| compression per seed, min–max | I(T;Y) last |",
        "|---|---|---|---|---|---|---|",
    ]
    for li, name in enumerate(data["layers"]):
        lines.append(
            f"| {name} | {mean_xt[0, li]:.2f} | {mean_xt[peak[li], li]:.2f} ({epochs[peak[li]]}) "
            f"| {mean_xt[-1, li]:.2f} | {mean_xt[peak[li], li] - mean_xt[-1, li]:.2f} "
            f"| {per_seed_drop[:, li].min():.2f}–{per_seed_drop[:, li].max():.2f} "
            f"| {mean_ty[-1, li]:.3f} |"
        )
    return "\n".join(lines) + "\n"


def _params(params: dict) -> str:
    shown = {k: v for k, v in params.items() if k != "ranges"}
    return json.dumps(shown)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(summarise(Path(arg)))

"""Summaries of an estimator benchmark: results table, heat-map, sample complexity, markdown.

Definitions (all in nats):
    relative error  = |mean estimate − I| / I          (for I > 0; absolute error when I = 0)
    within factor f = I / f ≤ mean estimate ≤ f · I    (f = 1.5; for I = 0: |mean| ≤ 0.05 nats)
    sample complexity of (method, task) = the smallest N such that the mean over seeds at N and at
        every larger N of the grid is within factor 1.5 of the truth, all seeds succeeding.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from infossl._atomic import atomic_write_figure, atomic_write_text

FACTOR = 1.5
ZERO_MI_TOLERANCE = 0.05


@dataclass(frozen=True)
class CellSummary:
    method: str
    task: str
    n: int
    true_mi: float
    mean: float | None
    std: float | None
    n_ok: int
    n_failed: int
    failures: str
    seconds: float

    @property
    def relative_error(self) -> float | None:
        if self.mean is None:
            return None
        if self.true_mi == 0:
            return abs(self.mean)
        return abs(self.mean - self.true_mi) / abs(self.true_mi)

    @property
    def within_factor(self) -> bool:
        if self.mean is None or self.n_failed:
            return False
        if self.true_mi == 0:
            return abs(self.mean) <= ZERO_MI_TOLERANCE
        return self.true_mi / FACTOR <= self.mean <= FACTOR * self.true_mi


def summarise(rows: Sequence[dict[str, Any]]) -> list[CellSummary]:
    """Aggregate result rows over seeds, per (method, task, n)."""
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(r["method"], r["task"], int(r["n"]))].append(r)
    out = []
    for (method, task, n), rs in sorted(groups.items()):
        ok = [r["value"] for r in rs if r["status"] == "ok" and r["value"] is not None]
        bad = [r["status"] for r in rs if r["status"] != "ok"]
        out.append(
            CellSummary(
                method=method,
                task=task,
                n=n,
                true_mi=float(rs[0]["true_mi"]),
                mean=float(np.mean(ok)) if ok else None,
                std=float(np.std(ok, ddof=1)) if len(ok) > 1 else None,  # undefined for one
                n_ok=len(ok),
                n_failed=len(bad),
                failures=", ".join(f"{s}×{bad.count(s)}" for s in sorted(set(bad))),
                seconds=float(np.mean([r["seconds"] for r in rs if r["seconds"] is not None])),
            )
        )
    return out


def sample_complexity(cells: Sequence[CellSummary]) -> dict[tuple[str, str], int | None]:
    """Smallest N within factor 1.5 of the truth at N and every larger N (None if never)."""
    by_pair: dict[tuple[str, str], list[CellSummary]] = defaultdict(list)
    for c in cells:
        by_pair[(c.method, c.task)].append(c)
    result: dict[tuple[str, str], int | None] = {}
    for pair, cs in by_pair.items():
        cs = sorted(cs, key=lambda c: c.n)
        best = None
        for c in reversed(cs):
            if not c.within_factor:
                break
            best = c.n
        result[pair] = best
    return result


def write_table_csv(cells: Sequence[CellSummary], path: Path) -> None:
    """The summary table as CSV, written atomically."""
    fh = io.StringIO(newline="")
    w = csv.writer(fh)
    w.writerow(
        [
            "method",
            "task",
            "n",
            "true_mi_nats",
            "mean_nats",
            "std_nats",
            "relative_error",
            "n_ok",
            "failures",
            "seconds",
        ]
    )
    for c in cells:
        w.writerow(
            [
                c.method,
                c.task,
                c.n,
                f"{c.true_mi:.6g}",
                _fmt(c.mean),
                _fmt(c.std),
                _fmt(c.relative_error),
                c.n_ok,
                c.failures,
                f"{c.seconds:.4g}",
            ]
        )
    atomic_write_text(path, fh.getvalue())


def plot_heatmap(cells: Sequence[CellSummary], path: Path, n: int | None = None) -> None:
    """Heat-map of log10 relative error, estimator × task, at sample size ``n`` (default: max)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = n if n is not None else max(c.n for c in cells)
    sel = [c for c in cells if c.n == n]
    methods = sorted({c.method for c in sel})
    tasks = sorted({c.task for c in sel})
    grid = np.full((len(methods), len(tasks)), np.nan)
    labels = np.full(grid.shape, "", dtype=object)
    for c in sel:
        i, j = methods.index(c.method), tasks.index(c.task)
        err = c.relative_error
        if err is not None and not c.n_failed:
            grid[i, j] = math.log10(max(err, 1e-3))
            labels[i, j] = f"{c.mean:.2g}"
        else:
            labels[i, j] = "fail"
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(tasks) + 2), 0.5 * len(methods) + 2.5))
    im = ax.imshow(grid, cmap="RdYlGn_r", vmin=-3, vmax=1, aspect="auto")
    ax.set_xticks(range(len(tasks)), tasks, rotation=90, fontsize=7)
    ax.set_yticks(range(len(methods)), methods, fontsize=8)
    for i in range(len(methods)):
        for j in range(len(tasks)):
            ax.text(j, i, labels[i, j], ha="center", va="center", fontsize=5)
    fig.colorbar(im, ax=ax, label="log10 relative error (cell text: mean estimate, nats)")
    ax.set_title(f"Estimator accuracy at n = {n} (grey: failed)")
    fig.tight_layout()
    atomic_write_figure(path, fig, dpi=130)
    plt.close(fig)


def write_markdown(
    cells: Sequence[CellSummary],
    complexity: dict[tuple[str, str], int | None],
    path: Path,
    command: str = "",
) -> None:
    """A markdown summary: per-method overview, sample complexity, full table."""
    methods = sorted({c.method for c in cells})
    tasks = sorted({c.task for c in cells})
    n_max = max(c.n for c in cells)
    lines = ["# Estimator benchmark", ""]
    if command:
        lines += ["Command:", "", f"    {command}", ""]
    lines += [f"Cells: {len(cells)} (method × task × n); largest n = {n_max}. Values in nats.", ""]
    lines += [
        "## Overview at the largest n",
        "",
        "| method | tasks within ×1.5 | median relative error | failures | mean seconds |",
        "|---|---|---|---|---|",
    ]
    for m in methods:
        sel = [c for c in cells if c.method == m and c.n == n_max]
        errs = [c.relative_error for c in sel if c.relative_error is not None]
        fails = sum(c.n_failed for c in sel)
        good = sum(c.within_factor for c in sel)
        lines.append(
            f"| {m} | {good}/{len(sel)} | {_fmt(float(np.median(errs)) if errs else None)}"
            f" | {fails} | {np.mean([c.seconds for c in sel]):.3g} |"
        )
    lines += [
        "",
        "## Sample complexity (smallest N within ×1.5 at N and above; — = never)",
        "",
        "| task | " + " | ".join(methods) + " |",
        "|---" * (len(methods) + 1) + "|",
    ]
    for t in tasks:
        vals = [complexity.get((m, t)) for m in methods]
        lines.append(f"| {t} | " + " | ".join("—" if v is None else str(v) for v in vals) + " |")
    lines += [
        "",
        "## All cells",
        "",
        "| method | task | n | true | mean ± std | rel. err | failures | s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in cells:
        if c.mean is None:
            mean = "—"
        elif c.std is None:
            mean = f"{c.mean:.3f} (one seed)"
        else:
            mean = f"{c.mean:.3f} ± {c.std:.3f}"
        lines.append(
            f"| {c.method} | {c.task} | {c.n} | {c.true_mi:.3f} | {mean} | "
            f"{_fmt(c.relative_error)} | {c.failures} | {c.seconds:.3g} |"
        )
    atomic_write_text(path, "\n".join(lines) + "\n")


def _fmt(v: float | None) -> str:
    return "" if v is None else f"{v:.4g}"

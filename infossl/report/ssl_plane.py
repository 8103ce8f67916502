"""The SSL information plane of several training runs: Ĥ(Z), Ĥ(Z1|Z2), Î(Z1;Z2) with its
ceiling and Î(Z;Y) over training, one colour per run (``infossl ssl-plane RUN_DIR...``).

Each run folder must hold the ``diagnostics.jsonl`` that ``infossl train`` writes (or any
:class:`~infossl.analysis.monitor.InformationMonitor`), with the four estimates of
:data:`PLANE_QUANTITIES` in at least one row; ``config.yaml`` (the method's name, used as the
run's label), ``metrics.jsonl`` (kNN accuracy) and ``summary.json`` (final linear probe) are read
when present. The estimators are those of :mod:`infossl.analysis.diagnostics`, all on the same
fixed batch of n images: Ĥ(Z) a Gaussian log-det upper bound, Ĥ(Z1|Z2) the Gaussian-channel
proxy, Î(Z1;Z2) InfoNCE with a fixed cosine critic (a lower bound that cannot exceed ln n, its
ceiling), Î(Z;Y) a linear-probe lower bound (ceiling H(Y)). Values are in nats unless ``unit``
says bits.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from infossl._checks import check_choice
from infossl.report.figures import runs_diagnostics_figure
from infossl.train.runfiles import (
    DIAGNOSTICS_FILE,
    read_diagnostics,
    read_json,
    read_jsonl,
    read_yaml,
)

__all__ = [
    "PLANE_QUANTITIES",
    "PlaneRun",
    "load_plane_runs",
    "plane_rows",
    "plane_summary",
    "ssl_plane_figure",
    "summary_markdown",
]

#: (estimate key in ``diagnostics.jsonl``, panel title) of the four quantities drawn.
PLANE_QUANTITIES: tuple[tuple[str, str], ...] = (
    ("H(Z):gaussian-ridge", "Ĥ(Z): Gaussian log-det (upper bound)"),
    ("H(Z1|Z2):view-gaussian", "Ĥ(Z1|Z2): Gaussian channel z1 | z2 (proxy)"),
    ("I(Z1;Z2):infonce", "Î(Z1;Z2): InfoNCE, cosine/τ critic (lower bound; dashed: ln n)"),
    ("I(Z;Y):probe", "Î(Z;Y): linear probe H(Y) − CE (lower bound; dashed: H(Y))"),
)

_UNITS = ("nats", "bits")
_AXES = ("step", "epoch")


@dataclass
class PlaneRun:
    """One run folder's diagnostics rows, its label and, when recorded, its accuracies."""

    label: str
    path: Path
    rows: list[dict[str, Any]]
    knn: list[tuple[int, float]] = field(default_factory=list)
    linear_acc: float | None = None

    def points(self, key: str) -> list[dict[str, Any]]:
        """The rows holding estimate ``key``, in file order."""
        return [r for r in self.rows if key in r.get("estimates", {})]


def _method_name(path: Path) -> str:
    """The ``method`` of ``path/config.yaml``, else the folder's name."""
    config = path / "config.yaml"
    value = read_yaml(config) if config.is_file() else None
    if isinstance(value, dict) and isinstance(value.get("method"), str):
        return str(value["method"])
    return path.name


def _missing_message(path: Path, rows: list[dict[str, Any]], missing: list[str]) -> str:
    recorded = sorted({k for r in rows for k in r.get("estimates", {})})
    errors = sorted({f"{k}: {v}" for r in rows for k, v in r.get("errors", {}).items()})
    why = f"; errors recorded: {' | '.join(errors)}" if errors else ""
    return (
        f"{path / DIAGNOSTICS_FILE} has no estimate of {', '.join(missing)} (recorded: "
        f"{', '.join(recorded) or 'none'}){why}; Î(Z;Y) needs labelled data, and "
        "diagnostics.quantities must include them"
    )


def _load_one(run_dir: str | os.PathLike[str]) -> PlaneRun:
    """Read one run folder (``FileNotFoundError`` when missing, ``ValueError`` when it is a file,
    has no or an empty ``diagnostics.jsonl`` or lacks a quantity of :data:`PLANE_QUANTITIES`)."""
    path = Path(run_dir)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file, not a run folder; give the folder infossl train wrote")
    if not path.is_dir():
        raise FileNotFoundError(f"run folder not found: {path}")
    if not (path / DIAGNOSTICS_FILE).is_file():
        raise ValueError(
            f"{path} has no {DIAGNOSTICS_FILE}; train with diagnostics.enabled=true "
            "(infossl train's default)"
        )
    rows = read_diagnostics(path)
    if not rows:
        raise ValueError(f"{path / DIAGNOSTICS_FILE} holds no rows")
    missing = [k for k, _ in PLANE_QUANTITIES if not any(k in r.get("estimates", {}) for r in rows)]
    if missing:
        raise ValueError(_missing_message(path, rows, missing))
    knn = [
        (int(r["epoch"]), float(r["knn_acc"]))
        for r in read_jsonl(path / "metrics.jsonl")
        if r.get("kind") == "eval" and r.get("knn_acc") is not None
    ]
    summary = read_json(path / "summary.json") if (path / "summary.json").is_file() else None
    linear = summary.get("linear_acc") if isinstance(summary, dict) else None
    return PlaneRun(_method_name(path), path, rows, knn, None if linear is None else float(linear))


def load_plane_runs(run_dirs: Sequence[str | os.PathLike[str]]) -> list[PlaneRun]:
    """Read every run folder of ``run_dirs`` (at least one; errors as :func:`_load_one`).

    A run is labelled by its method; runs sharing a method are labelled ``method (folder)``.
    """
    if not run_dirs:
        raise ValueError("give at least one run folder")
    runs = [_load_one(d) for d in run_dirs]
    counts = Counter(r.label for r in runs)
    for r in runs:
        if counts[r.label] > 1:
            r.label = f"{r.label} ({r.path.name})"
    return runs


def _factor(unit: str) -> float:
    return 1.0 if check_choice(unit, "unit", _UNITS) == "nats" else 1.0 / math.log(2.0)


def _scaled(value: Any, f: float) -> float | None:
    return None if value is None else float(value) * f


def plane_rows(runs: Sequence[PlaneRun], unit: str = "nats") -> list[dict[str, Any]]:
    """One row per run, diagnostics row and quantity of :data:`PLANE_QUANTITIES`: label, folder,
    epoch, step, representation, n, dim, quantity key, kind, value, ceiling, stderr and CI
    bounds (empty when the estimator gives none), all in ``unit``."""
    f = _factor(unit)
    out: list[dict[str, Any]] = []
    for run in runs:
        for key, _ in PLANE_QUANTITIES:
            for r in run.points(key):
                est = r["estimates"][key]
                ci = est.get("ci") or (None, None)
                out.append(
                    {
                        "run": run.label,
                        "folder": str(run.path),
                        "epoch": int(r["epoch"]),
                        "step": int(r["step"]),
                        "representation": r.get("representation", ""),
                        "n": r.get("n", ""),
                        "dim": r.get("dim", ""),
                        "quantity": key,
                        "kind": est.get("kind", ""),
                        "unit": unit,
                        "value": float(est["value"]) * f,
                        "ceiling": _scaled(est.get("ceiling"), f),
                        "stderr": _scaled(est.get("stderr"), f),
                        "ci_low": _scaled(ci[0], f),
                        "ci_high": _scaled(ci[1], f),
                    }
                )
    return out


def plane_summary(runs: Sequence[PlaneRun], unit: str = "nats") -> list[dict[str, Any]]:
    """Per run and quantity: the first and last recorded values (with their epochs), the
    change and the last ceiling, in ``unit``; then the first and last kNN accuracy and the final
    linear-probe accuracy when the run recorded them (with their epochs; ``None`` otherwise)."""
    f = _factor(unit)
    out: list[dict[str, Any]] = []
    for run in runs:
        for key, _ in PLANE_QUANTITIES:
            pts = run.points(key)
            first, last = pts[0], pts[-1]
            a = float(first["estimates"][key]["value"]) * f
            b = float(last["estimates"][key]["value"]) * f
            out.append(
                {
                    "run": run.label,
                    "quantity": key,
                    "first_epoch": int(first["epoch"]),
                    "first": a,
                    "last_epoch": int(last["epoch"]),
                    "last": b,
                    "change": b - a,
                    "ceiling": _scaled(last["estimates"][key].get("ceiling"), f),
                    "knn_first_epoch": run.knn[0][0] if run.knn else None,
                    "knn_first": run.knn[0][1] if run.knn else None,
                    "knn_last_epoch": run.knn[-1][0] if run.knn else None,
                    "knn_last": run.knn[-1][1] if run.knn else None,
                    "linear_acc": run.linear_acc,
                }
            )
    return out


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


def _cell(text: str) -> str:
    """``text`` for a Markdown table cell (``|`` escaped)."""
    return text.replace("|", "\\|")


def summary_markdown(runs: Sequence[PlaneRun], unit: str = "nats") -> str:
    """:func:`plane_summary` as a Markdown table, one line per run and quantity."""
    lines = [
        f"| run | quantity ({unit}) | first (epoch) | last (epoch) | change | ceiling | "
        "kNN acc first → last | linear acc |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in plane_summary(runs, unit):
        knn = (
            f"{_fmt(s['knn_first'])} ({s['knn_first_epoch']}) → "
            f"{_fmt(s['knn_last'])} ({s['knn_last_epoch']})"
            if s["knn_last"] is not None
            else "–"
        )
        lines.append(
            f"| {s['run']} | {_cell(s['quantity'])} | {_fmt(s['first'])} ({s['first_epoch']}) | "
            f"{_fmt(s['last'])} ({s['last_epoch']}) | {s['change']:+.4g} | "
            f"{_fmt(s['ceiling'])} | {knn} | {_fmt(s['linear_acc'])} |"
        )
    return "\n".join(lines)


def ssl_plane_figure(runs: Sequence[PlaneRun], unit: str = "nats", x: str = "step") -> Figure:
    """The four panels of :data:`PLANE_QUANTITIES` against ``x`` (``"step"`` or ``"epoch"``),
    one colour per run, ceilings dashed; the title names the representations, n and d."""
    _factor(unit)
    check_choice(x, "x", _AXES)
    fig = runs_diagnostics_figure(
        [(r.label, r.rows) for r in runs], PLANE_QUANTITIES, unit=unit, x=x
    )
    shapes = sorted(
        {
            f"{r.get('representation', '?')}, n = {r.get('n')}, d = {r.get('dim')}"
            for run in runs
            for r in run.rows
        }
    )
    fig.suptitle(f"SSL information plane over training ({'; '.join(shapes)})", fontsize=10)
    return fig

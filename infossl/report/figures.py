"""Figures of a run report (matplotlib ``Figure`` objects, headless; no pyplot state).

Each function takes a :class:`~infossl.report.run.RunRecords` and returns a Figure, or None
when the run has nothing to draw; :func:`runs_diagnostics_figure` draws chosen diagnostics of
several runs on shared axes (one colour per run). Information values are shown in ``unit``
(nats or bits); every axis names its unit; estimator ceilings (ln K of InfoNCE, ln n, H(Y), the
rank limit min(n, d)) are dashed lines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib import colors
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from infossl.report.run import RunRecords

__all__ = [
    "information_curves_figure",
    "information_plane_figure",
    "loss_terms_figure",
    "probe_accuracy_figure",
    "runs_diagnostics_figure",
    "spectrum_figure",
]

_CEILING = {"color": "0.35", "linestyle": "--", "linewidth": 1.0}


def _plot_metrics(ax: Any, run: Any, series: tuple[tuple[str, str, str], ...]) -> None:
    """One line per ``(metric key, legend label, colour)`` the run recorded, against epochs."""
    for key, label, colour in series:
        e, v = run.metric_series(key)
        if len(e):
            ax.plot(e, v, marker="o", markersize=3, color=colour, label=label)


def _factor(unit: str) -> float:
    return 1.0 if unit == "nats" else 1.0 / math.log(2.0)


def _epoch_axis(ax: Any) -> None:
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _epoch_norm(epochs: np.ndarray) -> colors.Normalize:
    lo = float(epochs.min()) if len(epochs) else 0.0
    hi = float(epochs.max()) if len(epochs) else 1.0
    return colors.Normalize(vmin=lo, vmax=max(hi, lo + 1.0))


# ----------------------------------------------------------------------------- loss terms
def loss_terms_figure(run: RunRecords, unit: str = "nats") -> Figure | None:
    """Every loss term against the step, titled by the information quantity it measures."""
    if not run.train or run.header is None:
        return None
    terms = run.header.get("terms", {})
    names = list(terms)
    panels = len(names) + 1
    cols = min(3, panels)
    rows = math.ceil(panels / cols)
    fig = Figure(figsize=(4.4 * cols, 3.2 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    steps = np.array([r["step"] for r in run.train], dtype=float)
    f = _factor(unit)
    constant = float(run.header.get("constant") or 0.0)
    for ax, name in zip(axes, names, strict=False):
        d = terms[name]
        values = np.array([r["terms"].get(name, np.nan) for r in run.train], dtype=float)
        weight = run.train[-1]["weights"].get(name, float("nan"))
        proxy = d["kind"] == "proxy"
        ax.plot(steps, values if proxy else values * f, color="tab:blue", linewidth=1.2)
        if d["kind"] == "lower" and weight < 0 and constant > 0 and not proxy:
            ax.axhline(constant * f, **_CEILING, label=f"ceiling ln K = {constant * f:.3g}")
            ax.legend(fontsize=7, loc="lower right")
        ax.set_title(
            f"{name}: {d['quantity']} {d['kind']} [{d['bound']}], weight {weight:g}", fontsize=8
        )
        ax.set_xlabel("step")
        ax.set_ylabel("value (proxy units)" if proxy else f"{d['quantity']} ({unit})")
        ax.grid(alpha=0.3)
    ax = axes[len(names)]
    ax.plot(steps, [r["loss"] for r in run.train], color="k", linewidth=1.2)
    ax.set_title("total loss = Σ weight · term + constant", fontsize=8)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    for ax in axes[panels:]:
        ax.set_visible(False)
    return fig


# ----------------------------------------------------------------------------- planes
def _plane(ax: Any, x: np.ndarray, y: np.ndarray, epochs: np.ndarray, norm: Any) -> None:
    ax.plot(x, y, color="tab:blue", alpha=0.6, linewidth=1.2, zorder=1)
    ax.scatter(
        x, y, c=epochs, cmap="viridis", norm=norm, s=28, zorder=2, edgecolors="k", linewidths=0.3
    )
    for xe, ye, e in ((x[0], y[0], epochs[0]), (x[-1], y[-1], epochs[-1])):
        ax.annotate(f"ep {int(e)}", (xe, ye), fontsize=7, xytext=(4, 4), textcoords="offset points")


def information_plane_figure(run: RunRecords, unit: str = "nats") -> Figure | None:
    """Two SSL information planes, coloured by epoch.

    Left: Ĥ(Z1|Z2) against Ĥ(Z) (Gaussian log-det estimates), with the diagonals of constant
    Ĥ(Z) − Ĥ(Z1|Z2) (a Gaussian estimate of I(Z1;Z2)) faint. Right: Î(X;Z) (augmentation as a
    Gaussian channel) against Î(Z;Y) (probe lower bound), the ceiling H(Y) dashed.
    """
    f = _factor(unit)
    e1, hz = run.series("H(Z):gaussian-ridge")
    e2, hc = run.series("H(Z1|Z2):view-gaussian")
    e3, ixz = run.series("I(X;Z):gaussian-aug")
    e4, izy = run.series("I(Z;Y):probe")
    left = len(e1) > 0 and np.array_equal(e1, e2)
    right = len(e3) > 0 and np.array_equal(e3, e4)
    if not (left or right):
        return None
    fig = Figure(figsize=(11.5, 4.6), layout="constrained")
    axes = fig.subplots(1, 2)
    epochs = e1 if left else e3
    norm = _epoch_norm(epochs)
    if left:
        ax = axes[0]
        x, y = hc * f, hz * f
        _plane(ax, x, y, e1, norm)
        lo = min(x.min(), y.min())
        hi = max(x.max(), y.max())
        pad = 0.08 * (hi - lo + 1e-9)
        ax.set_xlim(x.min() - pad, x.max() + pad)
        ax.set_ylim(y.min() - pad, y.max() + pad)
        for c in np.linspace(np.floor((y - x).min()), np.ceil((y - x).max()), 4):
            grid = np.array([lo - pad, hi + pad])
            ax.plot(grid, grid + c, color="0.75", linestyle=":", linewidth=0.8, zorder=0)
        ax.set_xlabel(f"Ĥ(Z1|Z2) ({unit}; Gaussian channel, proxy)")
        ax.set_ylabel(f"Ĥ(Z) ({unit}; Gaussian log-det, upper bound)")
        ax.set_title(
            "entropy vs conditional entropy (grey diagonals: constant Ĥ(Z) − Ĥ(Z1|Z2))", fontsize=8
        )
        ax.grid(alpha=0.2)
    else:
        axes[0].set_visible(False)
    if right:
        ax = axes[1]
        _plane(ax, ixz * f, izy * f, e3, norm)
        ceiling = run.last_estimate("I(Z;Y):probe")
        if ceiling is not None and ceiling.get("ceiling") is not None:
            ax.axhline(
                ceiling["ceiling"] * f,
                **_CEILING,
                label=f"H(Y) = {ceiling['ceiling'] * f:.3g} (ceiling)",
            )
            ax.legend(fontsize=7, loc="lower right")
            ax.set_ylim(bottom=0.0, top=ceiling["ceiling"] * f * 1.1)
        ax.set_xlabel(f"Î(X;Z) ({unit}; augmentation as Gaussian channel, proxy)")
        ax.set_ylabel(f"Î(Z;Y) ({unit}; probe, lower bound)")
        ax.set_title("downstream information vs input information", fontsize=8)
        ax.grid(alpha=0.2)
    else:
        axes[1].set_visible(False)
    fig.colorbar(ScalarMappable(norm=norm, cmap="viridis"), ax=list(axes), label="epoch")
    return fig


# ----------------------------------------------------------------------------- curves
_CURVES = (
    (
        "Î(Z1;Z2)",
        (
            ("I(Z1;Z2):infonce", "InfoNCE, cosine/τ critic (lower)"),
            ("I(Z1;Z2):ksg-2d", "KSG on 2-D projections (lower)"),
        ),
    ),
    (
        "Ĥ(Z)",
        (
            ("H(Z):gaussian-ridge", "Gaussian log-det (upper)"),
            ("H(Z):kl", "Kozachenko–Leonenko kNN (point)"),
        ),
    ),
    ("Ĥ(Z), matrix-based", (("H(Z):matrix-renyi", "matrix Rényi α = 1.01 (proxy)"),)),
    ("Ĥ(Z1|Z2)", (("H(Z1|Z2):view-gaussian", "Gaussian channel (proxy)"),)),
    (
        "Î(Z;Y)",
        (("I(Z;Y):probe", "linear probe H(Y) − CE (lower)"), ("I(Z;Y):ross", "Ross kNN (point)")),
    ),
    ("Î(X;Z)", (("I(X;Z):gaussian-aug", "augmentation channel (proxy)"),)),
)


def information_curves_figure(run: RunRecords, unit: str = "nats") -> Figure | None:
    """Every diagnostics quantity against epoch, one panel per quantity, ceilings dashed."""
    panels = [
        (title, [(k, label) for k, label in items if len(run.series(k)[0])])
        for title, items in _CURVES
    ]
    panels = [(t, items) for t, items in panels if items]
    if not panels:
        return None
    f = _factor(unit)
    cols = 3
    rows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(13.5, 3.3 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    palette = ("tab:blue", "tab:orange", "tab:green")
    for ax, (title, items) in zip(axes, panels, strict=False):
        for (key, label), colour in zip(items, palette, strict=False):
            epochs, values = run.series(key)
            ax.plot(epochs, values * f, marker="o", markersize=3, color=colour, label=label)
            last = run.last_estimate(key)
            if last is not None and last.get("ceiling") is not None:
                c = last["ceiling"] * f
                style = dict(_CEILING, color=colour)
                ax.axhline(c, **style, label=f"ceiling of {last['method']}: {c:.3g}")
        ax.set_title(title, fontsize=9)
        _epoch_axis(ax)
        ax.set_ylabel(f"{unit}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    return fig


# ----------------------------------------------------------------------------- spectrum
def spectrum_figure(run: RunRecords) -> Figure | None:
    """Covariance spectra of the normalised embeddings per epoch; RankMe and effective rank."""
    rows = [r for r in run.diagnostics if r.get("spectrum")]
    if not rows:
        return None
    fig = Figure(figsize=(12.0, 4.2), layout="constrained")
    ax_s, ax_r, ax_u = fig.subplots(1, 3)
    epochs = np.array([r["epoch"] for r in rows], dtype=float)
    norm = _epoch_norm(epochs)
    cmap = "viridis"
    sm = ScalarMappable(norm=norm, cmap=cmap)
    for r, e in zip(rows, epochs, strict=True):
        lam = np.asarray(r["spectrum"], dtype=float)
        lam = lam / lam[0] if lam[0] > 0 else lam
        ax_s.semilogy(
            np.arange(1, len(lam) + 1), np.maximum(lam, 1e-12), color=sm.to_rgba(e), linewidth=1.0
        )
    ax_s.set_xlabel("eigenvalue index")
    ax_s.set_ylabel("λ_i / λ_1 (L2-normalised embeddings)")
    ax_s.set_title("covariance spectrum (collapse: a cliff to ~0)", fontsize=8)
    ax_s.grid(alpha=0.3)
    fig.colorbar(sm, ax=ax_s, label="epoch")
    _plot_metrics(
        ax_r,
        run,
        (("rankme", "RankMe", "tab:blue"), ("effective_rank", "effective rank", "tab:orange")),
    )
    e, cap = run.metric_series("rank_ceiling")
    if len(e):
        ax_r.axhline(cap[-1], **_CEILING, label=f"min(n, d) = {cap[-1]:g}")
    _epoch_axis(ax_r)
    ax_r.set_ylabel("rank (dimensions)")
    ax_r.set_title("RankMe and effective rank", fontsize=8)
    ax_r.grid(alpha=0.3)
    ax_r.legend(fontsize=7)
    _plot_metrics(
        ax_u,
        run,
        (
            ("uniformity", "uniformity (t = 2)", "tab:green"),
            ("alignment", "alignment (α = 2)", "tab:red"),
        ),
    )
    ax_u.axhline(-4.0, **_CEILING, label="uniformity floor −2t = −4")
    _epoch_axis(ax_u)
    ax_u.set_ylabel("value")
    ax_u.set_title("alignment and uniformity (Wang & Isola)", fontsize=8)
    ax_u.grid(alpha=0.3)
    ax_u.legend(fontsize=7)
    return fig


# ----------------------------------------------------------------------------- accuracy
def probe_accuracy_figure(run: RunRecords) -> Figure | None:
    """kNN monitor, online probe and diagnostics probe accuracy against epoch; final linear."""
    series = []
    for key, label in (
        ("knn_acc", "kNN monitor (validation)"),
        ("probe_val_acc", "online linear probe (validation)"),
    ):
        rows = [r for r in run.evals if key in r]
        if rows:
            series.append((label, [r["epoch"] for r in rows], [r[key] for r in rows]))
    e, v = run.metric_series("probe_accuracy")
    if len(e):
        series.append(("diagnostics probe (held-out batch)", e.tolist(), v.tolist()))
    if not series and "linear_acc" not in run.final:
        return None
    fig = Figure(figsize=(7.0, 4.0), layout="constrained")
    ax = fig.add_subplot()
    for label, x, y in series:
        ax.plot(x, y, marker="o", markersize=3, label=label)
    if "linear_acc" in run.final:
        ax.axhline(
            run.final["linear_acc"],
            color="tab:red",
            linestyle="-.",
            linewidth=1.0,
            label=f"offline linear probe, final: {run.final['linear_acc']:.3f}",
        )
    ax.set_ylim(0.0, 1.03)
    _epoch_axis(ax)
    ax.set_ylabel("accuracy")
    ax.set_title("downstream accuracy", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return fig


# ----------------------------------------------------------------------------- several runs
def _estimate_points(
    rows: Sequence[Mapping[str, Any]], key: str, x: str
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """(x values, estimate values in nats, distinct ceilings) of ``key`` in diagnostics rows."""
    hits = [r for r in rows if key in r.get("estimates", {})]
    xs = np.array([r[x] for r in hits], dtype=float)
    values = np.array([r["estimates"][key]["value"] for r in hits], dtype=float)
    ceilings = {r["estimates"][key].get("ceiling") for r in hits}
    return xs, values, sorted(float(c) for c in ceilings if c is not None)


def runs_diagnostics_figure(
    runs: Sequence[tuple[str, Sequence[Mapping[str, Any]]]],
    panels: Sequence[tuple[str, str]],
    *,
    unit: str = "nats",
    x: str = "step",
) -> Figure:
    """One panel per ``(estimate key, title)`` of ``panels``, one line per ``(label, rows)`` of
    ``runs`` (the rows of a ``diagnostics.jsonl``), against ``x`` (``"step"`` or ``"epoch"``).

    Values are shown in ``unit``; each estimator ceiling a run recorded (ln n of InfoNCE, H(Y)
    of the probe) is a dashed line in that run's colour, labelled once per distinct value.
    Panels sit on a grid of at most two columns.
    """
    f = _factor(unit)
    cols = min(2, len(panels))
    n_rows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(5.8 * cols, 3.6 * n_rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(n_rows, cols)).ravel()
    palette = [f"C{i % 10}" for i in range(len(runs))]
    for ax, (key, title) in zip(axes, panels, strict=False):
        drawn: set[float] = set()
        for (label, rows), colour in zip(runs, palette, strict=True):
            xs, values, ceilings = _estimate_points(rows, key, x)
            ax.plot(xs, values * f, marker="o", markersize=3, color=colour, label=label)
            for c in ceilings:
                fresh = round(c, 9) not in drawn
                drawn.add(round(c, 9))
                ax.axhline(
                    c * f,
                    **dict(_CEILING, color=colour, alpha=0.7),
                    label=f"ceiling {c * f:.3g} {unit}" if fresh else None,
                )
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(x)
        if x == "epoch":
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    return fig

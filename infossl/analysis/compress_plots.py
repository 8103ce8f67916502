"""Figures of the "to compress or not to compress" experiment (matplotlib, no pyplot state).

* :func:`plot_compression_plane`: ``I(Z1;U1)`` (view-specific information kept) against
  ``I(Z1;S)`` (shared information kept), and against ``I(Z1;Y)`` coloured by regime; one
  marker per objective, seed mean ± one standard deviation.
* :func:`plot_accuracy`: linear-probe accuracy per objective and regime (mean ± std over seeds),
  with the Bayes accuracy from ``X1`` (keep everything) and from ``S`` (ideal compression).
* :func:`plot_ib_curve`: the β sweep of MIB/CEB: ``I(Z1;X1)`` (closed form) or ``I(Z1;U1)``
  against ``I(Z1;Y)``, and ``I(Z1;S)``, ``I(Z1;U1)`` against β.
* :func:`plot_eps_sweep`: accuracy gap to the baseline objective against ``ε_info`` (95 %
  t-intervals over seeds) with the review bound's predicted cost, and the label information
  lost against the bound ``ε_info``.
* :func:`plot_label_sweep`: probe accuracy against the number of labels (95 % t-intervals),
  with the oracle probes on ``S`` and ``X1`` and the Bayes accuracies.

The first three take the ``summary`` rows of
:func:`~infossl.analysis.compress_experiment.summarise`, the sweep plots those of
:mod:`infossl.analysis.compress_sweep`; each returns a :class:`matplotlib.figure.Figure`. Values
are in nats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "plot_accuracy",
    "plot_compression_plane",
    "plot_eps_sweep",
    "plot_ib_curve",
    "plot_label_sweep",
]

REGIME_COLOURS = {"holds": "tab:blue", "violated": "tab:red"}
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def _marker(objectives: Sequence[str], name: str) -> str:
    return _MARKERS[list(objectives).index(name) % len(_MARKERS)]


def _objectives(summary: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(row["objective"] for row in summary))


def _regimes(summary: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(row["regime"] for row in summary))


def _swept(beta: Any) -> bool:
    return isinstance(beta, float) and not math.isnan(beta)


def _label(row: Mapping[str, Any]) -> str:
    return f"{row['objective']} β={row['beta']:g}" if _swept(row["beta"]) else row["objective"]


def _finite(*values: float) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


def _method_note(summary: Sequence[Mapping[str, Any]]) -> str:
    methods = {row.get("method", "") for row in summary} - {""}
    if methods == {"closed-form"}:
        return "closed forms (linear encoders, linear-Gaussian views)"
    return "kNN estimates (" + ", ".join(sorted(methods)) + "; biased low at large values)"


def _objective_colour(objectives: Sequence[str], name: str) -> str:
    return f"C{list(objectives).index(name) % 10}"


def plot_compression_plane(
    summary: Sequence[Mapping[str, Any]],
    references: Mapping[str, Mapping[str, float]],
    *,
    figsize: tuple[float, float] = (11.5, 4.8),
) -> Figure:
    """Left: ``I(Z1;U1)`` vs ``I(Z1;S)``; right: ``I(Z1;U1)`` vs ``I(Z1;Y)`` (nats).

    The representation is trained on the views only, so the left panel is the same in every
    regime: it is drawn for the first regime, coloured by objective. The right panel is coloured
    by regime (only the label differs). Dashed lines mark ``I(X1;S)`` and ``I(X1;U1)`` (left)
    and ``I(Y;X1)`` per regime (right) when known; β values are written next to their markers
    (open markers: swept objectives).
    """
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, 2)
    objectives = _objectives(summary)
    regimes = _regimes(summary)
    first = [row for row in summary if row["regime"] == regimes[0]] if regimes else []
    panels = (
        (axes[0], first, "i_z1_s", "I(Z1;S)  shared information kept [nats]", False),
        (axes[1], summary, "i_z1_y", "I(Z1;Y)  label information kept [nats]", True),
    )
    for ax, rows, ycol, ylabel, by_regime in panels:
        for row in rows:
            x, y = row["i_z1_u1_mean"], row[f"{ycol}_mean"]
            if not _finite(x, y):
                continue
            colour = (
                REGIME_COLOURS.get(row["regime"], "tab:gray")
                if by_regime
                else _objective_colour(objectives, row["objective"])
            )
            ax.errorbar(
                x,
                y,
                xerr=_nan0(row["i_z1_u1_std"]),
                yerr=_nan0(row[f"{ycol}_std"]),
                fmt=_marker(objectives, row["objective"]),
                color=colour,
                ms=7,
                mfc="white" if _swept(row["beta"]) else colour,
                capsize=2,
                lw=1,
            )
            if _swept(row["beta"]):
                ax.annotate(
                    f"β={row['beta']:g}",
                    (x, y),
                    textcoords="offset points",
                    xytext=(4, 3),
                    fontsize=7,
                    color=colour,
                )
        ax.set_xlabel("I(Z1;U1)  view-specific information kept [nats]")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    ref = next(iter(references.values()), {})
    if "I(X1;S)" in ref:
        axes[0].axhline(ref["I(X1;S)"], ls="--", color="gray", lw=0.8)
        axes[0].axvline(ref["I(X1;U1)"], ls="--", color="gray", lw=0.8)
        axes[0].annotate(
            "I(X1;S)",
            (0, ref["I(X1;S)"]),
            fontsize=7,
            color="gray",
            xytext=(2, -9),
            textcoords="offset points",
        )
        axes[0].annotate(
            "I(X1;U1)",
            (ref["I(X1;U1)"], 0),
            fontsize=7,
            color="gray",
            xytext=(-38, 2),
            textcoords="offset points",
        )
    for regime, values in references.items():
        if "I(Y;X1)" in values:
            axes[1].axhline(
                values["I(Y;X1)"], ls="--", lw=0.8, color=REGIME_COLOURS.get(regime, "gray")
            )
    handles = [
        axes[0].plot(
            [],
            [],
            _marker(objectives, name),
            ls="",
            color=_objective_colour(objectives, name),
            label=name,
        )[0]
        for name in objectives
    ]
    axes[0].legend(handles=handles, fontsize=7, loc="best")
    _legend(axes[1], objectives, regimes)
    axes[0].set_title("compression–sufficiency plane (the same in every regime)", fontsize=10)
    axes[1].set_title("label information per regime (dashed: I(Y;X1))", fontsize=10)
    fig.suptitle(_method_note(summary), fontsize=9)
    return fig


def _nan0(value: float) -> float:
    return 0.0 if not _finite(value) else value


def _legend(ax: Any, objectives: Sequence[str], regimes: Sequence[str]) -> None:
    handles = []
    for name in objectives:
        (h,) = ax.plot(
            [], [], _marker(objectives, name), color="black", mfc="white", ls="", label=name
        )
        handles.append(h)
    for regime in regimes:
        (h,) = ax.plot(
            [],
            [],
            "s",
            color=REGIME_COLOURS.get(regime, "tab:gray"),
            ls="",
            label=f"assumption {regime}",
        )
        handles.append(h)
    ax.legend(handles=handles, fontsize=7, loc="best")


def plot_accuracy(
    summary: Sequence[Mapping[str, Any]],
    references: Mapping[str, Mapping[str, float]],
    *,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Bars: probe accuracy on the code, mean ± std over seeds; ``×``: on the encoder mean.

    Dashed lines: Bayes accuracy from ``X1``; dotted: from ``S`` (per regime, when known).
    """
    labels = list(dict.fromkeys(_label(row) for row in summary))
    regimes = _regimes(summary)
    width = 0.8 / max(len(regimes), 1)
    fig = Figure(figsize=figsize or (max(7.0, 0.9 * len(labels) + 3.5), 4.6), layout="constrained")
    ax = fig.add_subplot()
    index = {label: i for i, label in enumerate(labels)}
    for r, regime in enumerate(regimes):
        colour = REGIME_COLOURS.get(regime, "tab:gray")
        rows = [row for row in summary if row["regime"] == regime]
        xs = np.array([index[_label(row)] for row in rows]) + (r - (len(regimes) - 1) / 2) * width
        ax.bar(
            xs,
            [row["probe_accuracy_mean"] for row in rows],
            width,
            yerr=[_nan0(row["probe_accuracy_std"]) for row in rows],
            color=colour,
            alpha=0.75,
            capsize=2,
            label=f"assumption {regime}",
        )
        ax.plot(xs, [row["probe_accuracy_of_mean_mean"] for row in rows], "x", color="black", ms=5)
        ref = references.get(regime, {})
        if "bayes_accuracy_x1" in ref:
            ax.axhline(ref["bayes_accuracy_x1"], ls="--", color=colour, lw=1)
            ax.axhline(ref["bayes_accuracy_s"], ls=":", color=colour, lw=1)
    ax.plot([], [], "x", color="black", label="probe on the encoder mean")
    ax.plot([], [], "--", color="gray", label="Bayes accuracy from X1")
    ax.plot([], [], ":", color="gray", label="Bayes accuracy from S")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("linear-probe accuracy on held-out rows")
    values = [row["probe_accuracy_mean"] for row in summary if _finite(row["probe_accuracy_mean"])]
    low = min(values, default=0.5)
    ax.set_ylim(max(0.0, low - 0.1), 1.0)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="y", alpha=0.3)
    return fig


def plot_ib_curve(
    summary: Sequence[Mapping[str, Any]],
    *,
    figsize: tuple[float, float] = (11.0, 4.6),
) -> Figure:
    """The β sweep: left, compression (``I(Z1;X1)`` if finite for every swept row, else
    ``I(Z1;U1)``) against ``I(Z1;Y)``; right, ``I(Z1;S)`` (solid) and ``I(Z1;U1)`` (dashed)
    against β. Objectives without β are drawn on the left as reference markers."""
    swept = [row for row in summary if _swept(row["beta"])]
    use_x1 = bool(swept) and all(_finite(row["i_z1_x1_mean"]) for row in swept)
    xcol = "i_z1_x1" if use_x1 else "i_z1_u1"
    xlabel = "I(Z1;X1) [nats]" if use_x1 else "I(Z1;U1) [nats]"
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, 2)
    objectives = _objectives(summary)
    regimes = _regimes(summary)
    for regime in regimes:
        colour = REGIME_COLOURS.get(regime, "tab:gray")
        for name in objectives:
            rows = sorted(
                (row for row in swept if row["objective"] == name and row["regime"] == regime),
                key=lambda row: row["beta"],
            )
            if not rows:
                continue
            marker = _marker(objectives, name)
            x = [row[f"{xcol}_mean"] for row in rows]
            axes[0].plot(
                x,
                [row["i_z1_y_mean"] for row in rows],
                marker=marker,
                color=colour,
                label=f"{name}, {regime}",
            )
            for row in rows:
                if _finite(row[f"{xcol}_mean"], row["i_z1_y_mean"]):
                    axes[0].annotate(
                        f"{row['beta']:g}",
                        (row[f"{xcol}_mean"], row["i_z1_y_mean"]),
                        textcoords="offset points",
                        xytext=(3, 3),
                        fontsize=7,
                        color=colour,
                    )
            if regime != regimes[0]:
                continue
            betas = [row["beta"] for row in rows]
            ocolour = _objective_colour(objectives, name)
            axes[1].plot(
                betas,
                [row["i_z1_s_mean"] for row in rows],
                marker=marker,
                color=ocolour,
                label=f"I(Z1;S) {name}",
            )
            axes[1].plot(
                betas,
                [row["i_z1_u1_mean"] for row in rows],
                marker=marker,
                color=ocolour,
                ls="--",
                mfc="white",
                label=f"I(Z1;U1) {name}",
            )
        if not use_x1:
            for row in summary:
                if (
                    row["regime"] == regime
                    and not _swept(row["beta"])
                    and _finite(row["i_z1_u1_mean"], row["i_z1_y_mean"])
                ):
                    axes[0].plot(
                        row["i_z1_u1_mean"],
                        row["i_z1_y_mean"],
                        _marker(objectives, row["objective"]),
                        color=colour,
                        mfc="white",
                        alpha=0.6,
                    )
    axes[0].set_xlabel(xlabel)
    axes[0].set_ylabel("I(Z1;Y) [nats]")
    axes[0].set_title("information-bottleneck curve along β (labels: β)", fontsize=10)
    axes[1].set_xscale("log")
    axes[1].set_xlabel("β")
    axes[1].set_ylabel("nats")
    axes[1].set_title("I(Z1;S) (solid), I(Z1;U1) (dashed) vs β (same in every regime)", fontsize=10)
    for ax in axes:
        ax.grid(alpha=0.3)
    if swept:
        axes[0].legend(fontsize=7)
        axes[1].legend(fontsize=7)
    fig.suptitle(_method_note(summary), fontsize=9)
    return fig


def _ci(rows: Sequence[Mapping[str, Any]], prefix: str) -> tuple[list, list, np.ndarray]:
    """Means and the asymmetric error bars ``[mean − low, high − mean]`` (0 where NaN)."""
    mean = [row[f"{prefix}_mean"] for row in rows]
    err = np.array(
        [
            [_nan0(row[f"{prefix}_mean"] - row[f"{prefix}_low"]) for row in rows],
            [_nan0(row[f"{prefix}_high"] - row[f"{prefix}_mean"]) for row in rows],
        ]
    )
    return [row["eps_info"] for row in rows], mean, err


def plot_eps_sweep(
    eps_summary: Sequence[Mapping[str, Any]],
    *,
    baseline: str = "simclr",
    figsize: tuple[float, float] = (11.5, 4.6),
) -> Figure:
    """Left: probe-accuracy gap ``objective − baseline`` against ``ε_info`` (paired per seed,
    95 % t-interval bars), with ``Bayes(Z*) − Bayes(X1)``, the accuracy the minimal sufficient
    code loses (the review bound's cost, closed form). Right: label information lost relative
    to ``X1``, ``I(Y;X1) − I(Z1;Y)`` (nats, seed mean), against the bound ``ε_info`` and the
    exact loss of ``Z*``. The baseline itself is drawn on the right only."""
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, 2)
    labels = list(dict.fromkeys(_label(row) for row in eps_summary))
    refs = sorted(
        {row["eps_info"]: row for row in eps_summary}.values(), key=lambda r: r["eps_info"]
    )
    eps = [r["eps_info"] for r in refs]
    offsets = np.linspace(-0.012, 0.012, max(len(labels), 1))
    for i, label in enumerate(labels):
        rows = sorted(
            (row for row in eps_summary if _label(row) == label), key=lambda r: r["eps_info"]
        )
        colour = f"C{i % 10}"
        if rows[0]["objective"] != baseline:
            x, mean, err = _ci(rows, "gap")
            axes[0].errorbar(
                np.array(x) + offsets[i],
                mean,
                yerr=err,
                marker="o",
                ms=4,
                capsize=3,
                color=colour,
                label=f"{label} − {baseline}",
            )
        axes[1].plot(
            [r["eps_info"] for r in rows],
            [r["i_y_x1"] - r["i_z1_y_mean"] for r in rows],
            marker="o",
            ms=4,
            color=colour,
            label=label,
        )
    axes[0].plot(
        eps,
        [-r["ideal_acc_cost"] for r in refs],
        "k--",
        lw=1.2,
        label="predicted: Bayes(Z*) − Bayes(X1)\n(ideal compression vs keeping X1)",
    )
    axes[0].axhline(0.0, color="gray", lw=0.8)
    axes[0].set_xlabel("ε_info = I(Y;X1|X2) [nats]")
    axes[0].set_ylabel(f"probe accuracy − {baseline} (same seed)")
    axes[0].set_title("accuracy gap vs ε_info (95% t-interval over seeds)", fontsize=10)
    axes[1].plot(eps, eps, "k:", lw=1.2, label="bound: ε_info")
    axes[1].plot(
        eps,
        [r["ideal_loss_nats"] for r in refs],
        "k--",
        lw=1.2,
        label="I(Y;X1) − I(Y;Z*) (exact)",
    )
    axes[1].set_xlabel("ε_info = I(Y;X1|X2) [nats]")
    axes[1].set_ylabel("I(Y;X1) − I(Z1;Y) [nats]")
    axes[1].set_title("label information lost vs the bound (seed mean)", fontsize=10)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    fig.suptitle(_method_note(eps_summary), fontsize=9)
    return fig


def plot_label_sweep(
    label_summary: Sequence[Mapping[str, Any]],
    *,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Probe accuracy against the number of labels (log axis), one panel per measured ε_info,
    mean with 95 % t-interval bands over seeds; grey: the oracle probes on ``S`` (dashed) and
    ``X1`` (dotted) fitted on the same subsets; horizontal lines: Bayes accuracy from ``X1``
    and from ``S``."""
    points = sorted({row["eps_info"] for row in label_summary})
    fig = Figure(figsize=figsize or (5.0 * max(len(points), 1), 4.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, max(len(points), 1)))
    labels = list(dict.fromkeys(_label(row) for row in label_summary))
    for ax, eps in zip(axes, points, strict=False):
        rows_here = [row for row in label_summary if row["eps_info"] == eps]
        for i, label in enumerate(labels):
            rows = sorted((r for r in rows_here if _label(r) == label), key=lambda r: r["labels"])
            if not rows:
                continue
            n = [r["labels"] for r in rows]
            ax.plot(
                n, [r["acc_mean"] for r in rows], marker="o", ms=3, color=f"C{i % 10}", label=label
            )
            ax.fill_between(
                n,
                [r["acc_low"] for r in rows],
                [r["acc_high"] for r in rows],
                color=f"C{i % 10}",
                alpha=0.15,
                lw=0,
            )
        first = sorted((r for r in rows_here if _label(r) == labels[0]), key=lambda r: r["labels"])
        n = [r["labels"] for r in first]
        ax.plot(n, [r["oracle_s_mean"] for r in first], "--", color="gray", label="probe on S")
        ax.plot(n, [r["oracle_x1_mean"] for r in first], ":", color="gray", label="probe on X1")
        if first and _finite(first[0]["bayes_x1"]):
            ax.axhline(first[0]["bayes_x1"], color="black", lw=0.8, label="Bayes from X1")
            ax.axhline(first[0]["bayes_s"], color="black", lw=0.8, ls="-.", label="Bayes from S")
        regime = rows_here[0]["regime"] if rows_here else ""
        means = [r["acc_mean"] for r in rows_here if _finite(r["acc_mean"])]
        ax.set_ylim(max(0.0, min(means, default=0.5) - 0.05), 1.0)
        ax.set_xscale("log")
        ax.set_xlabel("labelled rows for the probe")
        ax.set_ylabel("probe accuracy on the held-out test rows")
        ax.set_title(f"{regime}, ε_info = {eps:.3g} nats", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle("label efficiency (mean, 95% t-interval over seeds)", fontsize=9)
    return fig

"""Figures of the generalisation analyses (matplotlib, no pyplot state).

* :func:`plot_bounds`: the measured generalisation gap (test − training error) and the ld-CMI and
  f-CMI bounds over training, means with their intervals over supersamples
  (:mod:`infossl.analysis.cmi_bound`).
* :func:`plot_compression_gap`: last-hidden-layer compression against the gap, one point per
  network, coloured by group, with the correlations in the title
  (:mod:`infossl.analysis.compression_gap`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from infossl.analysis.cmi_bound import GeneralisationBounds
from infossl.analysis.compression_gap import CompressionGap

__all__ = ["plot_bounds", "plot_compression_gap"]

_SERIES = (
    ("gap", "measured gap (test − train error)", "black"),
    ("ld_cmi_bound", "ld-CMI bound, plug-in", "tab:blue"),
    ("ld_cmi_bound_mm", "ld-CMI bound, Miller–Madow", "tab:cyan"),
    ("f_cmi_bound", "f-CMI bound, plug-in", "tab:red"),
)


def plot_bounds(result: GeneralisationBounds, title: str = "") -> Figure:
    """Gap and bounds against the logged epoch (symlog x axis: epoch 0 is the initialisation)."""
    rows = result.rows()
    epochs = np.array([r["epoch"] for r in rows], dtype=float)
    fig = Figure(figsize=(7.0, 4.2), layout="constrained")
    ax = fig.subplots()
    for key, label, colour in _SERIES:
        mean = np.array([r[key] for r in rows])
        low = np.array([r[f"{key}_low"] for r in rows])
        high = np.array([r[f"{key}_high"] for r in rows])
        ax.plot(epochs, mean, color=colour, label=label, marker="o", markersize=3)
        if np.isfinite(low).all():
            ax.fill_between(epochs, low, high, color=colour, alpha=0.15, linewidth=0)
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlabel("epoch")
    ax.set_ylabel("0-1 loss gap / bound")
    ax.set_ylim(bottom=min(0.0, float(np.nanmin([r["gap"] for r in rows]))))
    ax.legend(fontsize=8)
    ax.set_title(title or f"CMI bounds, n = {result.n_pairs} training rows", fontsize=10)
    return fig


def plot_compression_gap(result: CompressionGap) -> Figure:
    """Compression of ``result.layer`` (bits) against the gap, one marker per network."""
    fig = Figure(figsize=(5.6, 4.2), layout="constrained")
    ax = fig.subplots()
    for index, group in enumerate(dict.fromkeys(result.groups.tolist())):
        keep = result.groups == group
        ax.scatter(result.compression[keep], result.gap[keep], label=group, color=f"C{index}", s=24)
    r, low, high = result.pearson
    rho, rlow, rhigh = result.spearman
    ax.set_title(
        f"all networks: Pearson r = {r:.2f} [{low:.2f}, {high:.2f}], "
        f"Spearman ρ = {rho:.2f} [{rlow:.2f}, {rhigh:.2f}]",
        fontsize=9,
    )
    ax.set_xlabel(f"compression of {result.layer}: max I(X;T) − final I(X;T) (bits)")
    ax.set_ylabel("generalisation gap (train − test accuracy)")
    ax.legend(fontsize=8)
    return fig

"""Figures of the information-plane engine (matplotlib, headless: no pyplot state).

The one plotting module for :class:`~infossl.analysis.infoplane.InformationPlane` results,
whether a recorder on any model or the IDNN reproduction produced them:

* :func:`plot_information_plane`: I(X;T) against I(T;Y), one trajectory per layer
  (thin line, labelled with the layer's name at its last epoch), markers coloured by epoch
  (``gnuplot`` colormap on a log scale, as in Shwartz-Ziv & Tishby 2017 and Saxe et al. 2018),
  faint lines joining the layers of one epoch, dashed lines at H(X) and at H(Y) = I(X;Y).
* :func:`plot_layer_curves`: I(X;T), I(T;Y) and (when recorded) accuracy against epoch
  (symmetric-log axis so epoch 0 shows), seed mean ± one standard deviation;
* :func:`plot_gradient_snr`: per-layer gradient mean, spread and SNR against epoch.

Values are averaged over seeds (networks); axes are in the plane's unit. Each returns a
:class:`matplotlib.figure.Figure`; save it with ``fig.savefig(path, dpi=...)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colors
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure

from infossl.analysis.idnn_gradients import GradientPlane
from infossl.analysis.infoplane import InformationPlane

__all__ = ["plot_gradient_snr", "plot_information_plane", "plot_layer_curves"]

_LAYER_COLOURS = (
    "tab:red",
    "tab:blue",
    "tab:green",
    "tab:olive",
    "tab:pink",
    "tab:orange",
    "tab:purple",
    "tab:brown",
    "tab:cyan",
    "tab:gray",
)


def _layer_colour(index: int) -> str:
    return _LAYER_COLOURS[index % len(_LAYER_COLOURS)]


def _kind_label(plane: InformationPlane) -> str:
    params = plane.estimator_params
    if plane.estimator == "kde":
        return f"Kolchinsky–Tracey upper bound, σ² = {params['noise_variance']:g}"
    if plane.estimator == "idnn":
        low, high = params.get("value_range", (-1.0, 1.0))
        return f"binning, {params['bins']} edges on [{low:g}, {high:g}]"
    if plane.estimator == "binning":
        where = params.get("value_range")
        if isinstance(where, (list, tuple)):
            return f"binning, {params['bins']} bins on [{where[0]:g}, {where[1]:g}]"
        return f"binning, {params['bins']} bins over each layer's range"
    if plane.estimator == "noisy":
        return f"noisy network, β = {params['beta']:g}, sample propagation"
    return f"matrix Rényi, α = {params['alpha']:g}"


def _title(plane: InformationPlane) -> str:
    cfg = plane.config
    if plane.experiment == "idnn":
        return (
            f"IDNN 12-{'-'.join(map(str, cfg.hidden))}-2, {cfg.activation}, "
            f"{len(cfg.seeds)} seed(s): {_kind_label(plane)}"
        )
    networks = f"{len(plane.seeds)} networks: " if len(plane.seeds) > 1 else ""
    return f"information plane, {networks}{_kind_label(plane)}"


def plot_information_plane(
    plane: InformationPlane, *, cmap: str = "gnuplot", figsize: tuple[float, float] = (7.5, 5.5)
) -> Figure:
    """The information plane of ``plane`` (seed means), coloured by epoch.

    The colour bar spans the first to the last logged epoch on a log scale; epoch 0 (the
    initialisation) takes the colour of epoch 1. Dashed lines: H(X) and H(Y), the largest
    values the estimates can take. ValueError for a plane recorded without labels.
    """
    if plane.i_ty is None:
        raise ValueError("the plane has no I(T;Y) (recorded without labels): nothing to draw")
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    x = plane.i_xt.mean(axis=0)  # (E, L)
    y = plane.i_ty.mean(axis=0)
    epochs = plane.epochs
    norm = colors.LogNorm(vmin=max(1, int(epochs.min())), vmax=max(2, int(epochs.max())))
    colour_epochs = np.maximum(epochs, 1)
    for e in range(len(epochs)):
        ax.plot(x[e], y[e], color="0.5", alpha=0.1, linewidth=0.6, zorder=1)
    for li, name in enumerate(plane.layers):
        ax.plot(x[:, li], y[:, li], color="0.25", linewidth=0.7, zorder=2)
        ax.scatter(
            x[:, li],
            y[:, li],
            c=colour_epochs,
            cmap=cmap,
            norm=norm,
            s=12,
            edgecolors="none",
            zorder=3,
        )
        ax.annotate(
            name,
            (x[-1, li], y[-1, li]),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=8,
            zorder=4,
        )
    ax.axvline(plane.h_x, color="k", linestyle="--", linewidth=0.8)
    ax.set_xlim(0, max(plane.h_x, float(np.nanmax(x))) * 1.04)
    if plane.h_y is not None:
        ax.axhline(plane.h_y, color="k", linestyle="--", linewidth=0.8)
        ax.set_ylim(0, max(plane.h_y, float(np.nanmax(y))) * 1.06)
    ax.set_xlabel(f"I(X;T) ({plane.unit})")
    ax.set_ylabel(f"I(T;Y) ({plane.unit})")
    ax.set_title(_title(plane), fontsize=9)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax)
    bar.set_label("Epoch")
    return fig


def _band(ax: Any, epochs: np.ndarray, values: np.ndarray, colour: str, label: str) -> None:
    mean, std = values.mean(axis=0), values.std(axis=0)
    ax.plot(epochs, mean, color=colour, label=label, linewidth=1.2)
    if values.shape[0] > 1:
        ax.fill_between(epochs, mean - std, mean + std, color=colour, alpha=0.2, linewidth=0)


def plot_layer_curves(
    plane: InformationPlane, *, figsize: tuple[float, float] = (13.0, 4.0)
) -> Figure:
    """I(X;T), I(T;Y) and train/test accuracy against epoch; seed mean ± 1 std.

    Panels without data (no labels, no accuracy curves) are left out.
    """
    series = [("I(X;T)", plane.i_xt, plane.h_x, "H(X)")]
    if plane.i_ty is not None:
        series.append(("I(T;Y)", plane.i_ty, plane.h_y, "H(Y)"))
    curves = plane.train_accuracy is not None and plane.test_accuracy is not None
    fig = Figure(figsize=figsize, layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(series) + curves))
    epochs = plane.epochs
    labels = []
    for ax, (quantity, values, ceiling, ceiling_label) in zip(axes, series, strict=False):
        for li, name in enumerate(plane.layers):
            _band(ax, epochs, values[:, :, li], _layer_colour(li), name)
        if ceiling is not None:
            ax.axhline(ceiling, color="k", linestyle="--", linewidth=0.8, label=ceiling_label)
        labels.append(f"{quantity} ({plane.unit})")
    if curves:
        _band(axes[-1], epochs, plane.train_accuracy, "tab:blue", "train")  # type: ignore[arg-type]
        _band(axes[-1], epochs, plane.test_accuracy, "tab:red", "test")  # type: ignore[arg-type]
        axes[-1].legend(fontsize=8)
        labels.append("accuracy")
    for ax, label in zip(axes, labels, strict=True):
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlim(0, max(1, int(epochs.max())))
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, ncol=2)
    fig.suptitle(_title(plane), fontsize=10)
    return fig


def plot_gradient_snr(
    gradients: GradientPlane, title: str = "", *, figsize: tuple[float, float] = (12.0, 4.0)
) -> Figure:
    """Per layer, seed medians of ‖mean gradient‖ and ‖std‖ across batches (log scale) and
    their ratio (SNR; 1 marks the drift → diffusion boundary) against epoch."""
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, 3)
    epochs = np.maximum(gradients.epochs, 0)
    for li, name in enumerate(gradients.layers):
        colour = _layer_colour(li)
        for ax, values in zip(
            axes, (gradients.mean_norm, gradients.std_norm, gradients.snr), strict=True
        ):
            ax.plot(epochs, np.median(values[:, :, li], axis=0), color=colour, label=name)
    axes[2].axhline(1.0, color="k", linestyle="--", linewidth=0.8)
    labels = ("‖mean gradient‖", "‖std of gradient‖ across batches", "SNR = mean / std")
    for ax, label in zip(axes, labels, strict=True):
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlim(0, max(1, int(epochs.max())))
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, ncol=2)
    fig.suptitle(
        title or f"gradient statistics over batches of {gradients.batch_size} (seed medians)",
        fontsize=10,
    )
    return fig

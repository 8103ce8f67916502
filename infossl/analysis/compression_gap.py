"""Does compression in the information plane go with better generalisation? (review §2.5, §3)

The information-bottleneck account of deep learning (Shwartz-Ziv & Tishby 2017) links the
late-training drop of I(X;T) ("compression") to generalisation; Saxe et al. (2018) found
compression with tanh but not with ReLU, and generalisation in both. This module asks the
question across trained networks: for each IDNN seed (and activation),

    compression = max_epoch I(X;T) − I(X;T) at the last epoch      (bits, one layer T)
    gap         = training accuracy − test accuracy at the last epoch

and reports their Pearson and Spearman correlations with percentile-bootstrap intervals over
networks. A correlation across a handful of seeds is evidence, not proof: it can be driven by a
third factor (e.g. how far a seed's training got), and I(X;T) of a deterministic network is a
property of the estimator (binning) as much as of the network (:mod:`infossl.analysis.idnn`).

Cost: O(B·m) for B bootstrap resamples of m networks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from infossl._checks import check_ci_level, check_int
from infossl.analysis.infoplane import InformationPlane

__all__ = ["CompressionGap", "compression_gap", "correlation_interval"]


@dataclass
class CompressionGap:
    """Per-network compression of one layer and generalisation gap, with their correlations.

    Attributes:
        layer: the layer T.
        groups: (m,) label of each network (e.g. its activation).
        seeds: (m,) seed of each network.
        compression: (m,) bits. gap: (m,) training − test accuracy.
        pearson, spearman: ``(r, low, high)`` over all networks.
        by_group: the same two per group, ``{group: {"pearson": ..., "spearman": ...}}``.
        level: the interval's confidence level.
    """

    layer: str
    groups: np.ndarray
    seeds: np.ndarray
    compression: np.ndarray
    gap: np.ndarray
    pearson: tuple[float, float, float]
    spearman: tuple[float, float, float]
    by_group: dict[str, dict[str, tuple[float, float, float]]]
    level: float

    def rows(self) -> list[dict[str, Any]]:
        """One record per network."""
        return [
            {"group": str(g), "seed": int(s), "compression_bits": float(c), "gap": float(d)}
            for g, s, c, d in zip(self.groups, self.seeds, self.compression, self.gap, strict=True)
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record."""
        return {
            "layer": self.layer,
            "level": self.level,
            "pearson": list(self.pearson),
            "spearman": list(self.spearman),
            "by_group": {g: {k: list(v) for k, v in d.items()} for g, d in self.by_group.items()},
            "networks": self.rows(),
        }


def _pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r of each row pair of (B, m) arrays; NaN for a constant row."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = (a * b).sum(axis=1) / den
    return out


def correlation_interval(
    x: np.ndarray,
    y: np.ndarray,
    *,
    rank: bool = False,
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """``(r, low, high)``: Pearson (or Spearman, ``rank``) r and its percentile-bootstrap CI.

    Resamples the m pairs with replacement (resamples where one side is constant are dropped).
    Needs m ≥ 3 pairs; the interval is NaN when fewer than half of the resamples are usable.
    """
    level = check_ci_level(level)
    n_boot = check_int(n_boot, "n_boot", low=100)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 3:
        raise ValueError(f"x and y must be 1-D of equal length >= 3, got {x.shape}, {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite")

    def r_of(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if rank:
            a, b = rankdata(a, axis=1), rankdata(b, axis=1)
        return _pearson_rows(a, b)

    point = float(r_of(x[None], y[None])[0])
    idx = np.random.default_rng(seed).integers(0, len(x), size=(n_boot, len(x)))
    boot = r_of(x[idx], y[idx])
    boot = boot[np.isfinite(boot)]
    if len(boot) < n_boot // 2:
        return point, float("nan"), float("nan")
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(boot, [alpha, 1.0 - alpha])
    return point, float(low), float(high)


def compression_gap(
    planes: dict[str, InformationPlane],
    layer: str | None = None,
    *,
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> CompressionGap:
    """Compression of ``layer`` (default: the last hidden layer) against the gap, per network.

    ``planes`` maps a group label (e.g. ``"tanh"``) to an information plane with per-seed
    values (:class:`~infossl.analysis.infoplane.InformationPlane` with accuracy curves, e.g. read
    from ``infoplane.json``).
    """
    if not planes:
        raise ValueError("planes must hold at least one information plane")
    seed = check_int(seed, "seed", low=0)
    groups, seeds, comp, gap = [], [], [], []
    names = None
    for group, plane in planes.items():
        names = names or plane.layers
        if plane.layers != names:
            raise ValueError(f"plane {group!r} has layers {plane.layers}, expected {names}")
        chosen = layer if layer is not None else plane.layers[-2]
        if chosen not in plane.layers:
            raise ValueError(f"layer must be one of {list(plane.layers)}, got {chosen!r}")
        if plane.train_accuracy is None or plane.test_accuracy is None:
            raise ValueError(f"plane {group!r} has no accuracy curves: no generalisation gap")
        i_xt = plane.i_xt[:, :, plane.layers.index(chosen)]  # (S, E)
        comp.append(i_xt.max(axis=1) - i_xt[:, -1])
        gap.append(plane.train_accuracy[:, -1] - plane.test_accuracy[:, -1])
        seeds.append(np.asarray(plane.seeds))
        groups.append(np.full(len(plane.seeds), group))
    chosen_layer = layer if layer is not None else names[-2]  # type: ignore[index]
    c, g = np.concatenate(comp), np.concatenate(gap)
    group_arr = np.concatenate(groups)

    def both(x: np.ndarray, y: np.ndarray) -> dict[str, tuple[float, float, float]]:
        kw: dict[str, Any] = {"level": level, "n_boot": n_boot, "seed": seed}
        return {
            "pearson": correlation_interval(x, y, **kw),
            "spearman": correlation_interval(x, y, rank=True, **kw),
        }

    overall = both(c, g)
    by_group = {
        str(name): both(c[group_arr == name], g[group_arr == name])
        for name in planes
        if (group_arr == name).sum() >= 3
    }
    return CompressionGap(
        layer=chosen_layer,
        groups=group_arr,
        seeds=np.concatenate(seeds),
        compression=c,
        gap=g,
        pearson=overall["pearson"],
        spearman=overall["spearman"],
        by_group=by_group,
        level=level,
    )

"""Heavy-tail detection for the estimators whose value the extreme rows can ruin.

Moment-based estimators (the Gaussian and log-det formulas), kernel density estimates with a
bandwidth set from the standard deviation, equal-width histograms and the neural (variational)
estimators trained on z-scored inputs all read the data through their first two moments or
their range; on heavy-tailed data (e.g. Student-t with 1 or 2 degrees of freedom) those are set
by a handful of extreme rows and the estimate can be off by several nats. kNN and copula
estimators (ranks, local distances) are not affected in the same way.

The check is one statistic per column, the ratio of the standard deviation to the mean absolute
deviation scaled to agree with it for a Gaussian (the inverse of Geary's 1935 test statistic):

    r = sd / (√(π/2) · mean|x − x̄|),

1 for Gaussian data and larger when a few extreme rows dominate the variance (Student-t:
ν = 10: 1.03, ν = 5: 1.08, ν = 3: 1.25, ν = 2 and ν = 1: unbounded, growing with n). It is
invariant to the scale and location of each column, O(n·d) and needs no sort. The largest
ratio over the columns of a variable is compared with :func:`tail_threshold`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: A variable is flagged when a column's ratio exceeds this (at n >= 100; see tail_threshold).
TAIL_RATIO_THRESHOLD = 1.2
#: What to use instead, quoted in the note.
TAIL_ALTERNATIVES = (
    "method='copula-max' (or 'ksg1-copula', kNN on the marginal normal scores) or a kNN "
    "estimator ('ksg1'), which read the data through ranks or local distances"
)


def tail_ratio(a: np.ndarray) -> float:
    """Largest ``sd / (√(π/2)·mean|x − x̄|)`` over the columns of ``a`` (1 for Gaussian data).

    ``a`` is an ``(n,)`` or ``(n, d)`` float array; constant columns count as 1 (no tails).
    O(n·d), vectorised; unchanged by ``a ↦ c·a + b`` per column (``c ≠ 0``).
    """
    cols = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    if len(cols) < 2 or cols.shape[1] == 0:
        return 1.0
    size = np.max(np.abs(cols), axis=0)
    cols = cols[:, size > 0] / size[size > 0]  # in [-1, 1]: no sum or square can overflow
    centred = cols - cols.mean(axis=0)
    peak = np.max(np.abs(centred), axis=0)
    spread = peak > 1e-12  # a spread at rounding level of the values: a constant column
    if not spread.any():
        return 1.0
    unit = centred[:, spread] / peak[spread]
    sd = np.sqrt(np.mean(unit * unit, axis=0))
    mad = np.mean(np.abs(unit), axis=0)
    ratios = sd / (math.sqrt(math.pi / 2.0) * mad)
    return float(ratios.max())


def tail_threshold(n: int) -> float:
    """The ratio above which a variable of ``n`` rows is called heavy-tailed.

    ``max(1.2, 1 + 2/√n)``: for Gaussian data the ratio's standard deviation is about
    ``0.27/√n``, so the largest of ten columns stays below 1.08 at n = 200 and below 1.26 at
    n = 20 (300 draws each); 1.2 is crossed by Student-t with ν <= 2 at any n >= 200 and by
    ν = 3 most of the time (18 of 20 samples in benchmarks/student_t.md), not by ν >= 5: the
    cases where moment-based and neural estimators were off by more than 1 nat.
    """
    return max(TAIL_RATIO_THRESHOLD, 1.0 + 2.0 / math.sqrt(max(n, 1)))


def heavy_tailed(arrays: Sequence[np.ndarray], names: Sequence[str]) -> dict[str, float]:
    """``{name: ratio}`` for the float arrays whose tail ratio exceeds :func:`tail_threshold`.

    Integer and bool arrays (discrete symbols) are skipped: tails do not apply to them.
    """
    found: dict[str, float] = {}
    for arr, name in zip(arrays, names, strict=True):
        if arr.dtype.kind != "f" or arr.size == 0:
            continue
        ratio = tail_ratio(arr)
        if ratio > tail_threshold(len(arr)):
            found[name] = ratio
    return found


def tail_note(method: str, reason: str, found: dict[str, float], n: int) -> str:
    """The note for a tail-sensitive ``method``: which variables, how heavy, why, what instead."""
    where = ", ".join(f"{name} (ratio {ratio:.3g})" for name, ratio in found.items())
    return (
        f"heavy tails in {where}: a column's standard deviation is that many times what its "
        f"mean absolute deviation implies for a Gaussian (1 for Gaussian data; flagged above "
        f"{tail_threshold(n):.3g}), so a few extreme rows dominate; {method} {reason}, and can "
        f"be wrong by several nats on such data (e.g. Student-t with 1 or 2 degrees of freedom); "
        f"use {TAIL_ALTERNATIVES}"
    )

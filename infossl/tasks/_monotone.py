"""Vectorised inversion of increasing functions (safeguarded Newton inside a bracket)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def solve_increasing(
    g: Callable[[np.ndarray], np.ndarray],
    dg: Callable[[np.ndarray], np.ndarray],
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    rtol: float = 4e-16,
    max_iter: int = 200,
) -> np.ndarray:
    """Roots of increasing ``g`` (elementwise) known to lie in ``[lo, hi]``.

    Newton steps, replaced by bisection whenever a step would leave the bracket or would not
    at least halve the previous step (the "rtsafe" safeguard of Press et al., *Numerical
    Recipes*, §9.4): quadratic convergence near the root, never divergence or cycling. Stops when
    every step is below ``rtol · (1 + |x|)``; O(n) per iteration.
    """
    lo = np.array(lo, dtype=np.float64, copy=True)
    hi = np.array(hi, dtype=np.float64, copy=True)
    x = 0.5 * (lo + hi)
    dx_old = hi - lo
    dx = dx_old.copy()
    done = np.zeros(x.shape, dtype=bool)
    for _ in range(max_iter):
        gx, dgx = g(x), dg(x)
        lo = np.where(gx < 0, x, lo)
        hi = np.where(gx > 0, x, hi)
        done |= gx == 0
        with np.errstate(invalid="ignore", over="ignore"):
            outside = ((x - hi) * dgx - gx) * ((x - lo) * dgx - gx) > 0
            slow = np.abs(2.0 * gx) > np.abs(dx_old * dgx)
        bisect = outside | slow | ~np.isfinite(dgx) | (dgx <= 0)
        dx_old = dx
        with np.errstate(divide="ignore", invalid="ignore"):
            dx = np.where(bisect, 0.5 * (hi - lo), gx / dgx)
        x_new = np.where(bisect, lo + dx, x - dx)
        x = np.where(done, x, x_new)
        done |= np.abs(dx) <= rtol * (1.0 + np.abs(x))
        if done.all():
            break
    out: np.ndarray = x
    return out

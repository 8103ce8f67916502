"""Probe: would a plain compiled kernel make KSG-1 at 25+25, n = 10,000 faster?

One fused float64 pass per row (numba, rows in parallel): the max-norm distances to every
column in each space, the k-th joint distance, the strict counts. Compared with
``knn_counts(..., algorithm="brute")`` on the same data; values must be identical.
numba comes with the ``fast`` extra (``pip install "infossl[fast]"``, in ``dev``); from the
repository root:

    OMP_NUM_THREADS=1 PYTHONPATH=. .venv/bin/python benchmarks/knn_numba_probe.py

This float64 kernel was a probe; what infossl uses is the int16 screen of
``infossl/estimators/_numba_kernels.py`` (``knn_speed.py --compiled``).

Results (2026-12-03, 2 cores; see knn_speed.md), identical radii and counts both times:
0.51 s against 0.49–0.56 s (load 0.4, a first version of this script), 0.63 s against
0.72 s (load 0.9, this script).
"""

from __future__ import annotations

import time

import numba as nb
import numpy as np

from infossl.estimators._neighbors import knn_counts


@nb.njit(parallel=True)
def ksg1_counts(xt: np.ndarray, yt: np.ndarray, k: int):  # type: ignore[no-untyped-def]
    """Coordinates by column (``(d, n)``); returns the k-th joint max-norm distance of each
    point and the counts of strictly closer points in each space (self excluded)."""
    n = xt.shape[1]
    radius = np.empty(n)
    cx = np.empty(n, np.int64)
    cy = np.empty(n, np.int64)
    for i in nb.prange(n):
        ax = np.zeros(n)
        ay = np.zeros(n)
        for c in range(xt.shape[0]):
            for j in range(n):
                ax[j] = max(ax[j], abs(xt[c, j] - xt[c, i]))
        for c in range(yt.shape[0]):
            for j in range(n):
                ay[j] = max(ay[j], abs(yt[c, j] - yt[c, i]))
        best = np.full(k, np.inf)
        for j in range(n):
            d = max(ax[j], ay[j])
            if j != i and d < best[k - 1]:
                m = k - 1
                while m > 0 and best[m - 1] > d:
                    best[m] = best[m - 1]
                    m -= 1
                best[m] = d
        r = best[k - 1]
        radius[i] = r
        cx[i] = np.sum(ax < r) - 1
        cy[i] = np.sum(ay < r) - 1
    return radius, cx, cy


def main() -> None:
    rng = np.random.default_rng(0)
    n = 10_000
    x = rng.standard_normal((n, 25))
    y = x + rng.standard_normal((n, 25))
    xt, yt = np.ascontiguousarray(x.T), np.ascontiguousarray(y.T)
    ksg1_counts(xt[:, :50].copy(), yt[:, :50].copy(), 3)  # compile
    best_nb = best_np = np.inf
    for _ in range(3):
        t = time.perf_counter()
        r, cx, cy = ksg1_counts(xt, yt, 3)
        best_nb = min(best_nb, time.perf_counter() - t)
        t = time.perf_counter()
        ref = knn_counts([x, y], 3, [(0,), (1,)], algorithm="brute")
        best_np = min(best_np, time.perf_counter() - t)
    same = np.array_equal(ref.radius, r) and np.array_equal(ref.counts, np.stack([cx, cy], 1))
    print(f"numba {best_nb:.3f} s, infossl brute {best_np:.3f} s, identical {same}")


if __name__ == "__main__":
    main()

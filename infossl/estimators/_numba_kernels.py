"""Compiled loop (numba) for the brute-force kNN screen; imported only through
:mod:`infossl.estimators._compiled`, which checks that numba is installed.

The kernel runs without the GIL, so the brute force's worker threads run it in parallel; it is
compiled on first use and cached on disk (numba's ``cache=True``), so later processes load it.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_I16_ZERO = np.int16(0)


@nb.njit(nogil=True, cache=True, boundscheck=False)
def chebyshev_block(data: np.ndarray, start: int, stop: int, out: np.ndarray) -> None:
    """``out[r, j] = max_c |data[c, j] - data[c, start + r]|`` for int16 ``data`` (``(d, n)``).

    The same int16 operations as the numpy coordinate loop, in the same order for each value
    (the differences of values within +-16383 cannot overflow), so the result is identical.
    One pass over a row of ``out`` per coordinate (16 int16 lanes with AVX2); O(b n d).
    """
    d, n_pad = data.shape
    for r in range(stop - start):
        i = start + r
        acc = out[r]
        q = data[0, i]
        row = data[0]
        for j in range(n_pad):
            v = np.int16(row[j] - q)
            acc[j] = np.int16(v if v >= _I16_ZERO else -v)
        for c in range(1, d):
            q = data[c, i]
            row = data[c]
            for j in range(n_pad):
                v = np.int16(row[j] - q)
                v = np.int16(v if v >= _I16_ZERO else -v)
                a = acc[j]
                acc[j] = v if v > a else a

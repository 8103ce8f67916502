"""Compiled loop (numba) for the brute-force kNN screen; imported only through
:mod:`infossl.estimators._compiled`, which checks that numba can be loaded.

The kernel runs without the GIL, so the brute force's worker threads run it in parallel. It is
compiled on first use and its machine code cached on disk (numba's ``cache=True``); where no
cache folder can be written (a read-only install and home), it is compiled in memory instead,
once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba as nb
import numpy as np

_I16_ZERO = np.int16(0)


def _jit(fn: Callable[..., Any]) -> Any:
    """``numba.njit`` without the GIL and bounds checks, cached on disk where possible."""
    try:
        return nb.njit(nogil=True, cache=True, boundscheck=False)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return nb.njit(nogil=True, cache=False, boundscheck=False)(fn)


@_jit
def chebyshev_block(data: np.ndarray, start: int, stop: int, out: np.ndarray) -> None:
    """``out[r, j] = max_c |data[c, j] - data[c, start + r]|`` for ``r < stop - start``.

    ``data``: int16, C-contiguous, ``(d, n_pad)``, values within +-16383 (so a difference,
    at most 32766 in size, cannot overflow int16); ``out``: int16, C-contiguous,
    ``(stop - start, n_pad)``; ``0 <= start < stop <= n_pad``. Bounds are not checked: the
    caller (``_Screens.block``) guarantees the shapes. The numpy screen computes
    ``|q - x|`` and this kernel ``|x - q|``, the same integer; the maxima are exact, so the
    result is identical. One pass over a row of ``out`` per coordinate (16 int16 lanes with
    AVX2); O(b n d) time, no extra memory.
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

"""Compiled loops (numba) for the brute-force kNN search; imported only through
:mod:`infossl.estimators._compiled`, which checks that numba can be loaded.

* :func:`chebyshev_block`: the int16 max-norm screen of a block of rows (the numpy path's
  screen, compiled), used where numpy does the rest (extent radius, labels, radius counts);
* :func:`chebyshev_knn_block`: the whole certified search with the joint radius for a block of
  rows, fused per row (screen, candidates, float64 certificate, counts).

The kernels run without the GIL, so the brute force's worker threads run them in parallel.
They are compiled on first use (about 10 s) and their machine code cached on disk (numba's
``cache=True``); where no cache folder can be written (a read-only install and home), they are
compiled in memory instead, once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba as nb
import numpy as np

_I16_ZERO = np.int16(0)


#: False when numba found no writable cache folder: the kernels are then compiled in memory,
#: about 10 s in every process (:mod:`infossl.estimators._compiled` waits for more work).
CACHED = True


def _jit(fn: Callable[..., Any]) -> Any:
    """``numba.njit`` without the GIL and bounds checks, cached on disk where possible."""
    global CACHED
    try:
        return nb.njit(nogil=True, cache=True, boundscheck=False)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        CACHED = False
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


_I16_MAX = np.int16(32767)  # the sentinel: self pairs (larger than any screened value)


@_jit
def _abs_diff(x: np.int16, q: np.int16) -> Any:
    """``|x - q|`` in int16 (no overflow: both within +-16383)."""
    v = np.int16(x - q)
    return np.int16(v if v >= _I16_ZERO else -v)


@_jit
def _max16(a: np.int16, b: np.int16) -> np.int16:
    """The larger of two int16 (a compare-and-select the vectoriser turns into a maximum)."""
    return a if a > b else b


@_jit
def screen_row(data: np.ndarray, c0: int, c1: int, i: int, acc: np.ndarray) -> None:
    """``acc[j] = max_{c0 <= c < c1} |data[c, j] - data[c, i]|`` for every column j.

    The same integers as :func:`chebyshev_block`, with eight (then four, then one) coordinates
    per pass over a zeroed row so that the running maximum stays in a register: 1.6x faster
    per row on 25 coordinates (one load, subtraction, absolute value and maximum per coordinate
    and 16 lanes, one load and store of ``acc`` per pass). O(n_pad (c1 - c0)).
    """
    n_pad = data.shape[1]
    acc[:] = _I16_ZERO  # distances are >= 0, so the maximum starts from 0
    c = c0
    while c < c1:
        if c1 - c >= 8:
            r0, r1, r2, r3 = data[c], data[c + 1], data[c + 2], data[c + 3]
            r4, r5, r6, r7 = data[c + 4], data[c + 5], data[c + 6], data[c + 7]
            q0, q1, q2, q3 = data[c, i], data[c + 1, i], data[c + 2, i], data[c + 3, i]
            q4, q5, q6, q7 = data[c + 4, i], data[c + 5, i], data[c + 6, i], data[c + 7, i]
            for j in range(n_pad):
                acc[j] = _max16(
                    _max16(
                        _max16(
                            _max16(_abs_diff(r0[j], q0), _abs_diff(r1[j], q1)),
                            _max16(_abs_diff(r2[j], q2), _abs_diff(r3[j], q3)),
                        ),
                        _max16(
                            _max16(_abs_diff(r4[j], q4), _abs_diff(r5[j], q5)),
                            _max16(_abs_diff(r6[j], q6), _abs_diff(r7[j], q7)),
                        ),
                    ),
                    acc[j],
                )
            c += 8
        elif c1 - c >= 4:
            r0, r1, r2, r3 = data[c], data[c + 1], data[c + 2], data[c + 3]
            q0, q1, q2, q3 = data[c, i], data[c + 1, i], data[c + 2, i], data[c + 3, i]
            for j in range(n_pad):
                acc[j] = _max16(
                    _max16(
                        _max16(_abs_diff(r0[j], q0), _abs_diff(r1[j], q1)),
                        _max16(_abs_diff(r2[j], q2), _abs_diff(r3[j], q3)),
                    ),
                    acc[j],
                )
            c += 4
        else:
            r0, q0 = data[c], data[c, i]
            for j in range(n_pad):
                acc[j] = _max16(_abs_diff(r0[j], q0), acc[j])
            c += 1


_SCAN_CHUNK = 64  # columns per chunk: the candidate search and the band scan skip whole chunks


@_jit
def _exact_distance(x: np.ndarray, i: int, j: int, c0: int, c1: int) -> float:
    """``max_{c0 <= c < c1} |x[j, c] - x[i, c]|`` in float64 (the numpy path's number)."""
    d = 0.0
    for c in range(c0, c1):
        e = abs(x[j, c] - x[i, c])
        if e > d:
            d = e
    return d


@_jit
def _chunk_min(seg: np.ndarray) -> Any:
    """The smallest int16 of ``seg`` (the sentinel for an empty one)."""
    low = _I16_MAX
    for j in range(len(seg)):
        v = seg[j]
        low = v if v < low else low
    return low


@_jit
def _sift_down(values: np.ndarray, cols: np.ndarray, at: int) -> None:
    """Restore the max-heap order of ``values`` (with ``cols`` alongside) below ``at``."""
    m = len(values)
    while True:
        child = 2 * at + 1
        if child >= m:
            return
        if child + 1 < m and values[child + 1] > values[child]:
            child += 1
        if values[child] <= values[at]:
            return
        values[at], values[child] = values[child], values[at]
        cols[at], cols[child] = cols[child], cols[at]
        at = child


@_jit
def _candidates(
    joint: np.ndarray, n: int, i: int, cand_val: np.ndarray, cand_col: np.ndarray
) -> Any:
    """Fill ``cand_col`` with the columns of the ``m = len(cand_val)`` smallest ``joint[j]``,
    ``j < n``, ``j != i`` (any order, ties broken by position); return the largest of them.

    A running selection in a max-heap (the largest candidate at the root; a smaller value
    replaces it in O(log m)) whose replacement test is first made on a chunk's minimum
    (vectorised), so only chunks holding a value below the current m-th smallest are scanned
    one by one. O(n) per row plus O(log m) per replacement (at most n of them).
    """
    m = len(cand_val)
    filled, worst = 0, _I16_MAX
    for j0 in range(0, n, _SCAN_CHUNK):
        seg = joint[j0 : min(j0 + _SCAN_CHUNK, n)]
        if filled == m and _chunk_min(seg) >= worst:
            continue
        for j in range(len(seg)):
            if j0 + j == i:
                continue
            v = seg[j]
            if filled < m:
                cand_val[filled], cand_col[filled] = v, j0 + j
                filled += 1
                if filled == m:
                    for at in range(m // 2 - 1, -1, -1):
                        _sift_down(cand_val, cand_col, at)
                    worst = cand_val[0]
            elif v < worst:
                cand_val[0], cand_col[0] = v, j0 + j
                _sift_down(cand_val, cand_col, 0)
                worst = cand_val[0]
    return worst


@_jit
def _count_inside(
    dist: np.ndarray,
    n: int,
    i: int,
    r: float,
    scale: float,
    strict: bool,
    x: np.ndarray,
    offsets: np.ndarray,
    member: np.ndarray,
) -> int:
    """``#{j < n, j != i: d(i, j) < r}`` (``<=`` unless strict) in the spaces of ``member``.

    Screened values ``dist[j]`` (``dist[i]`` is the sentinel) below ``r * scale - 2`` are inside
    for certain, above ``r * scale + 2`` outside; the points between are decided in float64.
    Counts per chunk in int16 lanes (a chunk is far below 32767 columns); a chunk is scanned one
    by one only when it holds an undecided point.
    """
    lo = np.int16(min(max(np.ceil(r * scale - 2.0), -32767.0), 32767.0))
    hi = np.int16(min(max(np.floor(r * scale + 2.0), -32767.0), 32767.0))
    inside = 0
    for j0 in range(0, n, _SCAN_CHUNK):
        seg = dist[j0 : min(j0 + _SCAN_CHUNK, n)]
        below, up_to_hi = _I16_ZERO, _I16_ZERO
        for j in range(len(seg)):
            v = seg[j]
            below = np.int16(below + np.int16(v < lo))
            up_to_hi = np.int16(up_to_hi + np.int16(v <= hi))
        inside += below
        if up_to_hi == below:
            continue
        for j in range(len(seg)):
            v = seg[j]
            if v >= lo and v <= hi and j0 + j != i:
                d = 0.0
                for s in range(len(member)):
                    if member[s]:
                        d = max(d, _exact_distance(x, i, j0 + j, offsets[s], offsets[s + 1]))
                if d < r or (not strict and d == r):
                    inside += 1
    return inside


@_jit
def _max_over_spaces(acc: np.ndarray, member: np.ndarray, out: np.ndarray) -> Any:
    """The element-wise maximum of the rows ``acc[s]`` with ``member[s]``: the screened
    distance in a product of spaces. One member: that row itself (no copy); else written to
    ``out``, the first two members in one pass. At least one member."""
    first, second = -1, -1
    for s in range(len(member)):
        if member[s]:
            if first < 0:
                first = s
            elif second < 0:
                second = s
    if second < 0:
        return acc[first]
    a0, a1 = acc[first], acc[second]
    for j in range(len(out)):
        out[j] = _max16(a0[j], a1[j])
    for s in range(second + 1, len(member)):
        if member[s]:
            a = acc[s]
            for j in range(len(out)):
                out[j] = _max16(out[j], a[j])
    return out


@_jit
def chebyshev_knn_block(
    data: np.ndarray,
    offsets: np.ndarray,
    x: np.ndarray,
    start: int,
    stop: int,
    n: int,
    k_table: np.ndarray,
    members: np.ndarray,
    scale: float,
    strict: bool,
    m: int,
    eps: np.ndarray,
    counts: np.ndarray,
    redo: np.ndarray,
) -> None:
    """The certified max-norm k-NN search with joint radius for rows ``start:stop``, fused.

    Per row i, without leaving compiled code: the screened distance to every column in each
    space (:func:`screen_row`), the ``m`` smallest screened joint distances (the candidates,
    :func:`_candidates`), their float64 distances (the k-th smallest of which is eps for each
    k), a certificate that no other point can be that close, and for each k and group the
    count of points inside eps (:func:`_count_inside`). Every number equals the numpy path's;
    a row whose certificate fails gets ``redo[i] = True`` and no counts (its ``eps`` row holds
    the candidates' values; the exact fallback overwrites both).

    ``data``: int16 ``(D, n_pad)``, the quantised spaces stacked (space s on rows
    ``offsets[s]:offsets[s + 1]``, values within +-16383, step ``1/scale``); ``x``: float64
    ``(n, D)``, the same spaces side by side; ``k_table``: ``(n, K)`` neighbour orders (per
    row, or one column per k of a series); ``members``: bool ``(G, S)`` spaces of each group;
    ``m``: candidates per row, ``k_max + margin`` or ``n - 1``. Outputs: ``eps`` ``(n, K)``,
    ``counts`` ``(n, K * G)`` k-major, ``redo`` ``(n,)``. O((stop - start) n D) time,
    O(S n_pad) scratch.
    """
    n_spaces = len(offsets) - 1
    n_pad = data.shape[1]
    n_groups, n_k = members.shape[0], k_table.shape[1]
    acc = np.empty((n_spaces, n_pad), dtype=np.int16)
    joint = np.empty(n_pad, dtype=np.int16)
    group = np.empty(n_pad, dtype=np.int16)
    cand_val = np.empty(m, dtype=np.int16)
    cand_col = np.empty(m, dtype=np.int64)
    exact = np.empty(m, dtype=np.float64)
    every_space = np.ones(n_spaces, dtype=np.bool_)
    for i in range(start, stop):
        for s in range(n_spaces):
            screen_row(data, offsets[s], offsets[s + 1], i, acc[s])
            acc[s, i] = _I16_MAX
        worst = _candidates(_max_over_spaces(acc, every_space, joint), n, i, cand_val, cand_col)
        for t in range(m):
            exact[t] = _exact_distance(x, i, cand_col[t], 0, x.shape[1])
        exact.sort()
        k_max = 0
        for kk in range(n_k):
            eps[i, kk] = exact[k_table[i, kk] - 1]
            k_max = max(k_max, k_table[i, kk])
        # certified: every point outside the candidates is screened >= worst, hence farther
        if m < n - 1 and not float(worst) > exact[k_max - 1] * scale + 2.0:
            redo[i] = True
            continue
        for g in range(n_groups):
            dist = _max_over_spaces(acc, members[g], group)
            for kk in range(n_k):
                counts[i, kk * n_groups + g] = _count_inside(
                    dist, n, i, eps[i, kk], scale, strict, x, offsets, members[g]
                )


def compiled_in_process() -> bool:
    """Whether a kernel has machine code in this process (compiled or read from the cache)."""
    return bool(chebyshev_knn_block.signatures or chebyshev_block.signatures)

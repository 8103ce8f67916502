"""Exact k-nearest-neighbour search and radius counting for the kNN estimators.

The data come as one or more *spaces* (variables) ``S_s`` of shape ``(n, d_s)``. Each space has
its own norm (``"chebyshev"``: max-norm, or ``"euclidean"``), and the distance in a product of
spaces is the maximum of the per-space distances (Kraskov et al. 2004). One call finds, for every
point ``i``:

* ``radius[i]``: the distance to its k-th nearest neighbour (self excluded) in the joint space of
  all spaces, optionally restricted to points with the same ``label`` (Ross 2014);
* ``counts[i, g]``: the number of points ``j != i`` (all labels) within a radius of ``i`` in the
  product of the spaces of group ``g``. The radius is either the joint k-th distance
  (``radius="joint"``, KSG algorithm 1, Frenzel-Pompe, Ross, Gao) or, per group, the largest
  group distance among the k neighbours (``radius="extent"``, KSG algorithm 2; points tied with
  the k-th neighbour are included, so the result does not depend on how ties are ordered).
  Counting is strict (``d < r``) or not (``d <= r``).

Every result is exact; three back-ends give the same numbers:

* ``tree``: ``scipy.spatial.cKDTree`` for the k-NN distances (``p = inf``, or ``p = 2`` for a
  single Euclidean space); radius counts by binary search in the sorted values for 1-D groups
  (O(n log n)) and by scikit-learn's ``KDTree.query_radius(count_only=True)`` otherwise. Fast in
  low dimension; near O(n log n), degrading towards O(n^2) as the dimension grows.
* ``brute``: rows in blocks of ``b``, spread over ``workers`` threads. The per-space distances to
  all n points are *screened* cheaply -- max-norm on int16-quantised coordinates (a coordinate
  loop; twice the SIMD width of float32), Euclidean with one float32 matrix product -- and every
  decision that the screening error bound cannot settle (the k nearest candidates, points near a
  counting radius) is *certified* in float64. Rows that still cannot be settled (heavy ties) are
  recomputed wholly in float64. Time O(n^2 d), memory O(b n + n d) per thread. With numba
  (:mod:`infossl.estimators._compiled`) the max-norm screen runs compiled, and with the joint
  radius and no labels the whole search is one compiled pass per row (O(n) scratch per
  thread): the same comparisons, identical results.
* ``torch`` (``device="cpu"``, ``"cuda"``, ``"cuda:1"``, or a CUDA tensor among the spaces):
  the brute force in float64 torch on that device, rows in blocks (O(b n) memory per space),
  ``torch.cdist`` per space, ``torch.topk`` for the k-th joint distance. Max-norm values are
  the same float64 numbers as above, so every count and radius is identical; Euclidean
  distances agree to a few units in the last place and use the same tie band.

Ties. Max-norm distances ``max_c |fl(x_c - y_c)|`` are computed identically by every back-end,
so comparisons are exact. Euclidean distances depend on the summation order at the last bit, so
two Euclidean distances within a relative ``EUCLIDEAN_TIE_RTOL`` of a radius are treated as lying
on it: strict counts use ``d < r (1 - rtol)``, non-strict ``d <= r (1 + rtol)``.

Auto choice (numpy only; torch runs when a device is given): the tree when the norms allow it
and the joint dimension is at most :func:`tree_max_dim` of n (4 below n = 5,000, 6 below
20,000, 8 above; with the compiled kernels loaded 2 below 10,000, 4 below 40,000, 6 above;
measured on 2 cores, benchmarks/knn_speed.md), brute force otherwise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from infossl.estimators._compiled import (
    COMPILED_MIN_WORK,
    compiled_kernels,
    compiled_mode,
    kernels_ready,
)

METRICS: tuple[str, ...] = ("chebyshev", "euclidean")
ALGORITHMS: tuple[str, ...] = ("auto", "tree", "brute")
RADIUS_MODES: tuple[str, ...] = ("joint", "extent")

#: Largest joint dimension for which ``algorithm="auto"`` uses the KD-tree when n is not
#: known, and for a single variable (the tree's cost grows with n log n, brute force's with n^2,
#: so the crossover dimension grows with n; see :func:`tree_max_dim`).
TREE_MAX_DIM = 8
#: ``(n below, largest tree dimension)`` for two or more variables, measured on 2 cores
#: (KSG-1, k = 3, Gaussian data; benchmarks/knn_speed.md, 2026-12-03): the KD-tree won up to
#: 2+2 at n = 2,000, 3+3 at 10,000 and 4+4 at 30,000; brute force beyond.
TREE_DIM_STEPS: tuple[tuple[int, int], ...] = ((5_000, 4), (20_000, 6))
#: The same with the compiled kernels loaded (``benchmarks/knn_speed.md``, ``--grid --compiled``,
#: 2026-12-03): the fused brute force beat the KD-tree from 2+2 below n = 10,000, from 3+3 up
#: to 30,000 and from 4+4 up to 100,000 (the largest n measured); (n below, largest tree dim).
COMPILED_TREE_DIM_STEPS: tuple[tuple[int, int], ...] = ((10_000, 2), (40_000, 4))
#: Beyond the last compiled step.
COMPILED_TREE_MAX_DIM = 6
#: Relative width of the tie band around a Euclidean radius (see module docstring).
EUCLIDEAN_TIE_RTOL = 1e-12

_F32_EPS = 2.0**-24  # unit round-off of float32
_INT16_HALF = 16383.0  # quantised max-norm coordinates lie in [-16383, 16383]
_MAX_BAND_PAIRS_PER_ROW = 64  # beyond this (heavy ties) a block is settled wholly in float64
_CANDIDATE_MARGIN = 3  # extra float32 candidates beyond k, certified in float64
_CHUNK = 32  # columns per chunk in the two-stage top-k
_LOOP_MAX_DIM = 32  # Euclidean spaces up to this dimension use the coordinate loop
_COUNT_LEAF_SIZE = 16  # leaf size of the counting KD-tree
_BLOCK_ELEMENTS = 1 << 19  # rows per block ~ this / n (int16 blocks of 1 MiB)
_EXACT_ELEMENTS = 1 << 21  # float64 elements per block in the exact (fallback) path


@dataclass(frozen=True)
class NeighbourCounts:
    """Result of :func:`knn_counts`.

    Attributes:
        radius: ``(n,)`` distance of each point to its k-th nearest neighbour in the joint space.
        counts: ``(n, n_groups)`` points ``j != i`` within the counting radius in each group.
        algorithm: the back-end used, ``"tree"`` or ``"brute"``.
        device: the torch device of the brute-force back-end, or None (numpy).
    """

    radius: np.ndarray
    counts: np.ndarray
    algorithm: str
    device: str | None = None


@dataclass
class _Query:
    """One validated search as the back-ends take it (fields as in :func:`knn_counts`)."""

    spaces: list[Any]
    k_rows: np.ndarray
    groups: list[tuple[int, ...]]
    metric: str
    strict: bool
    radius: str
    labels: np.ndarray | None


def knn_counts(
    spaces: Sequence[Any],
    k: int | np.ndarray,
    groups: Sequence[Sequence[int]] = (),
    *,
    metric: str = "chebyshev",
    strict: bool = True,
    radius: str = "joint",
    labels: np.ndarray | None = None,
    algorithm: str = "auto",
    workers: int = -1,
    block_rows: int | None = None,
    device: str | None = None,
) -> NeighbourCounts:
    """k-th neighbour distances in the joint space and neighbour counts in sub-spaces.

    Args:
        spaces: float64 arrays ``(n, d_s)`` (or torch tensors), one per variable.
        k: neighbour order, an int or one int per point (``1 <= k_i <`` available neighbours).
        groups: tuples of space indices; a count is returned for each.
        metric: the norm inside each space, ``"chebyshev"`` or ``"euclidean"``.
        strict: count ``d < r`` (True) or ``d <= r`` (False).
        radius: ``"joint"`` (the k-th joint distance) or ``"extent"`` (per group, the largest
            group distance among the k neighbours).
        labels: optional integer codes ``(n,)``; neighbours are then searched among points of
            the same label only (counts still run over all points).
        algorithm: ``"auto"``, ``"tree"`` or ``"brute"``.
        workers: threads for the KD-tree queries and the brute-force blocks (-1: all cores).
        block_rows: rows per block of the brute-force path (default: about 2^19 / n).
        device: None (numpy back-ends; a CUDA tensor among ``spaces`` selects its device), or
            ``"cpu"``, ``"cuda"``, ``"cuda:1"``: the torch brute-force back-end on that device.

    Complexity: tree near O(n log n) in low dimension; brute O(n^2 d) time, O(b n + n d) memory.
    """
    device = check_device(device) if device is not None else _tensor_device(spaces)
    if device is None:
        spaces = host = [np.ascontiguousarray(s, dtype=np.float64) for s in spaces]
    n = len(spaces[0])
    group_list = _checked_groups(groups, len(spaces))
    metric = _checked_options(spaces, metric, radius, algorithm)
    k_rows = np.broadcast_to(np.asarray(k, dtype=np.int64), (n,)).copy()
    if labels is not None:
        labels = np.asarray(labels, dtype=np.int64)
    _check_k_rows(k_rows, labels, n)
    if device is not None:
        if algorithm == "tree":
            raise ValueError(
                f"algorithm='tree' runs in numpy only; with device={device!r} use 'brute' or "
                "'auto' (the torch back-end is exact brute force)"
            )
        query = _Query(list(spaces), k_rows, group_list, metric, strict, radius, labels)
        eps, counts = _torch_knn_counts(query, device, block_rows)
        return NeighbourCounts(radius=eps, counts=counts, algorithm="brute", device=device)
    chosen = choose_algorithm([s.shape[1] for s in spaces], group_list, metric, algorithm, n=n)
    query = _Query(host, k_rows, group_list, metric, strict, radius, labels)
    if chosen == "tree":
        eps, counts = _tree_knn_counts(query, workers)
    else:
        eps, counts = _brute_knn_counts(query, block_rows, workers)
    return NeighbourCounts(radius=eps, counts=counts, algorithm=chosen)


def knn_counts_over_k(
    spaces: Sequence[Any],
    ks: Sequence[int],
    groups: Sequence[Sequence[int]] = (),
    *,
    metric: str = "chebyshev",
    strict: bool = True,
    algorithm: str = "auto",
    workers: int = -1,
    device: str | None = None,
) -> list[np.ndarray]:
    """The ``counts`` of :func:`knn_counts` (joint radius, no labels) for each distinct k of
    ``ks``, in ascending k.

    Exactly the values of one :func:`knn_counts` call per k. The numpy back-ends search the
    joint space once for all k -- brute force computes the screened distances and the float64
    candidates once (the largest k sets the candidate set), the KD-tree asks one query for the
    K distances -- and count each group once per k; the torch back-end runs one search per k.
    Complexity: brute O(n² d + K n² G); tree one k-NN query plus K radius counts per group.
    """
    ks = sorted({int(k) for k in ks})
    if not ks or ks[0] < 1:
        raise ValueError(f"ks must hold neighbour counts >= 1, got {ks}")
    per_k = (check_device(device) if device is not None else _tensor_device(spaces)) is not None
    host = [] if per_k else [np.ascontiguousarray(s, dtype=np.float64) for s in spaces]
    group_list = _checked_groups(groups, len(spaces))
    chosen = "brute"
    if not per_k:
        metric = _checked_options(host, metric, "joint", algorithm)
        dims = [s.shape[1] for s in host]
        chosen = choose_algorithm(dims, group_list, metric, algorithm, n=len(host[0]))
    if per_k or len(ks) == 1:  # one search per k
        return [
            knn_counts(
                spaces,
                k,
                groups,
                metric=metric,
                strict=strict,
                algorithm=algorithm,
                workers=workers,
                device=device,
            ).counts
            for k in ks
        ]
    n = len(host[0])
    k_rows = np.full(n, ks[-1], dtype=np.int64)
    _check_k_rows(k_rows, None, n)
    query = _Query(host, k_rows, group_list, metric, strict, "joint", None)
    if chosen == "tree":
        _, counts = _tree_knn_counts(query, workers, ks=tuple(ks))
    else:
        _, counts = _brute_knn_counts(query, None, workers, ks=tuple(ks))
    n_groups = len(group_list)
    return [counts[:, j * n_groups : (j + 1) * n_groups] for j in range(len(ks))]


def _checked_groups(groups: Sequence[Sequence[int]], n_spaces: int) -> list[tuple[int, ...]]:
    """The groups as tuples of space indices; each must name at least one of the spaces."""
    out = [tuple(int(s) for s in g) for g in groups]
    for g in out:
        if not g or min(g) < 0 or max(g) >= n_spaces:
            raise ValueError(
                f"each group must list space indices in 0..{n_spaces - 1}, got {list(groups)}"
            )
    return out


def _checked_options(spaces: Sequence[Any], metric: str, radius: str, algorithm: str) -> str:
    """Validate the search options; return the metric (Euclidean becomes max-norm in 1-D)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    if radius not in RADIUS_MODES:
        raise ValueError(f"radius must be one of {list(RADIUS_MODES)}, got {radius!r}")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {list(ALGORITHMS)}, got {algorithm!r}")
    compiled_mode()  # a bad INFOSSL_NUMBA is an error whichever back-end runs
    if metric == "euclidean" and all(s.shape[1] == 1 for s in spaces):
        return "chebyshev"  # identical norms in 1-D; enables the tree and exact comparisons
    return metric


def count_within(
    points: np.ndarray,
    radii: np.ndarray,
    *,
    metric: str = "chebyshev",
    strict: bool = True,
    algorithm: str = "auto",
    workers: int = -1,
) -> np.ndarray:
    """For each point i, the number of points ``j != i`` with ``d(i, j) < radii[i]`` (or ``<=``).

    Exact; 1-D data use binary search in the sorted values (O(n log n)), low dimension a
    KD-tree, high dimension blocked brute force (O(n^2 d) time, O(b n) memory).
    """
    points = np.ascontiguousarray(points, dtype=np.float64)
    radii = np.asarray(radii, dtype=np.float64)
    compiled_mode()  # a bad INFOSSL_NUMBA is an error whichever back-end runs
    if metric == "euclidean" and points.shape[1] == 1:
        metric = "chebyshev"  # identical norms in 1-D
    chosen = choose_algorithm([points.shape[1]], [(0,)], metric, algorithm)
    if chosen == "tree":
        return _tree_count([points], radii, metric, strict, workers)
    return _brute_count([points], radii, metric, strict, workers)


def choose_algorithm(
    dims: Sequence[int],
    groups: Sequence[Sequence[int]],
    metric: str,
    algorithm: str,
    *,
    n: int | None = None,
) -> str:
    """Resolve ``"auto"``; reject ``"tree"`` where a KD-tree cannot represent the norm.

    ``"auto"`` picks the faster numpy back-end on the CPU (:func:`tree_max_dim`); the torch
    back-end was slower than both on the CPU wherever measured, so it runs only on request
    (``device=``). A KD-tree handles a Minkowski norm on the concatenated coordinates: the
    max-norm of any product of spaces, or the Euclidean norm of a single space.
    """
    tree_ok = metric == "chebyshev" or (len(dims) == 1 and all(len(g) == 1 for g in groups))
    if algorithm == "tree":
        if not tree_ok:
            raise ValueError(
                "algorithm='tree' needs metric='chebyshev' when there is more than one variable "
                "(the maximum of Euclidean norms is not a Minkowski norm); use 'brute' or 'auto'"
            )
        return "tree"
    if algorithm == "brute":
        return "brute"
    compiled = (
        metric == "chebyshev"
        and n is not None
        and float(n) * n * sum(dims) >= COMPILED_MIN_WORK
        and kernels_ready()
    )
    return "tree" if tree_ok and sum(dims) <= tree_max_dim(n, len(dims), compiled) else "brute"


def tree_max_dim(n: int | None, n_spaces: int = 2, compiled: bool = False) -> int:
    """Largest joint dimension for which ``"auto"`` picks the KD-tree at sample size n.

    A step function of n from the measured crossover (:data:`TREE_DIM_STEPS`, or
    :data:`COMPILED_TREE_DIM_STEPS` when the brute force would run compiled);
    ``TREE_MAX_DIM`` for one variable or unknown n.
    """
    if n is None or n_spaces < 2:
        return TREE_MAX_DIM
    steps, top = (
        (COMPILED_TREE_DIM_STEPS, COMPILED_TREE_MAX_DIM)
        if compiled
        else (TREE_DIM_STEPS, TREE_MAX_DIM)
    )
    for below, dim in steps:
        if n < below:
            return dim
    return top


# --------------------------------------------------------------------------------- helpers
def _check_k_rows(k_rows: np.ndarray, labels: np.ndarray | None, n: int) -> None:
    if k_rows.min() < 1:
        raise ValueError(f"k must be >= 1, got {int(k_rows.min())}")
    if labels is None:
        available = np.full(n, n - 1)
    else:
        _, inverse, sizes = np.unique(labels, return_inverse=True, return_counts=True)
        available = sizes[inverse.reshape(-1)] - 1
    bad = k_rows > available
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"k={int(k_rows[i])} needs more samples: point {i} has only {int(available[i])} "
            "candidate neighbours (need n > k)"
        )


def _comparison_radius(r: np.ndarray, metric: str, strict: bool) -> np.ndarray:
    """The radius actually compared against: exact for max-norm, tie band for Euclidean."""
    if metric == "euclidean":
        return r * _tie_factor(strict)
    return r


def _tie_factor(strict: bool) -> float:
    """``1 -+ EUCLIDEAN_TIE_RTOL``: the Euclidean radius is compared as ``r * factor``."""
    return 1.0 - EUCLIDEAN_TIE_RTOL if strict else 1.0 + EUCLIDEAN_TIE_RTOL


def _inside(d: np.ndarray, r: np.ndarray, strict: bool) -> np.ndarray:
    return d < r if strict else d <= r


def _exact_dist(a: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    """float64 distances between broadcast rows ``a[..., d]`` and ``b[..., d]``."""
    diff = np.abs(a - b)
    out: np.ndarray
    if metric == "chebyshev":
        out = diff.max(axis=-1)
    else:
        out = np.sqrt(np.einsum("...i,...i->...", diff, diff))
    return out


def _drop_self(dist: np.ndarray, idx: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """Remove each row's own index from a (k+1)-NN result (the last column if self is absent)."""
    is_self = idx == rows[:, None]
    no_self = ~is_self.any(axis=1)
    is_self[no_self, -1] = True
    keep = ~is_self
    m = idx.shape[1] - 1
    return dist[keep].reshape(-1, m), idx[keep].reshape(-1, m)


def _extent_radius(
    spaces: Sequence[np.ndarray],
    group: Sequence[int],
    rows: np.ndarray,
    members: np.ndarray,
    valid: np.ndarray,
    metric: str,
) -> np.ndarray:
    """Largest group distance from each row to its ``valid`` ``members`` (KSG-2 extents).

    The members are the points within the joint k-th neighbour distance: the k nearest, plus
    any point tied with the k-th (so that the extent does not depend on how ties are ordered).
    """
    dist = np.zeros(members.shape)
    for s in group:
        x = spaces[s]
        np.maximum(dist, _exact_dist(x[rows][:, None, :], x[members], metric), out=dist)
    out: np.ndarray = np.where(valid, dist, 0.0).max(axis=1)
    return out


# ------------------------------------------------------------------------------ tree path
def _tree_knn_counts(
    query: _Query, workers: int, ks: tuple[int, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Radius and counts from KD-trees. With ``ks`` (ascending; joint radius, no labels) one
    query gives the k-th distances for every k: radii ``(n, K)``, counts ``(n, K·G)``, k-major,
    as :func:`_brute_knn_counts`."""
    if ks is not None and (query.radius != "joint" or query.labels is not None):
        raise ValueError("several k in one query need radius='joint' and no labels")
    spaces, k_rows, groups, labels = query.spaces, query.k_rows, query.groups, query.labels
    metric, strict = query.metric, query.strict
    n = len(spaces[0])
    joint = spaces[0] if len(spaces) == 1 else np.hstack(spaces)
    p = np.inf if metric == "chebyshev" else 2.0
    extent = query.radius == "extent"
    eps = np.empty(n)
    width = (int(k_rows.max()) + 1) if extent else 0  # neighbour lists kept for KSG-2 only
    members_all = np.zeros((n, width), dtype=np.int64)
    dist_all = np.full((n, width), np.inf)
    tied = np.zeros(n, dtype=bool)
    parts = [np.arange(n)] if labels is None else _label_parts(labels)
    if ks is not None:  # one query gives the k-th distance for every k
        eps = _tree_query(joint, [k + 1 for k in ks], p, workers)[0]
        parts = []
    for members in parts:
        m = len(members)
        # one more neighbour than needed for the extents, to see ties with the k-th
        q = min(int(k_rows[members].max()) + 1 + extent, m)
        pts = joint if labels is None else joint[members]
        local_k = k_rows[members]
        if not extent and local_k.min() == local_k.max():
            eps[members] = _tree_query(pts, [int(local_k[0]) + 1], p, workers)[0][:, 0]
            continue
        dist, idx = _tree_query(pts, q, p, workers)
        dist, idx = _drop_self(dist, idx, np.arange(m))
        eps[members] = dist[np.arange(m), local_k - 1]
        if extent:
            members_all[members, : q - 1] = members[idx]
            dist_all[members, : q - 1] = dist
            has_next = local_k < q - 1
            nxt = dist[np.arange(m), np.minimum(local_k, q - 2)]
            tied[members] = has_next & (nxt <= eps[members])
    radii = [eps] if ks is None else list(eps.T)
    counts = np.zeros((n, len(radii) * len(groups)), dtype=np.int64)
    rows = np.arange(n)
    if extent:
        within = dist_all <= eps[:, None]
        extents = np.stack(
            [_extent_radius(spaces, g, rows, members_all, within, metric) for g in groups], axis=1
        )
        if tied.any():  # more points may tie with the k-th: take them all, exactly
            extents[tied] = _exact_extents(
                np.flatnonzero(tied), spaces, groups, eps, labels, metric
            )

    def count(g: int) -> None:
        group_spaces = [spaces[s] for s in groups[g]]
        for j, r in enumerate(radii):
            r = extents[:, g] if extent else r
            counts[:, j * len(groups) + g] = _tree_count(group_spaces, r, metric, strict, workers)

    n_threads = min(_resolve_workers(workers), len(groups))
    if n_threads > 1:  # the groups' counts run side by side (the sorts and searches free the GIL)
        with ThreadPoolExecutor(n_threads) as pool:
            list(pool.map(count, range(len(groups))))
    else:
        for g in range(len(groups)):
            count(g)
    return eps, counts


def _tree_query(
    pts: np.ndarray, q: int | list[int], p: float, workers: int
) -> tuple[np.ndarray, ...]:
    """``(dist, idx)`` of the q nearest points (self included) of every point, ``(m, q)``.

    With ``q = [j]`` only the j-th column: with self included, the (k+1)-th distance is the
    k-th neighbour distance of the point (self is one of the zero distances), exactly.

    The queries run in the tree's own leaf order (``cKDTree.indices``), so consecutive queries
    visit the same nodes; in 2-D at n = 10^6 this is 4x faster than the input order. The result
    is put back in input order, so it is the same as a plain query. Up to 4 dimensions the tree
    is built with sliding-midpoint splits and no node shrinking (half the build time of the
    median tree, queries as fast; slower queries beyond).
    """
    m = len(pts)
    low = pts.shape[1] <= 4  # sliding-midpoint build: half the time in low dimension
    tree = cKDTree(pts, balanced_tree=not low, compact_nodes=not low)
    order = tree.indices
    d_o, i_o = tree.query(pts[order], k=q, p=p, workers=workers)
    width = len(q) if isinstance(q, list) else q
    dist = np.empty((m, width))
    idx = np.empty((m, width), dtype=np.int64)
    dist[order] = d_o.reshape(m, width)
    idx[order] = i_o.reshape(m, width)
    return dist, idx


def _label_parts(labels: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    _, starts = np.unique(labels[order], return_index=True)
    return np.split(order, starts[1:])


def _tree_count(
    group_spaces: list[np.ndarray], r: np.ndarray, metric: str, strict: bool, workers: int
) -> np.ndarray:
    """Radius counts in one group: binary search in 1-D, a KD-tree with node counts otherwise.

    scikit-learn's ``KDTree.query_radius(count_only=True)`` adds whole nodes that lie inside the
    ball without visiting their points, which is several times faster here than enumerating
    them (``cKDTree.query_ball_point``) when counts are in the hundreds.
    """
    from sklearn.neighbors import KDTree

    pts = group_spaces[0] if len(group_spaces) == 1 else np.hstack(group_spaces)
    r = _comparison_radius(np.asarray(r, dtype=np.float64), metric, strict)
    if pts.shape[1] == 1:
        return _count_sorted_1d(pts[:, 0], r, strict)
    query_r = np.nextafter(r, -np.inf) if strict else r.copy()
    empty = query_r < 0  # strict count with radius 0: nobody is closer than 0
    query_r[empty] = 0.0
    tree = KDTree(pts, leaf_size=_COUNT_LEAF_SIZE, metric=metric)
    order = np.asarray(tree.get_arrays()[1])  # leaf order: consecutive queries share nodes
    counts = np.empty(len(pts), dtype=np.int64)
    counts[order] = tree.query_radius(pts[order], query_r[order], count_only=True) - 1
    counts[empty] = 0
    out: np.ndarray = counts
    return out


def _count_sorted_1d(values: np.ndarray, r: np.ndarray, strict: bool) -> np.ndarray:
    """Exact ``#{j != i : |fl(v_j - v_i)| < r_i}`` (or ``<=``) by binary search, O(n log n).

    ``fl(v - v_i)`` is monotone in ``v``, so the points below the upper limit form a prefix of
    the sorted values; the search starts at ``v_i + r_i`` and is corrected where rounding put it
    one distinct value off. Queries run in sorted order of ``v_i`` (cache friendly).
    """
    order = np.argsort(values)  # any order of equal values gives the same counts
    srt = values[order]
    rs = r[order]
    n = len(srt)

    def upper(v: np.ndarray) -> np.ndarray:  # the condition "v_j - v_i inside"
        return _inside(v - srt, rs, strict)

    def lower_out(v: np.ndarray) -> np.ndarray:  # "v_i - v_j outside" (v_j far below v_i)
        return ~_inside(srt - v, rs, strict)

    n_upper = _monotone_prefix(srt, np.searchsorted(srt, srt + rs, side="left"), upper, n)
    n_below = _monotone_prefix(srt, np.searchsorted(srt, srt - rs, side="right"), lower_out, n)
    counts = np.empty(n, dtype=np.int64)
    counts[order] = n_upper - n_below - 1
    if strict:
        counts[r <= 0] = 0
    return counts


def _monotone_prefix(
    srt: np.ndarray, pos: np.ndarray, cond: Callable[[np.ndarray], np.ndarray], n: int
) -> np.ndarray:
    """Length of the prefix of ``srt`` where ``cond`` holds (cond is true then false), per row.

    ``pos`` is a guess; it is moved by whole runs of equal values until it is exact.
    """
    pos = pos.astype(np.int64)
    while True:
        # rows whose last included value fails the condition step back over that value;
        # rows whose first excluded value passes it step forward over that value
        prev = np.clip(pos - 1, 0, n - 1)
        step_back = (pos > 0) & ~cond(srt[prev])
        nxt = np.clip(pos, 0, n - 1)
        step_fwd = (pos < n) & cond(srt[nxt]) & ~step_back
        if not (step_back.any() or step_fwd.any()):
            return pos
        pos[step_back] = np.searchsorted(srt, srt[prev[step_back]], side="left")
        pos[step_fwd] = np.searchsorted(srt, srt[nxt[step_fwd]], side="right")


# ----------------------------------------------------------------------------- brute path
class _Screens:
    """Low-precision copies of the spaces for fast block distances, with an error bound.

    A screened value ``D`` (on the scale of :meth:`screen_value`) differs from the float64 value
    ``v`` by at most ``err_abs + err_rel * v`` (per space; a group uses the largest).

    * Max-norm: all spaces are centred and quantised to int16 with one common step ``1/scale``
      (values within +-16383, so differences fit int16), laid out ``(d, n_pad)`` for a
      coordinate loop: ``err_abs = 2`` steps, ``err_rel = 0``. Large searches run the loop
      compiled when numba is installed (:mod:`infossl.estimators._compiled`; same values).
    * Euclidean, ``d <= 32``: squared distances summed coordinate by coordinate in float32 from
      centred coordinates (``|c| <= M``); each term is off by at most ``20 u M^2`` and the sum of
      d non-negative terms by a relative ``d u`` (u = 2^-24), doubled for safety.
    * Euclidean, ``d > 32``: one float32 matrix product ``|a|^2 + |b|^2 - 2 a.b`` with the
      absolute bound ``(4 d + 24) u max|a|^2``, doubled; these blocks run in one thread (the
      BLAS library threads the product itself).

    ``sentinel`` (larger than any real screened value) marks self pairs, padding columns and
    excluded labels.
    """

    def __init__(self, spaces: Sequence[np.ndarray], metric: str, n_pad: int) -> None:
        self.metric = metric
        n = len(spaces[0])
        centred = []
        for x in spaces:
            c = np.zeros((n_pad, x.shape[1]))
            c[:n] = x - x.mean(axis=0)
            centred.append(c)
        self.use_matmul = [metric == "euclidean" and c.shape[1] > _LOOP_MAX_DIM for c in centred]
        if metric == "chebyshev":
            top = max(float(np.abs(c).max()) for c in centred)
            self.scale = _INT16_HALF / top if top > 0 else 1.0
            self.err_abs = [2.0] * len(spaces)
            self.err_rel = [0.0] * len(spaces)
            self.dtype: type[np.int16] | type[np.float32] = np.int16
            self.sentinel = np.iinfo(np.int16).max
            self.data = [
                np.ascontiguousarray(np.rint(c.T * self.scale).astype(np.int16)) for c in centred
            ]
            self.kernels = compiled_kernels(float(n) * n_pad * sum(c.shape[1] for c in centred))
            return
        self.kernels = None
        self.scale = 1.0
        self.dtype = np.float32
        self.sentinel = np.float32(np.inf)
        self.data, self.sq, self.err_abs, self.err_rel = [], [], [], []
        for c, matmul in zip(centred, self.use_matmul, strict=True):
            d = c.shape[1]
            if matmul:
                data = np.ascontiguousarray(c, dtype=np.float32)
                self.sq.append(np.einsum("ij,ij->i", data, data))
                self.err_abs.append(2.0 * (4.0 * d + 24.0) * _F32_EPS * _max_sq_norm(c))
                self.err_rel.append(0.0)
            else:
                data = np.ascontiguousarray(c.T, dtype=np.float32)
                self.sq.append(None)
                self.err_abs.append(2.0 * 20.0 * d * _F32_EPS * float(np.abs(c).max()) ** 2)
                self.err_rel.append(2.0 * d * _F32_EPS)
            self.data.append(data)

    @property
    def compiled(self) -> Callable[..., None] | None:
        """The compiled block screen, or None where numpy screens."""
        return None if self.kernels is None else self.kernels.chebyshev_block

    def screen_value(self, r: np.ndarray) -> np.ndarray:
        """Map float64 distances to the screening scale (int16 steps, or squared)."""
        return r * r if self.metric == "euclidean" else r * self.scale

    def error(self, spaces: Sequence[int]) -> tuple[float, float]:
        """``(err_abs, err_rel)`` valid for the maximum over the given spaces."""
        return max(self.err_abs[s] for s in spaces), max(self.err_rel[s] for s in spaces)

    def certain_beyond(self, worst: np.ndarray, r: np.ndarray, spaces: Sequence[int]) -> np.ndarray:
        """True where a screened value ``>= worst`` is certainly farther than ``r``."""
        a, b = self.error(spaces)  # true >= (D - a) / (1 + b) for a screened D
        return worst.astype(np.float64) > self.screen_value(r) * (1.0 + b) + a

    def thresholds(self, r: np.ndarray, spaces: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Per-row ``(lo, hi)``: screened values ``< lo`` are inside ``r``, ``> hi`` outside."""
        a, b = self.error(spaces)  # (D - a) / (1 + b) <= true <= (D + a) / (1 - b)
        v = self.screen_value(r)
        lo_v, hi_v = v * (1.0 - b) - a, v * (1.0 + b) + a
        if self.metric == "euclidean":
            return _f32_below(lo_v)[:, None], _f32_above(hi_v)[:, None]
        top = float(self.sentinel)
        lo = np.clip(np.ceil(lo_v), -top, top).astype(np.int16)
        hi = np.clip(np.floor(hi_v), -top, top).astype(np.int16)
        return lo[:, None], hi[:, None]

    def block(self, s: int, start: int, stop: int, out: np.ndarray, tmp: np.ndarray) -> None:
        """Screened distances in space ``s`` from rows ``start:stop`` to all columns (``out``;
        ``tmp`` is scratch of the same shape, unused by the compiled screen)."""
        data = self.data[s]
        if self.compiled is not None:
            self.compiled(data, start, stop, out)
            return
        if self.use_matmul[s]:
            sq = self.sq[s]
            np.matmul(data[start:stop], data.T, out=out)
            out *= -2.0
            out += sq[None, :]
            out += sq[start:stop, None]
            np.maximum(out, 0.0, out=out)
            return
        q = data[:, start:stop, None]
        np.subtract(q[0], data[0][None, :], out=out)
        if self.metric == "chebyshev":
            np.abs(out, out=out)
            for c in range(1, data.shape[0]):
                np.subtract(q[c], data[c][None, :], out=tmp)
                np.abs(tmp, out=tmp)
                np.maximum(out, tmp, out=out)
        else:
            np.multiply(out, out, out=out)
            for c in range(1, data.shape[0]):
                np.subtract(q[c], data[c][None, :], out=tmp)
                np.multiply(tmp, tmp, out=tmp)
                np.add(out, tmp, out=out)


def _max_sq_norm(c: np.ndarray) -> float:
    return float(np.einsum("ij,ij->i", c, c).max())


def _f32_below(v: np.ndarray) -> np.ndarray:
    """The largest float32 <= v (element-wise)."""
    f = v.astype(np.float32)
    up = f.astype(np.float64) > v
    f[up] = np.nextafter(f[up], np.float32(-np.inf))
    return f


def _f32_above(v: np.ndarray) -> np.ndarray:
    """The smallest float32 >= v (element-wise)."""
    f = v.astype(np.float32)
    down = f.astype(np.float64) < v
    f[down] = np.nextafter(f[down], np.float32(np.inf))
    return f


def _row_counts(mask: np.ndarray) -> np.ndarray:
    """Number of True values per row of a C-contiguous bool array whose width is a multiple of 8."""
    if hasattr(np, "bitwise_count"):
        out: np.ndarray = np.bitwise_count(mask.view(np.uint64)).sum(axis=1, dtype=np.int64)
    else:  # pragma: no cover - numpy < 2
        out = np.count_nonzero(mask, axis=1).astype(np.int64)
    return out


def _resolve_workers(workers: int) -> int:
    if workers < 1:
        return max(1, os.cpu_count() or 1)
    return int(workers)


def _block_rows(n_pad: int, block_rows: int | None) -> int:
    if block_rows is not None:
        return max(1, int(block_rows))
    return int(np.clip(_BLOCK_ELEMENTS // max(n_pad, 1), 16, 512))


class _Buffers:
    """Scratch arrays of one worker thread of the brute-force path."""

    def __init__(
        self, n_spaces: int, b_max: int, n_pad: int, dtype: type[np.int16] | type[np.float32]
    ) -> None:
        self.dists = [np.empty((b_max, n_pad), dtype=dtype) for _ in range(n_spaces)]
        self.joint = np.empty((b_max, n_pad), dtype=dtype)
        self.group = np.empty((b_max, n_pad), dtype=dtype)
        self.tmp = np.empty((b_max, n_pad), dtype=dtype)
        self.below = np.empty((b_max, n_pad), dtype=bool)
        self.band = np.empty((b_max, n_pad), dtype=bool)


def _run_blocks(
    n: int, b_max: int, workers: int, work: Callable[[list[int]], list[np.ndarray]]
) -> list[np.ndarray]:
    """Run ``work(list_of_block_starts)`` over ``workers`` threads; concatenate what they return.

    Blocks are dealt round-robin; each thread writes disjoint rows of the shared outputs.
    """
    starts = list(range(0, n, b_max))
    n_threads = min(_resolve_workers(workers), len(starts))
    if n_threads == 1:
        return work(starts)
    with ThreadPoolExecutor(n_threads) as pool:
        parts = pool.map(work, [starts[t::n_threads] for t in range(n_threads)])
        return [r for part in parts for r in part]


def _screen_band(
    dg: np.ndarray, lo: np.ndarray, hi: np.ndarray, buf: _Buffers, n: int, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split a screened distance block against per-row thresholds.

    Returns, per row, the count of points certainly inside, and the (row, column) pairs in the
    band ``[lo, hi]`` where the screen cannot decide (self and padding removed).
    """
    b, width = dg.shape
    below = np.less(dg, lo, out=buf.below[:b])
    band = np.less_equal(dg, hi, out=buf.band[:b])
    np.logical_xor(band, below, out=band)
    pairs = np.flatnonzero(band)
    pr, pc = pairs // width, pairs % width
    keep = (pc < n) & (pc != rows[pr])
    return _row_counts(below), pr[keep], pc[keep]


def _count_band(
    group_spaces: Sequence[np.ndarray],
    rows: np.ndarray,
    pr: np.ndarray,
    pc: np.ndarray,
    r_cmp: np.ndarray,
    metric: str,
    strict: bool,
    b: int,
) -> np.ndarray:
    """Per-row number of band pairs that are inside the radius in exact float64."""
    dist = np.zeros(len(pr))
    for x in group_spaces:
        np.maximum(dist, _exact_dist(x[rows[pr]], x[pc], metric), out=dist)
    return np.bincount(pr[_inside(dist, r_cmp[pr], strict)], minlength=b)


def _smallest(joint: np.ndarray, m: int) -> np.ndarray:
    """Columns of the ``m`` smallest values of each row (any order).

    ``joint`` is ``(b, n_pad)`` with ``n_pad`` a multiple of ``_CHUNK``. The columns are split
    into ``n_pad / _CHUNK`` strided chunks; the m smallest values all lie in the m chunks with
    the smallest minima, so the selection runs on ``m * _CHUNK`` values per row only.
    """
    b, n_pad = joint.shape
    width = n_pad // _CHUNK
    if width <= 2 * m:
        return np.argpartition(joint, m - 1, axis=1)[:, :m]
    minima = joint.reshape(b, _CHUNK, width).min(axis=1)
    chunks = np.argpartition(minima, m - 1, axis=1)[:, :m]
    cols = (chunks[:, :, None] + width * np.arange(_CHUNK)).reshape(b, -1)
    vals = np.take_along_axis(joint, cols, axis=1)
    return np.take_along_axis(cols, np.argpartition(vals, m - 1, axis=1)[:, :m], axis=1)


@dataclass
class _BruteTask(_Query):
    """What the brute-force workers share (read-only) and write (disjoint rows)."""

    screens: _Screens
    m: int
    eps: np.ndarray
    counts: np.ndarray
    ks: tuple[int, ...] | None = None  # several uniform k in one pass (eps (n, K), counts (n, K·G))


def _brute_knn_counts(
    query: _Query,
    block_rows: int | None,
    workers: int = -1,
    ks: tuple[int, ...] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Radius and counts by blocked brute force. With ``ks`` (ascending, the largest equal to
    ``query.k_rows``; joint radius only) one pass serves every k: the radii come as ``(n, K)``
    and the counts as ``(n, K·G)``, k-major."""
    if ks is not None and query.radius != "joint":
        raise ValueError("several k in one pass need radius='joint'")
    spaces = query.spaces
    n = len(spaces[0])
    n_pad = -(-n // _CHUNK) * _CHUNK
    b_max = _block_rows(n_pad, block_rows)
    n_k = 1 if ks is None else len(ks)
    task = _BruteTask(
        **vars(query),  # the query's fields, shared (not copied)
        screens=_Screens(spaces, query.metric, n_pad),
        m=min(int(query.k_rows.max()) + _CANDIDATE_MARGIN, n - 1),
        eps=np.empty(n) if ks is None else np.empty((n, n_k)),
        counts=np.zeros((n, n_k * len(query.groups)), dtype=np.int64),
        ks=ks,
    )

    if task.screens.kernels is not None and query.radius == "joint" and query.labels is None:
        redo = _fused_blocks(task, b_max, workers)
    else:

        def work(my_starts: list[int]) -> list[np.ndarray]:
            buf = _Buffers(len(spaces), b_max, n_pad, task.screens.dtype)
            redo = (_brute_block(task, s, min(s + b_max, n), buf) for s in my_starts)
            return [r for r in redo if len(r)]

        redo = _run_blocks(n, b_max, 1 if any(task.screens.use_matmul) else workers, work)
    if redo:
        rows = np.concatenate(redo)
        if ks is None:
            task.eps[rows], task.counts[rows] = _exact_rows(rows, query)
        else:
            n_groups = len(query.groups)
            for j, k in enumerate(ks):
                one_k = replace(query, k_rows=np.full(n, k, dtype=np.int64))
                columns = slice(j * n_groups, (j + 1) * n_groups)
                task.eps[rows, j], task.counts[rows, columns] = _exact_rows(rows, one_k)
    return task.eps, task.counts


def _fused_blocks(task: _BruteTask, b_max: int, workers: int) -> list[np.ndarray]:
    """The brute force (max-norm, joint radius, no labels) in the compiled fused kernel
    (:func:`infossl.estimators._numba_kernels.chebyshev_knn_block`): fills ``task.eps`` and
    ``task.counts`` with the numpy path's numbers; returns the rows it could not certify."""
    spaces, screens = task.spaces, task.screens
    n = len(spaces[0])
    offsets = np.cumsum([0] + [x.shape[1] for x in spaces]).astype(np.int64)
    data = np.ascontiguousarray(np.concatenate(screens.data, axis=0))
    side_by_side = np.ascontiguousarray(np.concatenate(spaces, axis=1))
    ks = task.ks
    k_table = np.ascontiguousarray(
        task.k_rows[:, None] if ks is None else np.tile(np.asarray(ks, np.int64), (n, 1))
    )
    members = np.zeros((len(task.groups), len(spaces)), dtype=bool)
    for g, group in enumerate(task.groups):
        members[g, list(group)] = True
    eps = task.eps[:, None] if ks is None else task.eps
    redo = np.zeros(n, dtype=bool)
    kernel = screens.kernels.chebyshev_knn_block

    def work(my_starts: list[int]) -> list[np.ndarray]:
        redo_rows = []
        for start in my_starts:
            stop = min(start + b_max, n)
            kernel(
                data,
                offsets,
                side_by_side,
                start,
                stop,
                n,
                k_table,
                members,
                float(screens.scale),
                task.strict,
                task.m,
                eps,
                task.counts,
                redo,
            )
            redo_rows.append(start + np.flatnonzero(redo[start:stop]))
        return [r for r in redo_rows if len(r)]

    return _run_blocks(n, b_max, workers, work)


def _brute_block(task: _BruteTask, start: int, stop: int, buf: _Buffers) -> np.ndarray:
    """Process rows ``start:stop``; return the rows that need the exact fallback."""
    spaces, screens, n = task.spaces, task.screens, len(task.spaces[0])
    b = stop - start
    rows = np.arange(start, stop)
    ar = np.arange(b)
    sentinel = screens.sentinel
    dists = []
    for s in range(len(spaces)):
        d = buf.dists[s][:b]
        screens.block(s, start, stop, d, buf.tmp[:b])
        d[ar, rows] = sentinel
        d[:, n:] = sentinel
        dists.append(d)
    joint = dists[0]
    if len(dists) > 1 or task.labels is not None:
        joint = buf.joint[:b]
        if len(dists) == 1:
            np.copyto(joint, dists[0])
        else:
            np.maximum(dists[0], dists[1], out=joint)
        for d in dists[2:]:
            np.maximum(joint, d, out=joint)
        if task.labels is not None:
            joint[:, :n][task.labels[None, :] != task.labels[rows][:, None]] = sentinel
    cand = _smallest(joint, task.m)
    worst = np.take_along_axis(joint, cand, axis=1).max(axis=1)
    all_in = worst == sentinel  # every admissible point is a candidate
    cand = np.minimum(cand, n - 1)
    # the candidates' exact float64 distances decide the k nearest
    exact = [_exact_dist(x[rows][:, None, :], x[cand], task.metric) for x in spaces]
    ex_joint = exact[0]
    for e in exact[1:]:
        ex_joint = np.maximum(ex_joint, e)
    excluded = cand == rows[:, None]
    if task.labels is not None:
        excluded |= task.labels[cand] != task.labels[rows][:, None]
    ex_joint[excluded] = np.inf
    order = np.argsort(ex_joint, axis=1, kind="stable")
    k_sets = [task.k_rows[rows]] if task.ks is None else [np.full(b, k) for k in task.ks]
    radii = [ex_joint[ar, order[ar, kr - 1]] for kr in k_sets]
    eps_b = radii[-1]  # the largest (with ks, ascending)
    task.eps[rows] = eps_b if task.ks is None else np.stack(radii, axis=1)
    # certified when no point outside the candidates can be as close as the largest eps
    ok = all_in | screens.certain_beyond(worst, eps_b, range(len(spaces)))
    within = ex_joint <= eps_b[:, None]
    n_groups = len(task.groups)
    for g, group in enumerate(task.groups):
        dg = dists[group[0]]
        if len(group) > 1:
            dg = buf.group[:b]
            np.maximum(dists[group[0]], dists[group[1]], out=dg)
            for s in group[2:]:
                np.maximum(dg, dists[s], out=dg)
        for j, eps_j in enumerate(radii):
            if task.radius == "joint":
                r = eps_j
            else:
                r = _extent_radius(spaces, group, rows, cand, within, task.metric)
            r_cmp = _comparison_radius(r, task.metric, task.strict)
            lo, hi = screens.thresholds(r_cmp, group)
            c_lo, pr, pc = _screen_band(dg, lo, hi, buf, n, rows)
            if len(pr) > _MAX_BAND_PAIRS_PER_ROW * b + 1024:  # heavy ties: settle exactly
                return rows
            task.counts[rows, j * n_groups + g] = c_lo + _count_band(
                [spaces[s] for s in group], rows, pr, pc, r_cmp, task.metric, task.strict, b
            )
    out: np.ndarray = rows[~ok]
    return out


def _exact_rows(
    rows: np.ndarray, query: _Query, *, radii: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Everything for the given rows in float64 against all points (the exact fallback).

    With ``radii`` given, counts use those radii and no neighbour search is needed.
    """
    spaces, k_rows, groups, labels = query.spaces, query.k_rows, query.groups, query.labels
    metric, strict = query.metric, query.strict
    n = len(spaces[0])
    d_total = sum(s.shape[1] for s in spaces)
    step = max(1, _EXACT_ELEMENTS // (n * d_total))
    eps = np.zeros(len(rows))
    counts = np.zeros((len(rows), len(groups)), dtype=np.int64)
    kmax = int(k_rows.max())
    for lo in range(0, len(rows), step):
        sel = rows[lo : lo + step]
        b = len(sel)
        ar = np.arange(b)
        dists = [_exact_dist(x[sel][:, None, :], x[None, :, :], metric) for x in spaces]
        for d in dists:
            d[ar, sel] = np.inf
        if radii is None:
            joint = dists[0].copy()
            for d in dists[1:]:
                np.maximum(joint, d, out=joint)
            if labels is not None:
                joint[labels[None, :] != labels[sel][:, None]] = np.inf
            nearest = np.sort(np.partition(joint, kmax - 1, axis=1)[:, :kmax], axis=1)
            eps_b = nearest[ar, k_rows[sel] - 1]
            eps[lo : lo + b] = eps_b
            within = joint <= eps_b[:, None]
        for g, group in enumerate(groups):
            dg = dists[group[0]]
            for s in group[1:]:
                dg = np.maximum(dg, dists[s])
            if radii is not None:
                r = radii[sel]
            elif query.radius == "joint":
                r = eps_b
            else:
                r = np.where(within, dg, 0.0).max(axis=1)
            r_cmp = _comparison_radius(r, metric, strict)
            counts[lo : lo + b, g] = _inside(dg, r_cmp[:, None], strict).sum(axis=1)
    return eps, counts


def _exact_extents(
    rows: np.ndarray,
    spaces: Sequence[np.ndarray],
    groups: Sequence[tuple[int, ...]],
    eps: np.ndarray,
    labels: np.ndarray | None,
    metric: str,
) -> np.ndarray:
    """KSG-2 extents of the given rows over every point within the joint radius (float64)."""
    n = len(spaces[0])
    step = max(1, _EXACT_ELEMENTS // (n * sum(s.shape[1] for s in spaces)))
    out = np.zeros((len(rows), len(groups)))
    for lo in range(0, len(rows), step):
        sel = rows[lo : lo + step]
        dists = [_exact_dist(x[sel][:, None, :], x[None, :, :], metric) for x in spaces]
        joint = dists[0]
        for d in dists[1:]:
            joint = np.maximum(joint, d)
        within = joint <= eps[sel][:, None]
        within[np.arange(len(sel)), sel] = False
        if labels is not None:
            within &= labels[None, :] == labels[sel][:, None]
        for g, group in enumerate(groups):
            dg = dists[group[0]]
            for s in group[1:]:
                dg = np.maximum(dg, dists[s])
            out[lo : lo + len(sel), g] = np.where(within, dg, 0.0).max(axis=1)
    return out


def _brute_count(
    group_spaces: list[np.ndarray], radii: np.ndarray, metric: str, strict: bool, workers: int
) -> np.ndarray:
    """Blocked exact radius counts without a neighbour search (screen, then float64 band)."""
    n = len(group_spaces[0])
    n_pad = -(-n // _CHUNK) * _CHUNK
    b_max = _block_rows(n_pad, None)
    screens = _Screens(group_spaces, metric, n_pad)
    r_cmp_all = _comparison_radius(radii, metric, strict)
    counts = np.zeros(n, dtype=np.int64)

    def work(my_starts: list[int]) -> list[np.ndarray]:
        buf = _Buffers(len(group_spaces), b_max, n_pad, screens.dtype)
        redo = []
        for start in my_starts:
            stop = min(start + b_max, n)
            b = stop - start
            rows = np.arange(start, stop)
            dg = buf.dists[0][:b]
            screens.block(0, start, stop, dg, buf.tmp[:b])
            for s in range(1, len(group_spaces)):
                screens.block(s, start, stop, buf.dists[s][:b], buf.tmp[:b])
                np.maximum(dg, buf.dists[s][:b], out=dg)
            dg[np.arange(b), rows] = screens.sentinel
            dg[:, n:] = screens.sentinel
            r_cmp = r_cmp_all[rows]
            lo, hi = screens.thresholds(r_cmp, range(len(group_spaces)))
            c_lo, pr, pc = _screen_band(dg, lo, hi, buf, n, rows)
            if len(pr) > _MAX_BAND_PAIRS_PER_ROW * b + 1024:
                redo.append(rows)
                continue
            counts[rows] = c_lo + _count_band(group_spaces, rows, pr, pc, r_cmp, metric, strict, b)
        return redo

    redo = _run_blocks(n, b_max, 1 if any(screens.use_matmul) else workers, work)
    if redo:
        rows = np.concatenate(redo)
        query = _Query(
            group_spaces,
            np.ones(n, dtype=np.int64),
            [tuple(range(len(group_spaces)))],
            metric,
            strict,
            "joint",
            None,
        )
        counts[rows] = _exact_rows(rows, query, radii=radii)[1][:, 0]
    return counts


# ----------------------------------------------------------------------------- torch path
_DEVICE_PATTERN = re.compile(r"cpu|cuda(:\d+)?")
_TORCH_BLOCK_ELEMENTS = {"cpu": 1 << 20, "cuda": 1 << 26}  # float64 elements per block array


def check_device(device: object, name: str = "device") -> str:
    """Validate a torch device name (``"cpu"``, ``"cuda"``, ``"cuda:1"``, or a ``torch.device``).

    Raises ``TypeError``/``ValueError`` naming ``name``; a CUDA device needs
    ``torch.cuda.is_available()`` and an index below ``torch.cuda.device_count()``. Imports torch.
    """
    text = str(device) if type(device).__name__ == "device" else device
    if not isinstance(text, str):
        raise TypeError(
            f"{name} must be None or a device name such as 'cpu', 'cuda' or 'cuda:1', "
            f"got {type(device).__name__}"
        )
    if not _DEVICE_PATTERN.fullmatch(text):
        raise ValueError(f"{name} must be None, 'cpu', 'cuda' or 'cuda:<index>', got {device!r}")
    import torch

    if text.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"{name}={text!r} needs CUDA, which this torch cannot use "
                "(torch.cuda.is_available() is False); use device='cpu' or None"
            )
        index = int(text.split(":")[1]) if ":" in text else 0
        if index >= torch.cuda.device_count():
            raise ValueError(
                f"{name}={text!r}: only {torch.cuda.device_count()} CUDA device(s) are visible"
            )
    return text


def _tensor_device(spaces: Sequence[object]) -> str | None:
    """The device of the first space that is a torch tensor off the CPU, else None."""
    for x in spaces:
        device = getattr(x, "device", None)
        if hasattr(x, "detach") and getattr(device, "type", "cpu") != "cpu":
            return str(device)
    return None


def _torch_knn_counts(
    query: _Query, device: str, block_rows: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact brute force in torch (float64) on ``device``, rows in blocks of ``b``.

    Per block: one distance matrix ``D_s`` (``b x n``) per space (``torch.cdist``: max-norm
    ``max_c |fl(x_c - y_c)|``, the same float64 numbers as the numpy back-ends; Euclidean
    without the matrix-product shortcut, within a relative ``d u`` of the numpy value), the
    joint distance ``max_s D_s``, its k-th smallest by ``torch.topk``, and every group's count
    from the same ``D_s`` blocks. Time O(n^2 d), memory O(b n) per space.
    """
    import torch

    dev = torch.device(device)
    xs = [_as_float64_tensor(x, dev) for x in query.spaces]
    n = int(xs[0].shape[0])
    b = _torch_block(n, len(xs), dev.type, block_rows)
    k_t = torch.as_tensor(query.k_rows, device=dev)
    lab = None if query.labels is None else torch.as_tensor(query.labels, device=dev)
    kmax = int(query.k_rows.max())  # one top-k width for every block (no device sync per block)
    eps = torch.empty(n, dtype=torch.float64, device=dev)
    counts = torch.empty((n, len(query.groups)), dtype=torch.int64, device=dev)
    for lo in range(0, n, b):
        hi = min(lo + b, n)
        eps[lo:hi], counts[lo:hi] = _torch_block_counts(
            xs, lo, hi, k_t, kmax, lab, query.groups, query.metric, query.strict, query.radius
        )
    return eps.cpu().numpy(), counts.cpu().numpy()


def _as_float64_tensor(x: object, dev: Any) -> Any:
    """``x`` (a numpy array or a tensor) as a contiguous float64 tensor on ``dev`` (exact)."""
    import torch

    t = x if isinstance(x, torch.Tensor) else torch.from_numpy(np.asarray(x, dtype=np.float64))
    return t.detach().to(device=dev, dtype=torch.float64).contiguous()


def _torch_block(n: int, n_spaces: int, device_type: str, block_rows: int | None) -> int:
    """Rows per block: about ``_TORCH_BLOCK_ELEMENTS / n`` (the block arrays are ``b x n``)."""
    if block_rows is not None:
        return max(1, int(block_rows))
    budget = _TORCH_BLOCK_ELEMENTS.get(device_type, _TORCH_BLOCK_ELEMENTS["cuda"])
    return int(np.clip(budget // max(n, 1), 1, max(n, 1)))


def _torch_block_counts(
    xs: list[Any],
    lo: int,
    hi: int,
    k_t: Any,
    kmax: int,
    lab: Any,
    groups: list[tuple[int, ...]],
    metric: str,
    strict: bool,
    radius: str,
) -> tuple[Any, Any]:
    """``(eps, counts)`` of rows ``lo:hi`` against all points (see :func:`_torch_knn_counts`).

    Self pairs (and, with labels, other classes for the search) get distance +inf, which no
    finite radius contains, so strict and non-strict counts both leave them out.
    """
    import torch

    rows = torch.arange(lo, hi, device=xs[0].device)
    ar = rows - lo
    p = float("inf") if metric == "chebyshev" else 2.0
    dists = []
    for x in xs:
        d = torch.cdist(x[lo:hi], x, p=p, compute_mode="donot_use_mm_for_euclid_dist")
        d[ar, rows] = float("inf")
        dists.append(d)
    joint = _torch_max(dists)
    if lab is not None:
        joint = joint.masked_fill(lab[None, :] != lab[lo:hi, None], float("inf"))
    nearest = torch.topk(joint, kmax, dim=1, largest=False, sorted=True).values
    eps = nearest.gather(1, (k_t[lo:hi] - 1)[:, None])[:, 0]
    within = joint <= eps[:, None] if radius == "extent" else None
    counts = []
    for group in groups:
        dg = _torch_max([dists[s] for s in group])
        r = eps if within is None else torch.where(within, dg, 0.0).amax(dim=1)
        r_cmp = r * _tie_factor(strict) if metric == "euclidean" else r
        inside = dg < r_cmp[:, None] if strict else dg <= r_cmp[:, None]
        counts.append(inside.sum(dim=1))
    if not counts:  # no groups (entropy): the radius only
        return eps, torch.empty((hi - lo, 0), dtype=torch.int64, device=eps.device)
    return eps, torch.stack(counts, dim=1)


def _torch_max(blocks: list[Any]) -> Any:
    """Element-wise maximum of one or more tensors (the first is not modified)."""
    import torch

    out = blocks[0]
    for d in blocks[1:]:
        out = torch.maximum(out, d)
    return out

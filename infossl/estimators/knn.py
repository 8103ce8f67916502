"""k-nearest-neighbour estimators of entropy, mutual information and conditional MI.

* ``ksg1``, ``ksg2``: Kraskov, Stögbauer & Grassberger (2004), algorithms 1 and 2.
* ``kl``: Kozachenko & Leonenko (1987) differential entropy.
* ``frenzel-pompe`` (alias ``ksg`` for CMI): Frenzel & Pompe (2007) conditional MI.
* ``ross``: Ross (2014), MI between a discrete and a continuous variable.
* ``mixed-ksg`` (alias ``gao``): Gao, Kannan, Oh & Viswanath (2017), discrete-continuous mixtures.

All of them rest on exact neighbour searches (:mod:`infossl.estimators._neighbors`): a KD-tree
in low dimension, blocked brute force above 4 to 8 joint dimensions (by n), or the same brute
force in torch on ``device`` (CPU or CUDA, float64, same values). Distances in a
product of variables are the maximum of the per-variable norms (max-norm by default).

When to trust them (each estimate carries notes when a condition below is met):

* Continuous data. Ties (repeated rows) make neighbour distances zero; KSG and KL break them
  with a tiny seeded jitter, which biases the estimate when ties are many. Use ``mixed-ksg``
  (or ``ross`` with a discrete X) for data with atoms.
* Low dimension. In high joint dimension (beyond about 10) kNN distances concentrate and KSG is
  strongly biased downwards (bmi's 25x25 and 50x50 Gaussian tasks).
* Moderate MI. kNN MI estimators need a sample size of order ``exp(I)`` (Gao, Ver Steeg &
  Galstyan 2015); far below it they under-estimate. KSG-1 can never exceed ``psi(n) - psi(k)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, gammaln

from infossl._checks import (
    SeedLike,
    as_labels,
    as_samples,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_k,
    check_not_constant,
    check_same_length,
    check_seed,
    dims_of,
)
from infossl.estimate import Estimate
from infossl.estimators._base import (
    CMIEstimator,
    EntropyEstimator,
    MIEstimator,
    conditional_samples,
    input_device,
    paired_samples,
    register,
    unchanged_or,
)
from infossl.estimators._neighbors import (
    ALGORITHMS,
    METRICS,
    NeighbourCounts,
    check_device,
    knn_counts,
    knn_counts_over_k,
)

#: Fraction of repeated rows in a variable above which a note warns about ties.
TIE_NOTE_FRACTION = 0.01
#: Joint dimension above which a note warns about the high-dimensional bias.
HIGH_DIM_NOTE = 10
#: Fraction of the KSG ceiling above which a note warns about the high-MI bias.
HIGH_MI_NOTE_FRACTION = 0.5
#: The note on a negative MI estimate (the true MI is never negative).
NEGATIVE_MI_NOTE = "negative estimate: consistent with independence (the true MI is >= 0)"
#: How the note on an estimate near its KSG ceiling begins.
HIGH_MI_NOTE_START = "the estimate is large compared with its ceiling"


# ------------------------------------------------------------------------------ helpers
def _check_workers(workers: object) -> int:
    checked = check_int(workers, "workers", low=-1)
    if checked == 0:
        raise ValueError("workers must be -1 (all cores) or a positive number of threads, got 0")
    return checked


def _tie_fraction(x: np.ndarray) -> float:
    """Fraction of rows that repeat an earlier row.

    Only rows whose first coordinate occurs more than once can repeat a row, so the full row
    comparison (``np.unique(axis=0)``, a lexicographic sort) runs on those alone: O(n log n)
    on the first column, plus the sort of the rows that share a first value with another.
    """
    n = len(x)
    order = np.argsort(x[:, 0], kind="stable")
    first = x[order, 0]
    same = np.flatnonzero(first[1:] == first[:-1])
    if x.shape[1] == 1 or len(same) == 0:
        return len(same) / n
    shared = np.unique(np.concatenate([order[same], order[same + 1]]))
    return (len(shared) - len(np.unique(x[shared], axis=0))) / n


def _tie_notes(arrays: dict[str, np.ndarray], jittered: bool, alternative: str) -> list[str]:
    notes = []
    for name, a in arrays.items():
        frac = _tie_fraction(a)
        if frac > TIE_NOTE_FRACTION:
            how = "broken by the jitter, which biases the estimate" if jittered else "kept"
            notes.append(
                f"{name} has {100 * frac:.1f}% repeated rows (ties, {how}); this method assumes "
                f"continuous data: for discrete or mixed data use {alternative}"
            )
    return notes


def _dimension_notes(joint_dim: int, quantity: str = "mi") -> list[str]:
    """The high-dimension warning, from a joint dimension of ``HIGH_DIM_NOTE`` on: kNN MI is
    biased down; kNN entropy is biased too, upwards for anisotropic or low-rank data (the
    neighbour balls measure volume the data lack). Either bias is known to dominate a resampling
    interval, which covers the sampling variability only."""
    if joint_dim < HIGH_DIM_NOTE:
        return []
    interval = (
        "; the bias is known to dominate the sampling error, so a confidence interval (which "
        "covers the sampling variability only) need not contain the true value"
    )
    if quantity == "entropy":
        return [
            f"dimension {joint_dim}: the kNN entropy is strongly biased in high dimension, "
            "upwards for anisotropic or low-rank data (it can exceed the Gaussian upper bound "
            f"at the same covariance); read it as a trend{interval}"
        ]
    return [
        f"joint dimension {joint_dim}: kNN estimators are strongly biased downwards in high "
        f"dimension (distances concentrate); compare with a neural or Gaussian estimate{interval}"
    ]


def _prepare(
    arrays: list[np.ndarray], standardize: bool, jitter: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """Centre each column, optionally scale it to unit variance, then add the tie-breaking jitter.

    Centring changes no distance, so every estimator built on these arrays is invariant to a
    translation of the data (it also keeps the jitter above the float resolution of columns with
    a large offset). The jitter is Gaussian with standard deviation ``jitter * sd`` per column
    (about ``jitter`` for standardised data, as in scikit-learn's ``mutual_info_regression``):
    relative to the spread, so it follows any rescaling and translation of the data. Constant
    columns are left unscaled and unjittered. One normal draw per entry, variable by variable,
    in order.
    """
    out = []
    for a in arrays:
        a = a - a.mean(axis=0)
        sd = a.std(axis=0)
        if standardize:
            a /= np.where(sd > 0, sd, 1.0)
            sd = a.std(axis=0)
        if jitter > 0:
            a += (jitter * sd) * rng.standard_normal(a.shape)
        out.append(a)
    return out


def _constant_variable(arrays: dict[str, np.ndarray]) -> str | None:
    """The name of the first variable whose rows are all identical, or None."""
    for name, a in arrays.items():
        if not np.ptp(a, axis=0).any():
            return name
    return None


def _mean_digamma(counts: np.ndarray) -> float:
    return float(np.mean(digamma(counts)))


class _SearchFields:
    """The neighbour-search parameters :func:`_init_search` sets, and the search they drive."""

    k: int
    metric: str
    algorithm: str
    workers: int
    device: str | None

    def _search(
        self,
        spaces: list[np.ndarray],
        k: int | np.ndarray,
        groups: Sequence[Sequence[int]] = (),
        *,
        strict: bool = True,
        radius: str = "joint",
        labels: np.ndarray | None = None,
    ) -> NeighbourCounts:
        """:func:`knn_counts` with this estimator's metric, algorithm, workers and device."""
        return knn_counts(
            spaces,
            k,
            groups,
            metric=self.metric,
            strict=strict,
            radius=radius,
            labels=labels,
            algorithm=self.algorithm,
            workers=self.workers,
            device=_search_device(self),
        )


class _KNNFields(_SearchFields):
    """The search parameters plus the tie-breaking noise ones :func:`_init_jitter` sets."""

    jitter: float
    seed: SeedLike

    def _spaces(
        self,
        arrays: dict[str, np.ndarray],
        alternative: str,
        *,
        standardize: bool,
        quantity: str = "mi",
    ) -> tuple[list[np.ndarray], list[str]]:
        """The tie and dimension notes, then the variables standardised (if asked) and jittered
        (seeded) for the neighbour search."""
        notes = _tie_notes(arrays, self.jitter > 0, alternative)
        notes += _dimension_notes(sum(a.shape[1] for a in arrays.values()), quantity)
        spaces = _prepare(list(arrays.values()), standardize, self.jitter, check_seed(self.seed))
        return spaces, notes


def _init_search(
    est: _SearchFields,
    k: object,
    metric: object,
    algorithm: object,
    workers: object,
    device: object = None,
) -> None:
    """Validate and store the neighbour-search parameters shared by every kNN estimator.

    ``device`` (None, ``"cpu"``, ``"cuda"``, ``"cuda:1"``) selects the torch brute-force
    back-end; checking a device name imports torch, None does not.
    """
    est.k = check_int(k, "k", low=1)
    est.metric = check_choice(metric, "metric", METRICS)
    est.algorithm = check_choice(algorithm, "algorithm", ALGORITHMS)
    est.workers = _check_workers(workers)
    est.device = None if device is None else unchanged_or(device, check_device(device))
    if est.device is not None and est.algorithm == "tree":
        raise ValueError(
            f"algorithm='tree' runs in numpy only; with device={est.device!r} use 'brute' or "
            "'auto' (the torch back-end is exact brute force)"
        )


def _search_device(est: _SearchFields) -> str | None:
    """The device of the neighbour search: ``est.device``, else that of the input tensors
    (unless ``algorithm="tree"`` was asked for: the KD-tree runs on the host)."""
    if est.device is not None or est.algorithm == "tree":
        return est.device
    return input_device()


def _init_jitter(est: _KNNFields, jitter: object, seed: SeedLike) -> None:
    """Validate and store the tie-breaking noise parameters."""
    est.jitter = check_float(jitter, "jitter", low=0.0, high=1.0)
    check_seed(seed)
    est.seed = seed


# ------------------------------------------------------------------------------ KSG
def ksg_from_counts(algorithm: int, k: int, n: int, counts: np.ndarray) -> tuple[float, float]:
    """KSG value and ceiling from the marginal counts ``(n_x, n_y)`` (columns of ``counts``).

    Algorithm 1: ``psi(k) + psi(n) - <psi(n_x + 1) + psi(n_y + 1)>``, ceiling
    ``psi(n) - psi(k)``. Algorithm 2: ``psi(k) - 1/k + psi(n) - <psi(n_x) + psi(n_y)>``,
    ceiling ``psi(n) - psi(k) - 1/k``.
    """
    if algorithm == 1:
        value = digamma(k) + digamma(n) - _mean_digamma(counts[:, 0] + 1)
        value -= _mean_digamma(counts[:, 1] + 1)
        return float(value), ksg_ceiling(algorithm, k, n)
    value = digamma(k) - 1.0 / k + digamma(n) - _mean_digamma(counts[:, 0])
    value -= _mean_digamma(counts[:, 1])
    return float(value), ksg_ceiling(algorithm, k, n)


def ksg_ceiling(algorithm: int, k: int, n: int) -> float:
    """The largest KSG value: ``psi(n) - psi(k)`` (algorithm 1), ``psi(n) - psi(k) - 1/k`` (2)."""
    ceiling = float(digamma(n) - digamma(k))
    return ceiling if algorithm == 1 else ceiling - 1.0 / k


class _ContinuousKNN(_KNNFields):
    """The parameters and the input preparation shared by the continuous kNN MI and CMI
    estimators (KSG 1 and 2, Frenzel–Pompe); see :class:`KSG1` for their meaning."""

    standardize: bool

    def __init__(
        self,
        k: int = 3,
        *,
        metric: str = "chebyshev",
        standardize: bool = True,
        jitter: float = 1e-10,
        seed: int | np.random.Generator | None = 0,
        algorithm: str = "auto",
        workers: int = -1,
        device: str | None = None,
    ) -> None:
        _init_search(self, k, metric, algorithm, workers, device)
        self.standardize = check_bool(standardize, "standardize")
        _init_jitter(self, jitter, seed)


class _KSGBase(_ContinuousKNN, MIEstimator):
    """Shared parameters and flow of the two KSG algorithms (``_algorithm`` picks one)."""

    accepts: ClassVar[str] = "continuous"
    resampling: ClassVar[str] = "subsample"
    _algorithm: ClassVar[int] = 1

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        return self.estimate_over_k(x, y, (self.k,))[0]

    def estimate_over_k(
        self, x: npt.ArrayLike, y: npt.ArrayLike, ks: Sequence[int]
    ) -> list[Estimate]:
        """The estimate at each distinct neighbour count of ``ks``, in ascending k, each equal
        to ``estimate`` with that k. Algorithm 1 shares one neighbour pass among several ks
        (:func:`~infossl.estimators._neighbors.knn_counts_over_k`: the brute-force distances are
        computed once); algorithm 2 runs one search per k. Unlike ``estimate``, the inputs are
        not rescaled to a safe magnitude: pass data of moderate scale (e.g. normal scores)."""
        x, y, n = paired_samples(x, y)
        ks = sorted({check_k(k, n) for k in ks})
        dims = dims_of(x, y)
        constant = _constant_variable({"x": x, "y": y})
        if constant is not None:
            note = f"{constant} is constant: it carries no information, I(X;Y) = 0 exactly"
            return [
                self._at_k(k, 0.0, n, dims, ksg_ceiling(self._algorithm, k, n), [note]) for k in ks
            ]
        (xs, ys), notes = self._spaces(
            {"x": x, "y": y}, "method='mixed-ksg'", standardize=self.standardize
        )
        groups = [(0,), (1,)]
        if self._algorithm == 1 and len(ks) > 1:
            all_counts = knn_counts_over_k(
                [xs, ys],
                ks,
                groups,
                metric=self.metric,
                algorithm=self.algorithm,
                workers=self.workers,
                device=_search_device(self),
            )
        else:
            first = self._algorithm == 1
            radius = "joint" if first else "extent"
            all_counts = [
                self._search([xs, ys], k, groups, strict=first, radius=radius).counts for k in ks
            ]
        results = []
        for k, counts in zip(ks, all_counts, strict=True):
            value, ceiling = ksg_from_counts(self._algorithm, k, n, counts)
            k_notes = list(notes)
            if value >= HIGH_MI_NOTE_FRACTION * ceiling:
                k_notes.append(
                    f"{HIGH_MI_NOTE_START} {ceiling:.3g} nats (set by "
                    f"n={n}, k={k}): KSG under-estimates high MI (it needs about exp(I) samples)"
                )
            if value < 0:
                k_notes.append(NEGATIVE_MI_NOTE)
            results.append(self._at_k(k, value, n, dims, ceiling, k_notes))
        return results

    def _at_k(
        self, k: int, value: float, n: int, dims: tuple[int, ...], ceiling: float, notes: list[str]
    ) -> Estimate:
        extra = None if k == self.k else {"k": k}
        return self._make(value, n, dims, ceiling=ceiling, notes=tuple(notes), extra_params=extra)


@register
class KSG1(_KSGBase):
    r"""Kraskov–Stögbauer–Grassberger mutual information, algorithm 1.

    Formula: with ``eps_i`` the distance from point i to its k-th nearest neighbour in the joint
    space (norm ``max(||x - x'||, ||y - y'||)``), ``n_x(i) = #{j != i : ||x_j - x_i|| < eps_i}``
    (strict) and likewise ``n_y(i)``::

        I = psi(k) + psi(n) - < psi(n_x + 1) + psi(n_y + 1) >

    Assumptions: i.i.d. samples of continuous variables with a joint density; locally uniform
    density within each k-neighbourhood. Negative values are returned as they are (not clipped;
    scikit-learn clips them at 0). The value never exceeds ``psi(n) - psi(k)`` (its ceiling).

    Parameters:
        k: neighbour order (small k: less bias, more variance; scikit-learn uses 3).
        metric: the norm within each variable, ``"chebyshev"`` (max-norm, as in the paper) or
            ``"euclidean"``; the joint norm is always the maximum of the two.
        standardize: centre and scale every column to unit variance first (the max-norm is
            not invariant to per-coordinate scaling).
        jitter: relative scale of the seeded Gaussian noise that breaks ties (0 disables it;
            1e-10 is scikit-learn's value).
        seed: seed of the jitter.
        algorithm: ``"auto"``, ``"tree"`` (KD-tree) or ``"brute"`` (blocked exact brute force);
            all give the same value.
        workers: threads (-1: all cores).
        device: None (numpy, or the device of CUDA tensor input), ``"cpu"``, ``"cuda"`` or
            ``"cuda:1"``: exact float64 brute force in torch on that device (same counts).

    Complexity: KD-tree near O(n log n) for joint dimension <= 8; exact brute force O(n^2 d) time
    and O(n (k + d)) memory beyond.

    Reference: A. Kraskov, H. Stögbauer, P. Grassberger, "Estimating mutual information",
    Phys. Rev. E 69, 066138 (2004).
    """

    name: ClassVar[str] = "ksg1"
    summary: ClassVar[str] = "Kraskov-Stögbauer-Grassberger kNN MI, algorithm 1 (strict counts)"
    _algorithm: ClassVar[int] = 1


@register
class KSG2(_KSGBase):
    r"""Kraskov–Stögbauer–Grassberger mutual information, algorithm 2.

    Formula: for each point i take its k nearest neighbours in the joint space (max of the
    marginal norms); ``eps_x(i)`` and ``eps_y(i)`` are the largest x- and y-distances from i to
    them (points tied with the k-th neighbour included, so ties cannot make the result depend
    on the search order), and ``n_x(i) = #{j != i : ||x_j - x_i|| <= eps_x(i)}`` (non-strict),
    likewise ``n_y``::

        I = psi(k) - 1/k + psi(n) - < psi(n_x) + psi(n_y) >

    Assumptions: as :class:`KSG1`; algorithm 2 trades a little more variance for less bias in
    some regimes (KSG 2004). Ceiling ``psi(n) - psi(k) - 1/k`` (since ``n_x, n_y >= k``).

    Parameters, complexity: as :class:`KSG1`.

    Reference: Kraskov, Stögbauer & Grassberger, Phys. Rev. E 69, 066138 (2004).
    """

    name: ClassVar[str] = "ksg2"
    summary: ClassVar[str] = "Kraskov-Stögbauer-Grassberger kNN MI, algorithm 2 (marginal extents)"
    _algorithm: ClassVar[int] = 2


# ------------------------------------------------------------------------------ entropy
def log_unit_ball_volume(d: int, metric: str) -> float:
    """``ln V_d``: the volume of the unit ball of the norm in d dimensions.

    Euclidean ``pi^(d/2) / Gamma(d/2 + 1)``; max-norm ``2^d`` (the cube ``[-1, 1]^d``).
    """
    if metric == "euclidean":
        return 0.5 * d * math.log(math.pi) - float(gammaln(0.5 * d + 1.0))
    return d * math.log(2.0)


@register
class KozachenkoLeonenko(_KNNFields, EntropyEstimator):
    r"""Kozachenko–Leonenko k-nearest-neighbour differential entropy.

    Formula: with ``r_i`` the distance from point i to its k-th nearest neighbour and ``V_d``
    the volume of the unit ball of the norm in d dimensions::

        H = psi(n) - psi(k) + ln V_d + (d / n) sum_i ln r_i

    ``V_d = pi^(d/2) / Gamma(d/2 + 1)`` (Euclidean) or ``2^d`` (max-norm).

    Assumptions: i.i.d. samples with a density, locally uniform within each k-neighbourhood;
    no ties (a zero neighbour distance makes the estimate -inf: the jitter prevents it).
    Differential entropy is not scale invariant, so the data are not standardised.

    Parameters:
        k: neighbour order.
        metric: ``"euclidean"`` (the classic form) or ``"chebyshev"`` (max-norm, matching KSG).
        jitter: relative scale of the seeded tie-breaking noise (0 disables it).
        seed: seed of the jitter.
        algorithm, workers, device: as :class:`KSG1`.

    Complexity: near O(n log n) with the KD-tree (d <= 8); O(n^2 d) brute force beyond.

    Reference: L. F. Kozachenko, N. N. Leonenko, "Sample estimate of the entropy of a random
    vector", Problems Inform. Transmission 23, 95-101 (1987); in this form: Kraskov et al.
    (2004), Sec. II.
    """

    name: ClassVar[str] = "kl"
    accepts: ClassVar[str] = "continuous"
    resampling: ClassVar[str] = "subsample"
    summary: ClassVar[str] = "Kozachenko-Leonenko kNN differential entropy"

    def __init__(
        self,
        k: int = 3,
        *,
        metric: str = "euclidean",
        jitter: float = 1e-10,
        seed: int | np.random.Generator | None = 0,
        algorithm: str = "auto",
        workers: int = -1,
        device: str | None = None,
    ) -> None:
        _init_search(self, k, metric, algorithm, workers, device)
        _init_jitter(self, jitter, seed)

    def estimate(self, x: npt.ArrayLike) -> Estimate:
        x = as_samples(x, "x")
        n, d = x.shape
        check_k(self.k, n)
        check_not_constant(x, "x")
        (xs,), notes = self._spaces(
            {"x": x}, "a discrete (plug-in) entropy", standardize=False, quantity="entropy"
        )
        r = self._search([xs], self.k).radius
        if np.any(r <= 0):
            raise ValueError(
                f"x has {int(np.sum(r <= 0))} point(s) with k={self.k} or more exact duplicates "
                "(zero neighbour distance, entropy -inf); set jitter > 0 or use a discrete "
                "entropy estimator"
            )
        value = (
            digamma(n)
            - digamma(self.k)
            + log_unit_ball_volume(d, self.metric)
            + d * float(np.mean(np.log(r)))
        )
        return self._make(value, n, (d,), notes=tuple(notes))


# ------------------------------------------------------------------------------ CMI
@register
class FrenzelPompe(_ContinuousKNN, CMIEstimator):
    r"""Frenzel–Pompe (KSG-style) conditional mutual information I(X;Y|Z).

    Formula: with ``eps_i`` the distance to the k-th neighbour in the joint space (X, Y, Z)
    (maximum of the per-variable norms) and strict counts ``n_xz(i)``, ``n_yz(i)``, ``n_z(i)``
    of points ``j != i`` closer than ``eps_i`` in the spaces (X, Z), (Y, Z) and Z::

        I(X;Y|Z) = psi(k) - < psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1) >

    Assumptions: continuous variables with a joint density, locally uniform within each
    k-neighbourhood; biases as KSG (high dimension, high CMI).

    Parameters, complexity: as :class:`KSG1`.

    Reference: S. Frenzel, B. Pompe, "Partial mutual information for coupling analysis of
    multivariate time series", Phys. Rev. Lett. 99, 204101 (2007); also Vejmelka & Paluš,
    Phys. Rev. E 77, 026214 (2008).
    """

    name: ClassVar[str] = "frenzel-pompe"
    accepts: ClassVar[str] = "continuous"
    resampling: ClassVar[str] = "subsample"
    summary: ClassVar[str] = "Frenzel-Pompe kNN conditional MI (KSG algorithm 1 style)"

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike, z: npt.ArrayLike) -> Estimate:
        x, y, z, n = conditional_samples(x, y, z)
        check_k(self.k, n)
        constant = _constant_variable({"x": x, "y": y})
        if constant is not None:
            return self._make(
                0.0,
                n,
                dims_of(x, y, z),
                notes=(f"{constant} is constant: I(X;Y|Z) = 0 exactly",),
            )
        spaces, notes = self._spaces(
            {"x": x, "y": y, "z": z}, "a discrete estimator", standardize=self.standardize
        )
        counts = self._search(spaces, self.k, [(0, 2), (1, 2), (2,)]).counts
        value = (
            digamma(self.k)
            - _mean_digamma(counts[:, 0] + 1)
            - _mean_digamma(counts[:, 1] + 1)
            + _mean_digamma(counts[:, 2] + 1)
        )
        if value < 0:
            notes.append("negative estimate: consistent with conditional independence")
        return self._make(value, n, dims_of(x, y, z), notes=tuple(notes))


@register
class KSGCMI(FrenzelPompe):
    """Alias of :class:`FrenzelPompe` under the name ``"ksg"`` (same formula and parameters)."""

    name: ClassVar[str] = "ksg"
    summary: ClassVar[str] = "alias of 'frenzel-pompe' (KSG-style conditional MI)"


# ------------------------------------------------------------------------------ discrete-cont.
@register
class Ross(_KNNFields, MIEstimator):
    r"""Ross's kNN mutual information between a discrete and a continuous variable.

    Formula: for each point i of class ``c = x_i`` with ``N_c`` members, ``d_i`` is the distance
    (in Y) to its k-th nearest neighbour among the same class and ``m_i`` the number of points
    ``j != i`` of any class with ``||y_j - y_i|| <= d_i`` (the k-th neighbour included)::

        I = psi(n) - < psi(N_c) > + psi(k) - < psi(m) >

    Classes with ``N_c <= k`` use ``k_c = N_c - 1`` neighbours (their points average ``psi(k_c)``);
    points of classes seen once are left out (as in scikit-learn). The ceiling is
    ``psi(n) - <psi(N_c)>``, reached when every ``m_i = k_c``: about the entropy of X.

    Assumptions: X discrete (finitely many values, each seen at least twice), Y continuous with
    a density given each class; no ties in Y (the jitter breaks them).

    Parameters:
        k: neighbour order.
        discrete: which argument is the discrete variable: ``"x"``, ``"y"``, or ``"auto"``
            (the one with an integer or bool dtype when exactly one has it, else ``x``).
        metric, standardize, jitter, seed, algorithm, workers, device: as :class:`KSG1` (applied to
            the continuous variable).

    Complexity: one neighbour search per class plus one radius count: near O(n log n) in low
    dimension, O(n^2 d) brute force beyond.

    Reference: B. C. Ross, "Mutual information between discrete and continuous data sets",
    PLoS ONE 9(2): e87357 (2014).
    """

    name: ClassVar[str] = "ross"
    accepts: ClassVar[str] = "discrete-continuous"
    resampling: ClassVar[str] = "subsample"
    summary: ClassVar[str] = "Ross kNN MI between a discrete and a continuous variable"

    def __init__(
        self,
        k: int = 3,
        *,
        discrete: str = "auto",
        metric: str = "chebyshev",
        standardize: bool = True,
        jitter: float = 1e-10,
        seed: int | np.random.Generator | None = 0,
        algorithm: str = "auto",
        workers: int = -1,
        device: str | None = None,
    ) -> None:
        _init_search(self, k, metric, algorithm, workers, device)
        self.discrete = check_choice(discrete, "discrete", ["auto", "x", "y"])
        self.standardize = check_bool(standardize, "standardize")
        _init_jitter(self, jitter, seed)

    def _which_discrete(self, x: npt.ArrayLike, y: npt.ArrayLike) -> str:
        if self.discrete != "auto":
            return self.discrete
        ints = [np.asarray(a).dtype.kind in "biu" for a in (x, y)]
        return "y" if ints == [False, True] else "x"

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        which = self._which_discrete(x, y)
        disc_name, cont_name = ("x", "y") if which == "x" else ("y", "x")
        disc_raw, cont_raw = (x, y) if which == "x" else (y, x)
        dims = dims_of(as_samples(x, "x"), as_samples(y, "y"))
        labels = as_labels(disc_raw, disc_name)
        cont = as_samples(cont_raw, cont_name)
        n = check_same_length(**{disc_name: labels, cont_name: cont})
        check_k(self.k, n)
        notes = _tie_notes({cont_name: cont}, self.jitter > 0, "method='mixed-ksg'")
        notes += _dimension_notes(cont.shape[1])
        _, labels, sizes = np.unique(labels, return_inverse=True, return_counts=True)
        labels = labels.reshape(-1)
        keep = sizes[labels] > 1
        if keep.sum() < 2:
            raise ValueError(
                f"{disc_name} has no value seen at least twice; the Ross estimator needs several "
                "samples per discrete value"
            )
        if not keep.all():
            notes.append(
                f"{int((~keep).sum())} sample(s) whose {disc_name} value occurs once were left out"
            )
        size_rows = sizes[labels][keep]
        k_rows = np.minimum(self.k, size_rows - 1)
        if np.any(k_rows < self.k):
            notes.append(
                f"some {disc_name} values have <= k={self.k} samples; they use k = count - 1"
            )
        (ys,) = _prepare([cont], self.standardize, self.jitter, check_seed(self.seed))
        m = self._search([ys[keep]], k_rows, [(0,)], strict=False, labels=labels[keep]).counts[:, 0]
        n_kept = int(keep.sum())
        ceiling = float(digamma(n_kept) - _mean_digamma(size_rows))
        value = ceiling + _mean_digamma(k_rows) - _mean_digamma(m)
        if value >= 0.9 * ceiling > 0:
            notes.append(
                f"the estimate is close to its ceiling psi(n) - <psi(N_c)>, an estimate of "
                f"H({disc_name}), which also bounds the true MI: {disc_name} is almost a "
                f"function of {cont_name}"
            )
        if value < 0:
            notes.append(NEGATIVE_MI_NOTE)
        return self._make(
            value,
            n_kept,
            dims,
            ceiling=ceiling,
            notes=tuple(notes),
            extra_params={"discrete": which},
        )


def _multiplicity(a: np.ndarray) -> np.ndarray:
    """For each row, how many rows are identical to it (itself included)."""
    _, inverse, counts = np.unique(a, axis=0, return_inverse=True, return_counts=True)
    return counts[inverse.reshape(-1)]


@register
class MixedKSG(_SearchFields, MIEstimator):
    r"""Gao–Kannan–Oh–Viswanath kNN mutual information for discrete-continuous mixtures.

    Formula: ``rho_i`` is the distance from point i to its k-th nearest neighbour in the joint
    space (maximum of the per-variable norms). Where ``rho_i > 0`` the point is treated as in
    KSG-1 (strict counts ``n_x``, ``n_y`` of points ``j != i`` closer than ``rho_i``); where
    ``rho_i = 0`` (the point sits on an atom with at least k copies) the counts are the numbers
    of points equal to it, itself included: ``m_xy`` jointly, ``m_x`` and ``m_y`` in each
    variable::

        xi_i = psi(k) + psi(n) - psi(n_x + 1) - psi(n_y + 1)      if rho_i > 0
        xi_i = psi(m_xy) + psi(n) - psi(m_x) - psi(m_y)            if rho_i = 0
        I = < xi_i >

    This is the estimator of the paper in the digamma form of the authors' reference
    implementation (the paper writes ``ln`` for the counts; with ``ln(n_y + 1)`` the estimate is
    biased by about ``psi(k) - ln(k + 1)`` when one variable is discrete and the other
    continuous), with ``psi(n)`` for ``ln n`` so that on tie-free data it equals KSG-1 exactly.
    On purely discrete data it is the plug-in MI up to terms of order 1/(cell size). Ties carry
    information here, so no jitter is added. Ceiling ``psi(n) - psi(k)``.

    Assumptions: i.i.d. samples from any mixture of discrete atoms and densities, in each
    variable and jointly.

    Parameters:
        k: neighbour order.
        metric: norm within each variable (``"chebyshev"`` or ``"euclidean"``).
        standardize: centre and scale every column to unit variance first (ties are kept).
        algorithm, workers, device: as :class:`KSG1`.

    Complexity: as :class:`KSG1`, plus O(n log n) sorting to count identical rows.

    Reference: W. Gao, S. Kannan, S. Oh, P. Viswanath, "Estimating mutual information for
    discrete-continuous mixtures", NeurIPS 2017 (arXiv:1709.06212).
    """

    name: ClassVar[str] = "mixed-ksg"
    accepts: ClassVar[str] = "mixed"
    resampling: ClassVar[str] = "subsample"
    summary: ClassVar[str] = "Gao et al. kNN MI for discrete-continuous mixtures (handles ties)"

    def __init__(
        self,
        k: int = 3,
        *,
        metric: str = "chebyshev",
        standardize: bool = True,
        algorithm: str = "auto",
        workers: int = -1,
        device: str | None = None,
    ) -> None:
        _init_search(self, k, metric, algorithm, workers, device)
        self.standardize = check_bool(standardize, "standardize")

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, n = paired_samples(x, y)
        check_k(self.k, n)
        notes = _dimension_notes(x.shape[1] + y.shape[1])
        xs, ys = _prepare([x, y], self.standardize, 0.0, check_seed(0))
        res = self._search([xs, ys], self.k, [(0,), (1,)])
        on_atom = res.radius == 0
        xi = np.full(n, digamma(self.k) + digamma(n))
        cont = ~on_atom
        xi[cont] -= digamma(res.counts[cont, 0] + 1) + digamma(res.counts[cont, 1] + 1)
        if on_atom.any():
            m_xy = _multiplicity(np.hstack([x, y]))[on_atom]
            m_x = _multiplicity(x)[on_atom]
            m_y = _multiplicity(y)[on_atom]
            xi[on_atom] = digamma(m_xy) + digamma(n) - digamma(m_x) - digamma(m_y)
            notes.append(
                f"{100 * on_atom.mean():.1f}% of the points sit on atoms (zero k-NN distance)"
            )
        value = float(np.mean(xi))
        if value < 0:
            notes.append(NEGATIVE_MI_NOTE)
        ceiling = float(digamma(n) - digamma(self.k))
        return self._make(value, n, dims_of(x, y), ceiling=ceiling, notes=tuple(notes))


@register
class Gao(MixedKSG):
    """Alias of :class:`MixedKSG` under the name ``"gao"`` (same formula and parameters)."""

    name: ClassVar[str] = "gao"
    summary: ClassVar[str] = "alias of 'mixed-ksg' (Gao et al. 2017 mixed-data kNN MI)"

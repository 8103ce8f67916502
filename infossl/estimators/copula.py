"""Copula-normalised mutual information: rank-Gaussianise every marginal, then estimate.

Mutual information is unchanged by a strictly increasing map of any coordinate, so it depends on
the copula of (X, Y) only. Replacing every column by its normal scores,
``Φ⁻¹(rank / (n + 1))``, removes heavy tails, skew and any other monotone distortion of the
marginals before an estimator sees the data. Both estimators here are functions of the ranks
only: their values are exactly invariant to strictly increasing maps of any column.

* ``gcmi``: the Gaussian MI of the normal scores with the closed-form Gaussian entropy bias
  correction (Ince et al. 2017). Exact when the copula of (X, Y) is Gaussian (every
  monotone map of a Gaussian); a lower bound on I(X;Y) when one variable is one-dimensional;
  a proxy otherwise (see :class:`GaussianCopulaMI`).
* ``ksg1-copula``: KSG algorithm 1 on the normal scores (a consistent point estimate of the same
  I(X;Y), with KSG's assumptions on the transformed data).

References: R. A. A. Ince, B. L. Giordano, C. Kayser, G. A. Rousselet, J. Gross, P. G. Schyns,
"A statistical framework for neuroimaging data analysis based on mutual information estimated
via a Gaussian copula", Human Brain Mapping 38, 1541–1573 (2017); A. Kraskov, H. Stögbauer,
P. Grassberger, Phys. Rev. E 69, 066138 (2004).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri
from scipy.stats import rankdata

from infossl._checks import (
    check_bool,
    check_float,
    check_int,
    check_sequence_of_int,
    dims_of,
)
from infossl.estimate import Estimate
from infossl.estimators._base import MIEstimator, paired_samples, register
from infossl.estimators.gaussian import wishart_logdet_bias
from infossl.estimators.knn import HIGH_MI_NOTE_START, KSG1, NEGATIVE_MI_NOTE

#: Eigenvalue ratio below which the covariance of the normal scores is treated as singular.
_SINGULAR_RTOL = 1e-10
_PROXY_NOTE = (
    "x and y are both multivariate: the Gaussian-copula MI is then exact for a Gaussian copula "
    "but neither a lower nor an upper bound on I(X;Y) in general"
)
_LOWER_NOTE = (
    "one variable is one-dimensional: the Gaussian-copula MI is a lower bound on I(X;Y) "
    "(equal to it for a Gaussian copula); the finite-sample value is a bias-corrected estimate "
    "of that bound"
)


def copula_normalise(a: np.ndarray) -> np.ndarray:
    """Normal scores of every column: ``Φ⁻¹(r / (n + 1))`` with ``r`` the rank (1..n).

    Tied values share their average rank, so they keep one common score and the result depends
    on the order of the values only: any strictly increasing map of a column leaves it exactly
    unchanged. A constant column becomes all zeros. O(n log n · d) time, O(n d) memory.
    """
    ranks = rankdata(a, method="average", axis=0)
    return np.asarray(ndtri(ranks / (len(a) + 1.0)), dtype=np.float64)


def _varying(scores: np.ndarray) -> np.ndarray:
    """The columns of ``scores`` that are not constant (a constant carries no information)."""
    return scores[:, np.ptp(scores, axis=0) > 0]


def _logdet(cov: np.ndarray, what: str) -> float:
    """ln det of a symmetric positive-definite matrix; ValueError naming ``what`` if singular."""
    eig = np.linalg.eigvalsh(cov)
    if eig[0] <= _SINGULAR_RTOL * max(float(eig[-1]), 1e-300):
        raise ValueError(
            f"the normal scores of {what} are collinear (duplicated columns, or columns with "
            f"few distinct values in step with each other); drop redundant columns of {what}"
        )
    return float(np.log(eig).sum())


def gaussian_copula_mi(
    sx: np.ndarray, sy: np.ndarray, bias_correction: bool = True
) -> tuple[float, int]:
    """``(I_G, n)``: the Gaussian MI of normal scores ``sx`` (n, d_x) and ``sy`` (n, d_y).

    I_G = ½ [ln det Σ_x + ln det Σ_y − ln det Σ] with Σ the unbiased sample covariance of the
    scores. With ``bias_correction`` each ln det is corrected by the exact Gaussian small-sample
    bias d ln(2/(n − 1)) + Σᵢ ψ((n − i)/2) (Ince et al. 2017; the same closed form as
    :func:`~infossl.estimators.gaussian.wishart_logdet_bias`). Constant columns are dropped; a
    variable with no varying column gives 0. O(n d² + d³).
    """
    vx, vy = _varying(sx), _varying(sy)
    n, dx, dy = len(sx), vx.shape[1], vy.shape[1]
    if dx == 0 or dy == 0:
        return 0.0, n
    if n <= dx + dy + 1:
        raise ValueError(
            f"gcmi needs more samples than dimensions: (x, y) has n={n} rows for "
            f"{dx} + {dy} varying columns (at least {dx + dy + 2} are needed)"
        )
    cov = np.cov(np.hstack([vx, vy]), rowvar=False)
    value = 0.5 * (
        _logdet(cov[:dx, :dx], "x") + _logdet(cov[dx:, dx:], "y") - _logdet(cov, "(x, y)")
    )
    if bias_correction:
        value -= 0.5 * (
            wishart_logdet_bias(dx, n)
            + wishart_logdet_bias(dy, n)
            - wishart_logdet_bias(dx + dy, n)
        )
    return value, n


#: Tolerance of the canonical-pair check: the Gaussian copula is contradicted when its MI of the
#: top canonical pair exceeds KSG's estimate of that pair by more than
#: ``CHECK_TOLERANCE_NATS + CHECK_TOLERANCE_REL * I_pair`` (KSG1 at k = 3 in 1 + 1 dimensions is
#: within a few hundredths of a nat of a bivariate Gaussian's MI below its saturation, see
#: :data:`CHECK_HEADROOM_NATS`; the margin also covers its sampling error at 250 rows).
CHECK_TOLERANCE_NATS = 0.1
CHECK_TOLERANCE_REL = 0.1
#: Fewest rows for the check (it fits on one half and tests on the other).
CHECK_MIN_ROWS = 500
#: KSG1 (k = 3) in 1 + 1 dimensions underestimates a bivariate Gaussian's MI once it nears
#: ln m (m rows): measured -0.12 nats at I = 3, m = 250 and -0.12 at I = 4, m = 1000, within
#: 0.03 below. The check says nothing when the pair's Gaussian MI exceeds ln m - this headroom.
CHECK_HEADROOM_NATS = 3.0
_CHECK_K = 3
_CHECK_SEED = 0  # the fixed split of the rows, so that every estimate is reproducible


@dataclass(frozen=True)
class CanonicalPairCheck:
    """The Gaussian-copula MI of the top canonical pair of the normal scores against KSG's,
    both on held-out rows (means over the two folds of a random split).

    Attributes:
        rho: the correlation of the pair on the held-out half.
        gaussian: ``-½ ln(1 − rho²)``, the pair's MI under a Gaussian copula.
        ksg: KSG1 (k = 3) on the normal scores of the pair (1 + 1 dimensions, held-out half):
            an estimate of the pair's MI, which is at most I(X;Y) (data processing; the
            directions were fitted on the other half, so they are fixed for these rows).
        testable: ``gaussian <= ln m − CHECK_HEADROOM_NATS`` (m = n/2 held-out rows), where KSG can
            measure it.
        contradicted: testable and ``gaussian − ksg > CHECK_TOLERANCE_NATS +
            CHECK_TOLERANCE_REL · gaussian``.
    """

    rho: float
    gaussian: float
    ksg: float
    testable: bool
    contradicted: bool

    @property
    def excess(self) -> float:
        """How much the Gaussian copula over-values the pair, ``max(0, gaussian − ksg)``."""
        return max(0.0, self.gaussian - self.ksg)

    def note(self) -> str:
        """One sentence for ``Estimate.notes`` (every number with its unit)."""
        return (
            f"on held-out rows the top canonical pair of the normal scores (correlation "
            f"{self.rho:.6g}) carries {self.gaussian:.4g} nats under a Gaussian copula but "
            f"{self.ksg:.4g} nats by KSG in 1 + 1 dimensions: the copula is not Gaussian where "
            "the Gaussian-copula MI takes much of its value, which may then exceed I(X;Y)"
        )


def canonical_pair_check(
    sx: np.ndarray, sy: np.ndarray, ksg: KSG1 | None = None
) -> CanonicalPairCheck:
    """Test the Gaussian-copula model where it matters most: on the top canonical pair.

    The rows are split in two at random (fixed seed), and each half serves once to fit and
    once to test (two-fold cross-fitting; the three numbers are the means over both folds). On
    the fitting half, with Σ the covariance of the normal scores (columns constant there left
    out), the canonical directions are ``a = Σ_x^{-1/2} u`` and ``b = Σ_y^{-1/2} v`` for the
    leading singular pair of ``Σ_x^{-1/2} Σ_xy Σ_y^{-1/2}``. On the other half the projections
    ``(xa, yb)`` are compared two ways: their correlation
    gives the MI a Gaussian copula implies, ``-½ ln(1 − rho²)``; KSG1 (``ksg``, default
    ``KSG1(k=3)``) on their own normal scores estimates their actual MI, which is at most
    I(X;Y) by data processing (the directions are fixed for these rows). A much smaller KSG
    value means that the Gaussian-copula MI rests on a direction where the data are far from
    Gaussian -- e.g. a linear combination of several columns that is nearly discrete, which
    gives near-perfect canonical correlation with little information.

    Assumptions: at least :data:`CHECK_MIN_ROWS` rows and two varying columns in each variable
    on each half (else ``ValueError``: with a one-dimensional variable the Gaussian-copula MI
    is a lower bound and there is nothing to check); scores not collinear on either half
    (``ValueError``). O(n d² + d³ + n log n).
    """
    vx, vy = _varying(sx), _varying(sy)
    n = len(vx)
    if min(vx.shape[1], vy.shape[1]) < 2:
        raise ValueError("the canonical-pair check needs two multivariate variables")
    if n < CHECK_MIN_ROWS:
        raise ValueError(f"the canonical-pair check needs at least {CHECK_MIN_ROWS} rows, got {n}")
    order = np.random.default_rng(_CHECK_SEED).permutation(n)
    halves = (order[: n // 2], order[n // 2 :])
    folds = [_held_out_pair(vx, vy, fit, test, ksg) for fit, test in (halves, halves[::-1])]
    rho = float(np.mean([f[0] for f in folds]))
    gaussian = float(np.mean([f[1] for f in folds]))
    value = float(np.mean([f[2] for f in folds]))
    testable = bool(gaussian <= np.log(n // 2) - CHECK_HEADROOM_NATS)
    limit = CHECK_TOLERANCE_NATS + CHECK_TOLERANCE_REL * gaussian
    return CanonicalPairCheck(rho, gaussian, value, testable, testable and gaussian - value > limit)


def _held_out_pair(
    vx: np.ndarray, vy: np.ndarray, fit: np.ndarray, test: np.ndarray, ksg: KSG1 | None
) -> tuple[float, float, float]:
    """``(rho, gaussian, ksg)`` of the top canonical pair fitted on rows ``fit``, measured on
    rows ``test`` (columns constant on ``fit`` are left out; ``ValueError`` when fewer than two
    remain on a side, or the scores are collinear on ``fit``)."""
    keep_x, keep_y = np.ptp(vx[fit], axis=0) > 0, np.ptp(vy[fit], axis=0) > 0
    if min(keep_x.sum(), keep_y.sum()) < 2:
        raise ValueError("fewer than two columns vary on the fitting rows")
    fx, fy = vx[:, keep_x], vy[:, keep_y]
    dx = fx.shape[1]
    cov = np.cov(np.hstack([fx[fit], fy[fit]]), rowvar=False)
    _logdet(cov[:dx, :dx], "x")  # ValueError for collinear scores
    _logdet(cov[dx:, dx:], "y")
    a, b, _ = canonical_directions(cov, dx, 1)
    u, v = fx[test] @ a[:, 0], fy[test] @ b[:, 0]
    if np.ptp(u) == 0 or np.ptp(v) == 0:
        raise ValueError("the canonical pair is constant on the held-out rows")
    rho = float(min(abs(np.corrcoef(u, v)[0, 1]), 1.0 - 1e-15))
    gaussian = -0.5 * float(np.log1p(-(rho**2)))
    pair = [copula_normalise(w[:, None]) for w in (u, v)]
    value = (ksg if ksg is not None else KSG1(k=_CHECK_K)).estimate(*pair).value
    return rho, gaussian, value


def canonical_directions(
    cov: np.ndarray, dx: int, pairs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A, B, rho)``: the top ``pairs`` canonical directions of the joint covariance ``cov``
    of ``(x, y)`` (x the first ``dx`` coordinates) as columns of A (d_x, pairs) and B
    (d_y, pairs), and their canonical correlations rho (descending).

    ``A = Σ_x^{-1/2} U``, ``B = Σ_y^{-1/2} V`` for the leading singular vectors of
    ``Σ_x^{-1/2} Σ_xy Σ_y^{-1/2}``; each projection has unit variance under ``cov``. Assumes
    positive-definite diagonal blocks. O(d³).
    """
    wx, wy = _inverse_sqrt(cov[:dx, :dx]), _inverse_sqrt(cov[dx:, dx:])
    left, rho, right_t = np.linalg.svd(wx @ cov[:dx, dx:] @ wy)
    return wx @ left[:, :pairs], wy @ right_t[:pairs].T, rho[:pairs]


def _inverse_sqrt(cov: np.ndarray) -> np.ndarray:
    """Σ^{-1/2} of a symmetric positive-definite matrix (eigen-decomposition)."""
    eig, vec = np.linalg.eigh(cov)
    out: np.ndarray = (vec / np.sqrt(eig)) @ vec.T
    return out


@register
class GaussianCopulaMI(MIEstimator):
    """Gaussian-copula mutual information (GCMI): Gaussian MI of the marginal normal scores.

    Formula: every column of x and y becomes ``Φ⁻¹(r / (n + 1))`` with r its rank (ties share
    their average rank); then, with Σ the sample covariance of those scores,
    ``I = ½ [ln det Σ_x + ln det Σ_y − ln det Σ]`` minus the closed-form Gaussian bias of the
    three log-determinants, ``b(d) = d ln(2/(n − 1)) + Σ_{i=1..d} ψ((n − i)/2)``
    (``bias_correction=True``, as in Ince et al. 2017).

    What it estimates: I_G, the MI of the Gaussian copula with the same normal-score
    correlations. Writing X', Y' for the marginally Gaussianised variables and D(·) for the
    Kullback–Leibler divergence of a distribution from the Gaussian with its covariance,
    ``I(X;Y) − I_G = D(X',Y') − D(X') − D(Y')``. Hence:

    * I_G = I(X;Y) when the copula of (X, Y) is Gaussian (Gaussian data under any strictly
      monotone map of each coordinate);
    * I_G ≤ I(X;Y) for any continuous (X, Y) when X or Y is one-dimensional (then D(Y') = 0 and
      D(X',Y') ≥ D(X'), a marginal of a KL divergence being at most the joint one); the result
      is then labelled ``"lower"``;
    * otherwise neither a lower nor an upper bound (labelled ``"proxy"``, with a note): within-X
      non-Gaussian dependence enters with the wrong sign. A further note appears where
      :func:`canonical_pair_check` finds the data contradicting the Gaussian copula on the top
      canonical pair (the value is then likely too high; ``copula-max`` sets it aside).

    The finite-sample value estimates that population quantity (it is not itself a guaranteed
    bound) and can be slightly negative at independence. Ranks only: exactly invariant to
    strictly increasing maps of any column; nonmonotone dependence (Y = X², a spiral) is
    missed.

    Parameters:
        bias_correction: subtract the Gaussian small-sample bias of the log-determinants.

    Assumptions: i.i.d. rows of continuous variables (ties are allowed but then the normal
    scores are those of average ranks); n > d_x + d_y + 1 varying columns.

    Complexity: O(n log n · d) for the ranks plus O(n d² + d³), d = d_x + d_y; O(n d) memory.

    Reference: R. A. A. Ince et al., "A statistical framework for neuroimaging data analysis
    based on mutual information estimated via a Gaussian copula", Human Brain Mapping 38,
    1541–1573 (2017).
    """

    name: ClassVar[str] = "gcmi"
    kind: ClassVar[str] = "proxy"
    accepts: ClassVar[str] = "continuous"
    summary: ClassVar[str] = (
        "Gaussian-copula MI (ranks → normal scores → Gaussian MI): exact for Gaussian copulas, "
        "a lower bound when x or y is 1-D"
    )

    def __init__(self, bias_correction: bool = True) -> None:
        self.bias_correction = check_bool(bias_correction, "bias_correction")

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, n = paired_samples(x, y, min_n=2)
        dims = dims_of(x, y)
        sx, sy = copula_normalise(x), copula_normalise(y)
        value, n = gaussian_copula_mi(sx, sy, self.bias_correction)
        lower = min(dims) == 1
        notes = [_LOWER_NOTE if lower else _PROXY_NOTE]
        if value < 0:
            notes.append(NEGATIVE_MI_NOTE)
        check = _checked_pair(sx, sy)[0] if not lower else None
        if check is not None and check.contradicted:
            notes.append(check.note())
        return self._make(
            value,
            n,
            dims,
            kind="lower" if lower else "proxy",
            notes=tuple(notes),
        )


def _checked_pair(
    sx: np.ndarray, sy: np.ndarray, ksg: KSG1 | None = None
) -> tuple[CanonicalPairCheck | None, str]:
    """``(check, why_not)``: :func:`canonical_pair_check` where it runs, else None and the
    reason ("" when there is nothing to check: a side with fewer than two varying columns)."""
    if min(_varying(sx).shape[1], _varying(sy).shape[1]) < 2:
        return None, ""
    if len(sx) < CHECK_MIN_ROWS:
        return None, f"the canonical-pair check needs {CHECK_MIN_ROWS} rows, got {len(sx)}"
    try:
        return canonical_pair_check(sx, sy, ksg), ""
    except ValueError as err:  # columns constant on a half, collinear scores
        return None, f"the canonical-pair check could not run ({err})"


#: Neighbour counts of the k → 0 extrapolation that ``copula-max`` uses by default.
EXTRAPOLATION_KS: tuple[int, ...] = (1, 2, 4, 8)
#: c in the bias model Î(k) = a + b·k^(c/d) (d = d_x + d_y) of the k → 0 extrapolation, chosen
#: on the tuning suites (``benchmarks/estimators.md``): the smallest c of 2, 3, 4, 5, 6, 8 whose
#: largest mean overestimate (of the maximum with gcmi) on any tuning task stayed within 0.05
#: nats at n = 500, 2000, 5000 and 20,000. c = 2, the leading order of the Kozachenko–Leonenko
#: bias of a smooth density, overshot by up to 0.36 nats at d = 10 (KSG's joint and marginal
#: biases partly cancel); c = 4 by 0.11 and c = 5 by 0.07 (a dense 10 + 10 Gaussian, n = 2000).
BIAS_EXPONENT = 6.0
#: Largest joint dimension d_x + d_y at which the extrapolation is used: the largest at which
#: the tuning suites checked it (19 task × n cells at d = 20; largest mean overestimate of the
#: extrapolated KSG part 0.035 nats, of the maximum with gcmi 0.048). Above it the tuning
#: suites held no task where the KSG part mattered, and a dense 25 + 25 / 50 + 50 Gaussian gave
#: 0.12 / 0.51 nats too much (``benchmarks/estimators.md``).
MAX_EXTRAPOLATION_DIM = 20
#: ``copula-critic-max`` (``method="auto"`` for float MI) adds its critic part from this joint
#: dimension d_x + d_y up: for two one-dimensional variables KSG on the normal scores is already
#: accurate (on the tuning suites the critic part changed nothing below 3).
CRITIC_MIN_DIM = 3
#: ... and from this many rows up (the critic trains on 45 % of them).
CRITIC_MIN_ROWS = 1000


def critic_part_skipped(joint_dim: int, n: int) -> str:
    """Why ``copula-critic-max``'s critic part does not apply to data of this size (``""``
    when it does): below ``CRITIC_MIN_DIM`` joint dimensions or ``CRITIC_MIN_ROWS`` rows. The
    one rule behind both ``method="auto"``'s choice and the estimator's own default."""
    if joint_dim < CRITIC_MIN_DIM:
        return f"joint dimension {joint_dim} < {CRITIC_MIN_DIM}"
    if n < CRITIC_MIN_ROWS:
        return f"n = {n} < {CRITIC_MIN_ROWS} rows"
    return ""


def about_part(part: str, note: str, aside: str = "") -> str:
    """``note`` marked as being about ``part`` of a combined estimate (a note already about a
    part of that part names both): ``"about the <part> part<aside>: <note>"``."""
    if note.startswith("about the "):
        return f"about {part}'s {note.removeprefix('about the ')}"
    return f"about the {part} part{aside}: {note}"


#: The neighbour count used without the extrapolation (KSG1's default): above
#: ``max_extrapolation_dim``, or with no more rows than the largest k of the series.
_PLAIN_K = 3
#: Largest ``bias_exponent`` accepted; beyond it k^(c/d) spans too many orders of magnitude.
_MAX_BIAS_EXPONENT = 100.0
#: The abscissae k^(c/d) must span at least this relative range (else the fit is ill-posed).
_MIN_ABSCISSA_SPAN = 1e-3
#: Notes of one KSG1 run that describe its own value; the extrapolated value gets its own.
_VALUE_NOTES = (NEGATIVE_MI_NOTE, HIGH_MI_NOTE_START)


def neighbour_counts(k: object, name: str = "k") -> tuple[int, ...]:
    """Check ``k``: one positive int, or a sequence (or 1-D array) of at least two distinct
    positive ints."""
    if isinstance(k, np.ndarray) and k.ndim == 1:
        k = k.tolist()
    if isinstance(k, Sequence) and not isinstance(k, (str, bytes)):
        ks = check_sequence_of_int(k, name)
        if len(ks) < 2 or len(set(ks)) != len(ks):
            raise ValueError(
                f"{name} as a sequence needs at least two distinct neighbour counts to "
                f"extrapolate from, got {list(k)}"
            )
        return tuple(sorted(ks))
    return (check_int(k, name, low=1),)


def extrapolate_to_k0(
    values: Sequence[float], ks: Sequence[int], dim: int, exponent: float = BIAS_EXPONENT
) -> tuple[float, float]:
    """``(a, b)``: the least-squares line ``Î(k) = a + b·k^(exponent/dim)`` through KSG values
    at the neighbour counts ``ks``; ``a`` is the estimate extrapolated to k → 0.

    The kNN bias grows with the neighbourhood size k/n as a power of it (order (k/n)^(2/d) for
    the Kozachenko–Leonenko entropy of a smooth density in d dimensions); a linear combination
    of estimates at several k that cancels that power removes the leading bias (the idea of the
    weighted estimators of Berrett, Samworth & Yuan, Ann. Statist. 47, 288–318, 2019). The
    weights ``a`` puts on the values sum to 1. O(len(ks)).

    Raises ValueError when the abscissae k^(exponent/dim) span less than a relative 1e-3 or
    more than 1e12 (the intercept is then ill-determined).
    """
    t = np.asarray(ks, dtype=np.float64) ** (exponent / dim)
    span = float(t.max() / t.min() - 1.0)
    if not _MIN_ABSCISSA_SPAN <= span <= 1e12:
        raise ValueError(
            f"the abscissae k^(c/d) of the extrapolation (c = {exponent:g}, d = {dim}, k = "
            f"{list(ks)}) span a relative range of {span:.3g}: the intercept is ill-determined; "
            f"use a bias_exponent c with c/d between about 0.001 and 10"
        )
    design = np.column_stack([np.ones_like(t), t])
    (a, b), *_ = np.linalg.lstsq(design, np.asarray(values, dtype=np.float64), rcond=None)
    return float(a), float(b)


@register
class CopulaKSG1(MIEstimator):
    r"""KSG algorithm 1 on the marginal normal scores (rank-Gaussianised kNN MI).

    Formula: every column becomes ``Φ⁻¹(r / (n + 1))`` (r its rank, ties sharing their average
    rank), then ``I = psi(k) + psi(n) − < psi(n_x + 1) + psi(n_y + 1) >`` with the counts of
    Kraskov et al. (2004), algorithm 1 (:class:`~infossl.estimators.knn.KSG1`, which breaks the
    remaining ties with its seeded jitter). With several neighbour counts ``k = (k_1, …)`` the
    KSG1 values at each are extrapolated to k → 0 along ``Î(k) = a + b·k^(c/d)``
    (``c = bias_exponent``, d = d_x + d_y; :func:`extrapolate_to_k0`) and ``a`` is returned.

    Assumptions: i.i.d. rows of continuous variables. I(X;Y) is invariant to strictly increasing
    maps of each coordinate, so this estimates the same quantity as KSG1 on the raw data; the
    normal scores make every marginal Gaussian, which removes the heavy tails and skew that bias
    the max-norm neighbourhoods. The value depends on the ranks only (exactly invariant to
    monotone maps of any column). KSG's downward bias at high MI and in high dimension remains;
    the extrapolation removes part of it where the bias follows the power law (measured: spirals
    and Student-t in 3 + 3 and 5 + 5), at up to ``len(k)`` times the cost. Its weights on the
    values sum to 1. At joint dimension 2–3 they are about 0.4, 0.4, 0.3, −0.1 on k = 1, 2, 4, 8
    (nearly an average over k: a lower variance); at d = 20, 1.6, 0.83, −0.13, −1.3 (Σ|w| = 3.9:
    a larger variance). On the tuning suites it changed the error by more than 0.01 nats mostly
    at d = 4–10; up to d = 20 it did no measured harm.

    Parameters: those of :class:`~infossl.estimators.knn.KSG1` (``standardize`` is not one:
    the normal scores are already on a common scale), except that ``k`` may be a sequence (or
    1-D array) of at least two distinct neighbour counts; ``bias_exponent`` (0 < c ≤ 100) and
    ``max_extrapolation_dim`` are used only then. Above that joint dimension, or with no more
    rows than the largest k, the value is KSG1's at k = 3 (whatever the series), with a note.

    Complexity: O(n log n · d) for the ranks, then KSG1's (KD-tree near O(n log n) up to joint
    dimension 8, exact brute force O(n² d) beyond): the KD-tree searches once per neighbour
    count, the brute force computes the distances once for all of them and counts per k
    (:meth:`~infossl.estimators.knn.KSG1.estimate_over_k`).

    Reference: Kraskov, Stögbauer & Grassberger, Phys. Rev. E 69, 066138 (2004); marginal
    normal scores as in Ince et al., Human Brain Mapping 38, 1541–1573 (2017); extrapolation
    over k after Berrett, Samworth & Yuan, Ann. Statist. 47, 288–318 (2019).
    """

    name: ClassVar[str] = "ksg1-copula"
    kind: ClassVar[str] = "point"
    accepts: ClassVar[str] = "continuous"
    resampling: ClassVar[str] = "subsample"
    summary: ClassVar[str] = "KSG algorithm 1 on the marginal normal scores (rank-invariant)"

    def __init__(
        self,
        k: int | Sequence[int] = 3,
        *,
        bias_exponent: float = BIAS_EXPONENT,
        max_extrapolation_dim: int = MAX_EXTRAPOLATION_DIM,
        metric: str = "chebyshev",
        jitter: float = 1e-10,
        seed: int | np.random.Generator | None = 0,
        algorithm: str = "auto",
        workers: int = -1,
        device: str | None = None,
    ) -> None:
        self._ks = neighbour_counts(k)
        self._ksg = KSG1(
            self._ks[0],
            metric=metric,
            jitter=jitter,
            seed=seed,
            algorithm=algorithm,
            workers=workers,
            device=device,
        )
        self._bias_exponent = check_float(
            bias_exponent, "bias_exponent", low=0.0, low_open=True, high=_MAX_BIAS_EXPONENT
        )
        self._max_dim = check_int(max_extrapolation_dim, "max_extrapolation_dim", low=1)
        self.k = k
        self.bias_exponent = bias_exponent
        self.max_extrapolation_dim = max_extrapolation_dim
        self.metric = metric
        self.jitter = jitter
        self.seed = seed
        self.algorithm = algorithm
        self.workers = workers
        self.device = device

    def _knn_part(self, sx: np.ndarray, sy: np.ndarray) -> tuple[Estimate, dict[str, Any]]:
        """KSG1 on the normal scores: the one estimate, or the extrapolation over k (its value,
        the values per k in the notes, and those values as ``ksg1_by_k`` in the second item)."""
        dim, n = sx.shape[1] + sy.shape[1], len(sx)
        if len(self._ks) == 1:
            return self._ksg.estimate(sx, sy), {}
        ks = list(self._ks)
        if dim > self._max_dim or n <= ks[-1]:
            why = (
                f"joint dimension {dim} > max_extrapolation_dim={self._max_dim} (validated up to "
                f"{MAX_EXTRAPOLATION_DIM} on the tuning suites)"
                if dim > self._max_dim
                else f"n = {n} rows are too few for k up to {ks[-1]}"
            )
            plain = self._ksg.estimate_over_k(sx, sy, (_PLAIN_K,))[0]
            return plain.with_notes(f"{why}: KSG1 at k = {_PLAIN_K}, not extrapolated over k"), {}
        results = self._ksg.estimate_over_k(sx, sy, ks)  # one neighbour pass for all k
        values = [r.value for r in results]
        value, slope = extrapolate_to_k0(values, ks, dim, self._bias_exponent)
        notes = [
            note
            for note in dict.fromkeys(note for r in results for note in r.notes)
            if not note.startswith(_VALUE_NOTES)
        ]
        listed = ", ".join(f"k = {k}: {v:.4g} nats" for k, v in zip(ks, values, strict=True))
        notes.append(
            f"KSG1 at {listed}; extrapolated to k → 0 along a + b·k^({self._bias_exponent:g}/"
            f"{dim}) (b = {slope:.3g} nats): {value:.4g} nats"
        )
        if any(note.startswith(_VALUE_NOTES[1]) for r in results for note in r.notes):
            notes.append(
                "the KSG values are large compared with their ceilings psi(n) - psi(k): KSG "
                "under-estimates high MI (it needs about exp(I) samples); the extrapolation "
                "over k removes only part of that"
            )
        if value < 0:
            notes.append(NEGATIVE_MI_NOTE)
        extrapolated = replace(results[0], value=value, ceiling=None, notes=tuple(notes))
        return extrapolated, {"ksg1_by_k": dict(zip(ks, values, strict=True))}

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, _ = paired_samples(x, y)
        knn, extra = self._knn_part(copula_normalise(x), copula_normalise(y))
        return self._make(
            knn.value,
            knn.n,
            knn.dims,
            ceiling=None if extra else knn.ceiling,
            notes=(*knn.notes, "computed on the marginal normal scores Φ⁻¹(rank / (n + 1))"),
            extra_params=extra or None,
        )


@register
class CopulaMax(CopulaKSG1):
    r"""The larger of the Gaussian-copula MI and KSG1 on the normal scores extrapolated to k → 0
    (two of the three parts of ``method="auto"``, ``copula-critic-max``).

    Formula: ``I = max(I_gcmi, I_ksg)`` with both computed on the same marginal normal scores
    ``Φ⁻¹(rank / (n + 1))``: :class:`GaussianCopulaMI` with its bias correction, and
    :class:`CopulaKSG1` at ``k = (1, 2, 4, 8)`` extrapolated to k → 0 up to joint dimension
    ``max_extrapolation_dim`` (20), KSG1 at k = 3 above it (one int ``k`` gives plain KSG1 at
    that k). Both values are reported in ``Estimate.params`` (``gcmi``, ``ksg1_copula``;
    ``ksg1_by_k``) and a note names the one used.

    Why the maximum: the two fail in opposite regimes and both fail downwards. The Gaussian-copula
    MI is exact for a Gaussian copula in any dimension and at any MI, and is a lower bound when
    x or y is one-dimensional, but misses dependence that is not monotone (mixtures, spirals,
    the tails of a Student-t). KSG1 captures any dependence in low dimension but is biased
    downwards at high MI (it needs about ``e^I`` samples) and in high dimension; the
    extrapolation over k removes part of that bias in low dimension (on the tuning suites, up to
    joint dimension 20, it overshot by at most 0.05 nats). Assumption: neither part exceeds
    I(X;Y). For the Gaussian-copula MI that is proved when x or y is one-dimensional (see
    :class:`GaussianCopulaMI`) and holds when each variable's own copula is Gaussian; it can
    fail for two multivariate variables with strongly non-Gaussian dependence inside one of
    them. There (n >= 500), before using it, :func:`canonical_pair_check` compares its
    model's MI of the top canonical pair of the scores with KSG1 on that pair, on held-out rows;
    if the data contradict the model (difference > 0.1 nats + 10 %, where KSG can measure the
    pair), the Gaussian part is replaced by the largest of: the Gaussian part with that pair
    at its KSG value (``used="gcmi-adjusted"``), KSG on the pair (an estimate of a lower bound
    on I(X;Y); ``"pair-ksg"``) and the KSG part -- never more than the Gaussian part -- with a
    note (``params``: ``pair_gaussian``, ``pair_ksg``, ``gcmi_adjusted``). When the Gaussian-copula
    MI cannot be computed (more dimensions than rows, collinear normal scores), the KSG value
    is returned with a note.

    Parameters: those of :class:`CopulaKSG1` (the KSG part); the Gaussian-copula part uses the
    bias correction.

    Complexity: that of :class:`CopulaKSG1` (four neighbour counts by default up to joint
    dimension 20, one above) plus O(n d² + d³) for the Gaussian part.

    Reference: Ince et al., Human Brain Mapping 38, 1541–1573 (2017); Kraskov, Stögbauer &
    Grassberger, Phys. Rev. E 69, 066138 (2004); Berrett, Samworth & Yuan, Ann. Statist. 47,
    288–318 (2019).
    """

    name: ClassVar[str] = "copula-max"
    kind: ClassVar[str] = "point"
    summary: ClassVar[str] = (
        "max(gcmi, ksg1-copula extrapolated to k → 0) on the marginal normal scores: the two "
        "fail downwards in opposite regimes"
    )

    def __init__(
        self,
        k: int | Sequence[int] = EXTRAPOLATION_KS,
        *,
        bias_exponent: float = BIAS_EXPONENT,
        max_extrapolation_dim: int = MAX_EXTRAPOLATION_DIM,
        metric: str = "chebyshev",
        jitter: float = 1e-10,
        seed: int | np.random.Generator | None = 0,
        algorithm: str = "auto",
        workers: int = -1,
        device: str | None = None,
    ) -> None:
        super().__init__(
            k,
            bias_exponent=bias_exponent,
            max_extrapolation_dim=max_extrapolation_dim,
            metric=metric,
            jitter=jitter,
            seed=seed,
            algorithm=algorithm,
            workers=workers,
            device=device,
        )

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, _ = paired_samples(x, y)
        sx, sy = copula_normalise(x), copula_normalise(y)
        knn, extra = self._knn_part(sx, sy)
        notes: list[str] = []
        try:
            gauss, _ = gaussian_copula_mi(sx, sy)
        except ValueError as err:
            gauss = float("nan")
            notes.append(f"gcmi not computed ({err}); the value is KSG1's on the normal scores")
        use_gauss = bool(gauss > knn.value)
        pair_ksg = KSG1(**{**self._ksg.get_params(), "k": _CHECK_K})  # the user's settings
        check, why_not = _checked_pair(sx, sy, pair_ksg) if use_gauss else (None, "")
        checked: dict[str, Any] = {}
        if why_not:
            notes.append(f"gcmi is used unchecked: {why_not}")
        if check is not None:
            checked = {
                "pair_gaussian": check.gaussian,
                "pair_ksg": check.ksg,
                "pair_testable": check.testable,
            }
            if not check.testable:
                notes.append(
                    f"gcmi is used unchecked: its top canonical pair ({check.gaussian:.4g} nats "
                    f"under a Gaussian copula) is beyond what KSG measures on {len(sx) // 2} rows"
                )
        if check is not None and check.contradicted:
            # the Gaussian part with its top pair valued by KSG instead of the Gaussian copula,
            # against the pair's own KSG value (a lower bound) and the KSG part; never above gcmi
            adjusted = gauss - check.excess
            parts = {"gcmi-adjusted": adjusted, "pair-ksg": check.ksg, "ksg1-copula": knn.value}
            used = max(parts, key=parts.__getitem__)
            value = min(parts[used], gauss)
            checked["gcmi_adjusted"] = adjusted
            notes.append(
                check.note() + f"; gcmi ({gauss:.4g} nats) is replaced by the largest of gcmi "
                f"with that pair at its KSG value ({adjusted:.4g} nats), KSG on the pair "
                f"({check.ksg:.4g} nats) and ksg1-copula ({knn.value:.4g} nats): used {used}"
            )
        else:
            value = gauss if use_gauss else knn.value
            used = "gcmi" if use_gauss else "ksg1-copula"
            notes.append(
                f"max of gcmi ({gauss:.4g} nats) and ksg1-copula ({knn.value:.4g} nats): used "
                f"{used}; assumes neither overestimates I(X;Y)"
            )
        knn_notes = list(knn.notes)
        if used != "ksg1-copula":  # they describe a value that is not the one returned
            knn_notes = [about_part("ksg1-copula", n, " (not returned)") for n in knn_notes]
        return self._make(
            value,
            knn.n,
            knn.dims,
            ceiling=None if used != "ksg1-copula" or extra else knn.ceiling,
            notes=tuple(knn_notes + notes),
            extra_params={
                "gcmi": gauss,
                "ksg1_copula": knn.value,
                "used": used,
                **checked,
                **extra,
            },
        )


__all__ = [
    "BIAS_EXPONENT",
    "CHECK_TOLERANCE_NATS",
    "CHECK_TOLERANCE_REL",
    "CRITIC_MIN_DIM",
    "CRITIC_MIN_ROWS",
    "EXTRAPOLATION_KS",
    "MAX_EXTRAPOLATION_DIM",
    "CanonicalPairCheck",
    "CopulaKSG1",
    "CopulaMax",
    "GaussianCopulaMI",
    "about_part",
    "canonical_directions",
    "canonical_pair_check",
    "copula_normalise",
    "critic_part_skipped",
    "extrapolate_to_k0",
    "gaussian_copula_mi",
    "neighbour_counts",
]

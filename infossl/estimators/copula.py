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

from typing import ClassVar

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri
from scipy.stats import rankdata

from infossl._checks import check_bool, dims_of
from infossl.estimate import Estimate
from infossl.estimators._base import MIEstimator, paired_samples, register
from infossl.estimators.gaussian import wishart_logdet_bias
from infossl.estimators.knn import KSG1

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
      non-Gaussian dependence enters with the wrong sign.

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
        value, n = gaussian_copula_mi(
            copula_normalise(x), copula_normalise(y), self.bias_correction
        )
        lower = min(dims) == 1
        notes = [_LOWER_NOTE if lower else _PROXY_NOTE]
        if value < 0:
            notes.append("negative estimate: consistent with independence (the true MI is >= 0)")
        return self._make(
            value,
            n,
            dims,
            kind="lower" if lower else "proxy",
            notes=tuple(notes),
        )


@register
class CopulaKSG1(MIEstimator):
    r"""KSG algorithm 1 on the marginal normal scores (rank-Gaussianised kNN MI).

    Formula: every column becomes ``Φ⁻¹(r / (n + 1))`` (r its rank, ties sharing their average
    rank), then ``I = psi(k) + psi(n) − < psi(n_x + 1) + psi(n_y + 1) >`` with the counts of
    Kraskov et al. (2004), algorithm 1 (:class:`~infossl.estimators.knn.KSG1`, which breaks the
    remaining ties with its seeded jitter).

    Assumptions: i.i.d. rows of continuous variables. I(X;Y) is invariant to strictly increasing
    maps of each coordinate, so this estimates the same quantity as KSG1 on the raw data; the
    normal scores make every marginal Gaussian, which removes the heavy tails and skew that
    bias the max-norm neighbourhoods. The value depends on the ranks only (exactly invariant to
    monotone maps of any column). KSG's downward bias at high MI and in high dimension remains.

    Parameters: those of :class:`~infossl.estimators.knn.KSG1` (``standardize`` is not one:
    the normal scores are already on a common scale).

    Complexity: O(n log n · d) for the ranks, then KSG1's (KD-tree near O(n log n) up to joint
    dimension 8, exact brute force O(n² d) beyond).

    Reference: Kraskov, Stögbauer & Grassberger, Phys. Rev. E 69, 066138 (2004); marginal
    normal scores as in Ince et al., Human Brain Mapping 38, 1541–1573 (2017).
    """

    name: ClassVar[str] = "ksg1-copula"
    kind: ClassVar[str] = "point"
    accepts: ClassVar[str] = "continuous"
    resampling: ClassVar[str] = "subsample"
    summary: ClassVar[str] = "KSG algorithm 1 on the marginal normal scores (rank-invariant)"

    def __init__(
        self,
        k: int = 3,
        *,
        metric: str = "chebyshev",
        jitter: float = 1e-10,
        seed: int | np.random.Generator | None = 0,
        algorithm: str = "auto",
        workers: int = -1,
        device: str | None = None,
    ) -> None:
        self._ksg = KSG1(
            k,
            metric=metric,
            jitter=jitter,
            seed=seed,
            algorithm=algorithm,
            workers=workers,
            device=device,
        )
        self.k = k
        self.metric = metric
        self.jitter = jitter
        self.seed = seed
        self.algorithm = algorithm
        self.workers = workers
        self.device = device

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, _ = paired_samples(x, y)
        result = self._ksg.estimate(copula_normalise(x), copula_normalise(y))
        return self._make(
            result.value,
            result.n,
            result.dims,
            ceiling=result.ceiling,
            notes=(*result.notes, "computed on the marginal normal scores Φ⁻¹(rank / (n + 1))"),
        )


@register
class CopulaMax(CopulaKSG1):
    r"""The larger of the Gaussian-copula MI and KSG1 on the normal scores (``method="auto"``).

    Formula: ``I = max(I_gcmi, I_ksg1-copula)`` with both computed on the same marginal normal
    scores ``Φ⁻¹(rank / (n + 1))`` (:class:`GaussianCopulaMI` with its bias correction,
    :class:`CopulaKSG1`). Both values are reported in ``Estimate.params`` (``gcmi``,
    ``ksg1_copula``) and a note names the one used.

    Why the maximum: the two fail in opposite regimes and both fail downwards. The Gaussian-copula
    MI is exact for a Gaussian copula in any dimension and at any MI, and is a lower bound when
    x or y is one-dimensional, but misses dependence that is not monotone (mixtures, spirals,
    the tails of a Student-t). KSG1 captures any dependence in low dimension but is biased
    downwards at high MI (it needs about ``e^I`` samples) and in high dimension. Assumption: the
    Gaussian-copula MI does not exceed I(X;Y). That is proved when x or y is one-dimensional
    (see :class:`GaussianCopulaMI`) and holds when each variable's own copula is Gaussian; it
    can fail for two multivariate variables with strongly non-Gaussian dependence inside one of
    them, where the result may overestimate. When the Gaussian-copula MI cannot be computed
    (more dimensions than rows, collinear normal scores), the KSG1 value is returned with a
    note.

    Parameters: those of :class:`CopulaKSG1` (the KSG1 part); the Gaussian-copula part uses the
    bias correction.

    Complexity: that of :class:`CopulaKSG1` plus O(n d² + d³) for the Gaussian part.

    Reference: Ince et al., Human Brain Mapping 38, 1541–1573 (2017); Kraskov, Stögbauer &
    Grassberger, Phys. Rev. E 69, 066138 (2004).
    """

    name: ClassVar[str] = "copula-max"
    kind: ClassVar[str] = "point"
    summary: ClassVar[str] = (
        "max(gcmi, ksg1-copula) on the marginal normal scores: the two fail downwards in "
        "opposite regimes"
    )

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, _ = paired_samples(x, y)
        sx, sy = copula_normalise(x), copula_normalise(y)
        knn = self._ksg.estimate(sx, sy)
        notes = list(knn.notes)
        try:
            gauss, _ = gaussian_copula_mi(sx, sy)
        except ValueError as err:
            gauss = float("nan")
            notes.append(f"gcmi not computed ({err}); the value is KSG1's on the normal scores")
        use_gauss = bool(gauss > knn.value)
        value = gauss if use_gauss else knn.value
        used = "gcmi" if use_gauss else "ksg1-copula"
        notes.append(
            f"max of gcmi ({gauss:.4g}) and ksg1-copula ({knn.value:.4g}) nats: used {used}; "
            "assumes neither overestimates I(X;Y)"
        )
        return self._make(
            value,
            knn.n,
            knn.dims,
            ceiling=None if use_gauss else knn.ceiling,
            notes=tuple(notes),
            extra_params={"gcmi": gauss, "ksg1_copula": knn.value, "used": used},
        )


__all__ = [
    "CopulaKSG1",
    "CopulaMax",
    "GaussianCopulaMI",
    "copula_normalise",
    "gaussian_copula_mi",
]

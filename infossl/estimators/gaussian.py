"""Second-order (Gaussian / log-determinant) estimators of entropy, MI and conditional MI.

All of them see the data only through its sample covariance, so they are fast in any dimension
(O(n d² + d³)) and exact for jointly Gaussian data. For other data they measure *linear*
dependence: the Gaussian MI is then neither an upper nor a lower bound on the true MI (X = Y
uniform on {±1} gives I_G = ∞ while I = ln 2; Y = X² with symmetric X gives I_G = 0 while I > 0),
and the Gaussian entropy is an upper bound on the true differential entropy (at equal covariance
the Gaussian has maximal entropy). Use ``assume_gaussian=False`` to have the result labelled
accordingly (kind ``"proxy"`` for MI/CMI, ``"upper"`` for entropy).

References: Cover & Thomas, *Elements of Information Theory*, §8.4–8.5 and §9; canonical
correlations: Hotelling (1936); small-sample bias of log det: Ahmed & Gokhale (1989); shrinkage:
Ledoit & Wolf (2004); LDMI: Erdogan (ICASSP 2022), Ozsoy et al. (NeurIPS 2022, CorInfoMax).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from scipy.special import digamma

from infossl._checks import (
    as_samples,
    check_bool,
    check_choice,
    check_float,
    check_not_constant,
    check_same_length,
    dims_of,
)
from infossl.estimate import Estimate
from infossl.estimators._base import (
    CMIEstimator,
    EntropyEstimator,
    MIEstimator,
    paired_samples,
    register,
)

#: Eigenvalue ratio below which a correlation matrix is treated as singular.
_SINGULAR_RTOL = 1e-10
#: How many canonical correlations are stored in ``Estimate.params`` (largest first).
_MAX_REPORTED_CCA = 16
_GAUSSIAN_NOTE = (
    "Gaussian formula: exact for jointly Gaussian data; otherwise it measures linear dependence "
    "only and is not a bound on the mutual information"
)


# ------------------------------------------------------------------------------ helpers
def _check_shrinkage(shrinkage: object) -> float | str:
    if isinstance(shrinkage, str):
        return check_choice(shrinkage, "shrinkage", ["ledoit-wolf"])
    return check_float(shrinkage, "shrinkage", low=0.0, high=1.0)


def _check_bias_correction(bias_correction: object, shrinkage: float | str) -> bool:
    checked = check_bool(bias_correction, "bias_correction")
    if checked and shrinkage != 0.0:
        raise ValueError(
            "bias_correction=True assumes the plain sample covariance; it cannot be combined with "
            f"shrinkage={shrinkage!r} (set shrinkage=0.0 or bias_correction=False)"
        )
    return checked


def _standardise(a: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale every column to unit sample variance (ddof=1); return (z, std)."""
    check_not_constant(a, name)
    centred = a - a.mean(axis=0)
    std = np.sqrt((centred**2).sum(axis=0) / (len(a) - 1))
    return centred / std, std


def ledoit_wolf_shrinkage(z: np.ndarray) -> float:
    """Ledoit–Wolf (2004) optimal shrinkage of the correlation matrix of standardised ``z`` to I.

    With S = zᵀz/n, δ² = ‖S − I‖²_F and β̄² = (Σ_k ‖z_k‖⁴ − n‖S‖²_F)/n², the weight on the
    identity is min(β̄², δ²)/δ². O(n d²).
    """
    n, d = z.shape
    s = z.T @ z / n
    delta2 = float(((s - np.eye(d)) ** 2).sum())
    if delta2 <= 0.0:
        return 0.0
    beta2 = float(((z**2).sum(axis=1) ** 2).sum() - n * (s**2).sum()) / n**2
    return float(min(max(beta2, 0.0), delta2) / delta2)


def _shrunk_correlation(z: np.ndarray, shrinkage: float | str) -> tuple[np.ndarray, float]:
    """(1 − λ)·R + λ·I for the sample correlation R of standardised ``z``; returns (matrix, λ)."""
    lam = ledoit_wolf_shrinkage(z) if shrinkage == "ledoit-wolf" else float(shrinkage)
    corr = z.T @ z / (len(z) - 1)
    corr = (1.0 - lam) * corr + lam * np.eye(z.shape[1])
    return corr, lam


def _logdet(mat: np.ndarray, what: str) -> float:
    """log det of a symmetric positive-definite matrix; ValueError if it is (nearly) singular."""
    eig = np.linalg.eigvalsh(mat)
    if eig[0] <= _SINGULAR_RTOL * max(eig[-1], 1e-300):
        raise ValueError(
            f"the covariance of {what} is singular (collinear or duplicated columns, or too few "
            "samples); pass shrinkage > 0 or shrinkage='ledoit-wolf', or drop redundant columns"
        )
    return float(np.log(eig).sum())


def _check_enough_samples(n: int, d: int, shrinkage: float | str, what: str) -> None:
    if n < 2:
        raise ValueError(f"{what} has {n} sample(s); a covariance needs at least 2")
    if shrinkage == 0.0 and n <= d:
        raise ValueError(
            f"gaussian needs more samples than dimensions: {what} has n={n} <= d={d}, so its "
            "sample covariance is singular; pass shrinkage in (0, 1] or shrinkage='ledoit-wolf'"
        )


def wishart_logdet_bias(d: int, n: int) -> float:
    """E[ln det S] − ln det Σ for the unbiased sample covariance S of n Gaussian samples in d dims.

    (n − 1)·S ~ Wishart_d(Σ, n − 1), so the bias is d·ln(2/(n − 1)) + Σ_{i=1..d} ψ((n − i)/2)
    (negative: the plug-in log det is too small). Needs n > d.
    """
    if d == 0:
        return 0.0
    i = np.arange(1, d + 1)
    return float(d * math.log(2.0 / (n - 1)) + digamma((n - i) / 2.0).sum())


def canonical_correlations(x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
    """Canonical correlations ρ₁ ≥ ρ₂ ≥ … of x (n, d_x) and y (n, d_y), min(d_x, d_y) values.

    Singular values of R_xx^{-1/2} R_xy R_yy^{-1/2}; for jointly Gaussian data
    I(X;Y) = −½ Σ ln(1 − ρᵢ²). O(n (d_x + d_y)² + (d_x + d_y)³). Needs n > d_x + d_y.
    """
    x, y, n = paired_samples(x, y, min_n=2)
    _check_enough_samples(n, x.shape[1] + y.shape[1], 0.0, "(x, y)")
    zx, _ = _standardise(x, "x")
    zy, _ = _standardise(y, "y")
    corr, _ = _shrunk_correlation(np.hstack([zx, zy]), 0.0)
    _logdet(corr, "(x, y)")  # raises on singular matrices
    return _cca_from_correlation(corr, x.shape[1])


def _cca_from_correlation(corr: np.ndarray, dx: int) -> np.ndarray:
    lx = np.linalg.cholesky(corr[:dx, :dx])
    ly = np.linalg.cholesky(corr[dx:, dx:])
    whitened = np.linalg.solve(lx, np.linalg.solve(ly, corr[dx:, :dx]).T)
    return np.clip(np.linalg.svd(whitened, compute_uv=False), 0.0, 1.0)


# ------------------------------------------------------------------------------ estimators
class _GaussianParams:
    """The hyper-parameters shared by the Gaussian entropy, MI and CMI estimators."""

    def __init__(
        self,
        shrinkage: float | str = 0.0,
        bias_correction: bool = False,
        assume_gaussian: bool = True,
    ) -> None:
        self.shrinkage = _check_shrinkage(shrinkage)
        self.bias_correction = _check_bias_correction(bias_correction, self.shrinkage)
        self.assume_gaussian = check_bool(assume_gaussian, "assume_gaussian")


@register
class GaussianEntropy(_GaussianParams, EntropyEstimator):
    """Gaussian (log-determinant) entropy: H = ½ ln det(2πe Σ̂).

    Formula: H = ½ [d ln(2πe) + ln det Σ̂] with Σ̂ the unbiased sample covariance
    (optionally shrunk towards its diagonal: correlation R → (1 − λ)R + λI).
    ``bias_correction=True`` subtracts the exact Gaussian small-sample bias of ln det Σ̂
    (:func:`wishart_logdet_bias`), making the estimate unbiased for Gaussian data.

    Assumptions: exact for Gaussian X. For any other X with the same covariance it is an upper
    bound on h(X) (maximum entropy); ``assume_gaussian=False`` labels the result ``"upper"``.
    Needs n > d unless shrinkage > 0. Constant columns raise (h = −∞).

    Complexity: O(n d² + d³) time, O(d²) memory.
    Reference: Cover & Thomas (2006) Thm 8.4.1 and 8.6.5; Ahmed & Gokhale (1989).
    """

    name: ClassVar[str] = "gaussian"
    kind: ClassVar[str] = "point"
    accepts: ClassVar[str] = "continuous"
    summary: ClassVar[str] = "½ ln det(2πe Σ): exact for Gaussian data, an upper bound otherwise"

    def estimate(self, x: npt.ArrayLike) -> Estimate:
        x = as_samples(x, "x", min_n=2)
        n, d = x.shape
        _check_enough_samples(n, d, self.shrinkage, "x")
        z, std = _standardise(x, "x")
        corr, lam = _shrunk_correlation(z, self.shrinkage)
        logdet = 2.0 * float(np.log(std).sum()) + _logdet(corr, "x")
        if self.bias_correction:
            logdet -= wishart_logdet_bias(d, n)
        value = 0.5 * (d * math.log(2.0 * math.pi * math.e) + logdet)
        notes = (
            ()
            if self.assume_gaussian
            else (
                "Gaussian entropy at the sample covariance: "
                "an upper bound on h(X) for non-Gaussian X",
            )
        )
        return self._make(
            value,
            n,
            (d,),
            kind="point" if self.assume_gaussian else "upper",
            notes=notes,
            extra_params={"shrinkage_used": lam},
        )


@register
class GaussianMI(_GaussianParams, MIEstimator):
    """Gaussian MI from log-determinants: I = ½ [ln det Σ_x + ln det Σ_y − ln det Σ].

    Equivalently I = −½ Σᵢ ln(1 − ρᵢ²) over the canonical correlations ρᵢ, which are reported in
    ``Estimate.params["canonical_correlations"]`` (the largest 16). Computed on correlation
    matrices (MI is scale invariant), optionally shrunk: R → (1 − λ)R + λI, with λ fixed or
    Ledoit–Wolf. ``bias_correction=True`` removes the exact Gaussian small-sample bias of the
    three log-dets (unbiased for Gaussian data).

    Assumptions: exact for jointly Gaussian (X, Y). Otherwise it measures linear dependence only and
    is neither a lower nor an upper bound on I(X;Y); ``assume_gaussian=False`` labels the result
    ``"proxy"``. Needs n > d_x + d_y unless shrinkage > 0.

    Complexity: O(n (d_x + d_y)² + (d_x + d_y)³) time, O((d_x + d_y)²) memory.
    Reference: Cover & Thomas (2006) §8.5; Hotelling (1936); Ledoit & Wolf (2004).
    """

    name: ClassVar[str] = "gaussian"
    kind: ClassVar[str] = "point"
    accepts: ClassVar[str] = "continuous"
    summary: ClassVar[str] = "½ log-det ratio / canonical correlations: exact for Gaussian data"
    tail_sensitivity: ClassVar[str] = (
        "reads the data through sample correlations, which the extreme rows set (a shared "
        "heavy-tailed scale makes every coordinate look correlated)"
    )

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, n = paired_samples(x, y, min_n=2)
        dx, dy = dims_of(x, y)
        _check_enough_samples(n, dx + dy, self.shrinkage, "(x, y)")
        z = np.hstack([_standardise(x, "x")[0], _standardise(y, "y")[0]])
        corr, lam = _shrunk_correlation(z, self.shrinkage)
        ld_xy = _logdet(corr, "(x, y)")
        ld_x = _logdet(corr[:dx, :dx], "x")
        ld_y = _logdet(corr[dx:, dx:], "y")
        value = 0.5 * (ld_x + ld_y - ld_xy)
        if self.bias_correction:
            value -= 0.5 * (
                wishart_logdet_bias(dx, n)
                + wishart_logdet_bias(dy, n)
                - wishart_logdet_bias(dx + dy, n)
            )
        rho = _cca_from_correlation(corr, dx)
        notes = [_GAUSSIAN_NOTE]
        if len(rho) > _MAX_REPORTED_CCA:
            notes.append(
                f"params list the largest {_MAX_REPORTED_CCA} of {len(rho)} canonical correlations"
            )
        if n < 10 * (dx + dy) and not self.bias_correction:
            notes.append(
                "fewer than 10 samples per dimension: the plug-in Gaussian MI is biased "
                "upwards (consider bias_correction=True or shrinkage)"
            )
        return self._make(
            value,
            n,
            (dx, dy),
            kind="point" if self.assume_gaussian else "proxy",
            notes=tuple(notes),
            extra_params={
                "shrinkage_used": lam,
                "canonical_correlations": tuple(float(r) for r in rho[:_MAX_REPORTED_CCA]),
            },
        )


@register
class GaussianCMI(_GaussianParams, CMIEstimator):
    """Gaussian conditional MI: I(X;Y|Z) = ½ [ld Σ_xz + ld Σ_yz − ld Σ_z − ld Σ_xyz], ld = ln det.

    Exact for jointly Gaussian (X, Y, Z), where it equals the MI of the linear-regression residuals
    of X and Y on Z; otherwise a measure of partial linear dependence (``assume_gaussian=False``
    labels it ``"proxy"``). Shrinkage and bias correction as in :class:`GaussianMI`.
    Needs n > d_x + d_y + d_z unless shrinkage > 0.

    Complexity: O(n d² + d³) with d = d_x + d_y + d_z.
    Reference: Cover & Thomas (2006) §8.5; Barnett, Barrett & Seth (2009) for the Gaussian CMI.
    """

    name: ClassVar[str] = "gaussian"
    kind: ClassVar[str] = "point"
    accepts: ClassVar[str] = "continuous"
    summary: ClassVar[str] = "Gaussian (partial-correlation) conditional MI"

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike, z: npt.ArrayLike) -> Estimate:
        x = as_samples(x, "x", min_n=2)
        y = as_samples(y, "y", min_n=2)
        z = as_samples(z, "z", min_n=2)
        n = check_same_length(x=x, y=y, z=z)
        dx, dy, dz = dims_of(x, y, z)
        _check_enough_samples(n, dx + dy + dz, self.shrinkage, "(x, y, z)")
        z_all = np.hstack([_standardise(a, name)[0] for name, a in (("x", x), ("y", y), ("z", z))])
        corr, lam = _shrunk_correlation(z_all, self.shrinkage)
        ix, iy, iz = np.arange(dx), dx + np.arange(dy), dx + dy + np.arange(dz)
        groups = {
            "xz": (np.concatenate([ix, iz]), "(x, z)"),
            "yz": (np.concatenate([iy, iz]), "(y, z)"),
            "z": (iz, "z"),
            "xyz": (np.concatenate([ix, iy, iz]), "(x, y, z)"),
        }
        ld = {key: _logdet(corr[np.ix_(idx, idx)], what) for key, (idx, what) in groups.items()}
        value = 0.5 * (ld["xz"] + ld["yz"] - ld["z"] - ld["xyz"])
        if self.bias_correction:
            b = {key: wishart_logdet_bias(len(idx), n) for key, (idx, _) in groups.items()}
            value -= 0.5 * (b["xz"] + b["yz"] - b["z"] - b["xyz"])
        return self._make(
            value,
            n,
            (dx, dy, dz),
            kind="point" if self.assume_gaussian else "proxy",
            notes=(_GAUSSIAN_NOTE,),
            extra_params={"shrinkage_used": lam},
        )


@register
class LogDetMI(MIEstimator):
    """Log-determinant MI (LDMI) with its ε regulariser (Erdogan 2022; Ozsoy et al. 2022).

    Formula (direction ``"x|y"``): I_ε(X;Y) = ½ ln det(Σ_x + εI) − ½ ln det(Σ_{x|y} + εI), where
    Σ_{x|y} = Σ_x − Σ_xy (Σ_y + εI)⁻¹ Σ_yx is the error covariance of the linear MMSE estimate
    of X from Y. ``"y|x"`` swaps the roles; ``"mean"`` (default) averages both directions so the
    result is symmetric. At ε → 0 all three equal the Gaussian MI.

    Assumptions: a second-order (linear-dependence) measure, kind ``"proxy"``. ε is relative
    to each variable's scale: the ε added to Σ_x is ``eps · 4^u`` with ``4^u ≤ tr(Σ_x)/d_x <
    4^(u+1)`` (likewise for y), so it is ``eps`` itself for variances in [1, 4) and the value
    does not change when a variable is rescaled by a power of two (nor by much otherwise: ε
    moves by a factor ≤ 4). For n ≤ d the value is governed by ε (it stays finite).
    Covariances are unbiased sample covariances (ddof = 1).

    Complexity: O(n d² + d³) with d = d_x + d_y.
    Reference: Erdogan, ICASSP 2022 (LD-MI); Ozsoy, Hamdan, Arik, Yuret & Erdogan, NeurIPS 2022
    (CorInfoMax).
    """

    name: ClassVar[str] = "ldmi"
    kind: ClassVar[str] = "proxy"
    accepts: ClassVar[str] = "continuous"
    summary: ClassVar[str] = "log-det MI with ε regulariser (CorInfoMax): linear dependence only"
    tail_sensitivity: ClassVar[str] = GaussianMI.tail_sensitivity

    def __init__(self, eps: float = 1e-6, direction: str = "mean") -> None:
        self.eps = check_float(eps, "eps", low=0.0, low_open=True)
        self.direction = check_choice(direction, "direction", ["mean", "x|y", "y|x"])

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, n = paired_samples(x, y, min_n=2)
        dx, dy = dims_of(x, y)
        xy = np.hstack([x, y])
        xy = xy - xy.mean(axis=0)
        cov = xy.T @ xy / (n - 1)
        sxx, syy, sxy = cov[:dx, :dx], cov[dx:, dx:], cov[:dx, dx:]
        eps_x, eps_y = self._relative_eps(sxx), self._relative_eps(syy)
        directions = {
            "x|y": (sxx, syy, sxy, eps_x, eps_y),
            "y|x": (syy, sxx, sxy.T, eps_y, eps_x),
        }
        chosen = ["x|y", "y|x"] if self.direction == "mean" else [self.direction]
        values = [self._directional(*directions[key]) for key in chosen]
        return self._make(
            float(np.mean(values)),
            n,
            (dx, dy),
            quantity="I_LD(X;Y)",
            notes=(
                "log-det MI: measures linear dependence only; eps is relative to each "
                "variable's variance (rounded to a power of four)",
            ),
        )

    def _relative_eps(self, cov: np.ndarray) -> float:
        """ε in the units of a variable: ``eps · 4^u``, ``4^u ≤ v̄ < 4^(u+1)``, v̄ its mean variance.

        A power of four, so the regulariser follows any rescaling of the variable (exactly for
        powers of two, within a factor 4 otherwise) and equals ``eps`` for variances in [1, 4).
        """
        mean_var = float(np.trace(cov)) / len(cov)
        if not mean_var > 0.0:
            return self.eps
        return math.ldexp(self.eps, 2 * math.floor(0.5 * math.log2(mean_var)))

    def _directional(
        self, saa: np.ndarray, sbb: np.ndarray, sab: np.ndarray, eps_a: float, eps_b: float
    ) -> float:
        eye_a = np.eye(len(saa))
        reg_b = sbb + eps_b * np.eye(len(sbb))
        err = saa - sab @ np.linalg.solve(reg_b, sab.T)
        err = 0.5 * (err + err.T)
        sign_a, ld_a = np.linalg.slogdet(saa + eps_a * eye_a)
        sign_e, ld_e = np.linalg.slogdet(err + eps_a * eye_a)
        if sign_a <= 0 or sign_e <= 0:
            raise ValueError(
                f"ldmi: a regularised covariance of x, y is not positive definite at "
                f"eps={self.eps}; increase eps"
            )
        return 0.5 * float(ld_a - ld_e)

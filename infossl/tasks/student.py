"""Multivariate Student-t tasks: heavy tails with a closed-form MI.

(X, Y) ~ t_ν(μ, Ω) is sampled as μ + Z / √(W/ν) with Z ~ N(0, Ω) and W ~ χ²_ν shared by X
and Y, so X and Y are dependent even when Ω is block-diagonal.

Ground truth, computed from the entropies (Arellano-Valle, Contreras-Reyes & Genton 2013; the
final MI formula printed there is slightly wrong, so it is rebuilt from the entropies here, as
in the "Beyond Normal" benchmark of Czyż et al. 2023):

    I = I_Gauss(Ω) + h_ν(d_x) + h_ν(d_y) − h_ν(d_x + d_y),

with h_ν(k) = −lnΓ((ν+k)/2) + lnΓ(ν/2) + (k/2) ln(νπ) + ((ν+k)/2)[ψ((ν+k)/2) − ψ(ν/2)] the
entropy of the standard t_ν(0, I_k) and I_Gauss(Ω) the Gaussian MI of the dispersion matrix.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, gammaln

from infossl._checks import check_float, check_int
from infossl.tasks._base import Task
from infossl.tasks._linalg import (
    as_blocks,
    cholesky,
    gaussian_mi,
    log_det_from_cholesky,
    mahalanobis_sq,
    pairs_covariance,
)


def student_t_entropy(dim: int, df: float) -> float:
    """Differential entropy (nats) of the standard multivariate t_ν(0, I_dim).

    h = −lnΓ((ν+k)/2) + lnΓ(ν/2) + (k/2) ln(νπ) + ((ν+k)/2)[ψ((ν+k)/2) − ψ(ν/2)].
    For ν = 1, k = 1 (Cauchy) this is ln 4π.
    """
    k = check_int(dim, "dim", low=1)
    nu = check_float(df, "df", low=0.0, low_open=True)
    half = 0.5 * (nu + k)
    return float(
        -gammaln(half)
        + gammaln(0.5 * nu)
        + 0.5 * k * math.log(nu * math.pi)
        + half * (digamma(half) - digamma(0.5 * nu))
    )


def student_t_mi_correction(df: float, dim_x: int, dim_y: int) -> float:
    """c(ν, d_x, d_y) = h(d_x) + h(d_y) − h(d_x + d_y) ≥ 0: the MI added by the shared scale.

    Evaluated with the (k/2) ln(νπ) terms cancelled analytically (a = ν/2, b = d/2):
    c = lnΓ(a) − lnΓ(a+b_x) − lnΓ(a+b_y) + lnΓ(a+b_x+b_y) + Σ ± (a+b)[ψ(a+b) − ψ(a)].
    It does not depend on Ω and decays like d_x d_y / (2ν²); rounding leaves an absolute error
    of about 1e-16 · ν ln ν, so tiny negative results for huge ν are clipped to 0.
    """
    nu = check_float(df, "df", low=0.0, low_open=True)
    a = 0.5 * nu
    bx = 0.5 * check_int(dim_x, "dim_x", low=1)
    by = 0.5 * check_int(dim_y, "dim_y", low=1)
    psi_a = digamma(a)

    def term(b: float) -> float:
        value: float = (a + b) * (digamma(a + b) - psi_a)
        return value

    value = (
        gammaln(a)
        - gammaln(a + bx)
        - gammaln(a + by)
        + gammaln(a + bx + by)
        + term(bx)
        + term(by)
        - term(bx + by)
    )
    return float(max(value, 0.0))


def student_t_logpdf(z: np.ndarray, chol: np.ndarray, df: float) -> np.ndarray:
    """``ln t_ν(z; 0, Ω)`` per row of the centred samples ``z`` (Ω = L Lᵀ).

    ln t = lnΓ((ν+k)/2) − lnΓ(ν/2) − (k/2) ln(νπ) − ½ ln det Ω − ((ν+k)/2) ln(1 + m/ν),
    m the Mahalanobis distance.
    """
    k = z.shape[1]
    m = mahalanobis_sq(z, chol)
    out: np.ndarray = (
        gammaln(0.5 * (df + k))
        - gammaln(0.5 * df)
        - 0.5 * k * math.log(df * math.pi)
        - 0.5 * log_det_from_cholesky(chol)
        - 0.5 * (df + k) * np.log1p(m / df)
    )
    return out


class StudentTask(Task):
    """(X, Y) ~ multivariate Student-t with ν degrees of freedom and dispersion Ω (by blocks).

    Ground truth (exact): I_Gauss(Ω) + c(ν, d_x, d_y), see the module docstring.
    Cost O(n d²).
    """

    def __init__(
        self,
        disp_xx: npt.ArrayLike,
        disp_yy: npt.ArrayLike,
        disp_xy: npt.ArrayLike,
        df: float,
        *,
        task_id: str | None = None,
        name: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        disp_xx, disp_yy, disp_xy = as_blocks(disp_xx, disp_yy, disp_xy, "disp")
        dx, dy = disp_xx.shape[0], disp_yy.shape[0]
        self._df = check_float(df, "df", low=0.0, low_open=True)
        disp = np.block([[disp_xx, disp_xy], [disp_xy.T, disp_yy]])
        self._disp = disp
        self._chol = cholesky(disp, "dispersion (joint of X and Y)")
        self._chol_x = cholesky(disp_xx, "disp_xx")
        self._chol_y = cholesky(disp_yy, "disp_yy")
        self._mi = gaussian_mi(disp, dx) + student_t_mi_correction(self._df, dx, dy)
        full_params = {"df": self._df, "dispersion": disp}
        full_params.update(params or {})
        super().__init__(
            task_id or f"student-custom-{dx}-{dy}-{self._df:g}",
            name or f"Student-t {dx} × {dy} (dof={self._df:g})",
            dx,
            dy,
            params=full_params,
        )

    @property
    def df(self) -> float:
        return self._df

    def _mutual_information(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        z = rng.standard_normal((n, self._disp.shape[0])) @ self._chol.T
        w = rng.chisquare(self._df, size=(n, 1))
        t = z / np.sqrt(w / self._df)
        return t[:, : self.dim_x], t[:, self.dim_x :]

    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        joint = student_t_logpdf(np.hstack([x, y]), self._chol, self._df)
        out: np.ndarray = (
            joint
            - student_t_logpdf(x, self._chol_x, self._df)
            - student_t_logpdf(y, self._chol_y, self._df)
        )
        return out


def student_identity(dim_x: int, dim_y: int, df: int) -> StudentTask:
    """Dispersion I: all dependence comes from the shared scale.

    Id ``student-identity-{dx}-{dy}-{ν}``.
    """
    dim_x = check_int(dim_x, "dim_x", low=1)
    dim_y = check_int(dim_y, "dim_y", low=1)
    df = check_int(df, "df", low=1)
    return StudentTask(
        np.eye(dim_x),
        np.eye(dim_y),
        np.zeros((dim_x, dim_y)),
        df,
        task_id=f"student-identity-{dim_x}-{dim_y}-{df}",
        name=f"Student-t {dim_x} × {dim_y} (dof={df})",
    )


def student_sparse(
    dim_x: int, dim_y: int, df: int, n_pairs: int = 2, strength: float = 2.0
) -> StudentTask:
    """Student-t whose dispersion is the sparse Gaussian's correlation (ρ = λ²/(λ²+1)).

    I = −k/2 ln(1 − ρ²) + c(ν, d_x, d_y). Id ``student-sparse-{dx}-{dy}-{k}-{λ}-{ν}``.
    """
    dim_x = check_int(dim_x, "dim_x", low=1)
    dim_y = check_int(dim_y, "dim_y", low=1)
    df = check_int(df, "df", low=1)
    n_pairs = check_int(n_pairs, "n_pairs", low=0, high=min(dim_x, dim_y))
    strength = check_float(strength, "strength", low=0.0)
    rho = strength**2 / (strength**2 + 1.0)
    disp = pairs_covariance(dim_x, dim_y, n_pairs, rho)
    return StudentTask(
        disp[:dim_x, :dim_x],
        disp[dim_x:, dim_x:],
        disp[:dim_x, dim_x:],
        df,
        task_id=f"student-sparse-{dim_x}-{dim_y}-{n_pairs}-{float(strength)}-{df}",
        name=f"Student-t {dim_x} × {dim_y} ({n_pairs}-pair, dof={df})",
        params={"n_pairs": n_pairs, "strength": strength, "rho": rho},
    )

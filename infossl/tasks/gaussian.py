"""Jointly Gaussian tasks: I(X;Y) = ½ ln(det Σ_XX det Σ_YY / det Σ) exactly.

Constructors follow the "Beyond Normal" benchmark (Czyż et al., NeurIPS 2023): a bivariate
normal, the dense equicorrelated family (every off-diagonal entry of the joint correlation equal),
the sparse family (a few interacting pairs, the rest independent), and "pairs" tasks whose
correlation is solved for a target MI.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from infossl._checks import check_float, check_int
from infossl.tasks._base import Task
from infossl.tasks._linalg import (
    as_blocks,
    as_vector,
    cholesky,
    equicorrelation,
    gaussian_logpdf,
    gaussian_mi,
    pair_correlation_for_mi,
    pairs_covariance,
)


class GaussianTask(Task):
    """(X, Y) ~ N(μ, Σ) with Σ given by blocks ``[[Σ_XX, Σ_XY], [Σ_XYᵀ, Σ_YY]]``.

    Ground truth (exact): I = ½ [ln det Σ_XX + ln det Σ_YY − ln det Σ] = −½ Σᵢ ln(1 − ρᵢ²), ρᵢ
    the canonical correlations. Sampling and the log density ratio cost O(n d²) after one
    Cholesky factorisation (d = dim_x + dim_y).
    """

    def __init__(
        self,
        cov_xx: npt.ArrayLike,
        cov_yy: npt.ArrayLike,
        cov_xy: npt.ArrayLike,
        *,
        mean_x: npt.ArrayLike | None = None,
        mean_y: npt.ArrayLike | None = None,
        task_id: str | None = None,
        name: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        cov_xx, cov_yy, cov_xy = as_blocks(cov_xx, cov_yy, cov_xy, "cov")
        dx, dy = cov_xx.shape[0], cov_yy.shape[0]
        cov = np.block([[cov_xx, cov_xy], [cov_xy.T, cov_yy]])
        self._mean = np.concatenate(
            [
                np.zeros(dx) if mean_x is None else as_vector(mean_x, "mean_x", dx),
                np.zeros(dy) if mean_y is None else as_vector(mean_y, "mean_y", dy),
            ]
        )
        self._chol = cholesky(cov, "covariance (joint of X and Y)")
        self._chol_x = cholesky(cov_xx, "cov_xx")
        self._chol_y = cholesky(cov_yy, "cov_yy")
        self._cov = cov
        self._mi = gaussian_mi(cov, dx)
        super().__init__(
            task_id or f"multinormal-custom-{dx}-{dy}",
            name or f"Multinormal {dx} × {dy}",
            dx,
            dy,
            params=params if params is not None else {"covariance": cov},
        )

    @property
    def covariance(self) -> np.ndarray:
        """The joint covariance matrix (a copy)."""
        out: np.ndarray = self._cov.copy()
        return out

    @property
    def mean(self) -> np.ndarray:
        """The joint mean (a copy)."""
        out: np.ndarray = self._mean.copy()
        return out

    def _mutual_information(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        z = rng.standard_normal((n, self._cov.shape[0])) @ self._chol.T + self._mean
        return z[:, : self.dim_x], z[:, self.dim_x :]

    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        xc = x - self._mean[: self.dim_x]
        yc = y - self._mean[self.dim_x :]
        joint = gaussian_logpdf(np.hstack([xc, yc]), self._chol)
        out: np.ndarray = (
            joint - gaussian_logpdf(xc, self._chol_x) - gaussian_logpdf(yc, self._chol_y)
        )
        return out


def _num(value: float) -> str:
    """Numbers in ids as Python prints floats (``0.75``, ``2.0``), matching bmi's ids."""
    return str(float(value))


def gaussian_from_covariance(cov: npt.ArrayLike, dim_x: int, **kwargs: Any) -> GaussianTask:
    """A Gaussian task from a full joint covariance whose first ``dim_x`` coordinates are X."""
    cov = np.asarray(cov, dtype=np.float64)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"cov must be a square matrix, got shape {cov.shape}")
    dim_x = check_int(dim_x, "dim_x", low=1, high=cov.shape[0] - 1)
    return GaussianTask(cov[:dim_x, :dim_x], cov[dim_x:, dim_x:], cov[:dim_x, dim_x:], **kwargs)


def bivariate_normal(rho: float = 0.75) -> GaussianTask:
    """X, Y standard normal with correlation ρ: I = −½ ln(1 − ρ²). Id ``1v1-normal-{ρ}``."""
    rho = check_float(rho, "rho", low=-1.0, high=1.0, low_open=True, high_open=True)
    return GaussianTask(
        [[1.0]],
        [[1.0]],
        [[rho]],
        task_id=f"1v1-normal-{_num(rho)}",
        name="Bivariate normal 1 × 1",
        params={"rho": rho},
    )


def dense_normal(dim_x: int, dim_y: int, off_diag: float = 0.5) -> GaussianTask:
    """Equicorrelated: unit variances, every off-diagonal entry of the joint equal to ``off_diag``.

    For d_x = d_y = d: I = ½[−ln(1−ρ) + 2 ln(1+(d−1)ρ) − ln(1+(2d−1)ρ)]; for ρ = ½,
    I = ln(d+1) − ½ ln(2d+1). Id ``multinormal-dense-{dx}-{dy}-{ρ}``.
    """
    dim_x = check_int(dim_x, "dim_x", low=1)
    dim_y = check_int(dim_y, "dim_y", low=1)
    d = dim_x + dim_y
    off_diag = check_float(
        off_diag, "off_diag", low=-1.0 / (d - 1), high=1.0, low_open=True, high_open=True
    )
    return gaussian_from_covariance(
        equicorrelation(d, off_diag),
        dim_x,
        task_id=f"multinormal-dense-{dim_x}-{dim_y}-{_num(off_diag)}",
        name=f"Multinormal {dim_x} × {dim_y} (dense)",
        params={"off_diag": off_diag},
    )


def sparse_normal(
    dim_x: int, dim_y: int, n_pairs: int = 2, strength: float = 2.0, noise: float = 1.0
) -> GaussianTask:
    """The first ``n_pairs`` coordinates interact: corr(X_i, Y_i) = λ²/(λ² + ε²), the rest are
    independent (latent-variable model X_i = λ Z_i + ε E_i, Y_i = λ Z_i + ε E'_i).

    With λ = 2, ε = 1 (the benchmark's choice) ρ = 0.8 and I = −k/2 ln(1 − ρ²) = 1.0217 for
    k = 2, whatever the dimension. Id ``multinormal-sparse-{dx}-{dy}-{k}-{λ}``.
    """
    dim_x = check_int(dim_x, "dim_x", low=1)
    dim_y = check_int(dim_y, "dim_y", low=1)
    n_pairs = check_int(n_pairs, "n_pairs", low=0, high=min(dim_x, dim_y))
    strength = check_float(strength, "strength", low=0.0)
    noise = check_float(noise, "noise", low=0.0, low_open=True)
    rho = strength**2 / (strength**2 + noise**2)
    return gaussian_from_covariance(
        pairs_covariance(dim_x, dim_y, n_pairs, rho),
        dim_x,
        task_id=f"multinormal-sparse-{dim_x}-{dim_y}-{n_pairs}-{_num(strength)}",
        name=f"Multinormal {dim_x} × {dim_y} ({n_pairs}-pair)",
        params={"n_pairs": n_pairs, "strength": strength, "noise": noise, "rho": rho},
    )


def pairs_normal(dim_x: int, dim_y: int, n_pairs: int, mi: float) -> GaussianTask:
    """``n_pairs`` interacting pairs with the correlation solved for a target MI (nats).

    ρ = √(1 − e^{−2I/k}); the remaining coordinates are independent.
    Id ``multinormal-pairs-{dx}-{dy}-{k}-mi{I}``.
    """
    dim_x = check_int(dim_x, "dim_x", low=1)
    dim_y = check_int(dim_y, "dim_y", low=1)
    n_pairs = check_int(n_pairs, "n_pairs", low=1, high=min(dim_x, dim_y))
    # 2I/k <= 20 keeps 1 - ρ² = e^{-2I/k} >= 2e-9, so the stored ρ is accurate to ~1e-7 in MI
    mi = check_float(mi, "mi", low=0.0, high=10.0 * n_pairs)
    rho = pair_correlation_for_mi(mi, n_pairs)
    return gaussian_from_covariance(
        pairs_covariance(dim_x, dim_y, n_pairs, rho),
        dim_x,
        task_id=f"multinormal-pairs-{dim_x}-{dim_y}-{n_pairs}-mi{mi:g}",
        name=f"Multinormal {dim_x} × {dim_y} ({n_pairs} pairs, MI {mi:g})",
        params={"n_pairs": n_pairs, "target_mi": mi, "rho": rho},
    )


def dense_normal_mi(dim_x: int, dim_y: int, off_diag: float) -> float:
    """Closed form I for the dense equicorrelated family (any d_x, d_y).

    det of an m × m equicorrelation matrix is (1−ρ)^{m−1}(1+(m−1)ρ), so
    I = ½[ln det Σ_XX + ln det Σ_YY − ln det Σ] in terms of these three determinants.
    """

    def logdet(m: int) -> float:
        value: float = (m - 1) * np.log1p(-off_diag) + np.log1p((m - 1) * off_diag)
        return value

    return float(0.5 * (logdet(dim_x) + logdet(dim_y) - logdet(dim_x + dim_y)))


def dense_normal_for_mi(dim_x: int, dim_y: int, mi: float) -> GaussianTask:
    """The dense equicorrelated family with ρ solved (Brent's method) for a target MI.

    Id ``multinormal-dense-{dx}-{dy}-mi{I}``.
    """
    dim_x = check_int(dim_x, "dim_x", low=1)
    dim_y = check_int(dim_y, "dim_y", low=1)
    mi = check_float(mi, "mi", low=0.0, high=10.0)  # beyond, 1 − ρ nears the rounding error
    from scipy.optimize import brentq  # deferred: a heavy import used once

    rho = (
        0.0
        if mi == 0
        else brentq(lambda r: dense_normal_mi(dim_x, dim_y, r) - mi, 0.0, 1.0 - 1e-15, xtol=1e-15)
    )
    return gaussian_from_covariance(
        equicorrelation(dim_x + dim_y, rho),
        dim_x,
        task_id=f"multinormal-dense-{dim_x}-{dim_y}-mi{mi:g}",
        name=f"Multinormal {dim_x} × {dim_y} (dense, MI {mi:g})",
        params={"off_diag": rho, "target_mi": mi},
    )

"""Linear algebra shared by the Gaussian, Student-t and mixture tasks.

All densities are evaluated through a Cholesky factor ``Σ = L Lᵀ``: the Mahalanobis term is
``‖L⁻¹ z‖²`` (one triangular solve, O(n d²)) and ``ln det Σ = 2 Σᵢ ln Lᵢᵢ``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.linalg import solve_triangular

LOG_2PI = math.log(2.0 * math.pi)


def as_matrix(value: npt.ArrayLike, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A finite float array of exactly the given shape, or ``ValueError`` naming ``name``."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def as_blocks(
    xx: npt.ArrayLike, yy: npt.ArrayLike, xy: npt.ArrayLike, prefix: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The blocks ``(XX, YY, XY)`` of a joint (X, Y) matrix, checked against each other.

    A scalar block counts as 1 × 1; ``XX`` and ``YY`` must be square and ``XY`` of shape
    ``(dim XX, dim YY)``, each finite, or ``ValueError`` naming ``{prefix}_xx`` and so on.
    """
    xx = np.atleast_2d(np.asarray(xx, dtype=np.float64))
    yy = np.atleast_2d(np.asarray(yy, dtype=np.float64))
    dx, dy = xx.shape[0], yy.shape[0]
    return (
        as_matrix(xx, f"{prefix}_xx", (dx, dx)),
        as_matrix(yy, f"{prefix}_yy", (dy, dy)),
        as_matrix(np.atleast_2d(np.asarray(xy, dtype=np.float64)), f"{prefix}_xy", (dx, dy)),
    )


def as_vector(value: npt.ArrayLike, name: str, size: int) -> np.ndarray:
    """A finite float vector of the given length, or ``ValueError`` naming ``name``."""
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    if arr.shape != (size,):
        raise ValueError(f"{name} must have {size} entries, got {arr.size}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def cholesky(cov: np.ndarray, name: str) -> np.ndarray:
    """Lower Cholesky factor of a symmetric positive-definite matrix (``ValueError`` otherwise)."""
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12):
        raise ValueError(f"{name} must be symmetric")
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(f"{name} must be positive definite") from None


def log_det_from_cholesky(chol: np.ndarray) -> float:
    """``ln det Σ`` from its lower Cholesky factor."""
    return float(2.0 * np.sum(np.log(np.diag(chol))))


def mahalanobis_sq(z: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """``zᵢᵀ Σ⁻¹ zᵢ`` for every row of ``z`` (shape ``(n,)``).

    Uses the inverse of the d × d triangular factor once, then one matrix product (BLAS), which
    is several times faster than a triangular solve with n right-hand sides.
    """
    inv = solve_triangular(chol, np.eye(chol.shape[0]), lower=True, check_finite=False)
    sol = z @ inv.T
    out: np.ndarray = np.einsum("ij,ij->i", sol, sol)
    return out


def log_sum_exp(a: np.ndarray) -> np.ndarray:
    """ln Σₖ exp(a[k]) over the first axis, stable (max subtracted); -inf rows stay -inf."""
    top = np.max(a, axis=0)
    safe = np.where(np.isfinite(top), top, 0.0)
    out: np.ndarray = safe + np.log(np.sum(np.exp(a - safe), axis=0))
    return out


def gaussian_logpdf(z: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """``ln N(z; 0, Σ)`` for every row of the centred samples ``z``."""
    d = z.shape[1]
    out: np.ndarray = -0.5 * (d * LOG_2PI + log_det_from_cholesky(chol) + mahalanobis_sq(z, chol))
    return out


def gaussian_mi(cov: np.ndarray, dim_x: int) -> float:
    """I(X;Y) = ½ [ln det Σ_XX + ln det Σ_YY − ln det Σ] for jointly Gaussian (X, Y)."""
    _, ld_xx = np.linalg.slogdet(cov[:dim_x, :dim_x])
    _, ld_yy = np.linalg.slogdet(cov[dim_x:, dim_x:])
    _, ld = np.linalg.slogdet(cov)
    return float(max(0.5 * (ld_xx + ld_yy - ld), 0.0))


def pair_correlation_for_mi(mi: float, n_pairs: int) -> float:
    """ρ such that ``n_pairs`` independent pairs of correlation ρ carry ``mi`` nats.

    Inverts I = −(k/2) ln(1 − ρ²): ρ = √(1 − e^{−2I/k}) (Poole et al. 2019).
    """
    return float(math.sqrt(-math.expm1(-2.0 * mi / n_pairs)))


def pairs_covariance(dim_x: int, dim_y: int, n_pairs: int, rho: float) -> np.ndarray:
    """Unit-variance covariance where ``corr(X_i, Y_i) = ρ`` for ``i < n_pairs``, else 0."""
    cov = np.eye(dim_x + dim_y)
    idx = np.arange(n_pairs)
    cov[idx, dim_x + idx] = rho
    cov[dim_x + idx, idx] = rho
    return cov


def equicorrelation(d: int, rho: float) -> np.ndarray:
    """Unit-variance ``d × d`` covariance with every off-diagonal entry equal to ``rho``."""
    cov: np.ndarray = np.full((d, d), rho) + (1.0 - rho) * np.eye(d)
    return cov

"""Gaussian mixtures: flexible shapes whose MI has no closed form (Monte Carlo ground truth).

The joint is p(x, y) = Σₖ wₖ N((x, y); μₖ, Σₖ) and both marginals are mixtures of the matching
blocks, so the log density ratio is exact (three log-sum-exps) and the ground truth is its mean
over a large fixed-seed sample, stated with its standard error and cached (see
:mod:`infossl.tasks._cache`). This is the construction of the "bend and mix" mixture tasks of
Czyż et al. (*On the Properties and Estimation of Pointwise Mutual Information Profiles*, 2023).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import numpy.typing as npt

from infossl._checks import check_float, check_int
from infossl.tasks import _cache
from infossl.tasks._base import Task
from infossl.tasks._linalg import as_matrix, cholesky, gaussian_logpdf, log_sum_exp
from infossl.tasks._montecarlo import monte_carlo_mi
from infossl.tasks.gaussian import GaussianTask, sparse_normal
from infossl.tasks.geometric import Spiral
from infossl.tasks.transformed import TransformedTask

#: Samples and seed of the Monte Carlo ground truth.
MC_SAMPLES = 200_000
MC_SEED = 0


class GaussianMixtureTask(Task):
    """(X, Y) ~ Σₖ wₖ N(μₖ, Σₖ) on R^(d_x + d_y); the first ``dim_x`` coordinates are X.

    Ground truth: Monte Carlo mean of the log density ratio over ``mc_samples`` draws with
    ``mc_seed`` (``mi_stderr`` is its standard error). Sampling and the ratio cost O(n K d²).
    """

    ground_truth = "monte-carlo"

    def __init__(
        self,
        weights: npt.ArrayLike,
        means: npt.ArrayLike,
        covariances: npt.ArrayLike,
        dim_x: int,
        *,
        task_id: str | None = None,
        name: str | None = None,
        params: dict[str, Any] | None = None,
        mc_samples: int = MC_SAMPLES,
        mc_seed: int = MC_SEED,
    ) -> None:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        k = w.size
        if k == 0 or not np.isfinite(w).all() or np.any(w <= 0) or abs(w.sum() - 1.0) > 1e-9:
            raise ValueError("weights must be positive, finite and sum to 1")
        means = np.asarray(means, dtype=np.float64)
        if means.ndim != 2 or means.shape[0] != k:
            raise ValueError(f"means must have shape ({k}, d), got {means.shape}")
        d = means.shape[1]
        dim_x = check_int(dim_x, "dim_x", low=1, high=d - 1)
        means = as_matrix(means, "means", (k, d))
        covs = np.asarray(covariances, dtype=np.float64)
        if covs.shape != (k, d, d) or not np.isfinite(covs).all():
            raise ValueError(
                f"covariances must be finite with shape ({k}, {d}, {d}), got {covs.shape}"
            )
        self._log_w = np.log(w / w.sum())
        self._means = means
        self._covs = covs
        self._chol = [cholesky(c, f"covariances[{i}]") for i, c in enumerate(covs)]
        self._chol_x = [
            cholesky(c[:dim_x, :dim_x], f"covariances[{i}] (X block)") for i, c in enumerate(covs)
        ]
        self._chol_y = [
            cholesky(c[dim_x:, dim_x:], f"covariances[{i}] (Y block)") for i, c in enumerate(covs)
        ]
        self._mc_samples = check_int(mc_samples, "mc_samples", low=1000)
        self._mc_seed = check_int(mc_seed, "mc_seed", low=0)
        full_params = {"n_components": k, "mc_samples": self._mc_samples, "mc_seed": self._mc_seed}
        full_params.update(params or {})
        super().__init__(
            task_id or f"mixture-custom-{dim_x}-{d - dim_x}-{k}",
            name or f"Gaussian mixture {dim_x} × {d - dim_x} ({k} components)",
            dim_x,
            d - dim_x,
            params=full_params,
        )

    def fingerprint(self) -> str:
        """A hash of everything that defines the ground truth (the cache key)."""
        h = hashlib.sha256()
        for arr in (self._log_w, self._means, self._covs):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update(f"{self.dim_x}|{self._mc_samples}|{self._mc_seed}|v1".encode())
        return h.hexdigest()[:24]

    def _ground_truth(self) -> tuple[float, float]:
        key = f"{self.id}:{self.fingerprint()}"
        return _cache.cached(key, lambda: monte_carlo_mi(self, self._mc_samples, self._mc_seed))

    def _mutual_information(self) -> float:
        return self._ground_truth()[0]

    @property
    def mi_stderr(self) -> float | None:
        return self._ground_truth()[1]

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.choice(self._log_w.size, size=n, p=np.exp(self._log_w))
        z = rng.standard_normal((n, self._means.shape[1]))
        for k, chol in enumerate(self._chol):
            idx = labels == k
            z[idx] = z[idx] @ chol.T + self._means[k]
        return z[:, : self.dim_x], z[:, self.dim_x :]

    def _log_mixture(self, z: np.ndarray, sl: slice, chols: list[np.ndarray]) -> np.ndarray:
        logs = np.stack(
            [
                lw + gaussian_logpdf(z - mu[sl], chol)
                for lw, mu, chol in zip(self._log_w, self._means, chols, strict=True)
            ]
        )
        return log_sum_exp(logs)

    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        dx = self.dim_x
        joint = self._log_mixture(np.hstack([x, y]), slice(None), self._chol)
        out: np.ndarray = (
            joint
            - self._log_mixture(x, slice(0, dx), self._chol_x)
            - self._log_mixture(y, slice(dx, None), self._chol_y)
        )
        return out


def x_mixture(rho: float = 0.9, *, mc_samples: int = MC_SAMPLES) -> GaussianMixtureTask:
    """½ N(0, [[1, ρ], [ρ, 1]]) + ½ N(0, [[1, −ρ], [−ρ, 1]]): an "X" shape.

    Both marginals are N(0, 1) and the linear correlation is 0, yet I > 0 (so CCA reports 0).
    Id ``1v1-X-{ρ}``.
    """
    rho = check_float(rho, "rho", low=0.0, high=1.0, high_open=True)
    covs = np.array([[[1.0, rho], [rho, 1.0]], [[1.0, -rho], [-rho, 1.0]]])
    return GaussianMixtureTask(
        [0.5, 0.5],
        np.zeros((2, 2)),
        covs,
        1,
        task_id=f"1v1-X-{float(rho)}",
        name=f"X-shaped mixture 1 × 1 (ρ=±{rho:g})",
        params={"rho": rho},
        mc_samples=mc_samples,
    )


def with_inliers(
    base: GaussianTask,
    fraction: float,
    *,
    task_id: str | None = None,
    mc_samples: int = MC_SAMPLES,
) -> GaussianMixtureTask:
    """(1 − f) · base + f · (product of its marginals): a Gaussian contaminated by "inliers".

    The marginals are unchanged, so by convexity of KL divergence I ≤ (1 − f) · I(base).
    """
    if not isinstance(base, GaussianTask):
        raise TypeError(f"base must be a GaussianTask, got {type(base).__name__}")
    fraction = check_float(fraction, "fraction", low=0.0, high=1.0, low_open=True, high_open=True)
    cov = base.covariance
    dx = base.dim_x
    indep = cov.copy()
    indep[:dx, dx:] = 0.0
    indep[dx:, :dx] = 0.0
    mean = base.mean
    return GaussianMixtureTask(
        [1.0 - fraction, fraction],
        np.stack([mean, mean]),
        np.stack([cov, indep]),
        dx,
        task_id=task_id or f"{base.id}-w-inliers-{float(fraction)}",
        name=f"{base.name} with {fraction:g} inliers",
        params={"base": base.id, "fraction": fraction},
        mc_samples=mc_samples,
    )


def sparse_with_inliers(
    dim_x: int,
    dim_y: int,
    fraction: float,
    n_pairs: int = 2,
    strength: float = 2.0,
    *,
    mc_samples: int = MC_SAMPLES,
) -> GaussianMixtureTask:
    """The sparse Gaussian (ρ = λ²/(λ²+1)) with a fraction of inliers.

    Id ``mult-sparse-w-inliers-{dx}-{dy}-{k}-{λ}-{f}``.
    """
    base = sparse_normal(dim_x, dim_y, n_pairs, strength)
    fraction = check_float(fraction, "fraction", low=0.0, high=1.0, low_open=True, high_open=True)
    return with_inliers(
        base,
        fraction,
        task_id=f"mult-sparse-w-inliers-{dim_x}-{dim_y}-{n_pairs}-{float(strength)}-"
        f"{float(fraction)}",
        mc_samples=mc_samples,
    )


def concentric_gaussians(
    dim_x: int, n_components: int, y_std: float = 0.01, *, mc_samples: int = MC_SAMPLES
) -> GaussianMixtureTask:
    """Component i = 1..K (equal weights): X ~ N(0, i² I), Y ~ N(i, y_std²).

    Y nearly reveals the component, and X carries the component only through its scale, so
    I ≤ ln K. Id ``{dx}v1-concentric_gaussians-{K}``.
    """
    dim_x = check_int(dim_x, "dim_x", low=1)
    k = check_int(n_components, "n_components", low=2)
    y_std = check_float(y_std, "y_std", low=0.0, low_open=True)
    scales = np.arange(1, k + 1, dtype=np.float64)
    means = np.zeros((k, dim_x + 1))
    means[:, dim_x] = scales
    covs = np.zeros((k, dim_x + 1, dim_x + 1))
    covs[:, :dim_x, :dim_x] = scales[:, None, None] ** 2 * np.eye(dim_x)
    covs[:, dim_x, dim_x] = y_std**2
    return GaussianMixtureTask(
        np.full(k, 1.0 / k),
        means,
        covs,
        dim_x,
        task_id=f"{dim_x}v1-concentric_gaussians-{k}",
        name=f"Concentric Gaussians {dim_x} × 1 ({k} components)",
        params={"y_std": y_std},
        mc_samples=mc_samples,
    )


def galaxy(
    speed: float = 0.5, distance: float = 3.0, *, mc_samples: int = MC_SAMPLES
) -> TransformedTask:
    """Two unit balls in R³ centred at ±(distance/2)(1, 1, 1), equal weights; X = the first two
    coordinates, spiralled with the given speed (normalised by dim 2); Y = the third.

    Id ``2v1-galaxy-{speed}-{distance}``.
    """
    speed = check_float(speed, "speed")
    distance = check_float(distance, "distance", low=0.0)
    centre = 0.5 * distance * np.ones(3)
    base = GaussianMixtureTask(
        [0.5, 0.5],
        np.stack([centre, -centre]),
        np.stack([np.eye(3), np.eye(3)]),
        2,
        task_id=f"2v1-balls-{float(distance)}",
        name="Two balls 2 × 1",
        params={"distance": distance},
        mc_samples=mc_samples,
    )
    return TransformedTask(
        base,
        Spiral(2, speed=speed),
        None,
        task_id=f"2v1-galaxy-{float(speed)}-{float(distance)}",
        name="Galaxy 2 × 1",
    )


__all__ = [
    "MC_SAMPLES",
    "MC_SEED",
    "GaussianMixtureTask",
    "concentric_gaussians",
    "galaxy",
    "sparse_with_inliers",
    "with_inliers",
    "x_mixture",
]

"""Differentiable entropy estimators for representations ``Z`` (batches of shape ``(N, D)``).

These plug into the implicit-compression loss (Eq. 7 of the review) and the entropy-regularised
VICReg variants of Shwartz-Ziv et al. (2023). Each returns a 0-dim tensor in nats and declares
its kind:

| name | formula | kind |
|---|---|---|
| ``gaussian`` | ``½ log det(2πe (Σ + εI))`` | upper bound (max-entropy at equal covariance) |
| ``logdet`` | ``½ log det(I + β Σ)`` (Zhouyin & Liu 2021) | proxy |
| ``pairwise_kl`` | ``(D/2) log(2πeσ²) − mean_i log mean_j exp(−‖z_i − z_j‖²/2σ²)`` | upper |
| ``pairwise_bhattacharyya`` | the same with ``‖z_i − z_j‖²/(8σ²)`` | lower bound |
| ``knn`` | ``ψ(N) − ψ(k) + log V_D + (D/N) Σ log r_i`` (Kozachenko–Leonenko) | estimate |

The pairwise bounds (Kolchinsky & Tracey 2017) are exact bounds on the entropy of the Gaussian
mixture ``(1/N) Σ_i N(z_i, σ² I)``, i.e. of the batch smoothed by noise of scale σ. ``Σ`` is the
unbiased batch covariance. Cost: ``O(N D² + D³)`` for the covariance ones, ``O(N² D)`` for the
pairwise and k-NN ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from infossl._checks import check_choice, check_float, check_int
from infossl.objectives._inputs import check_embedding, upcast

_LOG_2PI_E = math.log(2.0 * math.pi * math.e)


def covariance(z: Tensor) -> Tensor:
    """Unbiased batch covariance ``(1/(N−1)) Σ_n (z_n − z̄)(z_n − z̄)ᵀ``, shape ``(D, D)``.

    Computed in float32 for bf16/fp16 input (as every function here).
    """
    z = upcast(z)
    centered = z - z.mean(dim=0, keepdim=True)
    return centered.T @ centered / (z.shape[0] - 1)


def gaussian_entropy(z: Tensor, *, eps: float = 1e-4) -> Tensor:
    """Entropy of the Gaussian with the batch covariance: ``½ log det(2πe (Σ + εI))``.

    An upper bound on ``H(Z)`` for any distribution with that covariance (Gaussians maximise
    entropy at fixed covariance); ε keeps the log-determinant finite under collapse.
    """
    z = upcast(z)
    d = z.shape[1]
    sigma = covariance(z) + eps * torch.eye(d, dtype=z.dtype, device=z.device)
    return 0.5 * (d * _LOG_2PI_E + torch.linalg.slogdet(sigma)[1])


def logdet_entropy(z: Tensor, *, beta: float = 1.0) -> Tensor:
    """LogDet entropy ``½ log det(I + β Σ)`` (Zhouyin & Liu 2021): a proxy, ≥ 0."""
    z = upcast(z)
    d = z.shape[1]
    eye = torch.eye(d, dtype=z.dtype, device=z.device)
    return 0.5 * torch.linalg.slogdet(eye + beta * covariance(z))[1]


def pairwise_entropy(z: Tensor, *, sigma: float = 1.0, distance: str = "kl") -> Tensor:
    """Kolchinsky–Tracey pairwise-distance bounds on the entropy of ``(1/N) Σ_i N(z_i, σ²I)``.

    ``Ĥ = (D/2) log(2πeσ²) − (1/N) Σ_i log (1/N) Σ_j exp(−D_ij)`` with ``D_ij`` the KL divergence
    ``‖z_i − z_j‖²/(2σ²)`` (upper bound) or the Bhattacharyya distance ``‖z_i − z_j‖²/(8σ²)``
    (lower bound) between components.
    """
    z = upcast(z)
    n, d = z.shape
    scale = {"kl": 2.0, "bhattacharyya": 8.0}[distance] * sigma**2
    sq = torch.cdist(z, z).square()
    log_mix = torch.logsumexp(-sq / scale, dim=1) - math.log(n)
    return 0.5 * d * (_LOG_2PI_E + 2.0 * math.log(sigma)) - log_mix.mean()


def knn_entropy(z: Tensor, *, k: int = 1, min_distance: float = 1e-10) -> Tensor:
    """Kozachenko–Leonenko estimate ``ψ(N) − ψ(k) + log V_D + (D/N) Σ_i log r_i``.

    ``r_i`` is the Euclidean distance from ``z_i`` to its k-th nearest other sample and
    ``V_D = π^{D/2}/Γ(D/2 + 1)``. Distances are floored at ``min_distance`` so duplicated rows
    (a collapsed batch) give a very negative, finite value instead of ``−inf``.
    """
    z = upcast(z)
    n, d = z.shape
    dist = torch.cdist(z, z)
    dist = dist.masked_fill(torch.eye(n, dtype=torch.bool, device=z.device), float("inf"))
    r = dist.topk(k, dim=1, largest=False).values[:, -1].clamp_min(min_distance)
    log_unit_ball = 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d + 1.0)
    digamma = torch.special.digamma
    n_t = torch.tensor(float(n), dtype=z.dtype, device=z.device)
    k_t = torch.tensor(float(k), dtype=z.dtype, device=z.device)
    return digamma(n_t) - digamma(k_t) + log_unit_ball + d * torch.log(r).mean()


@dataclass(frozen=True)
class EntropyEstimator:
    """A named, parameterised entropy estimator: ``estimator(z) -> 0-dim tensor`` in nats.

    Attributes:
        name: registry name (or ``"custom"``).
        kind: ``"upper"``, ``"lower"``, ``"point"`` or ``"proxy"``.
        fn: the function ``z -> value``.
        min_batch: the smallest batch it accepts.
        note: what the value refers to (e.g. the σ-smoothed batch).
    """

    name: str
    kind: str
    fn: Callable[[Tensor], Tensor]
    min_batch: int = 2
    note: str = ""

    def __call__(self, z: Tensor, name: str = "z") -> Tensor:
        z = check_embedding(
            z, name, min_batch=self.min_batch, need=f"for the {self.name} entropy estimator"
        )
        return self.fn(z)


ENTROPY_ESTIMATORS: tuple[str, ...] = (
    "gaussian",
    "logdet",
    "pairwise_kl",
    "pairwise_bhattacharyya",
    "knn",
)


def get_entropy_estimator(
    estimator: str | Callable[[Tensor], Tensor] = "gaussian",
    *,
    kind: str = "proxy",
    eps: float = 1e-4,
    beta: float = 1.0,
    sigma: float = 1.0,
    k: int = 1,
) -> EntropyEstimator:
    """Build an :class:`EntropyEstimator` by name, or wrap a callable ``z -> value``.

    Args:
        estimator: one of :data:`ENTROPY_ESTIMATORS`, or a callable (then ``kind`` says what its
            value is).
        kind: the kind of a custom callable; ignored for named estimators.
        eps: ``gaussian``'s ridge.
        beta: ``logdet``'s scale.
        sigma: the pairwise estimators' component width.
        k: ``knn``'s neighbour rank.
    """
    if callable(estimator) and not isinstance(estimator, str):
        check_choice(kind, "kind", ("upper", "lower", "point", "proxy"))
        return EntropyEstimator("custom", kind, estimator, 2, "user-supplied estimator")
    check_choice(estimator, "estimator", ENTROPY_ESTIMATORS)
    if estimator == "gaussian":
        eps = check_float(eps, "eps", low=0.0)
        return EntropyEstimator(
            "gaussian",
            "upper",
            lambda z: gaussian_entropy(z, eps=eps),
            2,
            f"Gaussian with the batch covariance + {eps:g}·I",
        )
    if estimator == "logdet":
        beta = check_float(beta, "beta", low=0.0, low_open=True)
        return EntropyEstimator(
            "logdet",
            "proxy",
            lambda z: logdet_entropy(z, beta=beta),
            2,
            f"½ log det(I + {beta:g}·Σ)",
        )
    if estimator in ("pairwise_kl", "pairwise_bhattacharyya"):
        sigma = check_float(sigma, "sigma", low=0.0, low_open=True)
        distance = estimator.split("_", 1)[1]
        kind_ = "upper" if distance == "kl" else "lower"
        return EntropyEstimator(
            estimator,
            kind_,
            lambda z: pairwise_entropy(z, sigma=sigma, distance=distance),
            1,
            f"of the batch smoothed by N(0, {sigma:g}²·I)",
        )
    k = check_int(k, "k", low=1)
    return EntropyEstimator(
        "knn", "point", lambda z: knn_entropy(z, k=k), k + 1, f"Kozachenko–Leonenko, k={k}"
    )

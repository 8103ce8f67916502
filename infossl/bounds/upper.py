"""Variational upper bounds on I(X;Y), as differentiable torch functions.

The conditional bounds take a ``K x K`` matrix of conditional log-densities
``log_q[i, j] = log q(y_j | x_i)`` (rows ``x``, columns ``y``, diagonal = joint pairs), the same
layout as a critic score matrix. They are upper bounds when ``q = p(y|x)`` is the true conditional;
with a learned ``q`` (vCLUB) they are estimates that stay upper bounds only while ``q`` is close
enough to ``p`` (Cheng et al. 2020, Thm 3.2). Values are in nats (0-D tensors).

References: Cheng, Hao, Dai, Liu, Gan & Carin, "CLUB: A Contrastive Log-ratio Upper Bound of Mutual
Information", ICML 2020; Poole et al., "On Variational Bounds of Mutual Information", ICML 2019
(L1Out, the variational upper bound); Alemi et al., "Deep Variational Information Bottleneck",
ICLR 2017 (the KL rate).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from infossl.bounds._scores import check_scores, check_tensor, check_vector

__all__ = [
    "club",
    "club_sampled",
    "gaussian_kl_upper_bound",
    "l1out",
    "variational_upper_bound",
]


def club(log_q: Tensor) -> Tensor:
    """vCLUB: ``I <= E_{p(x,y)}[log q(y|x)] - E_{p(x)} E_{p(y)}[log q(y|x)]`` (upper bound).

    Batch form (Cheng et al. 2020, Eq. 7): ``(1/K) sum_i [log_q[i, i] - (1/K) sum_j log_q[i, j]]``,
    i.e. ``mean(diag) - mean(all)``. An upper bound with the true conditional; its slack is
    ``E_{p(x)p(y)}[log p(y)/p(y|x)] - ...``: for a Gaussian pair with correlation ``rho`` it equals
    ``rho^2 / (1 - rho^2)`` per dimension against ``I = -1/2 log(1 - rho^2)``. Low variance (no
    exponentials), no cap. ``O(K^2)``.
    """
    log_q = check_scores(log_q, "log_q")
    return log_q.diagonal().mean() - log_q.mean()


def club_sampled(log_q_positive: Tensor, log_q_negative: Tensor) -> Tensor:
    """CLUB with one sampled negative per row: ``mean(log q(y_i|x_i) - log q(y_s(i)|x_i))``.

    ``log_q_negative[i] = log q(y_s(i) | x_i)`` for a uniformly drawn index ``s(i)`` (e.g. a
    random permutation): an unbiased estimate of :func:`club` at ``O(K)`` cost, with more variance.
    """
    pos = check_vector(log_q_positive, "log_q_positive")
    neg = check_vector(log_q_negative, "log_q_negative", pos.shape[0])
    return pos.mean() - neg.mean()


def l1out(log_q: Tensor) -> Tensor:
    """Leave-one-out upper bound ``I <= E[ log p(y_i|x_i) - log (1/(K-1)) sum_{j!=i} p(y_i|x_j) ]``.

    Poole et al. (2019): the denominator is a leave-one-out mixture estimate of ``p(y_i)``. An
    upper bound (in expectation) with the true conditional, tightening as ``K`` grows; with a
    learned ``q`` an estimate. ``log_q[j, i] = log q(y_i | x_j)``, so the sum runs down column
    ``i``; computed with logsumexp. Variance can be large when ``p(y|x)`` is sharp. ``O(K^2)``.
    """
    log_q = check_scores(log_q, "log_q")
    k = log_q.shape[0]
    eye = torch.eye(k, dtype=torch.bool, device=log_q.device)
    log_mixture = torch.logsumexp(log_q.masked_fill(eye, -math.inf), dim=0) - math.log(k - 1)
    return (log_q.diagonal() - log_mixture).mean()


def variational_upper_bound(log_encoder: Tensor, log_prior: Tensor) -> Tensor:
    """Variational upper bound ``I(X;Z) <= E_{p(x)} KL(p(z|x) || r(z))``, Monte-Carlo form.

    ``log_encoder[i] = log p(z_i | x_i)`` and ``log_prior[i] = log r(z_i)`` for ``z_i ~ p(z|x_i)``;
    returns ``mean(log_encoder - log_prior)``. Tight iff ``r = p(z)`` (gap ``KL(p(z) || r)``).
    Needs a tractable stochastic encoder. ``O(K)``.
    """
    log_encoder = check_vector(log_encoder, "log_encoder")
    log_prior = check_vector(log_prior, "log_prior", log_encoder.shape[0])
    return (log_encoder - log_prior).mean()


def gaussian_kl_upper_bound(
    mean: Tensor,
    log_var: Tensor,
    prior_mean: Tensor | None = None,
    prior_log_var: Tensor | None = None,
) -> Tensor:
    """The VIB rate ``E_x KL(N(mu(x), diag sigma^2(x)) || N(m, diag s^2))`` in closed form.

    ``mean`` and ``log_var`` are ``(K, d)``; the prior defaults to ``N(0, I)`` (``prior_*`` may be
    ``(d,)`` or ``(K, d)``). Per sample ``KL = 1/2 sum_d [log s^2 - log sigma^2 + (sigma^2 +
    (mu - m)^2)/s^2 - 1]``; the mean over samples upper-bounds ``I(X;Z)`` (Alemi et al. 2017).
    """
    mean = check_tensor(mean, "mean")
    log_var = check_tensor(log_var, "log_var")
    if mean.ndim != 2 or mean.shape != log_var.shape:
        raise ValueError(
            f"mean and log_var must both be (K, d) with the same shape, got {tuple(mean.shape)} "
            f"and {tuple(log_var.shape)}"
        )
    if prior_mean is None:
        prior_mean = torch.zeros_like(mean)
    if prior_log_var is None:
        prior_log_var = torch.zeros_like(mean)
    prior_mean = check_tensor(prior_mean, "prior_mean")
    prior_log_var = check_tensor(prior_log_var, "prior_log_var")
    for name, value in (("prior_mean", prior_mean), ("prior_log_var", prior_log_var)):
        if value.shape not in (mean.shape, mean.shape[1:]):
            raise ValueError(f"{name} must have shape (d,) or (K, d), got {tuple(value.shape)}")
    kl = 0.5 * (
        prior_log_var
        - log_var
        + (torch.exp(log_var) + (mean - prior_mean) ** 2) * torch.exp(-prior_log_var)
        - 1.0
    )
    return kl.sum(dim=1).mean()

"""Difference-of-entropies (DoE) estimator of I(X;Y) (McAllester & Stratos, AISTATS 2020).

``I(X;Y) = H(Y) - H(Y|X)``. Both entropies are estimated as cross-entropies of density models
fitted by maximum likelihood, ``H_q(Y) = E[-log q(y)] >= H(Y)`` and
``H_q(Y|X) = E[-log q(y|x)] >= H(Y|X)``.
Their difference is neither a lower nor an upper bound (both terms are over-estimates), but it is
not subject to the ``O(log N)`` limit of distribution-free lower bounds, so it can report large MI.
"""

from __future__ import annotations

from torch import Tensor

from infossl.bounds._scores import check_vector

__all__ = ["doe", "doe_loss"]


def doe(log_q_marginal: Tensor, log_q_conditional: Tensor) -> Tensor:
    """DoE estimate ``mean(log q(y_i | x_i)) - mean(log q(y_i))`` in nats (a point estimate).

    Args:
        log_q_marginal: ``(K,)`` log-densities ``log q(y_i)`` of the marginal model.
        log_q_conditional: ``(K,)`` log-densities ``log q(y_i | x_i)`` of the conditional model.

    Exact when both models are exact; its error is ``KL(p(y)||q(y)) - E_x KL(p(y|x)||q(y|x))``.
    ``O(K)``.
    """
    marginal = check_vector(log_q_marginal, "log_q_marginal")
    conditional = check_vector(log_q_conditional, "log_q_conditional", marginal.shape[0])
    return conditional.mean() - marginal.mean()


def doe_loss(log_q_marginal: Tensor, log_q_conditional: Tensor) -> Tensor:
    """Training loss of the two density models: the sum of their negative log-likelihoods.

    Minimising it fits each model by maximum likelihood (the two share no parameters).
    """
    marginal = check_vector(log_q_marginal, "log_q_marginal")
    conditional = check_vector(log_q_conditional, "log_q_conditional", marginal.shape[0])
    return -marginal.mean() - conditional.mean()

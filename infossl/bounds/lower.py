"""Variational lower bounds on I(X;Y) as differentiable functions of a critic score matrix.

Conventions (all functions): ``scores`` is a ``K x K`` tensor with ``scores[i, j] = f(x_i, y_j)``;
rows index ``x``, columns ``y``, the diagonal holds the ``K`` joint samples and the off-diagonal
entries stand in for ``p(x) p(y)``. Each function returns the bound's *value* in nats as a 0-D
tensor (higher means more information); the training loss is its negative. All reductions use
logsumexp, so the values are finite for scores as large as ``+-1e4``.

References: Poole, Ozair, van den Oord, Alemi & Tucker, "On Variational Bounds of Mutual
Information", ICML 2019 (BA, UBA, TUBA, NWJ, InfoNCE, I_alpha); Belghazi et al., "MINE", ICML 2018;
Nguyen, Wainwright & Jordan 2010 (NWJ); van den Oord et al. 2018 (CPC/InfoNCE); Nowozin et al.
2016 and Hjelm et al. 2019 (f-GAN JS, Deep InfoMax); Song & Ermon, "Understanding the Limitations
of Variational Mutual Information Estimators", ICLR 2020 (SMILE).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from infossl._checks import check_bool, check_float, check_int
from infossl.bounds._scores import (
    as_baseline,
    check_scores,
    check_tensor,
    check_vector,
    logmeanexp_offdiag,
    loo_logmeanexp_rows,
    mean_offdiag,
    safe_exp,
)

__all__ = [
    "MINE",
    "ba",
    "dv",
    "infonce",
    "infonce_ceiling",
    "interpolated",
    "interpolated_ceiling",
    "js",
    "js_nwj",
    "mine",
    "nwj",
    "smile",
    "tuba",
    "uba",
]


def ba(log_q: Tensor, entropy: float | Tensor) -> Tensor:
    """Barber–Agakov bound ``I(X;Y) >= H(X) + E_p[log q(x|y)]`` (lower bound).

    Args:
        log_q: ``(K,)`` log-densities ``log q(x_i | y_i)`` of a *normalised* decoder at the joint
            samples.
        entropy: ``H(X)`` in nats: known exactly (then the result is a true lower bound) or
            estimated (then it inherits that estimate's error; a downward-biased ``H`` keeps it a
            lower bound).

    The gap is ``E_y KL(p(x|y) || q(x|y))``: tight iff ``q = p(x|y)``. Variance is that of a plain
    sample mean (low); no cap other than ``H(X)`` itself. ``O(K)``.
    """
    log_q = check_vector(log_q, "log_q")
    if isinstance(entropy, Tensor):
        entropy = check_tensor(entropy, "entropy")
        if entropy.numel() != 1:
            raise ValueError(f"entropy must be a scalar, got shape {tuple(entropy.shape)}")
        entropy = entropy.reshape(())
    else:
        entropy = check_float(entropy, "entropy")
    return entropy + log_q.mean()


def uba(scores: Tensor, log_partition: Tensor | None = None) -> Tensor:
    """Unnormalised Barber–Agakov bound ``I >= E_p[f] - E_{p(y)}[log Z(y)]`` (lower bound).

    ``Z(y) = E_{p(x)} e^{f(x, y)}``. With ``log_partition`` (a ``(K,)`` tensor of the exact
    ``log Z(y_j)``) the result is an unbiased estimate of a true lower bound. Without it,
    ``log Z(y_j)`` is estimated by the log-mean-exp of column ``j`` over the ``K - 1`` negatives
    ``x_i, i != j``; Jensen's inequality then biases the estimate *upwards* (it is no longer
    guaranteed to be a bound; compare DV). Tight iff ``f = log p(x|y) + c(y)``. ``O(K^2)``.
    """
    scores = check_scores(scores)
    k = scores.shape[0]
    if log_partition is None:
        masked = scores.masked_fill(torch.eye(k, dtype=torch.bool, device=scores.device), -math.inf)
        log_z = torch.logsumexp(masked, dim=0) - math.log(k - 1)
    else:
        log_z = check_vector(log_partition, "log_partition", k)
    return scores.diagonal().mean() - log_z.mean()


def dv(scores: Tensor) -> Tensor:
    """Donsker–Varadhan bound ``I >= E_p[f] - log E_{p(x)p(y)}[e^f]``.

    Batch form: ``mean(diag S) - logmeanexp(offdiag S)``. Tight at ``f = log p(x,y)/(p(x)p(y)) + c``
    for any constant ``c``. The plug-in of ``log E[e^f]`` is biased (Jensen), so the batch value
    over-estimates the bound slightly and its gradient is biased (see :func:`mine`). Its variance
    grows like ``(e^I - 1)/K`` (Song & Ermon 2020). No cap. ``O(K^2)``.
    """
    return _dv(check_scores(scores))


def _dv(scores: Tensor) -> Tensor:
    return scores.diagonal().mean() - logmeanexp_offdiag(scores)


def mine(
    scores: Tensor, log_ema: Tensor | None = None, *, momentum: float = 0.9
) -> tuple[Tensor, Tensor]:
    """MINE: the DV bound with Belghazi et al.'s moving-average gradient correction.

    The *value* is exactly :func:`dv`. The *gradient* replaces the biased
    ``grad log mean_batch e^f = grad mean_batch e^f / mean_batch e^f`` by
    ``grad mean_batch e^f / m``, where ``m`` is a moving average of ``mean_batch e^f`` over
    training steps: ``m_t = momentum * m_{t-1} + (1 - momentum) * mean_batch e^f`` (``momentum``
    weighs the history; ``m_1`` is the first batch's mean). The average is kept in log space
    (``log_ema``) so it never overflows.

    Args:
        scores: ``K x K`` critic scores.
        log_ema: the running ``log m`` returned by the previous call, or None at the first step.
        momentum: weight of the history in ``[0, 1)``; 0 gives plain DV gradients.

    Returns:
        ``(value, new_log_ema)``; pass ``new_log_ema`` (detached) to the next call. Variance as DV.
    """
    scores = check_scores(scores)
    momentum = check_float(momentum, "momentum", low=0.0, high=1.0, high_open=True)
    batch_lme = logmeanexp_offdiag(scores)
    fixed = batch_lme.detach()
    if log_ema is None:
        new_log_ema = fixed
    else:
        log_ema = check_tensor(log_ema, "log_ema").reshape(()).detach()
        if momentum == 0.0:
            new_log_ema = fixed
        else:
            new_log_ema = torch.logaddexp(
                math.log(momentum) + log_ema, math.log1p(-momentum) + fixed
            )
    # forward value: fixed (= batch_lme); gradient: grad(mean e^f) / m
    corrected = fixed + torch.exp(batch_lme - new_log_ema) - torch.exp(fixed - new_log_ema)
    return scores.diagonal().mean() - corrected, new_log_ema


class MINE:
    """Stateful MINE bound: call it on each training batch's scores; it keeps the moving average.

    ``bound = MINE(momentum=0.9); value = bound(scores)`` is :func:`mine` with ``log_ema`` carried
    between calls. ``reset()`` forgets the average. Use :func:`dv` to evaluate (no state change).
    """

    def __init__(self, momentum: float = 0.9) -> None:
        self.momentum = check_float(momentum, "momentum", low=0.0, high=1.0, high_open=True)
        self.log_ema: Tensor | None = None

    def __call__(self, scores: Tensor) -> Tensor:
        value, self.log_ema = mine(scores, self.log_ema, momentum=self.momentum)
        return value

    def reset(self) -> None:
        """Forget the moving average."""
        self.log_ema = None


def tuba(scores: Tensor, log_baseline: Tensor | float | None = None) -> Tensor:
    """Tractable unnormalised BA: ``I >= 1 + E_p[f - log a(y)] - E_{p(x)p(y)}[e^f / a(y)]``.

    ``a(y) > 0`` is any baseline; ``log_baseline`` is ``log a(y_j)`` per column (a ``(K,)`` tensor),
    a scalar, or None for ``a = 1``. The batch estimate is unbiased for the bound (no logarithm of a
    batch mean), hence a lower bound in expectation; tight at ``f = log p(x|y)/p(x) + log a(y)``.
    Variance grows exponentially with the true MI (the ``e^f`` term). No cap. ``O(K^2)``.
    """
    scores = check_scores(scores)
    return _tuba(scores - as_baseline(log_baseline, scores.shape[0], scores)[None, :])


def _tuba(shifted: Tensor) -> Tensor:
    """TUBA on scores from which ``log a(y_j)`` has already been subtracted column-wise."""
    return 1.0 + shifted.diagonal().mean() - safe_exp(logmeanexp_offdiag(shifted))


def nwj(scores: Tensor) -> Tensor:
    """NWJ / f-divergence bound ``I >= E_p[f] - e^{-1} E_{p(x)p(y)}[e^f]`` (lower bound).

    TUBA with ``a = e``: ``nwj(S) = tuba(S - 1)``. Unbiased batch estimate; tight at
    ``f = 1 + log p(x,y)/(p(x)p(y))``. Variance ``>= (e^I - 1)/K`` asymptotically (Song & Ermon
    2020): it explodes for large MI. No cap. ``O(K^2)``.
    """
    return _nwj(check_scores(scores))


def _nwj(scores: Tensor) -> Tensor:
    return _tuba(scores - 1.0)


def infonce_ceiling(k: int) -> float:
    """The InfoNCE cap ``ln K``: no batch of ``K`` pairs can certify more than ``ln K`` nats."""
    return math.log(check_int(k, "k", low=1))


def infonce(scores: Tensor, *, symmetric: bool = False) -> Tensor:
    """InfoNCE / CPC bound ``I >= E[ S_ii - log (1/K) sum_j exp S_ij ]`` (lower bound).

    Value: ``mean_i [S_ii - logsumexp_j S_ij] + ln K`` = ``ln K - cross_entropy(S, diag)``. Each
    row classifies its positive ``y_i`` among the ``K`` columns. With ``symmetric=True`` it returns
    the average of this and the same quantity on ``S^T`` (columns classify rows), as in
    SimCLR/CLIP-style losses; both directions are valid bounds. Low variance, but capped:
    ``value <= ln K`` (:func:`infonce_ceiling`), so it is badly biased once ``I > ln K``.
    Tight as ``K -> inf`` at ``f = log p(y|x) + c(y)``. ``O(K^2)``.
    """
    scores = check_scores(scores)
    check_bool(symmetric, "symmetric")
    return _infonce(scores, symmetric=symmetric)


def _infonce(scores: Tensor, *, symmetric: bool = False) -> Tensor:
    k = scores.shape[0]
    diag = scores.diagonal()
    rows = (diag - torch.logsumexp(scores, dim=1)).mean()
    if symmetric:
        cols = (diag - torch.logsumexp(scores, dim=0)).mean()
        rows = 0.5 * (rows + cols)
    return rows + math.log(k)


def js(scores: Tensor) -> Tensor:
    """f-GAN Jensen–Shannon objective ``E_p[-softplus(-f)] - E_{p(x)p(y)}[softplus(f)]``.

    This is ``E_p log sigma(f) + E_q log(1 - sigma(f)) <= 2 JSD(p(x,y) || p(x)p(y)) - ln 4``: a
    lower bound on a *Jensen–Shannon divergence*, not on the MI (Nowozin et al. 2016; Deep
    InfoMax). Its maximiser is ``f = log p(x,y)/(p(x)p(y))``, which makes it a stable way to train a
    critic (see :func:`js_nwj`). Bounded gradients, low variance; value in ``(-inf, 0]``.
    ``O(K^2)``.
    """
    return _js(check_scores(scores))


def _js(scores: Tensor) -> Tensor:
    positive = -torch.nn.functional.softplus(-scores.diagonal()).mean()
    negative = mean_offdiag(torch.nn.functional.softplus(scores))
    return positive - negative


def js_nwj(scores: Tensor) -> Tensor:
    """JS-trained, NWJ-evaluated MI estimate (Poole et al. 2019; Song & Ermon 2020).

    Value: the NWJ bound at the shifted critic ``f + 1``, i.e. ``tuba(S) = 1 + E_p f - E_q e^f``,
    which is tight when ``f`` is the JS maximiser ``log p/(p(x)p(y))`` (evaluating NWJ at ``f``
    itself would lose up to ``1/e`` nats there). Gradient: that of :func:`js`
    (``js + sg(nwj - js)``), so training is stable while the reported number is a valid lower
    bound for the current critic. Variance as NWJ. No cap. ``O(K^2)``.
    """
    return _js_nwj(check_scores(scores))


def _js_nwj(scores: Tensor) -> Tensor:
    train = _js(scores)
    return train + (_tuba(scores) - train).detach()


def smile(scores: Tensor, *, tau: float | None = 5.0) -> Tensor:
    """SMILE (Song & Ermon 2020): DV with the partition term's scores clipped to ``[-tau, tau]``.

    Value: ``mean(diag S) - logmeanexp(clip(offdiag S, -tau, tau))``; gradient: that of :func:`js`
    (``js + sg(value - js)``), as in the reference method. ``tau=None`` (no clipping) is the
    JS-trained DV estimate. Clipping bounds the variance of the partition estimate by
    ``(e^tau - e^-tau)^2 / (4 N)`` for ``N`` independent negatives, at the price of a bias; for
    finite ``tau`` the value is not guaranteed to be a lower bound. Small ``tau`` (1): low
    variance, under-estimates large MI; large ``tau`` (5, inf): less bias, more variance. No cap.
    ``O(K^2)``.
    """
    scores = check_scores(scores)
    if tau is None:
        clipped = scores
    else:
        tau = check_float(tau, "tau", low=0.0, low_open=True)
        clipped = scores.clamp(-tau, tau)
    value = scores.diagonal().mean() - logmeanexp_offdiag(clipped)
    train = _js(scores)
    return train + (value - train).detach()


def interpolated_ceiling(k: int, alpha: float) -> float:
    """Largest value :func:`interpolated` can return on ``k`` samples.

    ``ln(K - 1)`` for ``alpha = 1`` (an InfoNCE on ``K - 1`` samples), ``1 + ln((K - 1)/alpha)``
    for ``0 < alpha < 1`` and infinity for ``alpha = 0`` (TUBA, no cap).
    """
    k = check_int(k, "k", low=2)
    alpha = check_float(alpha, "alpha", low=0.0, high=1.0)
    if alpha == 0.0:
        return math.inf
    if alpha == 1.0:
        return math.log(k - 1)
    return 1.0 + math.log((k - 1) / alpha)


def interpolated(
    scores: Tensor, *, alpha: float = 0.01, log_baseline: Tensor | float | None = None
) -> Tensor:
    """The interpolated bound ``I_alpha`` of Poole et al. (2019, Eq. 11) (lower bound).

    With ``m(y; x_{1:M}) = (1/M) sum_k e^{f(x_k, y)}`` and a baseline ``a(y) > 0``::

        I >= 1 + E[ log( e^{f(x_1,y)} / (alpha m + (1 - alpha) a(y)) ) ]_{y ~ p(y|x_1)}
               - E[ e^{f(x_1,y)} / (alpha m + (1 - alpha) a(y)) ]_{y ~ p(y), independent}

    Batch form with ``M = K - 1`` (so both terms are unbiased): for column ``y_j``, the joint term
    averages over ``k != j`` the ratio with ``m`` = mean over the rows other than ``k`` (it contains
    the positive ``x_j``); the marginal term uses ``m`` = mean over the rows other than ``j`` (all
    independent of ``y_j``) and averages the ratio over the negatives ``x_i, i != j``.

    ``alpha = 1`` gives an InfoNCE-like bound (low variance, capped at ``ln(K - 1)``); ``alpha = 0``
    gives TUBA (uncapped, high variance); in between the cap is ``1 + ln((K-1)/alpha)``
    (:func:`interpolated_ceiling`), trading bias for variance. ``log_baseline`` is ``log a(y_j)``
    per column, a scalar, or None for ``a = 1``. ``O(K^2)`` time and memory.
    """
    scores = check_scores(scores)
    alpha = check_float(alpha, "alpha", low=0.0, high=1.0)
    k = scores.shape[0]
    log_a = as_baseline(log_baseline, k, scores)
    by_y = scores.T  # row j: the scores f(x_i, y_j) of every x_i against y_j
    if alpha == 0.0:
        log_denominator = log_a[:, None].expand(k, k)
    else:
        log_m = loo_logmeanexp_rows(by_y)  # [j, k]: mean over rows i != k
        if alpha == 1.0:
            log_denominator = log_m
        else:
            log_denominator = torch.logaddexp(
                math.log(alpha) + log_m, math.log1p(-alpha) + log_a[:, None]
            )
    joint = mean_offdiag(by_y.diagonal()[:, None] - log_denominator)
    marginal = safe_exp(logmeanexp_offdiag(by_y - log_denominator.diagonal()[:, None]))
    return 1.0 + joint - marginal

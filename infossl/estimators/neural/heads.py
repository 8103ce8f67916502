"""Trainable models that pair a network with a bound from :mod:`infossl.bounds`.

Each model has ``loss(x, y)`` (what the optimiser minimises on a training batch) and
``value(x, y)`` (the bound or estimate reported on an evaluation batch, in nats):

* :class:`CriticBound`: a critic and a lower bound (InfoNCE, NWJ, DV, MINE, TUBA, JS, SMILE,
  I_alpha). The training value's forward pass equals the reported estimate; for JS and SMILE its
  gradient is the JS gradient.
* :class:`ConditionalBound`: a Gaussian ``q(y|x)`` fitted by maximum likelihood, reported through
  vCLUB or L1Out (upper bounds when ``q`` is accurate).
* :class:`DifferenceOfEntropies`: ``q(y)`` and ``q(y|x)`` fitted by maximum likelihood, reported as
  DoE (a point estimate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from infossl import bounds
from infossl.estimators.neural.critics import GaussianConditional, GaussianMixture


@dataclass(frozen=True)
class BoundInfo:
    """What a bound name means for an estimator: its model family, kind and one-line summary."""

    name: str
    family: str  # "critic" | "conditional" | "densities"
    kind: str  # "lower" | "upper" | "point"
    summary: str


BOUNDS: dict[str, BoundInfo] = {
    b.name: b
    for b in (
        BoundInfo("infonce", "critic", "lower", "InfoNCE / CPC lower bound (capped at ln K)"),
        BoundInfo("nwj", "critic", "lower", "NWJ (f-divergence) lower bound"),
        BoundInfo("dv", "critic", "lower", "Donsker–Varadhan lower bound (biased batch gradient)"),
        BoundInfo("mine", "critic", "lower", "MINE: DV with moving-average gradient correction"),
        BoundInfo("tuba", "critic", "lower", "TUBA lower bound with a learned constant baseline"),
        BoundInfo("js", "critic", "lower", "critic trained with JS (f-GAN), evaluated with NWJ"),
        BoundInfo("smile", "critic", "point", "SMILE: JS-trained DV with clipped partition term"),
        BoundInfo("interpolated", "critic", "lower", "interpolated bound I_alpha (Poole et al.)"),
        BoundInfo("club", "conditional", "upper", "vCLUB upper bound with a Gaussian q(y|x)"),
        BoundInfo("l1out", "conditional", "upper", "leave-one-out upper bound, Gaussian q(y|x)"),
        BoundInfo("doe", "densities", "point", "difference of entropies, Gaussian models"),
    )
}

_USES_BASELINE = ("tuba", "interpolated")


class CriticBound(nn.Module):
    """A critic trained by maximising a lower bound on its score matrix.

    ``tuba`` and ``interpolated`` also learn a constant log-baseline ``log a``. MINE keeps its
    moving average across ``loss`` calls; ``value`` never changes it (plain DV).
    """

    def __init__(
        self,
        critic: nn.Module,
        bound: str,
        *,
        tau: float | None = 5.0,
        alpha: float = 0.01,
        momentum: float = 0.9,
    ) -> None:
        super().__init__()
        if bound not in BOUNDS or BOUNDS[bound].family != "critic":
            names = [b for b, info in BOUNDS.items() if info.family == "critic"]
            raise ValueError(f"bound must be one of {names}, got {bound!r}")
        self.critic = critic
        self.bound = bound
        self.tau, self.alpha = tau, alpha
        self.log_baseline = nn.Parameter(torch.zeros(())) if bound in _USES_BASELINE else None
        self._mine = bounds.MINE(momentum) if bound == "mine" else None

    def _bound_value(self, scores: Tensor) -> Tensor:
        if self.bound == "infonce":
            return bounds.infonce(scores)
        if self.bound == "nwj":
            return bounds.nwj(scores)
        if self.bound in ("dv", "mine"):
            return bounds.dv(scores)
        if self.bound == "tuba":
            return bounds.tuba(scores, self.log_baseline)
        if self.bound == "js":
            return bounds.js_nwj(scores)
        if self.bound == "smile":
            return bounds.smile(scores, tau=self.tau)
        return bounds.interpolated(scores, alpha=self.alpha, log_baseline=self.log_baseline)

    def training_value(self, x: Tensor, y: Tensor) -> Tensor:
        """The value maximised in training (forward = the estimate; gradient as the method's)."""
        scores = self.critic(x, y)
        if self._mine is not None:
            return self._mine(scores)
        return self._bound_value(scores)

    def loss(self, x: Tensor, y: Tensor) -> Tensor:
        return -self.training_value(x, y)

    def value(self, x: Tensor, y: Tensor) -> Tensor:
        return self._bound_value(self.critic(x, y))

    def ceiling(self, k: int) -> float | None:
        """Largest value the bound can report on ``k`` samples (None when uncapped)."""
        if self.bound == "infonce":
            return bounds.infonce_ceiling(k)
        if self.bound == "interpolated":
            cap = bounds.interpolated_ceiling(k, self.alpha)
            return None if math.isinf(cap) else cap
        return None


class ConditionalBound(nn.Module):
    """A Gaussian ``q(y|x)`` fitted by maximum likelihood, reported as vCLUB or L1Out."""

    def __init__(self, model: GaussianConditional, bound: str) -> None:
        super().__init__()
        if bound not in ("club", "l1out"):
            raise ValueError(f"bound must be 'club' or 'l1out', got {bound!r}")
        self.model = model
        self.bound = bound

    def loss(self, x: Tensor, y: Tensor) -> Tensor:
        return -self.model.log_prob(x, y).mean()

    def value(self, x: Tensor, y: Tensor) -> Tensor:
        log_q = self.model.log_prob_matrix(x, y)
        return bounds.club(log_q) if self.bound == "club" else bounds.l1out(log_q)

    def ceiling(self, k: int) -> float | None:
        return None


class DifferenceOfEntropies(nn.Module):
    """``q(y)`` (Gaussian mixture) and ``q(y|x)`` (Gaussian) fitted jointly; reports DoE."""

    def __init__(self, marginal: GaussianMixture, conditional: GaussianConditional) -> None:
        super().__init__()
        self.marginal = marginal
        self.conditional = conditional

    def _log_probs(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        return self.marginal.log_prob(y), self.conditional.log_prob(x, y)

    def loss(self, x: Tensor, y: Tensor) -> Tensor:
        return bounds.doe_loss(*self._log_probs(x, y))

    def value(self, x: Tensor, y: Tensor) -> Tensor:
        return bounds.doe(*self._log_probs(x, y))

    def ceiling(self, k: int) -> float | None:
        return None

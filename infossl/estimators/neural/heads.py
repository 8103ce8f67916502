"""Trainable models that pair a network with a bound from :mod:`infossl.bounds`.

Each model has ``loss(x, y)`` (what the optimiser minimises on a training batch) and
``value(x, y)`` (the bound or estimate reported on an evaluation batch, in nats); what each bound
name means (family, kind, value function, ceiling) is :data:`infossl.bounds.BOUNDS`:

* :class:`CriticBound`: a critic and a lower bound (InfoNCE, NWJ, DV, MINE, TUBA, JS, SMILE,
  I_alpha). The training value's forward pass equals the reported estimate; for JS and SMILE its
  gradient is the JS gradient.
* :class:`ConditionalBound`: a Gaussian ``q(y|x)`` fitted by maximum likelihood, reported through
  vCLUB or L1Out (upper bounds when ``q`` is accurate).
* :class:`DifferenceOfEntropies`: ``q(y)`` and ``q(y|x)`` fitted by maximum likelihood, reported as
  DoE (a point estimate).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from infossl import bounds
from infossl.bounds import BOUNDS, BoundInfo
from infossl.estimators.neural.critics import GaussianConditional, GaussianMixture


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
        self._info: BoundInfo = BOUNDS[bound]
        self.tau, self.alpha = tau, alpha
        uses_baseline = "log_baseline" in self._info.params
        self.log_baseline = nn.Parameter(torch.zeros(())) if uses_baseline else None
        self._mine = bounds.MINE(momentum) if bound == "mine" else None

    def _params(self) -> dict[str, float | Tensor | None]:
        """The bound's keyword parameters that this model sets (the others keep their defaults)."""
        own = {"tau": self.tau, "alpha": self.alpha, "log_baseline": self.log_baseline}
        return {p: own[p] for p in self._info.params if p in own}

    def _bound_value(self, scores: Tensor) -> Tensor:
        return self._info.value(scores, **self._params())

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
        return self._info.ceiling_at(k, self._params())


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
        return BOUNDS[self.bound].value(self.model.log_prob_matrix(x, y))

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
        return BOUNDS["doe"].value(*self._log_probs(x, y))

    def ceiling(self, k: int) -> float | None:
        return None


#: A trainable bound model: what :func:`infossl.estimators.neural.fit.train` fits and evaluates.
BoundModel = CriticBound | ConditionalBound | DifferenceOfEntropies

"""Exponential moving-average (momentum) target networks: BYOL, MoCo, DINO.

The target parameters follow ``ξ ← m ξ + (1 − m) θ`` after each optimiser step, with the
momentum ``m`` on BYOL's cosine schedule ``m_k = 1 − (1 − m_base)(cos(π k / K) + 1) / 2``
(Grill et al. 2020), rising from ``m_base`` (0.99–0.996) to 1 over K steps. Target parameters have
``requires_grad=False``, so no gradient ever reaches them; keep them out of the optimiser.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
from torch import nn

from infossl._checks import check_choice, check_float, check_int


def cosine_momentum(step: int, total_steps: int, base: float = 0.996, final: float = 1.0) -> float:
    """BYOL's momentum at ``step``: ``final − (final − base)(cos(π step/total) + 1)/2``.

    Equals ``base`` at step 0 and ``final`` from ``total_steps`` on.
    """
    step = check_int(step, "step", low=0)
    total_steps = check_int(total_steps, "total_steps", low=1)
    t = min(step, total_steps) / total_steps
    return final - (final - base) * (math.cos(math.pi * t) + 1.0) / 2.0


def frozen_copy(module: nn.Module) -> nn.Module:
    """A deep copy of ``module`` whose parameters have ``requires_grad=False``."""
    target = copy.deepcopy(module)
    target.requires_grad_(False)
    return target


@torch.no_grad()
def ema_update_(
    target: nn.Module, online: nn.Module, momentum: float, *, buffers: str = "keep"
) -> None:
    """In place: ``target ← momentum · target + (1 − momentum) · online`` for every parameter.

    ``buffers``: ``"keep"`` leaves the target's buffers (e.g. BatchNorm running statistics, which
    its own forward passes update), ``"copy"`` copies the online buffers. ``O(#parameters)``.
    """
    momentum = check_float(momentum, "momentum", low=0.0, high=1.0)
    check_choice(buffers, "buffers", ("keep", "copy"))
    t_params = list(target.parameters())
    o_params = list(online.parameters())
    if len(t_params) != len(o_params) or any(
        a.shape != b.shape for a, b in zip(t_params, o_params, strict=True)
    ):
        raise ValueError("target and online modules must have the same parameter shapes")
    if t_params:
        torch._foreach_mul_(t_params, momentum)
        torch._foreach_add_(t_params, o_params, alpha=1.0 - momentum)
    if buffers == "copy":
        for t_buf, o_buf in zip(target.buffers(), online.buffers(), strict=True):
            t_buf.copy_(o_buf)


class EMA(nn.Module):
    """A frozen momentum copy of a module, updated with a cosine momentum schedule.

    Args:
        online: the module to follow (copied at construction).
        total_steps: number of optimiser steps over which the momentum rises to ``final``.
        base_momentum: momentum at step 0 (BYOL: 0.996 on ImageNet, 0.99 on CIFAR).
        final_momentum: momentum from ``total_steps`` on (1.0).
        schedule: ``"cosine"`` (BYOL) or ``"constant"`` (``base_momentum`` throughout; MoCo).
        buffers: ``"keep"`` or ``"copy"`` (see :func:`ema_update_`).

    Call :meth:`update` once after each optimiser step. ``self.target`` is the momentum network;
    the step counter is a buffer, so ``state_dict`` resumes the schedule exactly.
    """

    def __init__(
        self,
        online: nn.Module,
        total_steps: int,
        *,
        base_momentum: float = 0.996,
        final_momentum: float = 1.0,
        schedule: str = "cosine",
        buffers: str = "keep",
    ) -> None:
        super().__init__()
        self.total_steps = check_int(total_steps, "total_steps", low=1)
        self.base_momentum = check_float(base_momentum, "base_momentum", low=0.0, high=1.0)
        self.final_momentum = check_float(final_momentum, "final_momentum", low=0.0, high=1.0)
        self.schedule = check_choice(schedule, "schedule", ("cosine", "constant"))
        self.buffers_mode = check_choice(buffers, "buffers", ("keep", "copy"))
        self.target = frozen_copy(online)
        self.register_buffer("step", torch.zeros((), dtype=torch.long))

    def momentum_at(self, step: int) -> float:
        """The momentum used at ``step``."""
        if self.schedule == "constant":
            return self.base_momentum
        return cosine_momentum(step, self.total_steps, self.base_momentum, self.final_momentum)

    @property
    def momentum(self) -> float:
        """The momentum the next :meth:`update` will use."""
        return self.momentum_at(int(self.step))

    @torch.no_grad()
    def update(self, online: nn.Module) -> float:
        """Move the target towards ``online``, advance the schedule; return the momentum used."""
        m = self.momentum
        ema_update_(self.target, online, m, buffers=self.buffers_mode)
        self.step += 1
        return m

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the target network (no gradient is recorded for its parameters)."""
        return self.target(*args, **kwargs)

"""Optimisers and the learning-rate schedule of SSL training.

* :class:`LARS` — layer-wise adaptive rate scaling (You, Gitman & Ginsburg 2017, "Large Batch
  Training of Convolutional Networks"), in the form used by the BYOL / Barlow Twins / solo-learn
  recipes: for a parameter ``w`` with gradient ``g`` and weight decay ``λ``,

      d = g + λ w;   q = η ‖w‖ / ‖d‖ (q = 1 if ‖w‖ = 0 or ‖d‖ = 0);   d ← q d
      v ← μ v + d;   w ← w − lr · v          (PyTorch's SGD momentum convention)

  Groups with ``lars_exclude=True`` (biases and normalisation parameters) skip the trust ratio
  ``q`` and the weight decay, i.e. plain momentum SGD.
* :class:`WarmupCosine` — per-step schedule: linear warm-up over ``W = warmup_steps`` steps
  (rate ``peak · (k + 1)/(W + 1)`` at step ``k < W``), then half-cosine from the peak to
  ``final_ratio · peak`` at ``total_steps`` (Loshchilov & Hutter 2017, "SGDR"; Goyal et al.
  2017 for the warm-up). Groups with ``fixed_lr=True`` keep their peak rate (SimSiam's
  predictor, Chen & He 2021). :meth:`WarmupCosine.replan` changes the total number of steps
  of a running schedule (a resumed run given more epochs): the warm-up keeps its length and
  the cosine is recomputed over the new total, from the current step on.
* :func:`build_optimizer` — parameter groups (weight decay excluded from biases and norms,
  fixed-rate groups, the online probe with its own rate) and default rates per optimiser.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch import nn

from infossl._checks import check_float, check_int

__all__ = [
    "LARS",
    "WarmupCosine",
    "build_optimizer",
    "default_lr",
    "default_warmup_epochs",
    "default_weight_decay",
    "split_decay",
]


class LARS(torch.optim.Optimizer):
    """LARS with momentum (see the module docstring for the update).

    Args:
        params: parameters or groups; a group may set ``lars_exclude=True``.
        lr: learning rate; weight_decay: λ; momentum: μ; eta: trust coefficient η
            (0.001 in You et al.; 0.02 in solo-learn's CIFAR recipes); eps: added to ``‖d‖``.

    Cost per step ``O(#parameters)``, plus one norm per parameter tensor.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        *,
        weight_decay: float = 0.0,
        momentum: float = 0.9,
        eta: float = 0.02,
        eps: float = 1e-8,
    ) -> None:
        lr = check_float(lr, "lr", low=0.0)
        defaults = dict(
            lr=lr,
            weight_decay=check_float(weight_decay, "weight_decay", low=0.0),
            momentum=check_float(momentum, "momentum", low=0.0, high=1.0, high_open=True),
            eta=check_float(eta, "eta", low=0.0, low_open=True),
            eps=check_float(eps, "eps", low=0.0),
            lars_exclude=False,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            wd, mom, eta, eps = (
                group["weight_decay"],
                group["momentum"],
                group["eta"],
                group["eps"],
            )
            exclude = group["lars_exclude"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p.grad
                if not exclude:
                    if wd:
                        d = d.add(p, alpha=wd)
                    w_norm = torch.linalg.vector_norm(p)
                    d_norm = torch.linalg.vector_norm(d)
                    trust = torch.where(
                        (w_norm > 0) & (d_norm > 0),
                        eta * w_norm / (d_norm + eps),
                        torch.ones_like(w_norm),
                    )
                    d = d.mul(trust)
                if mom:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = d.detach().clone()
                    else:
                        buf.mul_(mom).add_(d)
                    d = buf
                p.add_(d, alpha=-group["lr"])
        return loss


class WarmupCosine:
    """Per-step learning rates: linear warm-up, then cosine decay (see the module docstring).

    Each group's peak is its ``peak_lr`` entry (set by :func:`build_optimizer`, or the group's
    ``lr`` at construction). ``step()`` advances one optimiser step; ``state_dict`` holds the
    step, the total and the warm-up length, so a resumed run gets exactly the same rates.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        total_steps: int,
        *,
        warmup_steps: int = 0,
        final_ratio: float = 0.0,
    ) -> None:
        self.optimizer = optimizer
        self.total_steps = check_int(total_steps, "total_steps", low=1)
        self.warmup_steps = check_int(warmup_steps, "warmup_steps", low=0)
        self.final_ratio = check_float(final_ratio, "final_ratio", low=0.0, high=1.0)
        for group in optimizer.param_groups:
            group.setdefault("peak_lr", group["lr"])
            group.setdefault("fixed_lr", False)
        self.last_step = 0
        self._apply()

    def factor(self, step: int) -> float:
        """Multiplier of the peak rate at ``step`` (0-based count of steps taken)."""
        step = check_int(step, "step", low=0)
        if step < self.warmup_steps:
            return (step + 1) / (self.warmup_steps + 1)
        span = max(1, self.total_steps - self.warmup_steps)
        t = min(1.0, (step - self.warmup_steps) / span)
        return self.final_ratio + (1.0 - self.final_ratio) * 0.5 * (1.0 + math.cos(math.pi * t))

    def _apply(self) -> None:
        f = self.factor(self.last_step)
        for group in self.optimizer.param_groups:
            group["lr"] = group["peak_lr"] if group["fixed_lr"] else group["peak_lr"] * f

    def step(self) -> None:
        self.last_step += 1
        self._apply()

    def replan(self, total_steps: int) -> None:
        """Make the schedule end at ``total_steps`` instead, from the current step on.

        The warm-up keeps its length (it is not repeated) and the cosine runs from the end of
        the warm-up to ``total_steps``: the rates from now on are those of a schedule planned
        for ``total_steps`` from the start, so the rate jumps to that schedule's value at the
        current step (e.g. from ``final_ratio·peak`` at the end of a finished run of T steps to
        about half the peak when it is extended to 2T).
        """
        total_steps = check_int(total_steps, "total_steps", low=1)
        if total_steps < self.last_step:
            raise ValueError(
                f"total_steps must be >= the steps already taken "
                f"({self.last_step}), got {total_steps}"
            )
        self.total_steps = total_steps
        self._apply()

    def get_last_lr(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, int]:
        return {
            "last_step": self.last_step,
            "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the step and, when the state has them (checkpoints written since
        :meth:`replan` exists), the total and the warm-up length."""
        self.last_step = check_int(int(state["last_step"]), "last_step", low=0)
        if "total_steps" in state:
            self.total_steps = check_int(int(state["total_steps"]), "total_steps", low=1)
        if "warmup_steps" in state:
            self.warmup_steps = check_int(int(state["warmup_steps"]), "warmup_steps", low=0)
        self._apply()


# ------------------------------------------------------------------------------ groups
_NORMS = (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm, nn.LocalResponseNorm)


def split_decay(modules: Sequence[nn.Module]) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """Trainable parameters of ``modules`` split into (decayed, not decayed).

    Not decayed: every parameter of a normalisation layer and every 1-D parameter (biases,
    weight-norm magnitudes). Each parameter appears once, in module order.
    """
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    seen: set[int] = set()
    for root in modules:
        for module in root.modules():
            for p in module.parameters(recurse=False):
                if not p.requires_grad or id(p) in seen:
                    continue
                seen.add(id(p))
                (no_decay if isinstance(module, _NORMS) or p.ndim <= 1 else decay).append(p)
    return decay, no_decay


def default_lr(name: str, batch_size: int) -> float:
    """Peak rate for a global batch: sgd ``0.06·B/128`` (lightly's CIFAR benchmark), lars
    ``0.3·B/256`` (solo-learn), adamw ``1e-3·B/256``."""
    base = {"sgd": (0.06, 128), "lars": (0.3, 256), "adamw": (1e-3, 256)}[name]
    return base[0] * batch_size / base[1]


def default_weight_decay(name: str) -> float:
    return {"sgd": 5e-4, "lars": 1e-4, "adamw": 1e-4}[name]


def default_warmup_epochs(name: str, epochs: int) -> float:
    return 0.0 if name == "sgd" else min(10.0, epochs / 10.0)


def build_optimizer(
    name: str,
    main: Sequence[nn.Module],
    *,
    lr: float,
    weight_decay: float,
    momentum: float = 0.9,
    betas: tuple[float, float] = (0.9, 0.999),
    eta: float = 0.02,
    exclude_bias_norm: bool = True,
    fixed_lr: Sequence[nn.Module] = (),
    probe: nn.Module | None = None,
    probe_lr: float = 0.1,
) -> torch.optim.Optimizer:
    """The optimiser over ``main`` (scheduled), ``fixed_lr`` modules and the ``probe``.

    Groups, in order: decayed weights; biases and norms (no decay, no LARS, if
    ``exclude_bias_norm``); fixed-rate modules (split the same way); the probe (rate
    ``probe_lr``, no decay, no LARS, scheduled). Empty groups are dropped.
    """
    fixed_ids = {id(p) for m in fixed_lr for p in m.parameters()}
    probe_ids = {id(p) for p in probe.parameters()} if probe is not None else set()

    def groups_of(modules: Sequence[nn.Module], fixed: bool) -> list[dict[str, Any]]:
        decay, no_decay = split_decay(modules)
        keep = (
            (lambda p: id(p) in fixed_ids)
            if fixed
            else (lambda p: id(p) not in fixed_ids and id(p) not in probe_ids)
        )
        decay = [p for p in decay if keep(p)]
        no_decay = [p for p in no_decay if keep(p)]
        if not exclude_bias_norm:
            decay, no_decay = decay + no_decay, []
        return [
            dict(
                params=decay,
                weight_decay=weight_decay,
                lars_exclude=False,
                fixed_lr=fixed,
                lr=lr,
                peak_lr=lr,
            ),
            dict(
                params=no_decay,
                weight_decay=0.0,
                lars_exclude=True,
                fixed_lr=fixed,
                lr=lr,
                peak_lr=lr,
            ),
        ]

    groups = groups_of(main, False) + groups_of(fixed_lr, True)
    if probe is not None:
        groups.append(
            dict(
                params=list(probe.parameters()),
                weight_decay=0.0,
                lars_exclude=True,
                fixed_lr=False,
                lr=probe_lr,
                peak_lr=probe_lr,
            )
        )
    groups = [g for g in groups if g["params"]]
    if name == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "lars":
        return LARS(groups, lr=lr, weight_decay=weight_decay, momentum=momentum, eta=eta)
    if name == "adamw":
        return torch.optim.AdamW(groups, lr=lr, betas=betas, weight_decay=weight_decay)
    raise ValueError(f"optimizer must be one of ['sgd', 'lars', 'adamw'], got {name!r}")

"""Per-layer gradient signal-to-noise ratio across mini-batches (drift and diffusion phases).

For each layer (the parameters a module owns directly, e.g. a Linear's weight and bias) and a
set of B mini-batches with gradients g_1..g_B (flattened):

    mean = (1/B) Σ_b g_b,   ‖std‖ = √(Σ_coordinates Var_b(g_b)),   SNR = ‖mean‖ / ‖std‖,

with the sample variance (ddof = 1), i.e. ‖std‖ is the square root of the trace of the gradient
covariance across batches. Shwartz-Ziv & Tishby (2017) plot ‖mean‖ and ‖std‖ against epoch:
early training is a *drift* phase (SNR ≫ 1, the mean gradient dominates), later a *diffusion*
phase (SNR ≲ 1, batch noise dominates), which they tie to the start of compression. Identical
batches (a deterministic full-batch gradient) give ‖std‖ = 0 and SNR = ∞.

The statistics are accumulated with Welford's algorithm in float64 (no B × parameters storage;
identical gradients give exactly zero variance). Cost: B forward + backward passes.

Reference: Shwartz-Ziv & Tishby, arXiv:1703.00810 (2017), §4; Saxe et al. (ICLR 2018).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from infossl._checks import check_float

__all__ = ["GradientStats", "diffusion_onset", "gradient_snr"]


@dataclass(frozen=True)
class GradientStats:
    """Gradient statistics of one layer over ``n_batches`` mini-batches."""

    layer: str
    mean_norm: float
    std_norm: float
    snr: float
    weight_norm: float
    n_batches: int


def _default_loss(model: nn.Module, batch: Any) -> torch.Tensor:
    x, y = batch
    return F.cross_entropy(model(x), y)


def _layer_parameters(
    model: nn.Module, layers: Sequence[str] | None
) -> dict[str, list[nn.Parameter]]:
    groups: dict[str, list[nn.Parameter]] = {}
    for name, module in model.named_modules():
        params = [p for p in module.parameters(recurse=False) if p.requires_grad]
        if params:
            groups[name or "(root)"] = params
    if layers is None:
        return groups
    if isinstance(layers, str):
        raise TypeError("layers must be a sequence of module names, not a string")
    missing = [name for name in layers if name not in groups]
    if missing:
        raise ValueError(f"layers: {missing} own no trainable parameters (valid: {list(groups)})")
    return {name: groups[name] for name in layers}


def gradient_snr(
    model: nn.Module,
    batches: Iterable[Any],
    loss_fn: Callable[[nn.Module, Any], torch.Tensor] | None = None,
    *,
    layers: Sequence[str] | None = None,
) -> dict[str, GradientStats]:
    """Per-layer ‖mean gradient‖, ‖std‖ and SNR over ``batches`` (see the module docstring).

    ``loss_fn(model, batch)`` returns the scalar loss of a batch (default: cross-entropy of
    ``model(x)`` against ``y`` for ``batch = (x, y)``). ``layers``: module names (default: every
    module that owns trainable parameters). The model's parameters, existing ``.grad`` values
    and train/eval mode are left as they were; no optimiser step is taken.
    """
    loss_fn = _default_loss if loss_fn is None else loss_fn
    groups = _layer_parameters(model, layers)
    all_params = [p for ps in groups.values() for p in ps]
    saved = [None if p.grad is None else p.grad.detach().clone() for p in all_params]
    mean: dict[str, torch.Tensor] = {}
    m2: dict[str, torch.Tensor] = {}
    count = 0
    try:
        for batch in batches:
            for p in all_params:
                p.grad = None
            loss = loss_fn(model, batch)
            if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
                raise TypeError("loss_fn must return a scalar tensor")
            loss.backward()
            count += 1
            for name, params in groups.items():
                g = torch.cat(
                    [
                        torch.zeros(p.numel(), dtype=torch.float64, device=p.device)
                        if p.grad is None
                        else p.grad.detach().reshape(-1).double()
                        for p in params
                    ]
                )
                if count == 1:
                    mean[name], m2[name] = g.clone(), torch.zeros_like(g)
                    continue
                delta = g - mean[name]
                mean[name] += delta / count
                m2[name] += delta * (g - mean[name])
    finally:
        for p, g in zip(all_params, saved, strict=True):
            p.grad = g
    if count < 2:
        raise ValueError(f"batches must hold at least 2 mini-batches, got {count}")
    out = {}
    for name, params in groups.items():
        mean_norm = float(mean[name].norm())
        std_norm = math.sqrt(max(float(m2[name].sum()) / (count - 1), 0.0))
        snr = math.inf if std_norm == 0.0 else mean_norm / std_norm
        weight_norm = math.sqrt(sum(float(p.detach().double().pow(2).sum()) for p in params))
        out[name] = GradientStats(name, mean_norm, std_norm, snr, weight_norm, count)
    return out


def diffusion_onset(
    epochs: Sequence[float], snr: Sequence[float], *, threshold: float = 1.0
) -> float | None:
    """The first epoch from which the SNR stays below ``threshold`` (None if it never does).

    The drift → diffusion transition of Shwartz-Ziv & Tishby: after it, batch-to-batch noise
    dominates the mean gradient at every later logged epoch.
    """
    threshold = check_float(threshold, "threshold", low=0.0, low_open=True)
    if len(epochs) != len(snr):
        raise ValueError(
            f"epochs and snr must have the same length, got {len(epochs)} and {len(snr)}"
        )
    onset = None
    for epoch, value in zip(epochs, snr, strict=True):
        if value < threshold:
            onset = epoch if onset is None else onset
        else:
            onset = None
    return None if onset is None else float(onset)

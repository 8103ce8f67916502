"""Batch normalisation with statistics over every process, on any device (gloo on CPU too).

``torch.nn.SyncBatchNorm`` only runs on GPUs, so on CPU each process would normalise with its
own shard's statistics — a different model from one process with the whole batch, and a known
shortcut for contrastive methods. :class:`GlobalBatchNorm` computes, in training mode inside a
process group,

    μ = Σ_r Σ_{i∈r} x_i / N,    σ² = Σ_r Σ_{i∈r} (x_i − μ)² / N     (N = global count)

with two autograd-aware all-reduces (``torch.distributed.nn.functional.all_reduce``; its
backward sums the gradients over processes), normalises with ``(x − μ)/sqrt(σ² + ε)`` and
updates the running statistics with the unbiased variance ``σ² N/(N − 1)``, as
``F.batch_norm`` does. Outside a process group, or in eval mode, it is ``F.batch_norm``.
Statistics are computed in float32 whatever the input dtype. Cost: two all-reduces of ``C``
values per layer and step.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from infossl.nn.distributed import world_size

__all__ = ["GlobalBatchNorm", "convert_to_global_batchnorm"]


class GlobalBatchNorm(nn.modules.batchnorm._BatchNorm):
    """BatchNorm over ``(N, C, ...)`` inputs with statistics over all processes."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"GlobalBatchNorm expects at least 2-D input, got {input.dim()}-D")

    def forward(self, input: Tensor) -> Tensor:
        if not (self.training and self.track_running_stats is not None and world_size() > 1):
            return super().forward(input)
        self._check_input_dim(input)
        from torch.distributed.nn.functional import all_reduce

        dims = [0, *range(2, input.dim())]
        shape = [1, -1] + [1] * (input.dim() - 2)
        x = input.float()
        count = torch.tensor([x.numel() // x.shape[1]], dtype=x.dtype, device=x.device)
        total = all_reduce(torch.cat([x.sum(dim=dims), count]))
        n = total[-1]
        mean = total[:-1] / n
        centred = x - mean.view(shape)
        var = all_reduce(centred.square().sum(dim=dims)) / n
        y = centred * torch.rsqrt(var + self.eps).view(shape)
        if self.affine:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        if self.track_running_stats and self.running_mean is not None:
            self._update_running(mean.detach(), var.detach(), float(n))
        return y.to(input.dtype)

    @torch.no_grad()
    def _update_running(self, mean: Tensor, var: Tensor, n: float) -> None:
        self.num_batches_tracked.add_(1)
        if self.momentum is None:
            factor = 1.0 / float(self.num_batches_tracked)
        else:
            factor = self.momentum
        unbiased = var * (n / max(n - 1.0, 1.0))
        self.running_mean.mul_(1 - factor).add_(mean.to(self.running_mean.dtype), alpha=factor)
        self.running_var.mul_(1 - factor).add_(unbiased.to(self.running_var.dtype), alpha=factor)


def convert_to_global_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every ``BatchNorm1d/2d/3d`` in ``module`` by a :class:`GlobalBatchNorm` holding
    the same parameters and buffers; returns the (possibly new) root module."""
    if isinstance(module, nn.modules.batchnorm._BatchNorm) and not isinstance(
        module, (GlobalBatchNorm, nn.SyncBatchNorm)
    ):
        new = GlobalBatchNorm(
            module.num_features,
            module.eps,
            module.momentum,
            module.affine,
            module.track_running_stats,
        )
        with torch.no_grad():
            if module.affine:
                new.weight = module.weight
                new.bias = module.bias
            if module.track_running_stats:
                new.running_mean = module.running_mean
                new.running_var = module.running_var
                new.num_batches_tracked = module.num_batches_tracked
        new.train(module.training)
        return new
    for name, child in module.named_children():
        converted = convert_to_global_batchnorm(child)
        if converted is not child:
            setattr(module, name, converted)
    return module

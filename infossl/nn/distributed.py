"""Autograd-aware gathering across processes, for losses that need the global batch.

:func:`gather` concatenates a tensor from every rank along dim 0 and keeps the graph. Gradient
scaling is chosen so that W processes with batch B/W train exactly like one process with batch
B under DistributedDataParallel (which *averages* parameter gradients over ranks):

* Each rank r computes a loss ``L_r`` from its local rows and the gathered global tensor, with
  ``(1/W) Σ_r L_r = L_full`` (the one-process loss on the full batch).
* The backward of the gather *sums* the incoming gradients over ranks (all-reduce) and returns
  this rank's slice, so sample j on rank s receives ``Σ_r ∂L_r/∂z_j``.
* DDP's average then gives ``(1/W) Σ_r ∂L_r/∂θ = ∂L_full/∂θ``.

Returning only the local slice without the sum (a known bug pattern in SSL libraries) loses the
gradient that other ranks' losses send to this rank's samples. Unequal batch sizes across ranks
are supported (padded for the collective). Outside ``torch.distributed`` every function is the
identity, so single-process code needs no branch.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor


def is_distributed() -> bool:
    """True inside an initialised ``torch.distributed`` process group."""
    return dist.is_available() and dist.is_initialized()


def world_size() -> int:
    """Number of processes (1 outside a process group)."""
    return dist.get_world_size() if is_distributed() else 1


def rank() -> int:
    """This process's rank (0 outside a process group)."""
    return dist.get_rank() if is_distributed() else 0


def _batch_sizes(x: Tensor) -> list[int]:
    size = torch.tensor([x.shape[0]], device=x.device, dtype=torch.long)
    sizes = [torch.zeros_like(size) for _ in range(world_size())]
    dist.all_gather(sizes, size)
    return [int(s) for s in sizes]


def _all_gather_rows(x: Tensor, sizes: list[int]) -> Tensor:
    """Concatenate ``x`` from every rank (rows may differ in number; padded for the collective)."""
    x = x.contiguous()
    largest = max(sizes)
    if x.shape[0] < largest:
        pad = x.new_zeros((largest - x.shape[0], *x.shape[1:]))
        x = torch.cat([x, pad], dim=0)
    parts = [torch.empty_like(x) for _ in sizes]
    dist.all_gather(parts, x)
    return torch.cat([p[:n] for p, n in zip(parts, sizes, strict=True)], dim=0)


class _GatherWithGrad(torch.autograd.Function):
    """Forward: all-gather along dim 0. Backward: all-reduce (sum) the gradient, keep own slice."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:  # type: ignore[override]
        sizes = _batch_sizes(x)
        start = sum(sizes[: rank()])
        ctx.slice = (start, start + x.shape[0])
        return _all_gather_rows(x, sizes)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:  # type: ignore[override]
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        start, stop = ctx.slice
        return grad[start:stop]


def gather(x: Tensor) -> Tensor:
    """All ranks' ``x`` concatenated along dim 0 in rank order, with gradient.

    The backward sums gradients over ranks and returns this rank's rows (see the module
    docstring for why that makes W processes equal one). Identity outside a process group.
    Communication ``O(W · B · D)``.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() == 0:
        raise ValueError("x must have a batch dimension (dim 0)")
    if world_size() == 1:
        return x
    return _GatherWithGrad.apply(x)


def row_offset(x: Tensor) -> int:
    """Index of this rank's first row in :func:`gather`'s output (0 outside a process group)."""
    if world_size() == 1:
        return 0
    return sum(_batch_sizes(x)[: rank()])


@torch.no_grad()
def gather_no_grad(x: Tensor) -> Tensor:
    """All ranks' ``x`` concatenated along dim 0, without gradient (MoCo keys, queues)."""
    if world_size() == 1:
        return x.detach()
    return _all_gather_rows(x.detach(), _batch_sizes(x))


@torch.no_grad()
def all_reduce_sum(x: Tensor) -> Tensor:
    """Sum of ``x`` over ranks, without gradient (a new tensor; ``x`` is unchanged)."""
    out = x.detach().clone()
    if world_size() > 1:
        dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out


@torch.no_grad()
def all_reduce_mean(x: Tensor) -> Tensor:
    """Mean of ``x`` over ranks, without gradient (DINO's centre, metrics)."""
    return all_reduce_sum(x) / world_size()

"""Checks, run inside each of two gloo processes, that two processes with half batches equal one
process with the full batch. ``tests/train/test_distributed.py`` runs them in the same two
processes that train (one start-up of two interpreters for both).

Covered: SimCLR, VICReg, Barlow Twins, MoCo (queue kept identical), InfoNCE, CorInfoMax, SwAV
(Sinkhorn on the global batch), DINO (centre averaged over processes), and the gather itself
with unequal batch sizes.

Each process holds the same linear encoder ``W`` and half of the batch. Gathering losses use
``gather_distributed=True``; parameter gradients are averaged over processes as
DistributedDataParallel does. The mean of the per-process losses and the averaged gradients must
equal the one-process full-batch loss and gradient (float64, tolerance 1e-9, stricter than 1e-6).
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from infossl.nn.distributed import gather, rank, row_offset, world_size
from infossl.objectives import (
    BarlowTwinsLoss,
    CorInfoMaxLoss,
    DINOLoss,
    InfoNCELoss,
    MoCoLoss,
    SimCLRLoss,
    SwAVLoss,
    VICRegLoss,
)

WORLD = 2
N, D_IN, D = 8, 5, 4
TOL = 1e-9


def _data(seed: int):
    g = torch.Generator().manual_seed(seed)
    x1 = torch.randn(N, D_IN, generator=g, dtype=torch.float64)
    x2 = torch.randn(N, D_IN, generator=g, dtype=torch.float64)
    w = torch.randn(D_IN, D, generator=g, dtype=torch.float64)
    return x1, x2, w


def _mean_over_ranks(value: torch.Tensor) -> torch.Tensor:
    value = value.detach().clone()
    dist.all_reduce(value)
    return value / WORLD


def _check_two_view_loss(make_loss, seed: int) -> None:
    x1, x2, w = _data(seed)
    # one process, full batch
    w_full = w.clone().requires_grad_()
    ref = make_loss(False)(x1 @ w_full, x2 @ w_full)
    ref.loss.backward()
    # this process: its half of the batch, gathering
    n = N // WORLD
    rows = slice(rank() * n, (rank() + 1) * n)
    w_local = w.clone().requires_grad_()
    out = make_loss(True)(x1[rows] @ w_local, x2[rows] @ w_local)
    out.loss.backward()
    grad = _mean_over_ranks(w_local.grad)  # what DDP does
    name = type(make_loss(False)).__name__
    assert torch.allclose(_mean_over_ranks(out.loss), ref.loss.detach(), atol=TOL, rtol=0), name
    assert torch.allclose(grad, w_full.grad, atol=TOL, rtol=0), name
    for key, tv in out.terms.items():
        assert torch.allclose(_mean_over_ranks(tv.value), ref.terms[key].value, atol=TOL), key


def _check_moco(seed: int) -> None:
    x1, x2, w = _data(seed)
    w_key = torch.randn(
        D_IN, D, generator=torch.Generator().manual_seed(seed + 1), dtype=torch.float64
    )
    ref_loss = MoCoLoss(D, queue_size=12, temperature=0.2, seed=5).double()
    dist_loss = MoCoLoss(
        D, queue_size=12, temperature=0.2, seed=5, gather_distributed=True
    ).double()
    n = N // WORLD
    rows = slice(rank() * n, (rank() + 1) * n)
    for step in range(3):  # later steps use the queue filled by earlier ones
        xq, xk = (x1, x2) if step % 2 == 0 else (x2 * 0.5, x1 + 1.0)
        w_full = w.clone().requires_grad_()
        ref = ref_loss(xq @ w_full, xk @ w_key)
        ref.loss.backward()
        w_local = w.clone().requires_grad_()
        out = dist_loss(xq[rows] @ w_local, xk[rows] @ w_key)
        out.loss.backward()
        assert torch.allclose(_mean_over_ranks(out.loss), ref.loss.detach(), atol=TOL, rtol=0)
        assert torch.allclose(_mean_over_ranks(w_local.grad), w_full.grad, atol=TOL, rtol=0)
        assert torch.allclose(dist_loss.queue, ref_loss.queue, atol=TOL)
        assert int(dist_loss.queue_ptr) == int(ref_loss.queue_ptr)


def _check_dino_center(seed: int) -> None:
    x1, x2, w = _data(seed)
    ref_loss, dist_loss = DINOLoss(D).double(), DINOLoss(D, gather_distributed=True).double()
    n = N // WORLD
    rows = slice(rank() * n, (rank() + 1) * n)
    for _ in range(2):
        w_full = w.clone().requires_grad_()
        ref = ref_loss([x1 @ w_full, x2 @ w_full], [x2 @ w, x1 @ w])
        ref.loss.backward()
        w_local = w.clone().requires_grad_()
        out = dist_loss([x1[rows] @ w_local, x2[rows] @ w_local], [x2[rows] @ w, x1[rows] @ w])
        out.loss.backward()
        assert torch.allclose(_mean_over_ranks(out.loss), ref.loss.detach(), atol=TOL, rtol=0)
        assert torch.allclose(_mean_over_ranks(w_local.grad), w_full.grad, atol=TOL, rtol=0)
        assert torch.allclose(dist_loss.center, ref_loss.center, atol=TOL)


def _check_gather_unequal_sizes() -> None:
    sizes = [3, 5]
    full = torch.arange(8 * 2, dtype=torch.float64).reshape(8, 2)
    start = sum(sizes[: rank()])
    local = full[start : start + sizes[rank()]].clone().requires_grad_()
    gathered = gather(local)
    assert torch.equal(gathered.detach(), full)
    assert row_offset(local) == start
    weights = torch.linspace(-1, 1, 16, dtype=torch.float64).reshape(8, 2)
    (gathered * weights).sum().backward()
    # every process's loss depends on this slice: the gradient is summed over processes
    assert torch.allclose(local.grad, WORLD * weights[start : start + sizes[rank()]])


def run_loss_checks(rank_: int) -> None:
    """Every check above, in a process of an initialised two-process gloo group."""
    assert world_size() == WORLD and rank() == rank_
    _check_two_view_loss(lambda g: SimCLRLoss(0.5, gather_distributed=g), seed=1)
    _check_two_view_loss(lambda g: VICRegLoss(gather_distributed=g), seed=2)
    _check_two_view_loss(lambda g: BarlowTwinsLoss(0.01, gather_distributed=g), seed=3)
    _check_moco(seed=4)
    _check_two_view_loss(lambda g: InfoNCELoss(0.3, gather_distributed=g), seed=5)
    _check_two_view_loss(lambda g: CorInfoMaxLoss(0.5, gather_distributed=g), seed=6)
    _check_two_view_loss(lambda g: SwAVLoss(0.5, epsilon=0.3, gather_distributed=g), seed=7)
    _check_dino_center(seed=8)
    _check_gather_unequal_sizes()

"""Backbone features of a whole dataset, un-augmented, for kNN monitors and probes.

The encoder runs in eval mode (BatchNorm with running statistics) and without gradient, in
blocks of ``batch_size``. Inside a process group each process encodes one contiguous chunk of
``ceil(N/W)`` samples and the chunks are gathered in rank order, so every process gets the
features of all N samples in dataset order. Features are returned as float32 on the CPU.
Cost: one forward pass over the dataset, split over the processes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from infossl.nn.distributed import gather_no_grad, rank, world_size

__all__ = ["encode_dataset"]


@torch.no_grad()
def encode_dataset(
    encoder: nn.Module,
    inputs: torch.Tensor,
    transform: Callable[[torch.Tensor], torch.Tensor],
    *,
    batch_size: int = 512,
    device: torch.device | str = "cpu",
    autocast: Callable[[], contextlib.AbstractContextManager[Any]] | None = None,
) -> torch.Tensor:
    """Features ``(N, D)`` of ``encoder(transform(inputs[i]))`` for every sample."""
    device = torch.device(device)
    n = int(inputs.shape[0])
    w, r = world_size(), rank()
    chunk = -(-n // w)
    start, stop = min(n, r * chunk), min(n, (r + 1) * chunk)
    was_training = encoder.training
    encoder.eval()
    parts = []
    try:
        for a in range(start, stop, batch_size):
            x = transform(inputs[a : min(stop, a + batch_size)].to(device))
            with autocast() if autocast is not None else contextlib.nullcontext():
                parts.append(encoder(x).float())
    finally:
        encoder.train(was_training)
    if parts:
        local = torch.cat(parts)
    else:
        dim = _output_dim(encoder, inputs[:1], transform, device, autocast)
        local = torch.zeros(0, dim, device=device)
    return gather_no_grad(local).cpu() if w > 1 else local.cpu()


def _output_dim(
    encoder: nn.Module, sample: torch.Tensor, transform: Callable, device: Any, autocast: Any
) -> int:
    feat = getattr(encoder, "feat_dim", None)
    if feat is not None:
        return int(feat)
    was_training = encoder.training
    encoder.eval()
    try:
        with autocast() if autocast is not None else contextlib.nullcontext():
            return int(encoder(transform(sample.to(device))).shape[1])
    finally:
        encoder.train(was_training)

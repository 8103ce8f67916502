"""Seeded, shard-aware batch iteration over an in-memory dataset (no worker processes).

Each epoch draws one permutation of ``0..N-1`` from ``numpy.random.default_rng([seed, epoch])``
(identical on every process), then, like ``torch.utils.data.DistributedSampler``, either drops
the last ``N mod W`` positions (``drop_last``) or pads by wrapping around so that every one of
the ``W = world_size`` ranks gets the same count; rank ``r`` takes positions ``r, r+W, ...``.
A batch is one ``index_select`` on the stored ``uint8`` tensor: O(B·C·H·W) bytes copied, no
decoding, no collation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from infossl._checks import check_int
from infossl.data.dataset import ImageDataset, VectorDataset
from infossl.data.multiview import MultiViewDataset

LoaderDataset = ImageDataset | VectorDataset | MultiViewDataset


@dataclass(frozen=True)
class Batch:
    """One batch: ``inputs`` (uint8 images, float32 vectors, or a tuple of views), ``labels``,
    dataset ``indices``."""

    inputs: torch.Tensor | tuple[torch.Tensor, ...]
    labels: torch.Tensor
    indices: torch.Tensor


class BatchLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` for this ``rank`` of ``world_size``.

    ``set_epoch(e)`` (or ``iterate(e)``) picks the epoch's permutation; iterating the loader
    uses the current epoch. With ``shuffle=False`` the order is ``0..N-1``. ``drop_last`` drops
    both the shard remainder and the last incomplete batch. ``device`` moves each batch there.
    """

    def __init__(
        self,
        dataset: LoaderDataset,
        batch_size: int,
        *,
        shuffle: bool = True,
        drop_last: bool = True,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        device: torch.device | str | None = None,
    ) -> None:
        if not isinstance(dataset, (ImageDataset, VectorDataset, MultiViewDataset)):
            raise TypeError(
                f"dataset must be an ImageDataset, VectorDataset or MultiViewDataset,"
                f" got {type(dataset).__name__}"
            )
        self.dataset = dataset
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = check_int(seed, "seed", low=0)
        self.world_size = check_int(world_size, "world_size", low=1)
        self.rank = check_int(rank, "rank", low=0, high=self.world_size - 1)
        self.device = device
        self.epoch = 0
        if self.samples_per_rank == 0 or len(self) == 0:
            raise ValueError(
                f"dataset {dataset.name!r} with {len(dataset)} samples gives no batch of "
                f"batch_size={batch_size} on each of world_size={world_size} ranks "
                f"(drop_last={drop_last})"
            )

    @property
    def samples_per_rank(self) -> int:
        n, w = len(self.dataset), self.world_size
        return n // w if self.drop_last else -(-n // w)

    def __len__(self) -> int:
        """Batches per epoch on this rank (the same on every rank)."""
        m, b = self.samples_per_rank, self.batch_size
        return m // b if self.drop_last else -(-m // b)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = check_int(epoch, "epoch", low=0)

    def indices(self, epoch: int | None = None) -> torch.Tensor:
        """This rank's sample order for ``epoch`` (default: the current one), int64."""
        epoch = self.epoch if epoch is None else check_int(epoch, "epoch", low=0)
        n = len(self.dataset)
        order = (
            np.random.default_rng([self.seed, epoch]).permutation(n)
            if self.shuffle
            else np.arange(n)
        )
        total = self.samples_per_rank * self.world_size
        if total > n:
            order = np.concatenate([order, order[: total - n]])
        return torch.from_numpy(order[:total][self.rank :: self.world_size].astype(np.int64))

    def iterate(self, epoch: int | None = None) -> Iterator[Batch]:
        """Yield the batches of ``epoch`` (default: the current one)."""
        idx = self.indices(epoch)
        inputs, labels = self.dataset.inputs, self.dataset.labels
        dev = self.device
        for k in range(len(self)):
            sel = idx[k * self.batch_size : (k + 1) * self.batch_size]
            if isinstance(inputs, tuple):
                x: torch.Tensor | tuple[torch.Tensor, ...] = tuple(
                    v.index_select(0, sel) if dev is None else v.index_select(0, sel).to(dev)
                    for v in inputs
                )
            else:
                x = inputs.index_select(0, sel)
                x = x if dev is None else x.to(dev)
            y = labels.index_select(0, sel)
            yield Batch(x, y if dev is None else y.to(dev), sel)

    def __iter__(self) -> Iterator[Batch]:
        return self.iterate()

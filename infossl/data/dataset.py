"""In-memory datasets: decoded once, kept as tensors.

An :class:`ImageDataset` holds every image as one ``uint8`` tensor of shape ``(N, C, H, W)``
(8 bits per value: CIFAR-10's 50,000 training images take 154 MB) and the labels as ``int64``
``(N,)``; a :class:`VectorDataset` holds ``float32`` feature vectors ``(N, D)`` for MLP backbones.
Unlabelled data carries the label ``-1`` and an empty ``classes`` tuple.
Augmentations convert ``uint8`` batches to float on the fly (:mod:`infossl.data.augment`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from infossl.data.conversion import UNLABELLED, images_to_uint8_nchw, labels_to_int64


class DatasetError(ValueError):
    """A dataset that is empty, corrupt, unsafe or not in the expected layout (names the path)."""


def _check_labels(labels: torch.Tensor, n: int, classes: tuple[str, ...], where: str) -> None:
    if labels.dtype != torch.int64 or labels.ndim != 1:
        raise TypeError(
            f"labels of {where} must be an int64 tensor of shape (N,), got "
            f"{labels.dtype} {tuple(labels.shape)}"
        )
    if labels.shape[0] != n:
        raise ValueError(f"labels of {where} has {labels.shape[0]} entries for {n} samples")
    if n == 0:
        return
    if classes:
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= len(classes):
            raise ValueError(
                f"labels of {where} must lie in [0, {len(classes) - 1}] for "
                f"{len(classes)} classes, got range [{low}, {high}]"
            )
    elif bool((labels != UNLABELLED).any()):
        raise ValueError(f"{where} has no classes, so every label must be {UNLABELLED}")


def _as_index(indices: Any, n: int) -> torch.Tensor:
    idx = torch.as_tensor(np.asarray(indices) if not torch.is_tensor(indices) else indices)
    if idx.dtype == torch.bool:
        if idx.shape != (n,):
            raise ValueError(f"a boolean mask must have shape ({n},), got {tuple(idx.shape)}")
        return idx.nonzero().squeeze(1)
    if idx.dtype.is_floating_point or idx.dtype.is_complex or idx.ndim != 1:
        raise TypeError(
            f"indices must be a 1-D integer array or a boolean mask, got "
            f"{idx.dtype} {tuple(idx.shape)}"
        )
    idx = idx.to(torch.int64)
    if idx.numel() and (int(idx.min()) < -n or int(idx.max()) >= n):
        raise ValueError(f"indices out of range for a dataset of {n} samples")
    return idx


class LabelledSamples:
    """Label accessors shared by the datasets, read from their ``classes`` (empty: unlabelled)."""

    classes: tuple[str, ...]

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def has_labels(self) -> bool:
        return bool(self.classes)


@dataclass(frozen=True, eq=False)
class ImageDataset(LabelledSamples):
    """Images as ``uint8 (N, C, H, W)`` with ``int64`` labels, class names and a name."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]
    name: str

    def __post_init__(self) -> None:
        if not torch.is_tensor(self.images) or self.images.dtype != torch.uint8:
            raise TypeError(
                f"images of dataset {self.name!r} must be a uint8 tensor, got "
                f"{getattr(self.images, 'dtype', type(self.images).__name__)}"
            )
        if self.images.ndim != 4:
            raise ValueError(
                f"images of dataset {self.name!r} must have shape (N, C, H, W), "
                f"got {tuple(self.images.shape)}"
            )
        object.__setattr__(self, "classes", tuple(str(c) for c in self.classes))
        _check_labels(self.labels, self.images.shape[0], self.classes, f"dataset {self.name!r}")

    @property
    def inputs(self) -> torch.Tensor:
        """The tensor a batch loader slices (here ``images``)."""
        return self.images

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    @property
    def image_size(self) -> tuple[int, int]:
        """``(H, W)``."""
        return int(self.images.shape[2]), int(self.images.shape[3])

    def subset(self, indices: Any, name: str | None = None) -> ImageDataset:
        """The samples at ``indices`` (integer array or boolean mask) as a new dataset."""
        idx = _as_index(indices, len(self))
        return ImageDataset(
            self.images[idx], self.labels[idx], self.classes, name or f"{self.name}[subset]"
        )

    def channel_stats(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Per-channel mean and standard deviation of the pixels scaled to [0, 1].

        Computed in float64 over all N·H·W values of each channel, one channel at a time.
        """
        if len(self) == 0:
            raise DatasetError(f"dataset {self.name!r} is empty")
        means, stds = [], []
        for c in range(self.channels):
            v = self.images[:, c].to(torch.float64) / 255.0
            means.append(float(v.mean()))
            stds.append(float(v.std(correction=0)))
        return tuple(means), tuple(stds)

    @classmethod
    def from_arrays(
        cls,
        images: Any,
        labels: Any = None,
        classes: Sequence[str] | None = None,
        name: str = "arrays",
        layout: str = "auto",
    ) -> ImageDataset:
        """Build a dataset from arrays (see :mod:`infossl.data.conversion`)."""
        imgs = images_to_uint8_nchw(images, layout=layout, name="images")
        labs, cls_names = labels_to_int64(labels, imgs.shape[0], classes)
        return cls(imgs, labs, cls_names, name)


@dataclass(frozen=True, eq=False)
class VectorDataset(LabelledSamples):
    """Feature vectors as ``float32 (N, D)`` with ``int64`` labels (for MLP backbones)."""

    features: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]
    name: str

    def __post_init__(self) -> None:
        if not torch.is_tensor(self.features) or self.features.dtype != torch.float32:
            raise TypeError(f"features of dataset {self.name!r} must be a float32 tensor")
        if self.features.ndim != 2:
            raise ValueError(
                f"features of dataset {self.name!r} must have shape (N, D), got "
                f"{tuple(self.features.shape)}"
            )
        if not bool(torch.isfinite(self.features).all()):
            raise ValueError(f"features of dataset {self.name!r} contain NaN or infinite values")
        object.__setattr__(self, "classes", tuple(str(c) for c in self.classes))
        _check_labels(self.labels, self.features.shape[0], self.classes, f"dataset {self.name!r}")

    @property
    def inputs(self) -> torch.Tensor:
        """The tensor a batch loader slices (here ``features``)."""
        return self.features

    def __len__(self) -> int:
        return int(self.features.shape[0])

    @property
    def dim(self) -> int:
        return int(self.features.shape[1])

    def subset(self, indices: Any, name: str | None = None) -> VectorDataset:
        """The samples at ``indices`` (integer array or boolean mask) as a new dataset."""
        idx = _as_index(indices, len(self))
        return VectorDataset(
            self.features[idx], self.labels[idx], self.classes, name or f"{self.name}[subset]"
        )

    @classmethod
    def from_arrays(
        cls,
        features: Any,
        labels: Any = None,
        classes: Sequence[str] | None = None,
        name: str = "arrays",
    ) -> VectorDataset:
        """Build a dataset from a real ``(N, D)`` array and optional labels."""
        from infossl._checks import as_samples

        feats = torch.from_numpy(as_samples(features, "features", dtype=np.float32, allow_1d=False))
        labs, cls_names = labels_to_int64(labels, feats.shape[0], classes)
        return cls(feats, labs, cls_names, name)


Dataset = ImageDataset | VectorDataset

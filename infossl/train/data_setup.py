"""Datasets, views and the evaluation transform of a run, from its ``data`` config.

* Training set: ``load_dataset(data.name, data.split)``, optionally cut to ``data.limit``
  evenly spaced samples (``round(linspace(0, N − 1, limit))``: folders sorted by class keep
  every class). Validation set: ``data.val`` / ``data.val_split`` if given; for
  ``digits`` the fixed ``"test"`` split; otherwise none (kNN and probe accuracies are then
  not computed).
* Normalisation: per-channel mean and std of the training images scaled to [0, 1] (computed on
  at most :data:`STATS_SAMPLES` evenly spaced images), or per-feature for vector data.
* Views: an augmentation preset of :mod:`infossl.data.presets` (``auto``: ``digits`` for
  one-channel images of at most 16 px, else the method's default, ``simclr`` or ``byol``),
  ``none`` (two identical un-augmented views) or, for vector data, ``noise`` (Gaussian noise
  of ``noise_std`` standardised units, default 0.1, per view).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from infossl.data import ImageDataset, VectorDataset, load_dataset
from infossl.data.augment import MultiView, Pipeline
from infossl.data.presets import build_views, evaluation
from infossl.data.seeding import torch_generator

__all__ = ["STATS_SAMPLES", "RunData", "load_run_data", "make_eval_transform", "make_views"]

STATS_SAMPLES = 10_000
Dataset = ImageDataset | VectorDataset
Views = Callable[[torch.Tensor, Any], list[torch.Tensor]]


@dataclass
class RunData:
    """Everything data-related a run needs."""

    train: Dataset
    val: Dataset | None
    mean: tuple[float, ...]
    std: tuple[float, ...]
    augment: str

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one sample as the backbone sees it: ``(C, H, W)`` or ``(D,)``."""
        return tuple(int(s) for s in self.train.inputs.shape[1:])

    @property
    def is_image(self) -> bool:
        return isinstance(self.train, ImageDataset)

    @property
    def num_classes(self) -> int | None:
        n = self.train.num_classes
        return n if n >= 2 else None


def _stats(dataset: Dataset) -> tuple[tuple[float, ...], tuple[float, ...]]:
    n = len(dataset)
    idx = np.linspace(0, n - 1, min(n, STATS_SAMPLES)).round().astype(np.int64)
    part = dataset.subset(np.unique(idx))
    if isinstance(part, ImageDataset):
        return part.channel_stats()
    x = part.features.double()
    std = x.std(dim=0, correction=0)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return tuple(x.mean(dim=0).tolist()), tuple(std.tolist())


def _load(source: str, split: str | None, cfg: Any) -> Dataset:
    return load_dataset(source, split, channels=cfg.channels, image_size=cfg.image_size)


def load_run_data(cfg: Any, method_augment: str = "simclr") -> RunData:
    """Load the datasets of ``cfg.data`` (a :class:`~infossl.train.config.DataConfig`)."""
    train = _load(cfg.name, cfg.split, cfg)
    if cfg.limit is not None and cfg.limit < len(train):
        keep = np.linspace(0, len(train) - 1, cfg.limit).round().astype(np.int64)
        train = train.subset(keep, name=f"{train.name}[{cfg.limit} of {len(train)}]")
    if cfg.val is not None or cfg.val_split is not None:
        val = _load(cfg.val or cfg.name, cfg.val_split, cfg)
    elif cfg.name == "digits":
        val = _load("digits", "test", cfg)
    else:
        val = None
    if val is not None and tuple(val.inputs.shape[1:]) != tuple(train.inputs.shape[1:]):
        raise ValueError(
            f"data.val: validation samples have shape {tuple(val.inputs.shape[1:])} "
            f"but training samples {tuple(train.inputs.shape[1:])}"
        )
    if cfg.normalize:
        mean, std = _stats(train)
    else:
        d = train.inputs.shape[1]
        mean, std = (0.0,) * d, (1.0,) * d
    return RunData(train, val, mean, std, resolve_augment(cfg.augment, train, method_augment))


def resolve_augment(name: str, train: Dataset, method_augment: str) -> str:
    """The preset ``auto`` stands for (see the module docstring)."""
    if isinstance(train, VectorDataset):
        if name not in ("auto", "noise", "none"):
            raise ValueError(
                f"data.augment: {name!r} needs images; vector data take 'noise' or 'none'"
            )
        return "noise" if name == "auto" else name
    if name == "noise":
        raise ValueError(
            "data.augment: 'noise' is for vector data; images take auto, simclr, "
            "byol, digits or none"
        )
    if name != "auto":
        return name
    c, h, w = train.images.shape[1:]
    return "digits" if c == 1 and max(h, w) <= 16 else method_augment


class _VectorNoise:
    """Two views of standardised vectors: ``(x − mean)/std + N(0, noise_std²)`` each."""

    def __init__(
        self,
        mean: tuple[float, ...],
        std: tuple[float, ...],
        noise_std: float = 0.1,
        n_views: int = 2,
    ) -> None:
        self.mean = torch.tensor(mean, dtype=torch.float32)
        self.std = torch.tensor(std, dtype=torch.float32)
        self.noise_std = float(noise_std)
        self.n_views = int(n_views)

    def __call__(self, x: torch.Tensor, seed: Any = None) -> list[torch.Tensor]:
        gen = torch_generator(seed)
        base = (x.float() - self.mean.to(x.device)) / self.std.to(x.device)
        return [
            base + self.noise_std * torch.randn(x.shape, generator=gen).to(x.device)
            for _ in range(self.n_views)
        ]


class _Standardise:
    def __init__(self, mean: tuple[float, ...], std: tuple[float, ...]) -> None:
        self.mean = torch.tensor(mean, dtype=torch.float32)
        self.std = torch.tensor(std, dtype=torch.float32)

    def __call__(self, x: torch.Tensor, seed: Any = None) -> torch.Tensor:
        return (x.float() - self.mean.to(x.device)) / self.std.to(x.device)


def make_views(data: RunData, options: dict[str, Any]) -> Views:
    """The two-view augmentation of a run (called as ``views(batch, seed)``)."""
    mean, std = list(data.mean), list(data.std)
    if not data.is_image:
        if data.augment == "none":
            return _VectorNoise(data.mean, data.std, noise_std=0.0)
        return _VectorNoise(data.mean, data.std, **options)
    c, h, _ = data.input_shape
    if data.augment == "none":
        pipe = evaluation(mean, std)
        return MultiView([pipe, pipe])
    if data.augment == "digits":
        return build_views("digits", size=h, mean=mean, std=std, **options)
    return build_views(data.augment, size=h, channels=c, mean=mean, std=std, **options)


def make_eval_transform(data: RunData) -> Callable[[torch.Tensor], torch.Tensor]:
    """The un-augmented, normalised input for kNN, probes and evaluation."""
    if data.is_image:
        pipe: Pipeline = evaluation(list(data.mean), list(data.std))
        return lambda x: pipe(x, 0)
    return _Standardise(data.mean, data.std)

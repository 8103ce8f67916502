"""One entry point, :func:`load_dataset`, for named datasets and files/folders on disk.

Sources (recognised in this order):

* a registered name: ``"digits"`` (embedded, :mod:`infossl.data.digits`), the multi-view
  testbed (``"multiview-linear"``, ``"multiview-nonlinear"``, ``"multiview-shapes"``,
  :mod:`infossl.data.multiview`) and whatever other modules add with :func:`register_dataset`;
* a folder holding CIFAR-10 binary batches, or one ``.bin`` batch (:mod:`.cifar_binary`);
* a folder or ``.zip`` archive in ImageFolder layout (:mod:`.imagefolder`);
* a ``.npy`` / ``.npz`` file (:mod:`.arrays`).

A missing path raises ``FileNotFoundError``; an empty, corrupt or badly laid out source raises
:class:`~infossl.data.dataset.DatasetError` (a ``ValueError``); both name the path.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from infossl._checks import check_choice, check_image_size
from infossl.data.arrays import load_array_file
from infossl.data.cifar_binary import is_cifar_binary_dir, read_cifar_binary
from infossl.data.dataset import DatasetError, ImageDataset, VectorDataset
from infossl.data.digits import load_digits
from infossl.data.imagefolder import read_image_folder
from infossl.data.multiview import FACTORIES as MULTIVIEW_FACTORIES
from infossl.data.multiview import MultiViewDataset

AnyDataset = ImageDataset | VectorDataset | MultiViewDataset
DatasetFactory = Callable[..., AnyDataset]
_REGISTRY: dict[str, DatasetFactory] = {"digits": load_digits, **MULTIVIEW_FACTORIES}
ARRAY_SUFFIXES = (".npy", ".npz")
GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R BT.601 luma


def register_dataset(name: str, factory: DatasetFactory, *, overwrite: bool = False) -> None:
    """Make ``load_dataset(name, split=..., **options)`` call ``factory(split=..., **options)``."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    if not callable(factory):
        raise TypeError(f"factory must be callable, got {type(factory).__name__}")
    if name in _REGISTRY and not overwrite:
        raise ValueError(f"dataset name {name!r} is already registered; pass overwrite=True")
    _REGISTRY[name] = factory


def dataset_names() -> list[str]:
    """The registered dataset names."""
    return sorted(_REGISTRY)


def convert_images(
    images: torch.Tensor, channels: int | None, image_size: tuple[int, int] | None
) -> torch.Tensor:
    """Change channel count (RGB → luma with BT.601 weights, gray → 3 copies) and resize.

    Resizing is bilinear with antialiasing (``F.interpolate(antialias=True)``), then rounded
    back to uint8. Works on the whole ``(N, C, H, W)`` tensor at once.
    """
    if channels is not None and channels != images.shape[1]:
        if images.shape[1] == 3 and channels == 1:
            w = torch.tensor(GRAY_WEIGHTS).view(1, 3, 1, 1)
            images = (images.float() * w).sum(1, keepdim=True).round().clamp(0, 255)
            images = images.to(torch.uint8)
        elif images.shape[1] == 1 and channels == 3:
            images = images.expand(-1, 3, -1, -1).contiguous()
        else:
            raise ValueError(f"cannot convert {images.shape[1]} channels to {channels}")
    if image_size is not None and tuple(images.shape[2:]) != image_size:
        out = F.interpolate(
            images.float(), size=image_size, mode="bilinear", align_corners=False, antialias=True
        )
        images = out.round().clamp(0, 255).to(torch.uint8)
    return images


def load_dataset(
    source: str | os.PathLike[str],
    split: str | None = None,
    *,
    channels: int | None = None,
    image_size: int | tuple[int, int] | None = None,
    cache: bool | str | os.PathLike[str] = True,
    layout: str = "auto",
    **options: Any,
) -> AnyDataset:
    """Load a dataset by name or path into memory (see the module docstring).

    Args:
        source: a registered name (``dataset_names()``) or a path.
        split: ``"train"``/``"test"`` for digits and CIFAR binary (None → ``"train"``); a
            top-level folder (``"train"``, ``"val"``) for ImageFolder sources (None → detect).
        channels: 1 or 3 to convert; None keeps the source's.
        image_size: resize every image to ``(H, W)`` (an int means square).
        cache: decoded-array cache for image folders and zips (``True``: ``$INFOSSL_CACHE`` or
            ``~/.cache/infossl``; a path: that folder; ``False``: none).
        layout: channel layout of ``.npy``/``.npz`` images (``"auto"``, ``"nchw"``, ``"nhwc"``).
        options: passed to a registered factory.
    """
    if channels is not None:
        channels = check_choice(channels, "channels", (1, 3))
    size = check_image_size(image_size, "image_size", optional=True)
    if split is not None and not isinstance(split, str):
        raise TypeError(f"split must be a string or None, got {type(split).__name__}")
    if isinstance(source, str) and source in _REGISTRY:
        kwargs = dict(options)
        if image_size is not None:
            kwargs["image_size"] = image_size
        data = _REGISTRY[source](split=split, **kwargs)
        if isinstance(data, ImageDataset) and channels is not None:
            data = ImageDataset(
                convert_images(data.images, channels, None), data.labels, data.classes, data.name
            )
        return data
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"source must be a dataset name or a path, got {type(source).__name__}")
    if options:
        raise TypeError(f"unexpected options for a path source: {sorted(options)}")
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"dataset not found: no file or folder {path} (and "
            f"{str(source)!r} is not a dataset name: {dataset_names()})"
        )
    suffix = path.suffix.lower()
    if (path.is_dir() and not is_cifar_binary_dir(path)) or suffix == ".zip":
        return read_image_folder(path, split, channels, size, cache)
    if path.is_dir() or suffix == ".bin":
        data: ImageDataset | VectorDataset = read_cifar_binary(path, split)
    elif suffix in ARRAY_SUFFIXES:
        data = load_array_file(path, split, layout)
    else:
        raise DatasetError(
            f"unsupported dataset file {path}: expected a folder, .zip, .bin, .npy or .npz"
        )
    if isinstance(data, ImageDataset) and (channels is not None or size is not None):
        data = ImageDataset(
            convert_images(data.images, channels, size), data.labels, data.classes, data.name
        )
    elif isinstance(data, VectorDataset) and (channels is not None or size is not None):
        raise ValueError(f"{path} holds vectors; channels and image_size apply to images only")
    return data

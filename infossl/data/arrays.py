"""Numpy arrays as datasets: ``.npy``/``.npz`` files.

Images become ``uint8 (N, C, H, W)`` (layout and dtype conversion in
:mod:`infossl.data.conversion`, whose functions are importable from here too). A 2-D ``(N, D)``
array is vector data (:class:`~infossl.data.dataset.VectorDataset`). Files are read with
``allow_pickle=False``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from infossl.data.conversion import LAYOUTS, images_to_uint8_nchw, labels_to_int64
from infossl.data.dataset import DatasetError, ImageDataset, VectorDataset

__all__ = [
    "IMAGE_KEYS",
    "LABEL_KEYS",
    "LAYOUTS",
    "images_to_uint8_nchw",
    "labels_to_int64",
    "load_array_file",
]

IMAGE_KEYS = ("images", "x", "data", "features")
LABEL_KEYS = ("labels", "y", "targets")


def _pick(keys: Sequence[str], store: Any, split: str | None) -> str | None:
    wanted = [f"{k}_{split}" for k in keys] if split else list(keys)
    for key in wanted:
        if key in store:
            return key
    return None


def load_array_file(
    path: Path, split: str | None = None, layout: str = "auto"
) -> ImageDataset | VectorDataset:
    """Read a ``.npy`` (inputs only, unlabelled) or ``.npz`` file.

    An ``.npz`` holds the inputs under one of ``images``/``x``/``data``/``features``, optional
    labels under ``labels``/``y``/``targets`` and optional class names under ``classes``. With
    ``split="train"`` the keys ``images_train``, ``labels_train`` ... are used instead.
    """
    try:
        if path.suffix == ".npy":
            if split is not None:
                raise DatasetError(f"{path} is a single .npy array; it has no split {split!r}")
            inputs, labels, classes = np.load(path, allow_pickle=False), None, None
        else:
            with np.load(path, allow_pickle=False) as store:
                key = _pick(IMAGE_KEYS, store, split)
                if key is None:
                    raise DatasetError(
                        f"{path} has no input array: expected one of "
                        f"{[f'{k}_{split}' if split else k for k in IMAGE_KEYS]}, found "
                        f"{sorted(store.files)}"
                    )
                label_key = _pick(LABEL_KEYS, store, split)
                inputs = store[key]
                labels = store[label_key] if label_key else None
                classes = [str(c) for c in store["classes"]] if "classes" in store else None
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise DatasetError(f"cannot read array file {path}: {err}") from None
    except ValueError as err:
        if isinstance(err, DatasetError):
            raise
        raise DatasetError(f"cannot read array file {path}: {err}") from None
    name = path.stem if split is None else f"{path.stem}-{split}"
    try:
        if inputs.ndim == 2:
            return VectorDataset.from_arrays(inputs, labels, classes, name=name)
        return ImageDataset.from_arrays(inputs, labels, classes, name=name, layout=layout)
    except (TypeError, ValueError) as err:
        raise DatasetError(f"invalid arrays in {path}: {err}") from None

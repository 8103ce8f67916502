"""The CIFAR-10 binary format (``data_batch_1.bin`` … ``data_batch_5.bin``, ``test_batch.bin``).

Each record is 3,073 bytes: one label byte (0–9) then 1,024 red, 1,024 green and 1,024 blue
bytes of a 32×32 image in row-major order (Krizhevsky 2009, "Learning Multiple Layers of
Features from Tiny Images", and the format note on the CIFAR web page). No pickle is involved:
the files are read as raw bytes with ``numpy.fromfile``. Class names come from
``batches.meta.txt`` when present.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from infossl._checks import check_choice
from infossl.data.dataset import DatasetError, ImageDataset

RECORD_BYTES = 1 + 3 * 32 * 32
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
#: Channel mean and standard deviation of the CIFAR-10 training images in [0, 1].
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
CIFAR_SPLITS = ("train", "test")


def is_cifar_binary_dir(path: Path) -> bool:
    """True if ``path`` is a folder holding CIFAR-10 binary batches."""
    return path.is_dir() and (
        any(path.glob("data_batch_*.bin")) or (path / "test_batch.bin").is_file()
    )


def read_cifar_records(file: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images uint8 (n, 3, 32, 32), labels int64 (n,))`` from one batch file."""
    raw = np.fromfile(file, dtype=np.uint8)
    if raw.size == 0 or raw.size % RECORD_BYTES:
        raise DatasetError(
            f"{file} is not a CIFAR-10 binary batch: {raw.size} bytes is not a "
            f"positive multiple of the {RECORD_BYTES}-byte record"
        )
    records = raw.reshape(-1, RECORD_BYTES)
    labels = records[:, 0].astype(np.int64)
    if labels.max() >= len(CIFAR10_CLASSES):
        raise DatasetError(
            f"{file} holds label {labels.max()}; CIFAR-10 labels are 0..9 "
            "(is this a CIFAR-100 file?)"
        )
    return records[:, 1:].reshape(-1, 3, 32, 32), labels


def _class_names(folder: Path) -> tuple[str, ...]:
    meta = folder / "batches.meta.txt"
    if meta.is_file():
        names = tuple(line.strip() for line in meta.read_text().splitlines() if line.strip())
        if len(names) == len(CIFAR10_CLASSES):
            return names
    return CIFAR10_CLASSES


def read_cifar_binary(path: Path, split: str | None = None) -> ImageDataset:
    """Load a folder of CIFAR-10 batches (``split`` "train" by default, or "test"), or one file."""
    if path.is_file():
        if split is not None:
            raise DatasetError(f"{path} is a single CIFAR-10 batch; it has no split {split!r}")
        images, labels = read_cifar_records(path)
        return ImageDataset(
            torch.from_numpy(images.copy()),
            torch.from_numpy(labels),
            _class_names(path.parent),
            path.stem,
        )
    split = check_choice("train" if split is None else split, "split", CIFAR_SPLITS)
    files = sorted(path.glob("data_batch_*.bin")) if split == "train" else [path / "test_batch.bin"]
    files = [f for f in files if f.is_file()]
    if not files:
        raise DatasetError(
            f"no CIFAR-10 {split} batches in {path} (expected "
            f"{'data_batch_*.bin' if split == 'train' else 'test_batch.bin'})"
        )
    parts = [read_cifar_records(f) for f in files]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    return ImageDataset(
        torch.from_numpy(images), torch.from_numpy(labels), _class_names(path), f"cifar10-{split}"
    )

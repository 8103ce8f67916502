"""On-disk cache of decoded datasets (so 50,000 JPEGs are decoded once, not every run).

A decoded dataset is stored as an uncompressed ``.npz`` (``images`` uint8 NCHW, ``labels``
int64, ``classes`` unicode) named by a SHA-256 of its *fingerprint*: the source's resolved path,
size and modification time plus every decoding parameter. Changing the source or a parameter
therefore changes the key; stale files are simply never read again. Files are written to a
temporary name in the cache folder and renamed, so a killed process never leaves a partial
cache entry. The folder is ``$INFOSSL_CACHE`` if set, else ``~/.cache/infossl``.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from infossl._atomic import atomic_write

CACHE_ENV = "INFOSSL_CACHE"
CACHE_FORMAT = 1


def default_cache_dir() -> Path:
    """``$INFOSSL_CACHE`` if set, else ``~/.cache/infossl``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "infossl"


def resolve_cache_dir(cache: bool | str | os.PathLike[str]) -> Path | None:
    """``True`` → the default folder, ``False`` → no cache, a path → that folder."""
    if isinstance(cache, bool):
        return default_cache_dir() if cache else None
    if isinstance(cache, (str, os.PathLike)):
        return Path(cache).expanduser()
    raise TypeError(f"cache must be a bool or a folder path, got {type(cache).__name__}")


def cache_file(folder: Path, stem: str, fingerprint: dict[str, Any]) -> Path:
    """The cache path for a source with this fingerprint (a JSON-serialisable dict)."""
    payload = json.dumps({"format": CACHE_FORMAT, **fingerprint}, sort_keys=True)
    digest = hashlib.sha256(payload.encode()).hexdigest()[:20]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:60]
    return folder / f"{safe}-{digest}.npz"


def load_cached(path: Path) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...]] | None:
    """The cached ``(images, labels, classes)``, or ``None`` if absent or unreadable."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as store:
            images, labels = store["images"], store["labels"]
            classes = tuple(str(c) for c in store["classes"])
        if images.dtype != np.uint8 or images.ndim != 4 or labels.shape != images.shape[:1]:
            raise ValueError("unexpected array shapes")
    except (OSError, KeyError, ValueError, EOFError) as err:
        warnings.warn(f"ignoring unreadable cache file {path}: {err}", stacklevel=3)
        return None
    return torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64)), classes


def save_cached(
    path: Path, images: torch.Tensor, labels: torch.Tensor, classes: tuple[str, ...]
) -> bool:
    """Write atomically (temporary file + rename). Returns False (with a warning) on failure."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(
            path,
            lambda fh: np.savez(
                fh,
                images=images.numpy(),
                labels=labels.numpy(),
                classes=np.array(classes, dtype=np.str_),
            ),
        )
        return True
    except OSError as err:
        warnings.warn(f"could not write dataset cache {path}: {err}", stacklevel=3)
        return False

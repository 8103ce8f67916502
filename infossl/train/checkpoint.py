"""Atomic checkpoints that load without unpickling code, and random-number-generator states.

A checkpoint is a nested structure of dicts, lists, tensors and plain scalars (int, float, str,
bool, None) written with ``torch.save`` and read back with ``torch.load(weights_only=True)``,
which refuses anything else, so loading a checkpoint cannot run code. Writing is atomic: the
data go to a temporary file in the same folder, which is flushed, ``fsync``-ed and renamed over
the target with ``os.replace`` (atomic on POSIX and Windows). A crash or a kill during the write
leaves the previous checkpoint untouched and at most a stray ``.*.tmp-*`` file, which
:func:`remove_stale_temporaries` deletes. A JSON file of scalars (step, epoch, metrics) is
written beside it the same way, for people and scripts.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = [
    "capture_rng_state",
    "load_checkpoint",
    "remove_stale_temporaries",
    "restore_rng_state",
    "save_checkpoint",
    "write_json_atomic",
]

_TMP_MARK = ".tmp-"


def _temporary_for(path: Path) -> Path:
    return path.with_name(f".{path.name}{_TMP_MARK}{os.getpid()}")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _write_atomic(path: Path, write: Any) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_for(path)
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def save_checkpoint(path: str | os.PathLike[str], state: Mapping[str, Any]) -> Path:
    """Write ``state`` to ``path`` atomically (see the module docstring); return the path."""
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a mapping, got {type(state).__name__}")
    return _write_atomic(Path(path), lambda f: torch.save(dict(state), f))


def write_json_atomic(path: str | os.PathLike[str], data: Mapping[str, Any]) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    text = json.dumps(dict(data), indent=2, sort_keys=True, default=float).encode()
    return _write_atomic(Path(path), lambda f: f.write(text))


def load_checkpoint(
    path: str | os.PathLike[str], map_location: str | torch.device = "cpu"
) -> dict[str, Any]:
    """Read a checkpoint with ``torch.load(..., weights_only=True)``.

    Raises ``FileNotFoundError`` naming the path, and ``ValueError`` if the file is not a
    checkpoint of tensors and plain values (corrupt, truncated or holding arbitrary objects).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several types (UnpicklingError, RuntimeError, ...)
        raise ValueError(
            f"cannot read checkpoint {path}: {type(err).__name__}: "
            f"{str(err).splitlines()[0] if str(err) else ''}"
        ) from None
    if not isinstance(state, dict):
        raise ValueError(f"checkpoint {path} does not hold a mapping")
    return state


def remove_stale_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete temporary files left by interrupted writes in ``folder``; return them."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    stale = [p for p in folder.iterdir() if p.name.startswith(".") and _TMP_MARK in p.name]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


# ----------------------------------------------------------------------------- RNG states
def capture_rng_state() -> dict[str, Any]:
    """The global generators of Python, NumPy, torch (CPU) and CUDA, as checkpointable values."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()  # noqa: NPY002 (legacy state)
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {
            "kind": str(kind),
            "keys": torch.from_numpy(np.asarray(keys, np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _as_tuple(value: Any) -> Any:
    return tuple(_as_tuple(v) for v in value) if isinstance(value, (list, tuple)) else value


def restore_rng_state(state: Mapping[str, Any]) -> None:
    """Restore what :func:`capture_rng_state` captured."""
    random.setstate(_as_tuple(state["python"]))
    n = state["numpy"]
    legacy = (
        n["kind"],
        n["keys"].numpy().astype(np.uint32),
        int(n["pos"]),
        int(n["has_gauss"]),
        float(n["cached"]),
    )
    np.random.set_state(legacy)  # noqa: NPY002 (the legacy global generator)
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])

"""Atomic, checksummed checkpoints that load without unpickling code, and random-number-generator
states.

A checkpoint is a nested structure of dicts, lists, tensors and plain scalars (int, float, str,
bool, None) written with ``torch.save`` and read back with ``torch.load(weights_only=True)``,
which refuses anything else, so loading a checkpoint cannot run code.

Writing (:func:`save_checkpoint`) refuses a state with a NaN or an infinity in any tensor
(:class:`NonFiniteCheckpointError`, nothing written), stores a SHA-256 digest of the state's
content (:mod:`infossl.train.integrity`) under the key ``checksum`` and writes atomically: the
bytes go to a temporary file in the same folder, which is flushed, ``fsync``-ed and renamed
over the target with ``os.replace`` (atomic on POSIX and Windows). A
crash, a kill or a full disk during the write leaves the previous checkpoint untouched and at
most a stray ``.*.tmp-*`` file, which :func:`remove_stale_temporaries` deletes; a failed write
raises :class:`CheckpointWriteError` (an ``OSError``) naming the file. A JSON file of scalars is
written beside it the same way, for people and scripts.

Reading (:func:`load_checkpoint`) names the file in every failure, as a
:class:`CheckpointError` (a ``ValueError``): a folder, an empty, truncated or foreign file, a
pickle with objects other than tensors and plain values, a checksum that does not match the
content (:class:`ChecksumMismatchError`), a non-finite tensor (:class:`NonFiniteCheckpointError`).
A checkpoint without a checksum loads with a :class:`ChecksumMissingWarning`.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import random
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from infossl._atomic import atomic_write, is_temporary
from infossl.train.integrity import DIGEST_ALGORITHM, first_non_finite, state_digest

__all__ = [
    "CHECKSUM_KEY",
    "CheckpointError",
    "CheckpointWriteError",
    "ChecksumMismatchError",
    "ChecksumMissingWarning",
    "LoadedCheckpoint",
    "NonFiniteCheckpointError",
    "SavedCheckpoint",
    "capture_rng_state",
    "load_checkpoint",
    "read_checkpoint",
    "remove_stale_temporaries",
    "require_keys",
    "restore_rng_state",
    "save_checkpoint",
    "write_checkpoint",
    "write_json_atomic",
]

#: The key of a checkpoint that holds ``{"algorithm": "sha256", "digest": hex}``.
CHECKSUM_KEY = "checksum"
_ZIP_MAGIC = b"PK\x03\x04"


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint; ``path`` names it."""

    def __init__(self, path: str | os.PathLike[str], message: str) -> None:
        super().__init__(message)
        self.path = Path(path)


class ChecksumMismatchError(CheckpointError):
    """The content of a checkpoint does not match the checksum stored in it (corruption)."""


class NonFiniteCheckpointError(CheckpointError):
    """A tensor of the state holds a NaN or an infinity; ``tensor`` is its dotted path,
    ``detail`` says how many values are bad and the first one."""

    def __init__(
        self, path: str | os.PathLike[str], message: str, *, tensor: str, detail: str
    ) -> None:
        super().__init__(path, message)
        self.tensor = tensor
        self.detail = detail


class CheckpointWriteError(OSError):
    """Writing a checkpoint (or its JSON sidecar) failed; the previous file is intact.

    ``errno`` is the failure's (``errno.ENOSPC`` for a full disk), ``path`` the target.
    """

    def __init__(self, path: Path, err: OSError) -> None:
        reason = err.strerror or str(err) or type(err).__name__
        hint = _WRITE_HINTS.get(err.errno or 0, "check the folder")
        code = "" if err.errno is None else f" (errno {err.errno})"
        super().__init__(
            f"cannot write {path}: {reason}{code}; the previous {path.name} is kept; {hint}"
        )
        self.errno = err.errno
        self.path = path


class ChecksumMissingWarning(UserWarning):
    """A checkpoint without a stored checksum was loaded: its content could not be verified."""


_WRITE_HINTS = {
    errno.ENOSPC: "free some disk space or choose another --out",
    errno.EDQUOT: "free some disk space or choose another --out",
    errno.EACCES: "choose a writable --out",
    errno.EPERM: "choose a writable --out",
    errno.EROFS: "choose a writable --out (the file system is read-only)",
}


@dataclass(frozen=True)
class SavedCheckpoint:
    """What :func:`write_checkpoint` wrote: the file, the content digest and the size."""

    path: Path
    digest: str
    size: int


def _write_all(f: Any, data: memoryview | bytes) -> None:
    """Write ``data`` to the open binary file ``f``: every byte of a checkpoint and of a JSON
    sidecar goes through here (one place to replace in fault tests)."""
    f.write(data)


class _Sink:
    """The file object ``torch.save`` writes to: passes every chunk to :func:`_write_all` and
    keeps the exception a write raised, which ``torch.save`` would replace by a
    ``RuntimeError`` of its own."""

    def __init__(self, f: Any) -> None:
        self.f = f
        self.error: BaseException | None = None

    def write(self, data: memoryview | bytes) -> int:
        try:
            _write_all(self.f, data)
        except BaseException as err:
            self.error = err
            raise
        return len(data)

    def flush(self) -> None:
        self.f.flush()


def _write_atomic(path: Path, write: Callable[[Any], None]) -> Path:
    """:func:`infossl._atomic.atomic_write`, durable, creating the folder; an ``OSError``
    becomes a :class:`CheckpointWriteError` naming ``path``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write(path, write, durable=True)
    except OSError as err:
        raise CheckpointWriteError(path, err) from err


def _torch_save(obj: Any, f: Any) -> int:
    """``torch.save(obj, f)`` raising what a write raised; return the bytes written."""
    sink = _Sink(f)
    try:
        torch.save(obj, sink)
    except Exception:
        if sink.error is not None:
            raise sink.error from None
        raise
    return int(f.tell())


def write_checkpoint(
    path: str | os.PathLike[str], state: Mapping[str, Any], *, require_finite: bool = True
) -> SavedCheckpoint:
    """Write ``state`` to ``path`` with its checksum, atomically (see the module docstring).

    Raises :class:`NonFiniteCheckpointError` (nothing written) when ``require_finite`` and a
    tensor is not finite, :class:`CheckpointWriteError` when the file system refuses.
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a mapping, got {type(state).__name__}")
    path = Path(path)
    if CHECKSUM_KEY in state:
        raise ValueError(f"state must not have the key {CHECKSUM_KEY!r}: the checksum goes there")
    if require_finite:
        bad = first_non_finite(state)
        if bad is not None:
            raise NonFiniteCheckpointError(
                path,
                f"not writing checkpoint {path}: tensor {bad[0]} is not finite ({bad[1]}); "
                "the previous checkpoint is kept",
                tensor=bad[0],
                detail=bad[1],
            )
    digest = state_digest(state)
    payload = dict(state)
    payload[CHECKSUM_KEY] = {"algorithm": DIGEST_ALGORITHM, "digest": digest}
    size = [0]

    def write(f: Any) -> None:
        size[0] = _torch_save(payload, f)

    _write_atomic(path, write)
    return SavedCheckpoint(path, digest, size[0])


def save_checkpoint(
    path: str | os.PathLike[str], state: Mapping[str, Any], *, require_finite: bool = True
) -> Path:
    """:func:`write_checkpoint`, returning the path."""
    return write_checkpoint(path, state, require_finite=require_finite).path


def write_json_atomic(path: str | os.PathLike[str], data: Mapping[str, Any]) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    text = json.dumps(dict(data), indent=2, sort_keys=True, default=float).encode()
    return _write_atomic(Path(path), lambda f: _write_all(f, text))


def _unreadable(path: Path, err: Exception) -> CheckpointError:
    """The error for a file ``torch.load(weights_only=True)`` refused."""
    text = str(err)
    if isinstance(err, pickle.UnpicklingError) and "Unsupported global" in text:
        found = text[text.index("Unsupported global") :].split(" was not")[0]
        found = found.replace("Unsupported global: ", "")
        return CheckpointError(
            path,
            f"refused to load {path}: it holds objects other than tensors and plain values "
            f"({found}), and unpickling them could run code; a checkpoint of infossl holds "
            "tensors and plain values only, so this file was not written by it or was altered",
        )
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(_ZIP_MAGIC):
        first = text.strip().splitlines()[0] if text.strip() else type(err).__name__
        return CheckpointError(
            path, f"{path} is corrupt or truncated ({first}); use another checkpoint"
        )
    return CheckpointError(
        path,
        f"{path} is not a checkpoint written by torch.save (it starts with {head!r}, not with "
        f"the zip header {_ZIP_MAGIC!r}); give a checkpoint file such as "
        "<run>/checkpoints/last.pt",
    )


def _verify_checksum(path: Path, state: dict[str, Any]) -> str | None:
    """Check and remove the checksum entry of ``state``; return the digest (None if absent)."""
    stored = state.pop(CHECKSUM_KEY, None)
    if stored is None:
        warnings.warn(
            f"{path} has no checksum: its content cannot be verified",
            ChecksumMissingWarning,
            stacklevel=4,
        )
        return None
    if (
        not isinstance(stored, Mapping)
        or stored.get("algorithm") != DIGEST_ALGORITHM
        or not isinstance(stored.get("digest"), str)
    ):
        raise ChecksumMismatchError(
            path, f"{path} is corrupt: its checksum entry is malformed; use another checkpoint"
        )
    if state_digest(state) != stored["digest"]:
        raise ChecksumMismatchError(
            path,
            f"{path} is corrupt: its content does not match the SHA-256 checksum stored in it; "
            "use another checkpoint (an epoch copy) or train again",
        )
    return str(stored["digest"])


@dataclass(frozen=True)
class LoadedCheckpoint:
    """What :func:`read_checkpoint` read: the state (without its checksum entry) and the
    verified digest (None for a checkpoint without one)."""

    state: dict[str, Any]
    digest: str | None


def load_checkpoint(
    path: str | os.PathLike[str],
    map_location: str | torch.device = "cpu",
    *,
    require_finite: bool = True,
) -> dict[str, Any]:
    """:func:`read_checkpoint`, returning the state only."""
    return read_checkpoint(path, map_location, require_finite=require_finite).state


def read_checkpoint(
    path: str | os.PathLike[str],
    map_location: str | torch.device = "cpu",
    *,
    require_finite: bool = True,
) -> LoadedCheckpoint:
    """Read and verify a checkpoint; return the state without its checksum entry.

    Loads with ``torch.load(..., weights_only=True)``, checks the stored SHA-256 checksum
    (a checkpoint without one loads with a :class:`ChecksumMissingWarning`) and, when
    ``require_finite``, that every tensor is finite. Raises ``FileNotFoundError`` naming a
    missing path and a :class:`CheckpointError` (``ValueError``) naming the file for anything
    else that is wrong with it (see the module docstring); errors of the file system
    (permissions) stay ``OSError``.
    """
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(
            path,
            f"{path} is a folder, not a checkpoint file; give a file such as "
            f"{path / 'checkpoints' / 'last.pt'}",
        )
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if path.stat().st_size == 0:
        raise CheckpointError(path, f"{path} is empty (0 bytes), not a checkpoint")
    with open(path, "rb"):  # errors of the file system (permissions) stay OSErrors
        pass
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several types (UnpicklingError, RuntimeError, ...)
        raise _unreadable(path, err) from None
    if not isinstance(state, dict):
        raise CheckpointError(
            path, f"{path} is not a checkpoint: it holds a {type(state).__name__}, not a mapping"
        )
    digest = _verify_checksum(path, state)
    if require_finite:
        bad = first_non_finite(state)
        if bad is not None:
            raise NonFiniteCheckpointError(
                path,
                f"{path} is not a good checkpoint: tensor {bad[0]} is not finite ({bad[1]}); "
                "use an earlier checkpoint",
                tensor=bad[0],
                detail=bad[1],
            )
    return LoadedCheckpoint(state, digest)


def require_keys(
    state: Mapping[str, Any], path: str | os.PathLike[str], keys: Iterable[str], what: str
) -> None:
    """Raise :class:`CheckpointError` naming ``path`` and the first of ``keys`` that ``state``
    lacks; ``what`` says what the file should have been (``"a checkpoint of infossl train"``)."""
    for key in keys:
        if key not in state:
            have = ", ".join(map(str, list(state)[:8])) or "none"
            raise CheckpointError(
                path,
                f"{path} is not {what}: it has no {key!r} entry (its keys: {have}); "
                "give a checkpoint written by infossl train (<run>/checkpoints/last.pt)",
            )


def remove_stale_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete temporary files left by interrupted writes in ``folder``; return them."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    stale = [p for p in folder.iterdir() if is_temporary(p)]
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

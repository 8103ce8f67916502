"""Atomic file writes: the one way infossl replaces a file.

The content goes to a temporary file beside the target (same folder, so the same file system),
which ``os.replace`` then moves over the target: atomic on POSIX and Windows, so a reader sees the
old file or the new one, never a mixture, and a process killed mid-write leaves the old file and
at most a temporary named ``.<name>.tmp-<pid>-<random>`` (:func:`is_temporary` recognises it).
``durable=True`` also ``fsync``\\ s the file before the rename and the folder after it, so the new
file survives a power loss (checkpoints; costs one disk flush).

The target's folder must exist (callers decide which folders they may create).
:func:`atomic_write_json` writes strict JSON: non-finite floats become the strings ``"nan"``,
``"inf"`` and ``"-inf"`` (which ``float()`` reads back), never the bare ``NaN`` that strict
parsers refuse.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import secrets
import stat
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

TMP_MARK = ".tmp-"


def temporary_for(path: Path) -> Path:
    """The temporary file that :func:`atomic_write` writes before it replaces ``path``."""
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def open_temporary(tmp: Path) -> BinaryIO:
    """Open the temporary for writing (binary). One place to refuse a write in fault tests."""
    return open(tmp, "wb")  # closed by the with-block of atomic_write


def is_temporary(path: Path) -> bool:
    """Whether ``path`` is a leftover temporary of :func:`atomic_write` (e.g. after a kill)."""
    return path.name.startswith(".") and TMP_MARK in path.name


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[BinaryIO], object], *, durable: bool = False
) -> Path:
    """Call ``write(file)`` on a binary temporary, then replace ``path`` with it; on any error
    the temporary is removed and ``path`` is unchanged. Returns ``path`` as a ``Path``. An
    ``OSError`` (disk full, read-only, permissions) names ``path``, not the temporary.

    A symbolic link is followed (the real file is replaced, the link kept); an existing target
    that is not a regular file (``/dev/stdout``, a FIFO) is written directly, not replaced; the
    replacement keeps an existing file's permission bits."""
    path = Path(path)
    real = Path(os.path.realpath(path))
    if real.exists() and not real.is_file():
        with open(real, "wb") as fh:
            write(fh)
        return path
    tmp = temporary_for(real)
    try:
        with open_temporary(tmp) as fh:
            write(fh)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if real.is_file():
            os.chmod(tmp, stat.S_IMODE(real.stat().st_mode))
        os.replace(tmp, real)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        if err.filename in (None, str(tmp)) and err.errno is not None:
            raise OSError(err.errno, err.strerror, str(path)) from err
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_folder(real.parent)
    return path


def atomic_write_text(
    path: str | os.PathLike[str], text: str | bytes, *, durable: bool = False
) -> Path:
    """:func:`atomic_write` of ``text`` (UTF-8 when a ``str``)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return atomic_write(path, lambda fh: fh.write(data), durable=durable)


def jsonable(value: Any) -> Any:
    """``value`` with non-finite floats as ``"nan"``/``"inf"``/``"-inf"`` (strict JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def atomic_write_json(path: str | os.PathLike[str], data: Any, *, indent: int = 1) -> Path:
    """:func:`atomic_write_text` of ``data`` as strict JSON (:func:`jsonable`), newline-ended."""
    return atomic_write_text(
        path, json.dumps(jsonable(data), indent=indent, allow_nan=False) + "\n"
    )


def atomic_write_csv(path: str | os.PathLike[str], rows: Sequence[Mapping[str, Any]]) -> Path:
    """:func:`atomic_write_text` of ``rows`` (mappings with the same keys, in order) as CSV with
    a header line (the ``csv`` module's default dialect)."""
    if not rows:
        raise ValueError(f"no rows to write to {path}")
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return atomic_write_text(path, buffer.getvalue())


def atomic_write_figure(path: str | os.PathLike[str], fig: Any, **savefig: Any) -> Path:
    """:func:`atomic_write` of a matplotlib figure: ``fig.savefig`` into the temporary, in the
    format of ``path``'s suffix (``.png``, ``.pdf``, ``.svg``; ``format=`` overrides it), with
    the other keyword arguments (``dpi=``) passed on. A kill mid-render leaves the previous
    figure, never a truncated one."""
    fmt = savefig.pop("format", None) or Path(path).suffix.lstrip(".").lower() or "png"
    return atomic_write(path, lambda fh: fig.savefig(fh, format=fmt, **savefig))


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename in it) to disk; a no-op where folders cannot be
    opened."""
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

"""Cache of Monte Carlo ground truths: in memory, and on disk in the user's cache folder.

The disk cache is one JSON file, ``<cache dir>/tasks_mc_mi.json``, where the cache dir is
``$INFOSSL_CACHE_DIR`` if set (an empty value turns the disk cache off), else
``$XDG_CACHE_HOME/infossl``, else ``~/.cache/infossl``. Writes are atomic (temporary file, then
rename); any error reading or writing (read-only home, corrupt file) is ignored and the value is
simply recomputed, so the cache never changes a result, only how fast it comes.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path

from infossl._atomic import atomic_write_text

ENV_CACHE_DIR = "INFOSSL_CACHE_DIR"
CACHE_FILE = "tasks_mc_mi.json"

_MEMORY: dict[str, tuple[float, float]] = {}


def cache_dir() -> Path | None:
    """The folder of the disk cache, or None when turned off (``INFOSSL_CACHE_DIR=""``)."""
    env = os.environ.get(ENV_CACHE_DIR)
    if env is not None:
        return Path(env).expanduser() if env.strip() else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "infossl"


def clear_memory_cache() -> None:
    """Forget the in-memory values (the disk cache is kept)."""
    _MEMORY.clear()


def _read_disk(folder: Path) -> dict[str, tuple[float, float]]:
    try:
        raw = json.loads((folder / CACHE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    out: dict[str, tuple[float, float]] = {}
    if isinstance(raw, dict):
        for key, val in raw.items():
            try:
                mi, se = float(val["mi"]), float(val["stderr"])
            except (TypeError, KeyError, ValueError):
                continue
            if math.isfinite(mi) and math.isfinite(se) and se >= 0:
                out[key] = (mi, se)
    return out


def _write_disk(folder: Path, key: str, value: tuple[float, float]) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        entries = {k: {"mi": v[0], "stderr": v[1]} for k, v in _read_disk(folder).items()}
        entries[key] = {"mi": value[0], "stderr": value[1]}
        atomic_write_text(folder / CACHE_FILE, json.dumps(entries, indent=1, sort_keys=True))
    except OSError:
        pass  # read-only or full disk: keep the in-memory value only


def cached(key: str, compute: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    """``(mi, stderr)`` for ``key``: from memory, else disk, else ``compute()`` (then stored)."""
    if key in _MEMORY:
        return _MEMORY[key]
    folder = cache_dir()
    if folder is not None:
        hit = _read_disk(folder).get(key)
        if hit is not None:
            _MEMORY[key] = hit
            return hit
    value = compute()
    value = (float(value[0]), float(value[1]))
    _MEMORY[key] = value
    if folder is not None:
        _write_disk(folder, key, value)
    return value

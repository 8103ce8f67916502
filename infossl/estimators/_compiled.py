"""Optional compiled kernels for the brute-force kNN search.

With numba installed (``pip install "infossl[fast]"``), the max-norm brute force runs compiled
(:mod:`infossl.estimators._numba_kernels`):

* with the joint radius and no labels (KSG-1, Frenzel-Pompe, Kozachenko-Leonenko, the k series
  of ``copula-max``) the whole certified search is one fused pass per row
  (:func:`~infossl.estimators._numba_kernels.chebyshev_knn_block`): int16 screen, candidate
  selection, float64 candidates, certificate and counts, without numpy's intermediate blocks;
* otherwise (KSG-2's extent radius, labels, radius counts) only the int16 screen is compiled
  (:func:`~infossl.estimators._numba_kernels.chebyshev_block`) and numpy does the rest.

Both make the same integer and float64 comparisons as the numpy path, so every radius, count
and estimate is identical; only the time changes: KSG-1 3.3-5.1x faster than numpy with the
kernels loaded (2 cores; 25 + 25 at n = 10,000 0.19 s; benchmarks/knn_speed.md).

Loading numba and the kernels costs about 0.4-0.6 s once per process (after infossl is
imported; compiling them the first time after installation, about 10 s, is cached on disk).
So by default (:data:`ENV_SWITCH` unset or ``auto``) a search uses them when it makes at least
:data:`COMPILED_MIN_WORK` comparisons and either they are already loaded or the search -- with
the comparisons of the searches this process has already made in numpy -- is large enough to
repay loading them (:data:`LOAD_MIN_WORK`; :data:`UNCACHED_LOAD_MIN_WORK` where numba can
write no cache folder): a single large search loads them at once, a run of repeated medium
searches (a training monitor) after a few. ``INFOSSL_NUMBA=1`` loads them for any
search from :data:`COMPILED_MIN_WORK` up (for many medium searches in one process);
``INFOSSL_NUMBA=0`` never uses them. Without numba, or when numba fails to load (a warning
says why), the numpy code runs and nothing else changes.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import warnings
from functools import cache
from typing import Any

#: Smallest search (rows x columns x coordinates) that uses the compiled kernels once loaded;
#: KSG-1 was 3.3x faster than with numpy at 2,000 points in 5 + 5 dimensions (4e7).
COMPILED_MIN_WORK = 1e7
#: Smallest search that loads the kernels by itself in the default mode. First call of a fresh
#: process, numpy against numba (load included): 0.46 vs 0.58 s at 2e9 comparisons (10 + 10,
#: n = 10,000), 0.93 vs 0.69 s at 5e9 (25 + 25); loading pays for itself from about 3e9.
LOAD_MIN_WORK = 4e9
#: The same where numba can write no cache folder, so that every process compiles the kernels
#: in memory (about 10 s, the saving of roughly 8e10 comparisons).
UNCACHED_LOAD_MIN_WORK = 1e11
#: ``auto`` (default), ``1``/``on``/``true``/``yes`` (always load), ``0``/``off``/``false``/``no``.
ENV_SWITCH = "INFOSSL_NUMBA"
_KERNEL_MODULE = "infossl.estimators._numba_kernels"
_ON = {"1", "on", "true", "yes"}
#: Comparisons of the searches (of at least COMPILED_MIN_WORK) that ran in numpy because the
#: default rule did not load the kernels; with the next search, it counts towards LOAD_MIN_WORK.
_numpy_work = 0.0
_LOCK = threading.Lock()
_OFF = {"0", "off", "false", "no"}


def compiled_mode() -> str:
    """``"auto"``, ``"on"`` or ``"off"`` from :data:`ENV_SWITCH` (read at every call).

    Raises:
        ValueError: for any other value of the variable.
    """
    raw = os.environ.get(ENV_SWITCH, "auto")
    value = raw.strip().lower()
    if value in _ON:
        return "on"
    if value in _OFF:
        return "off"
    if value in {"", "auto"}:
        return "auto"
    raise ValueError(f"{ENV_SWITCH} must be auto, 1 or 0 (on/off), got {raw!r}")


@cache
def _kernels() -> Any:
    """The kernel module, or None when numba is missing or cannot be loaded (tried once)."""
    try:
        from infossl.estimators import _numba_kernels
    except Exception as exc:  # e.g. numba built for another numpy; a local coverage.py
        if isinstance(exc, ImportError) and not _numba_installed():
            return None  # not installed: nothing to say (INFOSSL_NUMBA=1 warns elsewhere)
        warnings.warn(
            f"numba is installed but could not be loaded ({type(exc).__name__}: {exc}); the "
            f"kNN search uses its numpy screen (same values). Set {ENV_SWITCH}=0 to skip it.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return _numba_kernels


def numba_available() -> bool:
    """Whether the kernel can be loaded (loads it on the first call)."""
    return _kernels() is not None


def compiled_screen_status() -> dict[str, Any]:
    """What the brute-force kNN search will do, without loading anything.

    Returns ``mode`` (``"auto"``, ``"on"``, ``"off"``, from ``INFOSSL_NUMBA``), ``installed``
    (numba can be found), ``loaded`` (the compiled kernel is loaded in this process: searches
    of at least ``min_work`` comparisons use it), ``cached_on_disk`` (False where numba can
    write no cache folder and compiles the kernels in every process; None before they are
    loaded), the two thresholds, ``min_work`` and
    ``load_min_work`` (in the ``auto`` mode a search loads the kernels when its comparisons
    plus ``numpy_work`` reach it), and ``numpy_work``: the comparisons of the searches of at
    least ``min_work`` this process has made in numpy so far. A search makes
    n_rows · n_columns · (d_x + d_y) comparisons (the joint dimension).
    """
    module = sys.modules.get(_KERNEL_MODULE)
    return {
        "mode": compiled_mode(),
        "installed": _numba_installed(),
        "loaded": _KERNEL_MODULE in sys.modules,
        "cached_on_disk": None if module is None else bool(module.CACHED),
        "min_work": COMPILED_MIN_WORK,
        "load_min_work": LOAD_MIN_WORK,
        "numpy_work": _numpy_work,
    }


def _numba_installed() -> bool:
    """Whether numba can be found, without importing it."""
    try:
        return importlib.util.find_spec("numba") is not None
    except ValueError:  # a module object without a spec sits in sys.modules
        return True


@cache
def _warn_not_installed() -> None:
    """Once per process: ``INFOSSL_NUMBA=1`` asked for numba, which is not installed."""
    warnings.warn(
        f"{ENV_SWITCH} asks for the compiled kNN screen but numba is not installed "
        '(pip install "infossl[fast]"); the numpy screen runs (same values)',
        RuntimeWarning,
        stacklevel=3,
    )


def kernels_ready() -> bool:
    """Whether a large max-norm brute-force search would run compiled now, without loading
    anything: the kernels are loaded (and not switched off), or ``INFOSSL_NUMBA=1`` with numba
    installed. The KD-tree/brute-force choice uses it."""
    mode = compiled_mode()
    if mode == "off":
        return False
    module = sys.modules.get(_KERNEL_MODULE)
    if module is not None:
        return _cheap_to_use(module)
    return mode == "on" and _numba_installed()


def _cheap_to_use(kernels: Any) -> bool:
    """Whether the loaded kernels run without a compilation first: cached on disk, or already
    compiled in this process (without a cache, ``auto`` compiles them only once enough work
    asks for it)."""
    return bool(kernels.CACHED or kernels.compiled_in_process())


def compiled_kernels(work: float) -> Any:
    """The compiled kernels (:mod:`infossl.estimators._numba_kernels`) for a search of ``work``
    coordinate comparisons, or None when the numpy code should run (see the module docstring
    for the rule)."""
    global _numpy_work
    mode = compiled_mode()
    if mode == "off" or work < COMPILED_MIN_WORK:
        return None
    with _LOCK:
        waiting = mode == "auto" and _KERNEL_MODULE not in sys.modules
        kernels = None if waiting and _numpy_work + work < LOAD_MIN_WORK else _kernels()
        if (
            kernels is not None
            and mode == "auto"
            and not _cheap_to_use(kernels)
            and _numpy_work + work < UNCACHED_LOAD_MIN_WORK
        ):
            kernels = None  # compiling in memory (~10 s) is not repaid yet
        if kernels is None:
            if mode == "on" and not _numba_installed():
                _warn_not_installed()
            _numpy_work += work
        return kernels

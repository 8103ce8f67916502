"""Optional compiled kernel for the brute-force kNN screen.

With numba installed (``pip install "infossl[fast]"``), the max-norm screening of the brute
force -- ``D[r, j] = max_c |q_c[j] - q_c[start + r]|`` on int16-quantised coordinates, 70 % of
its time at 25 + 25 dimensions -- runs as one compiled pass per row and coordinate instead of
three numpy passes over a block (:func:`infossl.estimators._numba_kernels.chebyshev_block`).
The integer operations are the same, so every screened value, radius and count is identical;
only the time changes: KSG-1 1.1-2.2x faster (two runs) from ``n^2 d = 4e7`` comparisons up
(benchmarks/knn_speed.md).

Loading numba and the kernel costs about 1.2-1.9 s once per process, so by default
(:data:`ENV_SWITCH` unset or ``auto``) a search uses the kernel when it makes at least
:data:`COMPILED_MIN_WORK` comparisons and either the kernel is already loaded or the search is
large enough to repay loading it (:data:`LOAD_MIN_WORK`). ``INFOSSL_NUMBA=1`` loads it for any
search from :data:`COMPILED_MIN_WORK` up (for many medium searches in one process);
``INFOSSL_NUMBA=0`` never uses it. Without numba, or when numba fails to load (a warning says
why), the numpy screen runs and nothing else changes.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

#: Smallest search (rows x columns x coordinates) that uses the compiled screen once loaded;
#: KSG-1 was 1.29x faster than with numpy at 2,000 points in 5 + 5 dimensions (4e7).
COMPILED_MIN_WORK = 1e7
#: Smallest search that loads the kernel by itself in the default mode: about 1 s of numpy
#: screening saved (roughly 1e-10 s per comparison on one core), the cost of loading it.
LOAD_MIN_WORK = 1e10
#: ``auto`` (default), ``1``/``on``/``true``/``yes`` (always load), ``0``/``off``/``false``/``no``.
ENV_SWITCH = "INFOSSL_NUMBA"
_KERNEL_MODULE = "infossl.estimators._numba_kernels"
_ON = {"1", "on", "true", "yes"}
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
    except ImportError:
        return None
    except Exception as exc:  # e.g. a local coverage.py shadowing the package numba imports
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
    of at least ``min_work`` comparisons use it) and the two thresholds, ``min_work`` and
    ``load_min_work`` (a search of that size loads it in the ``auto`` mode). A search makes
    n_rows · n_columns · (d_x + d_y) comparisons (the joint dimension).
    """
    return {
        "mode": compiled_mode(),
        "installed": _numba_installed(),
        "loaded": _KERNEL_MODULE in sys.modules,
        "min_work": COMPILED_MIN_WORK,
        "load_min_work": LOAD_MIN_WORK,
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


def screen_kernel(work: float) -> Callable[..., None] | None:
    """The compiled max-norm screen for a search of ``work`` coordinate comparisons, or None
    when the numpy screen should run (see the module docstring for the rule)."""
    mode = compiled_mode()
    if mode == "off" or work < COMPILED_MIN_WORK:
        return None
    if mode == "auto" and work < LOAD_MIN_WORK and _KERNEL_MODULE not in sys.modules:
        return None
    kernels = _kernels()
    if kernels is None and mode == "on" and not _numba_installed():
        _warn_not_installed()
    return None if kernels is None else kernels.chebyshev_block

"""Input validation shared by every layer of infossl.

Every check raises ``TypeError`` (wrong type) or ``ValueError`` (wrong value) with a message that
names the offending argument and says what was wrong. Nothing here returns NaN silently.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

SeedLike = int | np.random.Generator | None
_T = TypeVar("_T")


#: Continuous inputs whose largest magnitude lies in [2^-SAFE_EXPONENT, 2^SAFE_EXPONENT] are used as
#: they are; beyond it they are divided by a power of two (see :func:`safe_scale_exponents`).
#: Squares and sums of n·d such values stay far from overflow and underflow in float64.
SAFE_EXPONENT = 64


def as_numeric_array(x: object, name: str = "x") -> np.ndarray:
    """``x`` as a numpy array of bool, int or float numbers (any shape); numpy input is not copied.

    A torch tensor is detached and moved to the CPU; a floating tensor (including bfloat16 and
    float16, which numpy cannot hold) becomes float64, exactly. Raises ``TypeError`` naming
    ``name`` for ragged nesting or non-numeric data.
    """
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor
        tensor = x.detach().cpu()
        if tensor.is_floating_point():
            tensor = tensor.double()
        x = tensor.numpy()
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{name} must be a rectangular array-like of numbers (no ragged rows): {err}"
        ) from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers (bool, int or float), got dtype {arr.dtype}"
        )
    return arr


def tensor_device(x: object) -> str | None:
    """The device of a torch tensor that lives off the CPU (e.g. ``"cuda:0"``), else None.

    Duck-typed (``detach`` and ``device.type``), so torch is never imported here.
    """
    if not (hasattr(x, "detach") and hasattr(x, "device")):
        return None
    device = x.device
    if getattr(device, "type", "cpu") == "cpu":
        return None
    return str(device)


def magnitude_exponent(a: np.ndarray) -> int | None:
    """The binary exponent e with ``max|a| = m·2^e``, m in [0.5, 1); None when ``a`` is all zero.

    Computed with ``abs`` and ``max`` only, so it cannot overflow for finite input.
    """
    largest = float(np.abs(a).max()) if a.size else 0.0
    if largest == 0.0:
        return None
    return int(np.frexp(largest)[1])


def safe_scale_exponents(
    arrays: Sequence[np.ndarray], *, limit: int = SAFE_EXPONENT
) -> tuple[int, ...]:
    """Powers of two to divide each array by so that arithmetic on them is safe.

    Zero for every array when all magnitudes lie within ``2^±limit`` (the data are used as they
    are). Otherwise one common exponent, that of the largest magnitude, when it leaves every
    array above ``2^-limit``, so that the arrays keep their relative scale; else each array
    outside the range gets its own exponent. Dividing by ``2^e`` (``np.ldexp(a, -e)``) is exact
    in floating point unless a value falls below the normal range, so any computation that is
    equivariant under a common rescaling returns the same floating-point result.
    """
    exps = [magnitude_exponent(a) for a in arrays]
    known = [e for e in exps if e is not None]
    if not known or all(abs(e) <= limit for e in known):
        return tuple(0 for _ in arrays)
    common = max(known)
    if min(known) - common >= -limit:
        return tuple(common if e is not None else 0 for e in exps)
    return tuple(e if e is not None and abs(e) > limit else 0 for e in exps)


def as_samples(
    x: npt.ArrayLike,
    name: str = "x",
    *,
    min_n: int = 1,
    dtype: type = np.float64,
    allow_1d: bool = True,
) -> np.ndarray:
    """Return ``x`` as a finite 2-D array of shape ``(n, d)``.

    A 1-D input of length n becomes ``(n, 1)``. Raises ``TypeError`` for non-numeric data and
    ``ValueError`` for empty, 0-D or >2-D arrays, NaN/inf entries, or fewer than ``min_n`` rows.
    """
    arr = as_numeric_array(x, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be 1-D (n,) or 2-D (n, d), got a scalar")
    if arr.ndim == 1:
        if not allow_1d:
            raise ValueError(f"{name} must be 2-D (n, d), got shape {arr.shape}")
        arr = arr.reshape(-1, 1)
    elif arr.ndim != 2:
        raise ValueError(
            f"{name} must be 1-D (n,) or 2-D (n, d), got {arr.ndim}-D shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).sum())
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s)")
    if arr.shape[0] < min_n:
        raise ValueError(f"{name} has {arr.shape[0]} samples; this method needs at least {min_n}")
    return arr


def as_labels(x: npt.ArrayLike, name: str = "x", *, min_n: int = 1) -> np.ndarray:
    """Return a discrete variable as integer codes ``0..m-1`` of shape ``(n,)``.

    Accepts a 1-D array of any hashable numeric values, or a 2-D ``(n, d)`` array whose rows are
    treated as joint symbols. Floats are allowed (each distinct value is one symbol) but must be
    finite.
    """
    arr = as_samples(x, name, min_n=min_n, dtype=np.float64)
    if arr.shape[1] == 1:
        _, codes = np.unique(arr[:, 0], return_inverse=True)
    else:
        _, codes = np.unique(arr, axis=0, return_inverse=True)
    return codes.reshape(-1).astype(np.int64)


def check_same_length(**arrays: np.ndarray) -> int:
    """Check all arrays have the same number of rows; return that number."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{k} has {v}" for k, v in lengths.items())
        raise ValueError(f"inputs must have the same number of samples: {desc}")
    return next(iter(lengths.values()))


def check_int(value: object, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Check ``value`` is an integer (not bool) within ``[low, high]``; return it as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    checked = int(value)
    if low is not None and checked < low:
        raise ValueError(f"{name} must be >= {low}, got {checked}")
    if high is not None and checked > high:
        raise ValueError(f"{name} must be <= {high}, got {checked}")
    return checked


def check_float(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check ``value`` is a finite real number within the given (open or closed) limits.

    Pure Python (``math.isfinite``, no numpy), so objectives can call it inside
    ``torch.compile`` without a graph break.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    checked = float(value)
    if not math.isfinite(checked):
        raise ValueError(f"{name} must be finite, got {checked}")
    if low is not None and (checked < low or (low_open and checked == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {checked}")
    if high is not None and (checked > high or (high_open and checked == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {checked}")
    return checked


def check_choice(value: object, name: str, choices: Iterable[_T]) -> _T:
    """Check ``value`` is one of ``choices``; the error lists the valid ones."""
    valid = list(choices)
    if value not in valid:
        raise ValueError(f"{name} must be one of {valid}, got {value!r}")
    return value  # narrowed to _T by the `in` test above


def check_ci_level(level: object, name: str = "ci") -> float:
    """Check a confidence level lies strictly inside (0, 1)."""
    return check_float(level, name, low=0.0, high=1.0, low_open=True, high_open=True)


def check_seed(seed: SeedLike, name: str = "seed") -> np.random.Generator:
    """Turn an int, a ``numpy.random.Generator`` or None into a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(
            f"{name} must be a non-negative int, a numpy Generator or None, got {seed!r}"
        )
    return np.random.default_rng(int(seed))


def check_not_constant(x: np.ndarray, name: str = "x") -> None:
    """Raise ``ValueError`` if any column of a 2-D array is constant."""
    const = np.flatnonzero(np.ptp(x, axis=0) == 0)
    if const.size:
        raise ValueError(
            f"{name} has constant column(s) {const.tolist()}; this method needs variation in every "
            "dimension (drop them or add noise)"
        )


def check_k(k: object, n: int | None = None, name: str = "k") -> int:
    """Check a neighbour count: a positive int, and ``k < n`` when ``n`` is given."""
    checked = check_int(k, name, low=1)
    if n is not None and checked >= n:
        raise ValueError(f"{name}={checked} needs more samples: got n={n}, need n > {name}")
    return checked


def dims_of(*arrays: np.ndarray) -> tuple[int, ...]:
    """Column counts of 2-D arrays."""
    return tuple(int(a.shape[1]) for a in arrays)


def check_sequence_of_int(values: Sequence[object], name: str, *, low: int = 1) -> list[int]:
    """Check a non-empty sequence of integers, each ``>= low``."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise TypeError(f"{name} must be a non-empty sequence of integers, got {values!r}")
    return [check_int(v, f"{name}[{i}]", low=low) for i, v in enumerate(values)]


def check_bool(value: object, name: str) -> bool:
    """Check ``value`` is a bool (not an int or a numpy bool); return it. Pure Python."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return value


def check_value_range(
    value: Any, name: str = "value_range", *, optional: bool = False
) -> tuple[float, float] | None:
    """Check a pair ``(low, high)`` of finite reals with ``low < high``; return it as floats.

    With ``optional=True``, None is accepted and returned. Pure Python.
    """
    if value is None and optional:
        return None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        what = "None or a pair" if optional else "a pair"
        raise TypeError(f"{name} must be {what} (low, high), got {value!r}")
    low = check_float(value[0], f"{name}[0]")
    high = check_float(value[1], f"{name}[1]")
    if not low < high:
        raise ValueError(f"{name} must satisfy low < high, got {value!r}")
    return (low, high)


def check_image_size(
    value: object, name: str = "size", *, optional: bool = False
) -> tuple[int, int] | None:
    """Check an image size: a positive int ``s`` (meaning ``(s, s)``) or a pair ``(H, W)``.

    Returns ``(H, W)``; with ``optional=True``, None is accepted and returned. Pure Python.
    """
    if value is None and optional:
        return None
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or (H, W), got {value!r}")
        return check_int(value[0], f"{name}[0]", low=1), check_int(value[1], f"{name}[1]", low=1)
    size = check_int(value, name, low=1)
    return size, size

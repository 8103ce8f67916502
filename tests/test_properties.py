"""Property-based checks of the estimator contract over every fast registered method.

For random shapes, dtypes (float32, float64, int64), scales 2^-1000 ... 2^1000 (about 1e-300 to
1e300), ties, constant columns and non-finite entries, every call of ``estimate_mi``,
``estimate_entropy`` and ``estimate_cmi`` either

* returns a finite value, the same as on the unscaled data (to ``TOL``; a differential entropy
  shifted by exactly d·ln c), or
* raises a ``ValueError`` / ``TypeError`` whose message names an argument.

Never NaN, never a ``FloatingPointError``, ``LinAlgError`` or a scipy error. The data are drawn on
a grid of multiples of 2^-10 below 2^10, and scaled by powers of two, so that a rescaled copy is
the same data in floating point and every difference is the estimator's. Examples are
derandomised and bounded (about 10 s in all on one core, well under 60 s).
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infossl import estimate_cmi, estimate_entropy, estimate_mi
from infossl.estimators import list_methods

TOL = 1e-9
#: Small budgets for the slower methods; the parameters a method requires.
PARAMS: dict[str, dict[str, Any]] = {
    "sliced": {"n_projections": 3},
    "kt-upper": {"noise_variance": 0.5},
    "kt-lower": {"noise_variance": 0.5},
}
#: Methods whose value depends on the scale by definition (a noise variance in data units).
SCALE_DEPENDENT = {"kt-upper", "kt-lower"}
#: Entropy methods whose value does not move with the scale (symbols, kernel spectra, bins).
SCALE_FREE_ENTROPY = {"plugin", "matrix-renyi", "binned"}
ARGUMENTS = ("x", "y", "z")


def _fast(quantity: str) -> list[str]:
    return [m.name for m in list_methods(quantity, include_torch=False) if not m.needs_torch]


EXAMPLES = settings(
    max_examples=150,
    database=None,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def samples(draw: st.DrawFn, n: int, name: str) -> np.ndarray:
    """An (n, d) array on a grid of 2^-10: maybe tied (few values), maybe a constant column."""
    d = draw(st.integers(1, 2), label=f"{name}_dims")
    distinct = draw(st.sampled_from([3, 50, 2**20]), label=f"{name}_distinct")
    codes = draw(
        st.lists(st.integers(-distinct, distinct), min_size=n * d, max_size=n * d),
        label=f"{name}_codes",
    )
    a = np.ldexp(np.array(codes, dtype=np.float64).reshape(n, d), -10 if distinct > 50 else 0)
    if draw(st.booleans(), label=f"{name}_has_constant_column"):
        a[:, -1] = 1.5
    return a


def _cast(a: np.ndarray, dtype: str) -> np.ndarray:
    return np.round(a).astype(np.int64) if dtype == "int64" else a.astype(dtype)


def _scaled(a: np.ndarray, exponent: int) -> np.ndarray:
    """``a · 2^exponent``, exact, in the dtype of ``a`` (float32 keeps to its own range)."""
    if a.dtype.kind != "f":
        return a
    if a.dtype == np.float32:
        exponent = int(np.clip(exponent, -100, 100))
    return np.ldexp(a, exponent).astype(a.dtype)


def _run(call: Any) -> float | BaseException:
    """The value of ``call()`` or the contract error it raised; anything else fails the test."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            value = call().value
    except (ValueError, TypeError) as err:
        message = str(err)
        assert re.search(r"\b(x|y|z|k|bandwidth|sigma|noise_variance|eps|h)\b", message), message
        return err
    assert math.isfinite(value), value
    return value


def _check_consistent(base: float | BaseException, scaled: float | BaseException, shift: float):
    if isinstance(base, BaseException) or isinstance(scaled, BaseException):
        return  # a named error either way is within the contract
    assert scaled == pytest.approx(base + shift, abs=TOL + 1e-12 * abs(base + shift))


def _exponent_strategy() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(-1000, 1000), st.sampled_from([-996, -100, 0, 100, 996]))


@EXAMPLES
@given(
    method=st.sampled_from(_fast("mi")),
    n=st.integers(8, 40),
    dtype=st.sampled_from(["float64", "float32", "int64"]),
    exponent=_exponent_strategy(),
    data=st.data(),
)
def test_mi_contract(method, n, dtype, exponent, data):
    x = _cast(data.draw(samples(n, "x")), dtype)
    y = _cast(data.draw(samples(n, "y")), dtype)
    params = PARAMS.get(method, {})
    base = _run(lambda: estimate_mi(x, y, method, **params))
    if method in SCALE_DEPENDENT:
        return
    scaled = _run(lambda: estimate_mi(_scaled(x, exponent), _scaled(y, exponent), method, **params))
    if dtype == "float32" and abs(exponent) > 100:
        return  # clipped to the float32 range: a different scale, checked above for the contract
    _check_consistent(base, scaled, 0.0)


@EXAMPLES
@given(
    method=st.sampled_from(_fast("entropy")),
    n=st.integers(8, 40),
    dtype=st.sampled_from(["float64", "float32", "int64"]),
    exponent=_exponent_strategy(),
    data=st.data(),
)
def test_entropy_contract(method, n, dtype, exponent, data):
    x = _cast(data.draw(samples(n, "x")), dtype)
    params = PARAMS.get(method, {})
    base = _run(lambda: estimate_entropy(x, method, **params))
    if method in SCALE_DEPENDENT or (dtype == "float32" and abs(exponent) > 100):
        return
    scaled = _run(lambda: estimate_entropy(_scaled(x, exponent), method, **params))
    moves = x.dtype.kind == "f" and method not in SCALE_FREE_ENTROPY
    _check_consistent(base, scaled, x.shape[1] * exponent * math.log(2.0) if moves else 0.0)


@EXAMPLES
@given(
    method=st.sampled_from(_fast("cmi")),
    n=st.integers(8, 40),
    dtype=st.sampled_from(["float64", "float32", "int64"]),
    exponent=_exponent_strategy(),
    data=st.data(),
)
def test_cmi_contract(method, n, dtype, exponent, data):
    x, y, z = (_cast(data.draw(samples(n, name)), dtype) for name in ARGUMENTS)
    base = _run(lambda: estimate_cmi(x, y, z, method))
    if dtype == "float32" and abs(exponent) > 100:
        return
    scaled = _run(lambda: estimate_cmi(*(_scaled(a, exponent) for a in (x, y, z)), method))
    _check_consistent(base, scaled, 0.0)


@EXAMPLES
@given(
    quantity=st.sampled_from(["mi", "entropy", "cmi"]),
    data=st.data(),
    bad=st.sampled_from([np.nan, np.inf, -np.inf]),
    position=st.integers(0, 2),
)
def test_non_finite_input_is_named(quantity, data, bad, position):
    method = data.draw(st.sampled_from(_fast(quantity)), label="method")
    names = ARGUMENTS[: {"mi": 2, "entropy": 1, "cmi": 3}[quantity]]
    arrays = [np.linspace(-1.0, 1.0, 20).reshape(-1, 1) * (i + 1) for i in range(len(names))]
    which = position % len(names)
    arrays[which][data.draw(st.integers(0, 19), label="row"), 0] = bad
    call = {"mi": estimate_mi, "entropy": estimate_entropy, "cmi": estimate_cmi}[quantity]
    with pytest.raises(ValueError, match=rf"{names[which]} contains"):
        call(*arrays, method, **PARAMS.get(method, {}))

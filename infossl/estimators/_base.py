"""Estimator base classes and the method registry.

Estimators follow scikit-learn conventions: every hyper-parameter is an ``__init__`` argument stored
under the same attribute name and validated there; ``estimate(...)`` does the work and returns an
:class:`~infossl.estimate.Estimate` in nats. ``get_params``, ``set_params`` and the repr follow
scikit-learn's protocol, so ``sklearn.base.clone`` works without importing scikit-learn here
(it costs about half a second at import). The registry maps ``(quantity, name)`` to a class so
that ``infossl.estimate_mi(x, y, method="ksg1", k=3)`` can find it; modules that need torch are
registered lazily (imported on first use) so that numpy-only use never imports torch.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from infossl._checks import (
    SAFE_EXPONENT,
    as_numeric_array,
    as_samples,
    check_same_length,
    safe_scale_exponents,
    tensor_device,
)
from infossl.estimate import Estimate
from infossl.estimators._tails import heavy_tailed, tail_note

QUANTITIES: tuple[str, ...] = ("mi", "entropy", "cmi")
ACCEPTS: tuple[str, ...] = ("continuous", "discrete", "discrete-continuous", "mixed", "any")
_QUANTITY_SYMBOL = {"mi": "I(X;Y)", "entropy": "H(X)", "cmi": "I(X;Y|Z)"}
#: The names of the data arguments of ``estimate`` for each quantity, in order.
ARGUMENT_NAMES: dict[str, tuple[str, ...]] = {
    "mi": ("x", "y"),
    "entropy": ("x",),
    "cmi": ("x", "y", "z"),
}
_E = TypeVar("_E", bound="BaseEstimator")
#: The device of the torch tensor(s) passed to the ``estimate`` call in progress (None: numpy
#: data or CPU tensors); set by :func:`_on_safe_scale`, read by :func:`input_device`.
_INPUT_DEVICE: ContextVar[str | None] = ContextVar("infossl_input_device", default=None)


def input_device() -> str | None:
    """The device (e.g. ``"cuda:0"``) of the tensors given to the ``estimate`` call in progress.

    None for numpy data and CPU tensors. The data themselves reach ``estimate`` as float64
    numpy arrays; an estimator with a device back-end (the kNN family) runs its O(n^2) work
    there (``device=None`` follows the input).
    """
    return _INPUT_DEVICE.get()


class NonFiniteEstimateError(ValueError, FloatingPointError):
    """An estimator arrived at NaN or infinity; a ``ValueError`` naming the data arguments."""


class BaseEstimator:
    """Common machinery: parameter introspection, repr, safe scaling, and building the `Estimate`.

    Every ``estimate`` method a subclass defines is wrapped (in ``__init_subclass__``) by
    :func:`_on_safe_scale`: the data arguments are validated (a named ``TypeError`` or
    ``ValueError`` for ragged, non-numeric or non-finite input; torch tensors of any float
    dtype, bfloat16 included, become float64), and continuous (float) inputs whose magnitude
    lies beyond ``2^±SAFE_EXPONENT`` are divided by a power of two, exactly, before the method
    runs. Mutual information is unchanged by that rescaling; a differential entropy is shifted
    back by ``d·e·ln 2`` (``h(cX) = h(X) + d ln|c|``). Subclasses describe how they respond:
    ``rescales_inputs`` (False for estimators of discrete symbols), :meth:`_shifts_with_scale`
    and :meth:`_for_scaled_inputs` (parameters in data units follow the rescaling).

    Class attributes every concrete estimator sets:
        name: registry name (e.g. ``"ksg1"``).
        quantity: ``"mi"``, ``"entropy"`` or ``"cmi"``.
        kind: ``"point"``, ``"lower"``, ``"upper"`` or ``"proxy"``.
        accepts: which data it takes: ``"continuous"``, ``"discrete"``, ``"discrete-continuous"``
            (X discrete, Y continuous), ``"mixed"`` (any mix, including atoms) or ``"any"``.
        resampling: how a confidence interval is drawn: ``"bootstrap"`` (rows with replacement)
            or ``"subsample"`` (without replacement; needed by kNN methods, which duplicates break).
        summary: one line for the registry listing.
    """

    name: ClassVar[str] = ""
    quantity: ClassVar[str] = "mi"
    kind: ClassVar[str] = "point"
    accepts: ClassVar[str] = "continuous"
    resampling: ClassVar[str] = "bootstrap"
    summary: ClassVar[str] = ""
    #: False for estimators of discrete symbols, which take their input as it is.
    rescales_inputs: ClassVar[bool] = True
    #: Why heavy tails can ruin this estimator ("" when they cannot): a non-empty reason makes
    #: every estimate on heavy-tailed continuous data carry a note (see :mod:`._tails`).
    tail_sensitivity: ClassVar[str] = ""
    # For the type checker: estimate(x, y), estimate(x) or estimate(x, y, z) by quantity, the
    # method each of MIEstimator, EntropyEstimator and CMIEstimator defines.
    estimate: Callable[..., Estimate]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        method = cls.__dict__.get("estimate")
        if method is not None and not hasattr(method, "__wrapped__"):
            cls.estimate = _on_safe_scale(method)

    def _shifts_with_scale(self) -> bool:
        """Whether the value is a differential entropy: ``h(cX) = h(X) + d ln|c|``."""
        return self.quantity == "entropy"

    def _tail_sensitivity(self) -> str:
        """Why heavy tails can ruin this estimate with these parameters ("" if they cannot).

        ``tail_sensitivity`` unless a parameter removes the sensitivity (equal-mass bins, rank
        transforms), which the subclass then checks here.
        """
        return self.tail_sensitivity

    def _for_scaled_inputs(self, exponents: tuple[int, ...]) -> BaseEstimator | None:
        """This estimator for data arguments divided by ``2**exponents[i]`` (same quantity).

        ``self`` unless a parameter is in data units (a kernel width, a value range), which
        then follows the rescaling; None when it cannot (the caller raises a ValueError).
        """
        return self

    @classmethod
    def param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    @classmethod
    def param_defaults(cls) -> dict[str, Any]:
        sig = inspect.signature(cls.__init__)
        return {
            p.name: p.default
            for p in sig.parameters.values()
            if p.name != "self" and p.default is not inspect.Parameter.empty
        }

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyper-parameters of this estimator, as passed to ``__init__``.

        With ``deep=True`` a parameter that is itself an estimator also contributes its own
        parameters as ``name__param`` (scikit-learn's convention).
        """
        params: dict[str, Any] = {}
        for name in self.param_names():
            value = getattr(self, name)
            params[name] = value
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update((f"{name}__{k}", v) for k, v in value.get_params(deep=True).items())
        return params

    def set_params(self: _E, **params: Any) -> _E:
        """Change hyper-parameters in place, validated as in ``__init__``; returns ``self``.

        An unknown name raises ``ValueError`` listing the valid ones; an invalid value raises as
        ``__init__`` would and leaves the estimator unchanged.
        """
        if not params:
            return self
        valid = self.param_names()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(
                f"{type(self).__name__} has no parameter(s) {', '.join(map(repr, unknown))}; "
                f"valid parameters: {', '.join(valid)}"
            )
        fresh = type(self)(**{**self.get_params(deep=False), **params})
        vars(self).update(vars(fresh))
        return self

    def __repr__(self) -> str:
        """scikit-learn style: only the parameters that differ from their defaults."""
        defaults = self.param_defaults()
        shown = [
            f"{k}={v!r}"
            for k, v in self.get_params(deep=False).items()
            if k not in defaults or repr(v) != repr(defaults[k])
        ]
        return f"{type(self).__name__}({', '.join(shown)})"

    def _make(
        self,
        value: float,
        n: int,
        dims: tuple[int, ...],
        *,
        ceiling: float | None = None,
        stderr: float | None = None,
        notes: tuple[str, ...] = (),
        quantity: str | None = None,
        kind: str | None = None,
        extra_params: dict[str, Any] | None = None,
    ) -> Estimate:
        """Build the `Estimate` (nats) with this estimator's name, kind and parameters."""
        value = float(value)
        if not np.isfinite(value):
            names = ", ".join(ARGUMENT_NAMES[self.quantity])
            raise NonFiniteEstimateError(
                f"{self.name} produced a non-finite value ({value}) from {names}; check them "
                "for ties, constant columns or too few samples"
            )
        params = self.get_params(deep=False)
        if extra_params:
            params.update(extra_params)
        return Estimate(
            value=value,
            unit="nats",
            kind=kind or self.kind,
            method=self.name,
            n=n,
            dims=dims,
            ceiling=ceiling,
            stderr=stderr,
            params=params,
            quantity=quantity or _QUANTITY_SYMBOL[self.quantity],
            notes=notes,
        )


def with_params(estimator: Any, **changes: Any) -> Any:
    """A new estimator of the same class with some parameters changed (validated)."""
    return type(estimator)(**{**estimator.get_params(deep=False), **changes})


def _on_safe_scale(method: Callable[..., Estimate]) -> Callable[..., Estimate]:
    """Wrap an ``estimate`` method: validate the data arguments and run it at a safe scale.

    See :class:`BaseEstimator`. Float arrays whose largest magnitude lies outside
    ``2^±SAFE_EXPONENT`` are divided by ``2^e`` (:func:`~infossl._checks.safe_scale_exponents`);
    a differential entropy gets ``d·e·ln 2`` added back. Integer and bool arrays (discrete
    symbols) pass unchanged. O(n·d) time; no copy when no rescaling is needed.
    """

    @functools.wraps(method)
    def estimate(self: BaseEstimator, *args: Any, **kwargs: Any) -> Estimate:
        names = ARGUMENT_NAMES[self.quantity]
        given = list(args) + [kwargs.pop(nm) for nm in names[len(args) :] if nm in kwargs]
        if len(given) != len(names) or kwargs:
            return method(self, *args, **kwargs)  # Python reports the wrong call
        device = next((d for d in map(tensor_device, given) if d is not None), None)
        token = _INPUT_DEVICE.set(device)
        try:
            return _run_scaled(self, method, given, names)
        finally:
            _INPUT_DEVICE.reset(token)

    return estimate


def _run_scaled(
    est: BaseEstimator,
    method: Callable[..., Estimate],
    given: list[Any],
    names: tuple[str, ...],
) -> Estimate:
    """Validate the data arguments, rescale them if needed, run ``method`` (see above)."""
    arrays = [_checked_array(a, nm) for a, nm in zip(given, names, strict=True)]
    return _with_tail_note(est, _run_on(est, method, arrays, names), arrays, names)


def _run_on(
    est: BaseEstimator,
    method: Callable[..., Estimate],
    arrays: list[np.ndarray],
    names: tuple[str, ...],
) -> Estimate:
    """Run ``method`` on the validated ``arrays``, rescaled by powers of two if needed."""
    if not est.rescales_inputs:
        return method(est, *arrays)
    floats = [a.dtype.kind == "f" for a in arrays]
    found = iter(safe_scale_exponents([a for a, f in zip(arrays, floats, strict=True) if f]))
    exps = tuple(next(found) if f else 0 for f in floats)
    if not any(exps):
        return method(est, *arrays)
    estimator = est._for_scaled_inputs(exps)
    if estimator is None:
        raise _unscalable(est, names, exps)
    scaled = [np.ldexp(a, -e) if e else a for a, e in zip(arrays, exps, strict=True)]
    return _rescaled_result(est, method(estimator, *scaled), arrays, exps)


def _with_tail_note(
    est: BaseEstimator, result: Estimate, arrays: list[np.ndarray], names: tuple[str, ...]
) -> Estimate:
    """``result`` with the heavy-tail note when ``est`` is tail-sensitive and the data are.

    The value is never changed. O(n·d) and only run for tail-sensitive estimators; see
    :mod:`infossl.estimators._tails` for the statistic and its threshold.
    """
    reason = est._tail_sensitivity()
    if not reason:
        return result
    found = heavy_tailed(arrays, names)
    if not found:
        return result
    n = len(arrays[0]) if arrays else 0
    return result.with_notes(tail_note(est.name, reason, found, n))


def _checked_array(value: Any, name: str) -> np.ndarray:
    """A numeric array named ``name``: float entries must be finite (ValueError naming it)."""
    arr = as_numeric_array(value, name)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).sum())
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s)")
    return arr


def _unscalable(est: BaseEstimator, names: tuple[str, ...], exps: tuple[int, ...]) -> ValueError:
    far = [nm for nm, e in zip(names, exps, strict=True) if e]
    return ValueError(
        f"{', '.join(far)} lie(s) beyond 2^±{SAFE_EXPONENT} in magnitude, and {est.name} has a "
        f"parameter in data units ({est!r}) that cannot follow a rescaling there; divide the "
        "data and that parameter by a common factor"
    )


def _rescaled_result(
    est: BaseEstimator, result: Estimate, arrays: list[np.ndarray], exps: tuple[int, ...]
) -> Estimate:
    """Put a result computed on rescaled data back in the caller's units and parameters."""
    note = (
        "data rescaled by exact powers of two ("
        + ", ".join(f"2^{-e}" for e in exps)
        + ") to keep the arithmetic in range; parameters reported in data units refer to the "
        "rescaled data"
    )
    shift = 0.0
    if est._shifts_with_scale():
        shift = sum(e * int(np.prod(a.shape[1:])) for a, e in zip(arrays, exps, strict=True))
        shift *= math.log(2.0)
    ceiling = result.ceiling
    if ceiling is not None and shift:
        ceiling += shift
    return replace(
        result,
        value=result.value + shift,
        ceiling=ceiling,
        params={**result.params, **est.get_params(deep=False)},
        notes=(*result.notes, note),
    )


class MIEstimator(BaseEstimator):
    """Estimates I(X;Y) from paired samples ``x`` (n, d_x) and ``y`` (n, d_y)."""

    quantity: ClassVar[str] = "mi"

    def estimate(  # pragma: no cover - abstract
        self, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> Estimate:
        raise NotImplementedError


class EntropyEstimator(BaseEstimator):
    """Estimates H(X) (differential or discrete) from samples ``x`` (n, d)."""

    quantity: ClassVar[str] = "entropy"

    def estimate(self, x: npt.ArrayLike) -> Estimate:  # pragma: no cover - abstract
        raise NotImplementedError


class CMIEstimator(BaseEstimator):
    """Estimates I(X;Y|Z) from samples ``x``, ``y``, ``z`` with the same number of rows."""

    quantity: ClassVar[str] = "cmi"

    def estimate(  # pragma: no cover - abstract
        self, x: npt.ArrayLike, y: npt.ArrayLike, z: npt.ArrayLike
    ) -> Estimate:
        raise NotImplementedError


def paired_samples(
    x: npt.ArrayLike, y: npt.ArrayLike, *, min_n: int = 1
) -> tuple[np.ndarray, np.ndarray, int]:
    """``(x, y, n)``: both as ``(n, d)`` sample arrays of the same length ``n >= min_n``."""
    xs = as_samples(x, "x", min_n=min_n)
    ys = as_samples(y, "y", min_n=min_n)
    return xs, ys, check_same_length(x=xs, y=ys)


def conditional_samples(
    x: npt.ArrayLike, y: npt.ArrayLike, z: npt.ArrayLike, *, min_n: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``(x, y, z, n)``: all three as ``(n, d)`` sample arrays of the same length ``n >= min_n``."""
    xs = as_samples(x, "x", min_n=min_n)
    ys = as_samples(y, "y", min_n=min_n)
    zs = as_samples(z, "z", min_n=min_n)
    return xs, ys, zs, check_same_length(x=xs, y=ys, z=zs)


def unchanged_or(value: Any, checked: Any) -> Any:
    """``value`` itself if validation left it as it was (same type and equal), else ``checked``.

    ``sklearn.base.clone`` requires ``__init__`` to store the very objects it was given; an
    ``__init__`` that normalises a parameter (e.g. a list to a tuple) stores
    ``unchanged_or(given, normalised)`` so that the stored value survives a clone.
    """
    return value if _same(value, checked) else checked


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------------- registry
_REGISTRY: dict[tuple[str, str], type[BaseEstimator]] = {}
#: Methods whose module imports torch: ``(quantity, name) -> module``, imported on first use.
_LAZY: dict[tuple[str, str], str] = {}


def register(cls: type[_E]) -> type[_E]:
    """Class decorator adding an estimator to the registry under ``(cls.quantity, cls.name)``."""
    if cls.quantity not in QUANTITIES:
        raise ValueError(f"{cls.__name__}.quantity must be one of {QUANTITIES}")
    if cls.accepts not in ACCEPTS:
        raise ValueError(f"{cls.__name__}.accepts must be one of {ACCEPTS}")
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no registry name")
    key = (cls.quantity, cls.name)
    if key in _REGISTRY and _REGISTRY[key] is not cls:
        raise ValueError(f"duplicate estimator registration for {key}")
    _REGISTRY[key] = cls
    return cls


def register_lazy(quantity: str, name: str, module: str) -> None:
    """Declare that ``module`` registers ``(quantity, name)`` when imported."""
    _LAZY[(quantity, name)] = module


def method_names(quantity: str) -> list[str]:
    """All registered method names for a quantity (including lazily imported ones)."""
    names = {n for q, n in _REGISTRY if q == quantity} | {n for q, n in _LAZY if q == quantity}
    return sorted(names)


def get_estimator_class(quantity: str, name: str) -> type[BaseEstimator]:
    """Look up an estimator class; the error lists every valid name for the quantity."""
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {list(QUANTITIES)}, got {quantity!r}")
    key = (quantity, name)
    if key not in _REGISTRY and key in _LAZY:
        importlib.import_module(_LAZY[key])
    if key not in _REGISTRY:
        raise ValueError(
            f"unknown {quantity} method {name!r}; "
            f"valid methods: {', '.join(method_names(quantity))}"
        )
    return _REGISTRY[key]


@dataclass(frozen=True)
class MethodInfo:
    """One registry row: what a method estimates, its kind, the data it accepts, its parameters."""

    name: str
    quantity: str
    kind: str
    accepts: str
    summary: str
    params: dict[str, Any]
    needs_torch: bool


def list_methods(quantity: str | None = None, *, include_torch: bool = True) -> list[MethodInfo]:
    """Describe every registered method (optionally of one quantity).

    With ``include_torch=True`` the lazily registered (torch) modules are imported first.
    """
    if quantity is not None and quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {list(QUANTITIES)}, got {quantity!r}")
    if include_torch:
        for module in sorted(set(_LAZY.values())):
            importlib.import_module(module)
    lazy_modules = set(_LAZY.values())
    rows = []
    for (q, name), cls in sorted(_REGISTRY.items()):
        if quantity is not None and q != quantity:
            continue
        rows.append(
            MethodInfo(
                name=name,
                quantity=q,
                kind=cls.kind,
                accepts=cls.accepts,
                summary=cls.summary,
                params=cls.param_defaults(),
                needs_torch=cls.__module__ in lazy_modules,
            )
        )
    return rows

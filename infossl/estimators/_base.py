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

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from infossl._checks import as_samples, check_same_length
from infossl.estimate import Estimate

QUANTITIES: tuple[str, ...] = ("mi", "entropy", "cmi")
ACCEPTS: tuple[str, ...] = ("continuous", "discrete", "discrete-continuous", "mixed", "any")
_QUANTITY_SYMBOL = {"mi": "I(X;Y)", "entropy": "H(X)", "cmi": "I(X;Y|Z)"}
_E = TypeVar("_E", bound="BaseEstimator")


class BaseEstimator:
    """Common machinery: parameter introspection, repr, and building the `Estimate`.

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
    # For the type checker: estimate(x, y), estimate(x) or estimate(x, y, z) by quantity, the
    # method each of MIEstimator, EntropyEstimator and CMIEstimator defines.
    estimate: Callable[..., Estimate]

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
            raise FloatingPointError(
                f"{self.name} produced a non-finite value ({value}); check the input for ties, "
                "constant columns or too few samples"
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

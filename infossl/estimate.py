"""The `Estimate` result type returned by every estimator in infossl.

An estimate is a number with everything needed to read it honestly: its unit, whether it is a
point estimate or a bound (and in which direction), the method and hyper-parameters that define
it, the sample size, the largest value the method could have reported here (its *ceiling*, e.g.
``ln K`` for InfoNCE or ``ln N`` for a plug-in estimate on N samples) and its uncertainty.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

UNITS: tuple[str, ...] = ("nats", "bits")
KINDS: tuple[str, ...] = ("point", "lower", "upper", "proxy")

_NATS_PER_UNIT = {"nats": 1.0, "bits": math.log(2.0)}

#: Keys of ``Estimate.params`` whose values are information figures in the estimate's unit (a
#: number, or a mapping to numbers): the parts of ``copula-max`` (``gcmi``, ``ksg1_copula``,
#: ``gcmi_adjusted``), its canonical-pair check (``pair_gaussian``, ``pair_ksg``), its
#: values per k (``ksg1_by_k``) and the parts of ``copula-critic-max`` (``copula_max``,
#: ``critic_ksg``). :meth:`Estimate.to` converts them with the value.
INFORMATION_PARAMS: frozenset[str] = frozenset(
    {
        "gcmi",
        "ksg1_copula",
        "gcmi_adjusted",
        "pair_gaussian",
        "pair_ksg",
        "ksg1_by_k",
        "copula_max",
        "critic_ksg",
    }
)

#: An estimate whose value reaches this fraction of its ceiling is flagged as saturated.
SATURATION_FRACTION = 0.9


def check_unit(unit: object) -> str:
    """Return ``unit`` if it is a known unit, else raise ``ValueError`` listing the valid ones."""
    if not isinstance(unit, str) or unit not in _NATS_PER_UNIT:
        raise ValueError(f"unit must be one of {list(UNITS)}, got {unit!r}")
    return unit


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert an information value between ``"nats"`` and ``"bits"`` (1 bit = ln 2 nats)."""
    check_unit(from_unit)
    check_unit(to_unit)
    return value * _NATS_PER_UNIT[from_unit] / _NATS_PER_UNIT[to_unit]


#: ``<number> nats`` or ``<number> bits``, not inside a word and not the argument of ln/log
#: (``ln 128 nats`` is a formula, not a figure).
_FIGURE = re.compile(
    r"(?<![\w.])(?<!ln )(?<!log )([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(\s+)(nats|bits)\b"
)


def convert_text(text: str, unit: str) -> str:
    """Rewrite every figure ``<number> nats`` / ``<number> bits`` of ``text`` in ``unit``.

    Notes that quote an information figure write it this way, so that converting an estimate
    converts its notes too: ``"bias about 0.05 nats"`` becomes ``"bias about 0.0721 bits"``
    (three significant digits).
    """
    check_unit(unit)

    def repl(match: re.Match[str]) -> str:
        number, space, from_unit = match.groups()
        if from_unit == unit:
            return match.group(0)
        return f"{convert(float(number), from_unit, unit):.3g}{space}{unit}"

    return _FIGURE.sub(repl, text)


@dataclass(frozen=True)
class Estimate:
    """An information estimate with its unit, kind, provenance and uncertainty.

    Attributes:
        value: the estimate, in ``unit``.
        unit: ``"nats"`` (default) or ``"bits"``.
        kind: ``"point"``, ``"lower"`` (a lower bound), ``"upper"`` or ``"proxy"`` (a monotone
            surrogate with no guaranteed relation to the true value).
        method: registry name of the method, e.g. ``"ksg1"``.
        n: number of samples used.
        dims: dimension of each variable, e.g. ``(d_x, d_y)``.
        ceiling: the largest value this method can report in this setting, in ``unit``, or None.
        stderr: standard error of ``value``, in ``unit``, or None.
        ci: a confidence interval ``(low, high)`` in ``unit``, or None.
        ci_level: the coverage of ``ci`` (e.g. 0.95), or None.
        params: every hyper-parameter that defines the quantity (k, bins, sigma, seed, ...).
        quantity: what is estimated, e.g. ``"I(X;Y)"``, ``"H(X)"``, ``"I(X;Y|Z)"``.
        notes: warnings about trustworthiness (saturation, high dimension, ties, ...).
    """

    value: float
    unit: str = "nats"
    kind: str = "point"
    method: str = ""
    n: int = 0
    dims: tuple[int, ...] = ()
    ceiling: float | None = None
    stderr: float | None = None
    ci: tuple[float, float] | None = None
    ci_level: float | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    quantity: str = "I(X;Y)"
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_unit(self.unit)
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {list(KINDS)}, got {self.kind!r}")
        value = float(self.value)
        if not math.isfinite(value):
            raise ValueError(f"Estimate value must be finite, got {value!r} from {self.method!r}")
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "n", int(self.n))
        object.__setattr__(self, "dims", tuple(int(d) for d in self.dims))
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "notes", tuple(self.notes))
        if self.ci is not None:
            low, high = (float(self.ci[0]), float(self.ci[1]))
            if low > high:
                raise ValueError(f"ci must be (low, high) with low <= high, got {self.ci!r}")
            object.__setattr__(self, "ci", (low, high))

    # ------------------------------------------------------------------ derived views
    @property
    def saturated(self) -> bool:
        """True when the value reaches ``SATURATION_FRACTION`` of a positive ceiling.

        A saturated estimate says more about the method's cap than about the data: the true
        value may be much larger.
        """
        return (
            self.ceiling is not None
            and self.ceiling > 0
            and self.value >= SATURATION_FRACTION * self.ceiling
        )

    def to(self, unit: str) -> Estimate:
        """The same estimate expressed in ``unit``.

        Converts value, ceiling, stderr and ci, the information figures among the params
        (:data:`INFORMATION_PARAMS`), and every figure written ``<number> nats`` or
        ``<number> bits`` inside the notes (see :func:`convert_text`).
        """
        check_unit(unit)
        if unit == self.unit:
            return self

        def conv(v: float | None) -> float | None:
            return None if v is None else convert(v, self.unit, unit)

        ci = (
            None
            if self.ci is None
            else (convert(self.ci[0], self.unit, unit), convert(self.ci[1], self.unit, unit))
        )
        return replace(
            self,
            value=convert(self.value, self.unit, unit),
            unit=unit,
            ceiling=conv(self.ceiling),
            stderr=conv(self.stderr),
            ci=ci,
            params={k: _convert_param(k, v, self.unit, unit) for k, v in self.params.items()},
            notes=tuple(convert_text(note, unit) for note in self.notes),
        )

    def with_notes(self, *notes: str) -> Estimate:
        """A copy with extra trust notes appended."""
        return replace(self, notes=self.notes + tuple(n for n in notes if n not in self.notes))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary of every field (plus ``saturated``)."""
        return {
            "quantity": self.quantity,
            "value": self.value,
            "unit": self.unit,
            "kind": self.kind,
            "method": self.method,
            "n": self.n,
            "dims": list(self.dims),
            "ceiling": self.ceiling,
            "stderr": self.stderr,
            "ci": None if self.ci is None else list(self.ci),
            "ci_level": self.ci_level,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "notes": list(self.notes),
            "saturated": self.saturated,
        }

    def __float__(self) -> float:
        return self.value

    def __str__(self) -> str:
        text = f"{self.quantity} = {self.value:.4g}"
        if self.stderr is not None:
            text += f" ± {self.stderr:.2g}"
        text += f" {self.unit}"
        if self.ci is not None:
            level = "" if self.ci_level is None else f"{100 * self.ci_level:g}% "
            text += f" [{level}CI {self.ci[0]:.4g}, {self.ci[1]:.4g}]"
        bound = {"lower": " (lower bound)", "upper": " (upper bound)", "proxy": " (proxy)"}
        text += bound.get(self.kind, "")
        if self.ceiling is not None:
            text += f", ceiling {self.ceiling:.4g}"
            if self.saturated:
                text += " SATURATED"
        return text

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return (
            f"Estimate({self}; method={self.method!r}, n={self.n}, dims={self.dims}"
            + (f", {params}" if params else "")
            + ")"
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "item"):
        try:
            return value.item()
        except (TypeError, ValueError):
            pass
    return repr(value)


def _convert_param(key: str, value: Any, from_unit: str, to_unit: str) -> Any:
    """``value`` in ``to_unit`` when ``key`` names an information figure, else unchanged."""
    if key not in INFORMATION_PARAMS:
        return value
    if isinstance(value, Mapping):
        return {k: _convert_param(key, v, from_unit, to_unit) for k, v in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return convert(float(value), from_unit, to_unit)
    return value

"""`InfoTerm`: one information quantity of an objective, with its path and its bound.

An information term names *what* a loss component measures (``I(Z1;Z2)``, ``H(Z1|Z2)``,
``I(X1;Z1|X2)``, ...), *along which path* the samples were generated (the review's subscript
notation, §3.2), and *how* it is measured: the bound or proxy used and its direction.

Kinds (the same vocabulary as :class:`infossl.estimate.Estimate`):

* ``"lower"``: the value is a lower bound on the quantity, in nats (InfoNCE, Barber–Agakov).
* ``"upper"``: an upper bound, in nats (KL to a prior, a cross-entropy, the Gaussian entropy).
* ``"point"``: an estimate or an exact value in nats.
* ``"proxy"``: a surrogate with no guaranteed relation; ``orientation`` says whether it grows
  (+1) or shrinks (−1) when the quantity grows (VICReg's variance hinge shrinks as H(Z) grows).

Two terms with the same variables and different paths are different quantities: they compare
unequal and :func:`infossl.framework.report.side_by_side` lists them next to each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from infossl.framework.paths import PathStep, as_variables, render_path

#: Information measures: mutual information, entropy, total correlation, KL divergence.
MEASURES: tuple[str, ...] = ("I", "H", "TC", "D")
KINDS: tuple[str, ...] = ("lower", "upper", "point", "proxy")

_KIND_TEXT = {"lower": "lower bound", "upper": "upper bound", "point": "estimate"}


@dataclass(frozen=True)
class InfoTerm:
    """An information quantity with its path and the bound used to measure it.

    Attributes:
        measure: ``"I"`` (mutual information ``I(a;b|given)``), ``"H"`` (entropy
            ``H(a|given)``), ``"TC"`` (total correlation of the variables in ``a``) or ``"D"``
            (KL divergence ``D(a‖b)`` between the distributions named ``a`` and ``b``).
        a, b: the two variables or sets of variables (``b`` empty for ``H`` and ``TC``).
        given: the conditioning set.
        path: the ordered distributions that generate the samples (may be empty).
        bound: the registry name of the bound, estimator or proxy, e.g. ``"infonce"``.
        kind: ``"lower"``, ``"upper"``, ``"point"`` or ``"proxy"``.
        orientation: for proxies, +1 if the value grows with the quantity, −1 if it shrinks.
        aggregate: set when the term averages the quantity over view pairs; rendered as a
            prefix, e.g. ``"a<b"`` → ``mean_{a<b} I(Za;Zb)``.
        note: one line on assumptions (noise model, estimator setting).
    """

    measure: str
    a: tuple[str, ...]
    b: tuple[str, ...] = ()
    given: tuple[str, ...] = ()
    path: tuple[PathStep, ...] = ()
    bound: str = ""
    kind: str = "point"
    orientation: int = 1
    aggregate: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"measure must be one of {list(MEASURES)}, got {self.measure!r}")
        object.__setattr__(self, "a", as_variables(self.a, "a"))
        object.__setattr__(self, "b", as_variables(self.b, "b"))
        object.__setattr__(self, "given", as_variables(self.given, "given"))
        path = tuple(self.path)
        for step in path:
            if not isinstance(step, PathStep):
                raise TypeError(f"path must hold PathStep objects, got {step!r}")
        object.__setattr__(self, "path", path)
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {list(KINDS)}, got {self.kind!r}")
        if self.orientation not in (1, -1):
            raise ValueError(f"orientation must be +1 or -1, got {self.orientation!r}")
        if self.kind != "proxy" and self.orientation != 1:
            raise ValueError("orientation -1 is only meaningful for a proxy term")
        if not self.a:
            raise ValueError("a term needs at least one variable in a")
        if self.measure in ("I", "D") and not self.b:
            raise ValueError(f"measure {self.measure!r} needs a second variable (b)")
        if self.measure in ("H", "TC") and self.b:
            raise ValueError(f"measure {self.measure!r} takes no second variable (b)")
        if self.measure == "TC" and len(self.a) < 2:
            raise ValueError("a total correlation needs at least two variables in a")

    # ------------------------------------------------------------------ rendering
    def _arguments(self) -> str:
        a = ",".join(self.a)
        if self.measure == "I":
            text = f"{a};{','.join(self.b)}"
        elif self.measure == "D":
            text = f"{a}‖{','.join(self.b)}"
        elif self.measure == "TC":
            text = ";".join(self.a)
        else:
            text = a
        if self.given:
            text += "|" + ",".join(self.given)
        return f"({text})"

    def _prefix(self) -> str:
        return f"mean_{{{self.aggregate}}} " if self.aggregate else ""

    @property
    def quantity(self) -> str:
        """The quantity without its path, e.g. ``I(Z1;Z2)`` or ``mean_{a<b} I(Za;Zb)``."""
        return self._prefix() + self.measure + self._arguments()

    @property
    def notation(self) -> str:
        """The review's path-subscripted notation, e.g. ``I_{P(X1),P(Z1|X1),Q(Z2|Z1)}(X1;Z2)``."""
        sub = f"_{{{render_path(self.path)}}}" if self.path else ""
        return self._prefix() + self.measure + sub + self._arguments()

    @property
    def kind_text(self) -> str:
        """``"lower bound"``, ``"upper bound"``, ``"estimate"``, ``"proxy (increasing)"``, ..."""
        if self.kind == "proxy":
            return "proxy (increasing)" if self.orientation > 0 else "proxy (decreasing)"
        return _KIND_TEXT[self.kind]

    @property
    def symbol(self) -> str:
        """The quantity marked with how it is measured, for formulas.

        ``⌊I(Z1;Z2)⌋`` lower bound, ``⌈I(X;Z)⌉`` upper bound, ``~H(Z1|Z2)`` increasing proxy,
        ``~(−H(Z1))`` decreasing proxy, the bare quantity for an estimate.
        """
        q = self.quantity
        if self.kind == "lower":
            return f"⌊{q}⌋"
        if self.kind == "upper":
            return f"⌈{q}⌉"
        if self.kind == "proxy":
            return f"~{q}" if self.orientation > 0 else f"~(−{q})"
        return q

    @property
    def label(self) -> str:
        """One-line label: quantity, kind and bound, e.g. ``I(Z1;Z2) lower bound [infonce]``."""
        bound = f" [{self.bound}]" if self.bound else ""
        return f"{self.quantity} {self.kind_text}{bound}"

    def effect(self, weight: float) -> str:
        """What minimising ``weight · value`` does to the quantity, in words.

        E.g. ``effect(-1)`` on an InfoNCE term → ``"maximises a lower bound on I(Z1;Z2)"``.
        """
        if weight == 0:
            return f"does not act on {self.quantity} (weight 0)"
        direction = 1 if weight > 0 else -1
        if self.kind == "proxy":
            verb = "minimises" if direction * self.orientation > 0 else "maximises"
            return f"{verb} {self.quantity} (through a proxy)"
        verb = "minimises" if direction > 0 else "maximises"
        what = {
            "lower": "a lower bound on",
            "upper": "an upper bound on",
            "point": "an estimate of",
        }
        return f"{verb} {what[self.kind]} {self.quantity}"

    def same_quantity(self, other: InfoTerm) -> bool:
        """True when both terms name the same symbolic quantity, whatever their paths."""
        return self.quantity == other.quantity

    def __str__(self) -> str:
        return self.notation


def _vars(value: str | Iterable[str]) -> tuple[str, ...]:
    """``value`` as typed for an `InfoTerm` field: ``__post_init__`` makes it the tuple."""
    return cast("tuple[str, ...]", value)


def mi(
    a: str | Iterable[str],
    b: str | Iterable[str],
    *,
    given: str | Iterable[str] = (),
    path: Iterable[PathStep] = (),
    bound: str = "",
    kind: str = "point",
    orientation: int = 1,
    aggregate: str = "",
    note: str = "",
) -> InfoTerm:
    """A mutual-information term ``I(a;b|given)``."""
    return InfoTerm(
        "I",
        _vars(a),
        _vars(b),
        _vars(given),
        tuple(path),
        bound,
        kind,
        orientation,
        aggregate,
        note,
    )


def entropy(
    a: str | Iterable[str],
    *,
    given: str | Iterable[str] = (),
    path: Iterable[PathStep] = (),
    bound: str = "",
    kind: str = "point",
    orientation: int = 1,
    aggregate: str = "",
    note: str = "",
) -> InfoTerm:
    """An entropy term ``H(a|given)`` (differential for continuous variables)."""
    return InfoTerm(
        "H", _vars(a), (), _vars(given), tuple(path), bound, kind, orientation, aggregate, note
    )


def total_correlation(
    variables: Iterable[str],
    *,
    path: Iterable[PathStep] = (),
    bound: str = "",
    kind: str = "point",
    orientation: int = 1,
    note: str = "",
) -> InfoTerm:
    """A total correlation ``TC(Z1;…;Zn) = Σ H(Zi) − H(Z1,…,Zn)``."""
    return InfoTerm("TC", tuple(variables), (), (), tuple(path), bound, kind, orientation, "", note)


def divergence(
    p: str,
    q: str,
    *,
    bound: str = "",
    kind: str = "point",
    note: str = "",
) -> InfoTerm:
    """A KL divergence ``D(p‖q)`` between two named distributions (e.g. ``P_t`` and ``P_s``)."""
    return InfoTerm("D", (p,), (q,), (), (), bound, kind, 1, "", note)

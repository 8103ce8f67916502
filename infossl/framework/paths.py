"""Information paths: the ordered chain of distributions that generates the samples of a term.

In the multi-view framework of Shwartz-Ziv & LeCun (2023, §3.1–3.2) the same symbolic quantity
can be realised along different paths. ``I(X1;Z1)`` may use ``Z1`` drawn from the view-1 encoder
``P(Z1|X1)``, or ``Z1`` produced from ``X2`` through ``P(Z2|X2) → Q(Z1|Z2)``. The review writes
the path as a subscript: ``I_{P(X1),P(Z1|X1),P(Z2|Z1)}(X1;Z2)``.

A :class:`PathStep` is one conditional distribution of such a chain, with the role of the module
that realises it (encoder, cross-decoder, direct decoder, label decoder, data).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Module roles of the framework (paper §3.1): data marginals, encoders, three kinds of decoder.
ROLES: tuple[str, ...] = (
    "data",
    "encoder",
    "cross_decoder",
    "direct_decoder",
    "label_decoder",
)


def as_variables(value: str | Iterable[str], name: str) -> tuple[str, ...]:
    """Normalise one variable name or a collection of names into a tuple of names.

    ``"Z1"`` → ``("Z1",)``; ``("Z1", "Z2")`` → ``("Z1", "Z2")``. Raises ``TypeError`` for
    non-strings and ``ValueError`` for empty names or names holding separators (``;|,``).
    """
    items = (value,) if isinstance(value, str) else tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} must hold variable names (str), got {item!r}")
        if not item or any(sep in item for sep in ";|,()"):
            raise ValueError(f"{name} holds an invalid variable name {item!r}")
    return items


@dataclass(frozen=True)
class PathStep:
    """One distribution of an information path, e.g. the encoder ``P(Z1|X1)``.

    Attributes:
        target: the variables this step generates, e.g. ``("Z1",)``.
        given: the variables it conditions on; empty for a data marginal ``P(X1)``.
        role: one of :data:`ROLES`.
        symbol: the letter used when rendering: ``"P"`` for data and encoders, ``"Q"`` for
            decoders (the review's convention), overridable.
    """

    target: tuple[str, ...]
    given: tuple[str, ...] = ()
    role: str = "data"
    symbol: str = "P"

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", as_variables(self.target, "target"))
        object.__setattr__(self, "given", as_variables(self.given, "given"))
        if not self.target:
            raise ValueError("a path step must generate at least one variable (target)")
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {list(ROLES)}, got {self.role!r}")
        if not isinstance(self.symbol, str) or not self.symbol:
            raise ValueError(f"symbol must be a non-empty string, got {self.symbol!r}")

    def render(self) -> str:
        """The review's notation, e.g. ``P(Z1|X1)`` or ``Q(Y|Z1,Z2)``."""
        text = ",".join(self.target)
        if self.given:
            text += "|" + ",".join(self.given)
        return f"{self.symbol}({text})"

    def __str__(self) -> str:
        return self.render()


def data(*variables: str) -> PathStep:
    """The data marginal ``P(X1)`` (or a joint ``P(X1,X2)``)."""
    return PathStep(variables, (), "data", "P")


def encoder(x: str, z: str, *, symbol: str = "P") -> PathStep:
    """An encoder ``P(z|x)`` (deterministic or stochastic)."""
    return PathStep((z,), (x,), "encoder", symbol)


def cross_decoder(source: str, target: str, *, symbol: str = "Q") -> PathStep:
    """A cross-decoder predicting one representation from another, ``Q(target|source)``."""
    return PathStep((target,), (source,), "cross_decoder", symbol)


def direct_decoder(z: str, x: str, *, symbol: str = "Q") -> PathStep:
    """A direct decoder reconstructing an input from its representation, ``Q(x|z)``."""
    return PathStep((x,), (z,), "direct_decoder", symbol)


def label_decoder(z: str | Iterable[str], y: str = "Y", *, symbol: str = "Q") -> PathStep:
    """A label decoder ``Q(Y|Z)``; several representations give the joint decoder ``Q(Y|Z1,Z2)``."""
    return PathStep((y,), as_variables(z, "z"), "label_decoder", symbol)


def render_path(path: Iterable[PathStep]) -> str:
    """Comma-separated rendering of a path, e.g. ``P(X1),P(Z1|X1),Q(Z2|Z1)``."""
    return ",".join(step.render() for step in path)

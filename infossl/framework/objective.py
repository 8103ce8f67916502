"""`Objective`: a Lagrangian written as a weighted sum of information terms.

An objective (paper §3, checklist 9.1 "Lagrangian builder") is

    L(step) = Σ_k  c_k · m_k(step) · T_k  +  constant

with, for every term k, an :class:`~infossl.framework.terms.InfoTerm` ``T_k``, a fixed coefficient
``c_k`` (usually ±1 or a fraction) and an optional named multiplier ``m_k`` (β, β1, β2, α, λ, …)
whose value may follow a :class:`~infossl.framework.schedules.Schedule`. For MIB,
``L = −1 · I(Z1;Z2) + β/2 · KL₁₂ + β/2 · KL₂₁`` with β annealed.

:meth:`Objective.evaluate` turns the term values of one batch into a
:class:`~infossl.framework.output.LossOutput`; the loss is built *from* the weighted terms, so the
decomposition always sums to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import torch

from infossl._checks import check_float, check_int
from infossl.framework.output import LossOutput, TermValue, compute_dtype
from infossl.framework.schedules import Constant, Schedule, as_schedule, value_at
from infossl.framework.terms import InfoTerm


@dataclass(frozen=True)
class WeightedTerm:
    """One term of an objective: a name, the information term, its coefficient and multiplier.

    The term's weight at a step is ``coefficient × multipliers[multiplier](step)`` (or just
    ``coefficient`` when ``multiplier`` is None).
    """

    name: str
    term: InfoTerm
    coefficient: float = 1.0
    multiplier: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"term name must be a non-empty string, got {self.name!r}")
        if not isinstance(self.term, InfoTerm):
            raise TypeError(f"term must be an InfoTerm, got {type(self.term).__name__}")
        object.__setattr__(self, "coefficient", check_float(self.coefficient, "coefficient"))
        m = self.multiplier
        if m is not None and (not isinstance(m, str) or not m):
            raise ValueError(f"multiplier must be a non-empty name or None, got {m!r}")

    def weight_text(self) -> str:
        """The symbolic weight, e.g. ``−1``, ``β``, ``0.5·β``, ``−λ_CL``."""
        c = self.coefficient
        if self.multiplier is None:
            return f"{c:g}"
        if c == 1:
            return self.multiplier
        if c == -1:
            return f"−{self.multiplier}"
        return f"{c:g}·{self.multiplier}"


class Objective:
    """A weighted sum of information terms with named, scheduled multipliers.

    Args:
        terms: the weighted terms (names unique).
        multipliers: ``name -> float | Schedule`` for every multiplier the terms use.
        constant: a data-independent offset added to the loss (kept out of the terms).
        constant_text: how to print the constant, e.g. ``"ln K"``.
        name: a short label, e.g. ``"MIB"``.
    """

    def __init__(
        self,
        terms: Iterable[WeightedTerm],
        multipliers: Mapping[str, float | Schedule] | None = None,
        *,
        name: str = "",
        constant_text: str = "",
    ) -> None:
        self.terms: tuple[WeightedTerm, ...] = tuple(terms)
        if not self.terms:
            raise ValueError("an objective needs at least one term")
        names = [t.name for t in self.terms]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate term names: {duplicates}")
        for t in self.terms:
            if not isinstance(t, WeightedTerm):
                raise TypeError(f"terms must be WeightedTerm objects, got {type(t).__name__}")
        multipliers = dict(multipliers or {})
        self.multipliers: dict[str, Schedule] = {
            key: as_schedule(value, f"multipliers[{key!r}]") for key, value in multipliers.items()
        }
        used = {t.multiplier for t in self.terms if t.multiplier is not None}
        missing = sorted(used - set(self.multipliers))
        if missing:
            raise ValueError(f"multipliers without a value: {missing}")
        unused = sorted(set(self.multipliers) - used)
        if unused:
            raise ValueError(f"multipliers not used by any term: {unused}")
        self.name = name
        self.constant_text = constant_text

    @property
    def names(self) -> tuple[str, ...]:
        """Term names, in order."""
        return tuple(t.name for t in self.terms)

    def weight(self, name: str, step: int = 0) -> float:
        """The weight of term ``name`` at ``step``."""
        for t in self.terms:
            if t.name == name:
                if t.multiplier is None:
                    return t.coefficient
                return t.coefficient * value_at(self.multipliers[t.multiplier], step)
        raise ValueError(f"unknown term {name!r}; terms: {list(self.names)}")

    def weights(self, step: int = 0) -> dict[str, float]:
        """Every term's weight at ``step``.

        Constant multipliers are read without looking at the step
        (:func:`~infossl.framework.schedules.value_at`), so a compiled loss whose multipliers are
        all constant does not specialise (and recompile) on the step.
        """
        if not all(isinstance(m, Constant) for m in self.multipliers.values()):
            check_int(step, "step", low=0)
        return {t.name: self.weight(t.name, step) for t in self.terms}

    def multiplier_values(self, step: int = 0) -> dict[str, float]:
        """Every multiplier's value at ``step``."""
        return {key: schedule(step) for key, schedule in self.multipliers.items()}

    def evaluate(
        self,
        values: Mapping[str, torch.Tensor],
        *,
        step: int = 0,
        constant: float = 0.0,
        diagnostics: Mapping[str, TermValue] | None = None,
    ) -> LossOutput:
        """Build the loss ``Σ weight · value + constant`` and its decomposition.

        Args:
            values: one scalar tensor (with graph) per term name; keys must match exactly.
                bfloat16/float16 values are summed (and reported) in float32.
            step: the optimisation step, for scheduled multipliers.
            constant: data-independent offset (e.g. ``ln K``).
            diagnostics: extra readings reported beside the terms, not summed.
        """
        if set(values) != set(self.names):
            raise ValueError(
                f"values must have exactly the keys {sorted(self.names)}, got {sorted(values)}"
            )
        weights = self.weights(step)
        loss: torch.Tensor | None = None
        terms: dict[str, TermValue] = {}
        for t in self.terms:
            value = values[t.name]
            if not isinstance(value, torch.Tensor) or value.dim() != 0:
                raise ValueError(f"values[{t.name!r}] must be a 0-dim tensor")
            value = value.to(compute_dtype(value.dtype))
            w = weights[t.name]
            part = w * value
            loss = part if loss is None else loss + part
            terms[t.name] = TermValue(value, t.term, w)
        assert loss is not None
        constant = check_float(constant, "constant")
        if constant:
            loss = loss + constant
        return LossOutput(loss, terms, constant, dict(diagnostics or {}))

    def formula(self) -> str:
        """The Lagrangian in text, e.g. ``L = −⌊I(Z1;Z2)⌋ + β·⌈I(X1;Z1|X2)⌉ + ln K``.

        Each quantity is marked by :attr:`InfoTerm.symbol` (⌊·⌋ lower bound, ⌈·⌉ upper bound,
        ``~`` proxy).
        """
        parts = []
        for t in self.terms:
            w = t.weight_text()
            sign = "−" if w.startswith(("-", "−")) else "+"
            w = w.lstrip("-−")
            parts.append((sign, f"{w}·{t.term.symbol}" if w != "1" else t.term.symbol))
        text = ("−" if parts[0][0] == "−" else "") + parts[0][1]
        for sign, body in parts[1:]:
            text += f" {sign} {body}"
        if self.constant_text:
            text += f" + {self.constant_text}"
        return f"L = {text}"

    def __repr__(self) -> str:
        return f"Objective({self.name!r}: {self.formula()})"

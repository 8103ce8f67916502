"""`LossOutput` and `TermValue`: what every objective returns.

``LossOutput.loss`` is the scalar to minimise. ``LossOutput.terms`` holds its decomposition:
each :class:`TermValue` carries a detached value, the :class:`~infossl.framework.terms.InfoTerm`
it measures (quantity, path, bound, kind) and its weight. The invariant

    loss == Σ_name terms[name].weight · terms[name].value + constant

holds by construction when the output comes from :meth:`Objective.evaluate
<infossl.framework.objective.Objective.evaluate>`; :meth:`LossOutput.check` verifies it.
``diagnostics`` are extra readings (e.g. DINO's teacher entropy) that are *not* part of the sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import torch

from infossl.framework.terms import InfoTerm


@dataclass(frozen=True)
class TermValue:
    """One weighted information term of a loss.

    Attributes:
        value: the term's value, a detached 0-dim tensor (nats unless the term is a proxy).
        term: the information term it measures.
        weight: its weight in the loss at this step (multiplier × fixed coefficient).
    """

    value: torch.Tensor
    term: InfoTerm
    weight: float = 1.0

    def __post_init__(self) -> None:
        value = self.value
        if not isinstance(value, torch.Tensor):
            value = torch.as_tensor(float(value))
        if value.dim() != 0:
            raise ValueError(f"a term value must be a scalar, got shape {tuple(value.shape)}")
        object.__setattr__(self, "value", value.detach())
        if not isinstance(self.term, InfoTerm):
            raise TypeError(f"term must be an InfoTerm, got {type(self.term).__name__}")
        object.__setattr__(self, "weight", float(self.weight))

    @property
    def quantity(self) -> str:
        """The quantity without its path, e.g. ``I(Z1;Z2)``."""
        return self.term.quantity

    @property
    def notation(self) -> str:
        """The path-subscripted notation of the review."""
        return self.term.notation

    @property
    def kind(self) -> str:
        """``"lower"``, ``"upper"``, ``"point"`` or ``"proxy"``."""
        return self.term.kind

    @property
    def bound(self) -> str:
        """Name of the bound or proxy that produced the value."""
        return self.term.bound

    @property
    def contribution(self) -> torch.Tensor:
        """``weight · value`` (detached)."""
        return self.weight * self.value

    def __float__(self) -> float:
        return float(self.value)

    def __str__(self) -> str:
        return f"{self.term.label} = {float(self.value):.4g} (weight {self.weight:g})"


@dataclass(frozen=True)
class LossOutput:
    """A loss and its decomposition into weighted information terms.

    Attributes:
        loss: the scalar to minimise (carries the graph).
        terms: ``name -> TermValue``; ``Σ weight · value + constant == loss``.
        constant: a data-independent offset (e.g. ``ln K`` that turns ``−I_NCE`` into the
            familiar cross-entropy), so that the reported loss matches the published formula.
        diagnostics: further readings that are not part of the sum.
    """

    loss: torch.Tensor
    terms: Mapping[str, TermValue]
    constant: float = 0.0
    diagnostics: Mapping[str, TermValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.loss, torch.Tensor) or self.loss.dim() != 0:
            raise ValueError("loss must be a 0-dim tensor")
        for group, mapping in (("terms", self.terms), ("diagnostics", self.diagnostics)):
            for name, tv in mapping.items():
                if not isinstance(tv, TermValue):
                    raise TypeError(
                        f"{group}[{name!r}] must be a TermValue, got {type(tv).__name__}"
                    )
        overlap = set(self.terms) & set(self.diagnostics)
        if overlap:
            raise ValueError(f"names used both as terms and diagnostics: {sorted(overlap)}")
        object.__setattr__(self, "terms", dict(self.terms))
        object.__setattr__(self, "diagnostics", dict(self.diagnostics))
        object.__setattr__(self, "constant", float(self.constant))

    def weighted_sum(self) -> torch.Tensor:
        """``Σ weight · value + constant`` from the detached term values."""
        total = torch.zeros((), dtype=self.loss.dtype, device=self.loss.device)
        for tv in self.terms.values():
            total = total + tv.weight * tv.value.to(self.loss.dtype)
        return total + self.constant

    def check(self, *, rtol: float = 1e-5, atol: float = 1e-6) -> None:
        """Raise ``AssertionError`` unless the weighted terms sum to the loss."""
        expected = self.weighted_sum()
        got = self.loss.detach()
        if not torch.allclose(got, expected, rtol=rtol, atol=atol):
            raise AssertionError(
                f"terms do not sum to the loss: loss={float(got):.8g}, "
                f"Σ weight·value + constant={float(expected):.8g}"
            )

    def to_dict(self, prefix: str = "") -> dict[str, float]:
        """Flat ``{name: float}`` for logging: the loss, every term and every diagnostic."""
        out = {f"{prefix}loss": float(self.loss.detach())}
        for name, tv in {**self.terms, **self.diagnostics}.items():
            out[f"{prefix}{name}"] = float(tv.value)
        return out

    def __str__(self) -> str:
        lines = [f"loss = {float(self.loss.detach()):.6g}"]
        lines += [f"  {name}: {tv}" for name, tv in self.terms.items()]
        if self.constant:
            lines.append(f"  constant: {self.constant:.6g}")
        lines += [f"  ({name}: {tv})" for name, tv in self.diagnostics.items()]
        return "\n".join(lines)


def combine(outputs: Mapping[str, LossOutput]) -> LossOutput:
    """Sum several outputs into one; term names are prefixed ``"<key>/"``.

    The weighted-sum invariant is preserved: losses, constants and terms all add up.
    """
    if not outputs:
        raise ValueError("outputs must not be empty")
    loss = None
    terms: dict[str, TermValue] = {}
    diagnostics: dict[str, TermValue] = {}
    constant = 0.0
    for key, out in outputs.items():
        if not isinstance(out, LossOutput):
            raise TypeError(f"outputs[{key!r}] must be a LossOutput, got {type(out).__name__}")
        loss = out.loss if loss is None else loss + out.loss
        constant += out.constant
        terms.update({f"{key}/{name}": tv for name, tv in out.terms.items()})
        diagnostics.update({f"{key}/{name}": tv for name, tv in out.diagnostics.items()})
    assert loss is not None
    return LossOutput(loss, terms, constant, diagnostics)

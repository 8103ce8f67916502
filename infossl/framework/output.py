"""`LossOutput` and `TermValue`: what every objective returns.

``LossOutput.loss`` is the scalar to minimise. ``LossOutput.terms`` holds its decomposition:
each :class:`TermValue` carries a detached value, the :class:`~infossl.framework.terms.InfoTerm`
it measures (quantity, path, bound, kind) and its weight. The invariant

    loss == Σ_name terms[name].weight · terms[name].value + constant

holds by construction when the output comes from :meth:`Objective.evaluate
<infossl.framework.objective.Objective.evaluate>`; :meth:`LossOutput.check` verifies it.
``diagnostics`` are extra readings (e.g. DINO's teacher entropy) that are *not* part of the sum.

A :class:`LossOutput` also stands in for its loss tensor where a training loop meets it, so an
objective is a drop-in for a criterion that returns a tensor (``torch.nn`` losses, lightly's)::

    loss = criterion(z1, z2)
    loss.backward()                  # = loss.loss.backward()
    total = loss + 0.1 * other       # a plain tensor
    print(float(loss), loss.item(), loss.terms)

APIs that type-check for a tensor take ``loss.loss``, e.g. ``scaler.scale(loss.loss)`` with
``torch.amp.GradScaler`` (fp16; bf16 needs no scaler).

Values computed in bfloat16/float16 are stored in float32 (see :func:`compute_dtype`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch

from infossl.framework.terms import InfoTerm

_LOW_PRECISION = (torch.bfloat16, torch.float16)


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """``float32`` for bfloat16/float16, otherwise ``dtype``: the dtype losses are computed and
    summed in (as ``torch.autocast`` runs losses in float32)."""
    return torch.float32 if dtype in _LOW_PRECISION else dtype


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
        value = value.detach()
        object.__setattr__(self, "value", value.to(compute_dtype(value.dtype)))
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
        constant = float(self.constant)
        if not math.isfinite(constant):
            raise ValueError(f"constant must be finite, got {constant}")
        object.__setattr__(self, "constant", constant)

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

    # ------------------------------------------------------------------ the loss tensor's face
    # A training loop written for a criterion that returns a tensor uses the output as one:
    # backward, float/item/detach for logging, arithmetic to add other losses. Each delegates to
    # ``self.loss``; arithmetic returns a plain tensor (the terms of a sum are not tracked).

    def backward(
        self,
        gradient: torch.Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: torch.Tensor | Sequence[torch.Tensor] | None = None,
    ) -> None:
        """``self.loss.backward(...)`` (same arguments as :meth:`torch.Tensor.backward`)."""
        self.loss.backward(gradient, retain_graph, create_graph, inputs)

    def item(self) -> float:
        """The loss as a Python float (``self.loss.item()``)."""
        return self.loss.item()

    def detach(self) -> torch.Tensor:
        """The loss tensor without its graph (``self.loss.detach()``)."""
        return self.loss.detach()

    @property
    def dtype(self) -> torch.dtype:
        """The loss tensor's dtype."""
        return self.loss.dtype

    @property
    def device(self) -> torch.device:
        """The loss tensor's device."""
        return self.loss.device

    @property
    def requires_grad(self) -> bool:
        """Whether the loss carries a graph."""
        return self.loss.requires_grad

    def __float__(self) -> float:
        return float(self.loss.detach())

    def __format__(self, spec: str) -> str:
        return format(float(self), spec) if spec else str(self)

    def __neg__(self) -> torch.Tensor:
        return -self.loss

    def __add__(self, other: _Operand) -> torch.Tensor:
        return self.loss + _as_loss(other)

    def __radd__(self, other: _Operand) -> torch.Tensor:
        return _as_loss(other) + self.loss

    def __sub__(self, other: _Operand) -> torch.Tensor:
        return self.loss - _as_loss(other)

    def __rsub__(self, other: _Operand) -> torch.Tensor:
        return _as_loss(other) - self.loss

    def __mul__(self, other: _Operand) -> torch.Tensor:
        return self.loss * _as_loss(other)

    def __rmul__(self, other: _Operand) -> torch.Tensor:
        return _as_loss(other) * self.loss

    def __truediv__(self, other: _Operand) -> torch.Tensor:
        return self.loss / _as_loss(other)

    def __rtruediv__(self, other: _Operand) -> torch.Tensor:
        return _as_loss(other) / self.loss

    def __lt__(self, other: _Operand) -> torch.Tensor:
        return self.loss < _as_loss(other)

    def __le__(self, other: _Operand) -> torch.Tensor:
        return self.loss <= _as_loss(other)

    def __gt__(self, other: _Operand) -> torch.Tensor:
        return self.loss > _as_loss(other)

    def __ge__(self, other: _Operand) -> torch.Tensor:
        return self.loss >= _as_loss(other)

    def __str__(self) -> str:
        lines = [f"loss = {float(self.loss.detach()):.6g}"]
        lines += [f"  {name}: {tv}" for name, tv in self.terms.items()]
        if self.constant:
            lines.append(f"  constant: {self.constant:.6g}")
        lines += [f"  ({name}: {tv})" for name, tv in self.diagnostics.items()]
        return "\n".join(lines)


#: What the arithmetic and comparisons of a :class:`LossOutput` take: another output, a tensor or
#: a number.
_Operand = LossOutput | torch.Tensor | float


def _as_loss(value: _Operand) -> torch.Tensor | float:
    """``value.loss`` for a :class:`LossOutput`, ``value`` itself otherwise."""
    return value.loss if isinstance(value, LossOutput) else value


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

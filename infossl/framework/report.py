"""Side-by-side reports of information terms.

The review compares architectures by the paths along which they realise the same quantity
(§3.2). :func:`side_by_side` groups terms from one or several loss outputs by their quantity
(without the path), so that, e.g., ``I(Z1;Z2)`` measured by SimCLR's critic and by MIB's critic
appear as two rows of the same group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from infossl.framework.output import LossOutput, TermValue


@dataclass(frozen=True)
class TermRow:
    """One row of a side-by-side report."""

    source: str
    name: str
    quantity: str
    notation: str
    kind: str
    bound: str
    value: float
    weight: float


def side_by_side(outputs: Mapping[str, LossOutput], *, diagnostics: bool = True) -> list[TermRow]:
    """Rows for every term of every output, grouped by quantity, then by source name.

    Two rows with the same ``quantity`` and different ``notation`` are the same symbolic
    quantity realised along different paths: different quantities, reported next to each other.
    """
    rows: list[TermRow] = []
    for source, out in outputs.items():
        if not isinstance(out, LossOutput):
            raise TypeError(f"outputs[{source!r}] must be a LossOutput, got {type(out).__name__}")
        items: dict[str, TermValue] = dict(out.terms)
        if diagnostics:
            items.update(out.diagnostics)
        for name, tv in items.items():
            weight = tv.weight if name in out.terms else 0.0
            rows.append(
                TermRow(
                    source,
                    name,
                    tv.quantity,
                    tv.notation,
                    tv.kind,
                    tv.bound,
                    float(tv.value),
                    weight,
                )
            )
    order = {q: i for i, q in enumerate(dict.fromkeys(r.quantity for r in rows))}
    rows.sort(key=lambda r: (order[r.quantity], r.source, r.notation))
    return rows


def format_rows(rows: list[TermRow]) -> str:
    """A plain-text table of :func:`side_by_side` rows (values in nats unless a proxy)."""
    header = ("quantity", "path notation", "source", "term", "kind", "bound", "value", "weight")
    table = [header] + [
        (
            r.quantity,
            r.notation,
            r.source,
            r.name,
            r.kind,
            r.bound,
            f"{r.value:.4g}",
            f"{r.weight:g}",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)

"""The unit of an estimator benchmark: one method on one task at one sample size and seed.

:func:`run_cell` is what every executor (:mod:`infossl.bench.executors`) runs for a cell, in a
child process: it samples the task, runs the estimator and returns the outcome as a row.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from infossl._params import parse_params


@dataclass(frozen=True)
class MethodSpec:
    """An estimator and its hyper-parameters, written ``name`` or ``name:key=value:key=value``."""

    label: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> MethodSpec:
        """The spec written ``name:key=value:...`` (``ValueError`` for an empty name)."""
        parts = [p.strip() for p in spec.split(":")]
        if not parts[0]:
            raise ValueError(f"empty method name in {spec!r}")
        return cls(label=spec.strip(), name=parts[0], params=parse_params(parts[1:]))


def split_method_specs(text: str) -> list[str]:
    """Split a comma-separated list of method specs, keeping number lists inside a spec.

    A piece that starts like a number (a digit, ``-``, ``+`` or ``.``) continues the value
    before it: ``"copula-max:k=1,2,4,8,ksg1"`` is ``["copula-max:k=1,2,4,8", "ksg1"]``.
    Empty pieces are skipped. Raises ``ValueError`` when the list starts with a number.
    """
    specs: list[str] = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        if piece[0] in "0123456789-+.":
            if not specs:
                raise ValueError(f"method list starts with a number: {text!r}")
            specs[-1] += "," + piece
        else:
            specs.append(piece)
    return specs


@dataclass(frozen=True)
class Cell:
    """One method on one task at sample size ``n`` and seed ``seed``."""

    method: MethodSpec
    task: Any  # an infossl.tasks Task
    n: int
    seed: int

    @property
    def key(self) -> tuple[str, str, int, int]:
        """(method label, task id, n, seed): what identifies the cell in a results file."""
        return (self.method.label, self.task.id, self.n, self.seed)


def make_cells(
    methods: Sequence[MethodSpec], tasks: Sequence[Any], ns: Sequence[int], seeds: Iterable[int]
) -> list[Cell]:
    """The full grid, tasks outermost so that partial runs cover whole tasks first."""
    seeds = list(seeds)
    return [Cell(m, t, n, s) for t in tasks for n in ns for m in methods for s in seeds]


def _used(cell: Cell, est: Any) -> str:
    """What ran: the method ``auto`` chose, and the part a maximum of parts returned
    (``params["used"]``, e.g. ``copula-critic-max: critic-ksg``); empty for a plain method."""
    chosen = est.method if cell.method.name == "auto" else ""
    part = str(est.params.get("used", ""))
    return ": ".join(p for p in (chosen, part) if p)


def run_cell(cell: Cell) -> dict[str, Any]:
    """Sample the task, run the estimator; the outcome row (``status`` ok, nan or error, never an
    exception)."""
    from infossl.api import estimate_mi

    start = time.perf_counter()
    row: dict[str, Any] = {"status": "ok", "error": ""}
    try:
        x, y = cell.task.sample(cell.n, seed=cell.seed)
        est = estimate_mi(x, y, method=cell.method.name, **cell.method.params)
        row.update(value=est.value, kind=est.kind, ceiling=est.ceiling, used=_used(cell, est))
        if not np.isfinite(est.value):
            row.update(status="nan", error="non-finite estimate")
    except Exception as err:  # recorded, never dropped
        tb = traceback.format_exception_only(type(err), err)[-1].strip()
        row.update(status="error", error=tb[:300])
    row["seconds"] = time.perf_counter() - start
    return row

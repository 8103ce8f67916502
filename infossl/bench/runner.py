"""Run estimator × task × n × seed cells, resumably, recording every outcome in a CSV.

The runner decides what runs and how it is recorded; an executor
(:mod:`infossl.bench.executors`: local worker processes, or a Dask cluster) only runs cells.
Each cell runs in its own child process so that a per-cell timeout can stop it without
stopping the run. Finished cells are appended to a CSV as soon as they end; rerunning with the
same output file skips cells already recorded. Failures (exception, timeout, non-finite value)
are recorded as such and never dropped.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from infossl._checks import check_float
from infossl.bench.cells import Cell, MethodSpec, make_cells
from infossl.bench.executors import Executor, LocalExecutor

__all__ = [
    "FIELDS",
    "Cell",
    "MethodSpec",
    "make_cells",
    "read_done",
    "read_rows",
    "result_row",
    "run_cells",
]

FIELDS = [
    "method",
    "task",
    "n",
    "seed",
    "status",
    "value",
    "true_mi",
    "true_mi_stderr",
    "kind",
    "ceiling",
    "seconds",
    "error",
    "used",
]


def read_done(path: Path) -> set[tuple[str, str, int, int]]:
    """Keys of the cells already in a results CSV (any status)."""
    if not path.exists():
        return set()
    with path.open(newline="") as fh:
        return {(r["method"], r["task"], int(r["n"]), int(r["seed"])) for r in csv.DictReader(fh)}


def read_rows(path: Path) -> list[dict[str, Any]]:
    """All rows of a results CSV, numeric fields parsed (empty → None)."""
    rows = []
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            for key in ("value", "true_mi", "true_mi_stderr", "ceiling", "seconds"):
                r[key] = float(r[key]) if r[key] not in ("", "None") else None
            r["n"], r["seed"] = int(r["n"]), int(r["seed"])
            rows.append(r)
    return rows


def result_row(cell: Cell, outcome: dict[str, Any]) -> dict[str, Any]:
    """The CSV row of ``cell``: its key and ground truth, then the executor's ``outcome``."""
    return {
        "method": cell.method.label,
        "task": cell.task.id,
        "n": cell.n,
        "seed": cell.seed,
        "true_mi": cell.task.mutual_information,
        "true_mi_stderr": getattr(cell.task, "mi_stderr", None),
        "value": None,
        "kind": "",
        "ceiling": None,
        "used": "",
        **outcome,
    }


def _open_results(path: Path) -> tuple[IO[str], csv.DictWriter]:
    """``path`` opened for appending, with a header written when the file is new. An existing
    file keeps its own columns (a file written before a column was added resumes without it)."""
    fields = FIELDS
    if path.exists():
        with path.open(newline="") as old:
            fields = next(csv.reader(old), FIELDS)
    new_file = not path.exists()
    fh = path.open("a", newline="")
    writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
    if new_file:
        writer.writeheader()
        fh.flush()
    return fh, writer


def run_cells(
    cells: Sequence[Cell],
    out_csv: Path,
    *,
    jobs: int = 2,
    timeout: float = 600.0,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> int:
    """Run the cells not yet in ``out_csv``; append each result when it ends; return how many ran.

    Args:
        cells: the grid (from :func:`make_cells`).
        out_csv: results file (created with a header if absent).
        jobs: concurrent worker processes of the default local executor (each runs one cell).
        timeout: seconds after which a cell's process is killed and recorded as "timeout".
        progress: called as ``progress(done, total)`` after each cell.
        executor: what runs the cells (default: a
            :class:`~infossl.bench.executors.LocalExecutor` with ``jobs`` processes).
    """
    timeout = check_float(timeout, "timeout", low=0.0, low_open=True)
    if executor is None:
        executor = LocalExecutor(jobs)
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    done = read_done(out_csv)
    todo = [c for c in cells if c.key not in done]
    fh, writer = _open_results(out_csv)
    with fh:
        for finished, (cell, outcome) in enumerate(executor.run(todo, timeout), start=1):
            writer.writerow(result_row(cell, outcome))
            fh.flush()
            if progress is not None:
                progress(finished, len(todo))
    return len(todo)

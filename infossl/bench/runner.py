"""Run estimator × task × n × seed cells in worker processes, resumably.

Each cell runs in its own forked process (at most ``jobs`` at a time) so that a per-cell timeout
can stop it without stopping the run. Finished cells are appended to a CSV as soon as they end;
rerunning with the same output file skips cells already recorded. Failures (exception, timeout,
non-finite value) are recorded as such and never dropped.
"""

from __future__ import annotations

import csv
import multiprocessing as mp
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from infossl._checks import check_float, check_int
from infossl._params import parse_params

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
]


@dataclass(frozen=True)
class MethodSpec:
    """An estimator and its hyper-parameters, written ``name`` or ``name:key=value:key=value``."""

    label: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> MethodSpec:
        parts = [p.strip() for p in spec.split(":")]
        if not parts[0]:
            raise ValueError(f"empty method name in {spec!r}")
        return cls(label=spec.strip(), name=parts[0], params=parse_params(parts[1:]))


@dataclass(frozen=True)
class Cell:
    method: MethodSpec
    task: Any  # an infossl.tasks Task
    n: int
    seed: int

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.method.label, self.task.id, self.n, self.seed)


def _run_cell(cell: Cell, conn: Any) -> None:
    """Child process body: sample the task, run the estimator, send a result row."""
    from infossl.api import estimate_mi

    start = time.perf_counter()
    row: dict[str, Any] = {"status": "ok", "error": ""}
    try:
        x, y = cell.task.sample(cell.n, seed=cell.seed)
        est = estimate_mi(x, y, method=cell.method.name, **cell.method.params)
        row.update(value=est.value, kind=est.kind, ceiling=est.ceiling)
        if not np.isfinite(est.value):
            row.update(status="nan", error="non-finite estimate")
    except Exception as err:  # recorded, never dropped
        tb = traceback.format_exception_only(type(err), err)[-1].strip()
        row.update(status="error", error=tb[:300])
    row["seconds"] = time.perf_counter() - start
    conn.send(row)
    conn.close()


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


def make_cells(
    methods: Sequence[MethodSpec], tasks: Sequence[Any], ns: Sequence[int], seeds: Iterable[int]
) -> list[Cell]:
    """The full grid, tasks outermost so that partial runs cover whole tasks first."""
    return [Cell(m, t, n, s) for t in tasks for n in ns for m in methods for s in seeds]


def run_cells(
    cells: Sequence[Cell],
    out_csv: Path,
    *,
    jobs: int = 2,
    timeout: float = 600.0,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Run the cells not yet in ``out_csv``; append each result when it ends; return how many ran.

    Args:
        cells: the grid (from :func:`make_cells`).
        out_csv: results file (created with a header if absent).
        jobs: concurrent worker processes (each runs one cell).
        timeout: seconds after which a cell's process is terminated and recorded as "timeout".
        progress: called as ``progress(done, total)`` after each cell.
    """
    jobs = check_int(jobs, "jobs", low=1)
    timeout = check_float(timeout, "timeout", low=0.0, low_open=True)
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    done = read_done(out_csv)
    todo = [c for c in cells if c.key not in done]
    new_file = not out_csv.exists()
    ctx = mp.get_context("fork")
    running: list[tuple[Any, Any, Cell, float]] = []
    finished = 0
    with out_csv.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
            fh.flush()

        def record(cell: Cell, row: dict[str, Any]) -> None:
            nonlocal finished
            writer.writerow(
                {
                    "method": cell.method.label,
                    "task": cell.task.id,
                    "n": cell.n,
                    "seed": cell.seed,
                    "true_mi": cell.task.mutual_information,
                    "true_mi_stderr": getattr(cell.task, "mi_stderr", None),
                    "value": None,
                    "kind": "",
                    "ceiling": None,
                    **row,
                }
            )
            fh.flush()
            finished += 1
            if progress is not None:
                progress(finished, len(todo))

        queue = list(todo)
        while queue or running:
            while queue and len(running) < jobs:
                cell = queue.pop(0)
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_run_cell, args=(cell, child), daemon=True)
                proc.start()
                child.close()
                running.append((proc, parent, cell, time.perf_counter()))
            still = []
            for proc, conn, cell, start in running:
                elapsed = time.perf_counter() - start
                if conn.poll():
                    try:
                        row = conn.recv()
                    except EOFError:
                        row = {"status": "error", "error": "worker died", "seconds": elapsed}
                    proc.join()
                    record(cell, row)
                elif not proc.is_alive():
                    proc.join()
                    if conn.poll():  # the result arrived between the two checks
                        record(cell, conn.recv())
                    else:
                        record(
                            cell,
                            {
                                "status": "error",
                                "seconds": elapsed,
                                "error": f"worker exited with code {proc.exitcode}",
                            },
                        )
                elif elapsed > timeout:
                    proc.terminate()
                    proc.join()
                    record(
                        cell,
                        {
                            "status": "timeout",
                            "seconds": elapsed,
                            "error": f"exceeded {timeout:g} s",
                        },
                    )
                else:
                    still.append((proc, conn, cell, start))
            running = still
            if running:
                time.sleep(0.01)
    return len(todo)

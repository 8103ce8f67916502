"""`infossl bench estimators`: every estimator on every task of a suite, at several n and seeds.

Writes into ``out``: ``results.csv`` (one row per cell and seed, appended as cells finish;
rerunning skips cells already there; its ``used`` column names the method ``auto`` chose and
the part a maximum of estimators returned, e.g. ``copula-critic-max: critic-ksg``),
``table.csv`` (mean ± std, relative error, runtime per method × task × n), ``heatmap.png``
(log10 relative error at the largest n), and ``summary.md`` (overview, sample-complexity
table, all cells).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infossl._checks import check_int, check_sequence_of_int
from infossl.bench.executors import make_executor
from infossl.bench.runner import MethodSpec, make_cells, read_rows, run_cells
from infossl.bench.summary import (
    CellSummary,
    plot_heatmap,
    sample_complexity,
    summarise,
    write_markdown,
    write_table_csv,
)


@dataclass(frozen=True)
class BenchmarkResult:
    out: Path
    cells: list[CellSummary]
    complexity: dict[tuple[str, str], int | None]
    ran: int


def resolve_tasks(suite: str | None, task_ids: Sequence[str] | None) -> list:
    """Tasks of a named suite, optionally restricted to the given ids (or the ids alone)."""
    from infossl.tasks import get_suite, get_task

    if suite is None and not task_ids:
        raise ValueError("give a suite or task ids")
    if suite is None:
        return [get_task(t) for t in task_ids]  # type: ignore[union-attr]
    tasks = get_suite(suite)
    if task_ids:
        known = {t.id for t in tasks}
        missing = [t for t in task_ids if t not in known]
        if missing:
            raise ValueError(f"tasks {missing} are not in suite {suite!r}")
        tasks = [t for t in tasks if t.id in set(task_ids)]
    return tasks


def run_estimator_benchmark(
    methods: Sequence[str],
    *,
    suite: str | None = "beyond-normal",
    task_ids: Sequence[str] | None = None,
    ns: Sequence[int] = (1000, 5000),
    seeds: int = 5,
    jobs: int = 2,
    timeout: float = 600.0,
    out: str | Path = "bench-estimators",
    show_progress: bool = True,
    command: str = "",
    scheduler: str | None = None,
) -> BenchmarkResult:
    """Run (or resume) the benchmark and write its tables, heat-map and summary into ``out``.

    The cells run in ``jobs`` local processes, or, with ``scheduler`` (a Dask scheduler address
    such as ``tcp://host:8786``, needs ``infossl[dask]``), as tasks on that cluster; either way
    the results file, the resumption and the per-cell ``timeout`` are the same.
    """
    from infossl.estimators import get_estimator_class

    specs = [MethodSpec.parse(m) for m in methods]
    if not specs:
        raise ValueError("methods must name at least one estimator")
    for s in specs:
        get_estimator_class("mi", s.name)  # unknown names fail now, listing valid ones
    ns = check_sequence_of_int(list(ns), "n", low=2)
    seeds = check_int(seeds, "seeds", low=1)
    tasks = resolve_tasks(suite, task_ids)
    out = Path(out)
    cells = make_cells(specs, tasks, ns, range(seeds))
    executor = make_executor(jobs, scheduler)
    results = out / "results.csv"
    if show_progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ) as bar:
            handle = bar.add_task("cells", total=None)
            ran = run_cells(
                cells,
                results,
                timeout=timeout,
                progress=lambda d, t: bar.update(handle, completed=d, total=t),
                executor=executor,
            )
    else:
        ran = run_cells(cells, results, timeout=timeout, executor=executor)
    wanted = {c.key for c in cells}
    rows = [r for r in read_rows(results) if (r["method"], r["task"], r["n"], r["seed"]) in wanted]
    summary = summarise(rows)
    complexity = sample_complexity(summary)
    write_table_csv(summary, out / "table.csv")
    plot_heatmap(summary, out / "heatmap.png")
    write_markdown(summary, complexity, out / "summary.md", command=command)
    return BenchmarkResult(out=out, cells=summary, complexity=complexity, ran=ran)

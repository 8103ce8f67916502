"""``infossl bench estimators``: estimators on tasks with known MI."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from infossl.cli._common import comma_ints, prepare_output_folder


def register(app: typer.Typer, bench: typer.Typer) -> None:
    bench.command("estimators")(estimators)


def estimators(
    suite: str | None = typer.Option("beyond-normal", help="Task suite (`infossl tasks list`)."),
    tasks: str | None = typer.Option(None, help="Comma-separated task ids (within the suite)."),
    methods: str = typer.Option(
        "ksg1,ksg2,gaussian",
        help="Comma-separated, e.g. ksg1:k=5,copula-max:k=1,2,4,8 (a number list is one "
        "parameter value, here k=(1, 2, 4, 8), not a sweep).",
    ),
    n: str = typer.Option("1000,5000", "--n", help="Comma-separated sample sizes."),
    seeds: int = typer.Option(5, help="Seeds per cell."),
    jobs: int = typer.Option(2, help="Worker processes (without --scheduler)."),
    timeout: float = typer.Option(600.0, help="Seconds per cell before it is recorded a timeout."),
    out: Path = typer.Option(
        Path("bench-estimators"),
        help="Output folder (resumable); only the folder itself is created if missing.",
    ),
    scheduler: str | None = typer.Option(
        None,
        help="Run the cells on the Dask cluster of this scheduler (tcp://host:8786) instead of "
        "--jobs local processes; needs the dask extra (pip install 'infossl\\[dask]').",
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="Hide the progress bar."),
) -> None:
    """Run every estimator on every task at each n and seed; resumable; writes tables and plots."""
    from infossl.bench import run_estimator_benchmark
    from infossl.bench.cells import split_method_specs

    ns = comma_ints(n, "--n")
    prepare_output_folder(out, "--out")
    result = run_estimator_benchmark(
        split_method_specs(methods),
        suite=None if suite in (None, "", "none") else suite,
        task_ids=None if tasks is None else [t for t in tasks.split(",") if t],
        ns=ns,
        seeds=seeds,
        jobs=jobs,
        timeout=timeout,
        out=out,
        show_progress=not no_progress,
        scheduler=scheduler,
        command="infossl " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
    )
    typer.echo(
        f"ran {result.ran} new cells; wrote {out}/results.csv, summary.md, table.csv, heatmap.png"
    )

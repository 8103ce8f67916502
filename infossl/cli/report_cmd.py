"""``infossl report RUN_DIR``: one self-contained HTML page for a training run."""

from __future__ import annotations

from pathlib import Path

import typer

from infossl.cli._common import prepare_output_file


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("report")(report)


def report(
    run_dir: Path = typer.Argument(..., help="A run folder written by infossl train."),
    out: Path | None = typer.Option(
        None,
        help="Output file (default RUN_DIR/report.html); only its own folder is created "
        "if missing.",
    ),
    unit: str = typer.Option("nats", help="Unit of information values: nats or bits."),
) -> None:
    """Write the run's report: loss terms as information quantities, information planes,
    diagnostics with their ceilings, eigenspectrum and RankMe, probe accuracy."""
    from infossl.report import REPORT_FILE, build_report

    if out is not None:
        prepare_output_file(out, "--out", REPORT_FILE)
    path = build_report(run_dir, out, unit=unit)
    typer.echo(f"report: {path}")

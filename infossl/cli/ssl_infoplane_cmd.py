"""``infossl ssl-plane RUN_DIR...``: the SSL information plane of several training runs in one
figure (Ĥ(Z), Ĥ(Z1|Z2), Î(Z1;Z2) with its ceiling, Î(Z;Y) over training) and a CSV of the values
drawn; see :mod:`infossl.report.ssl_plane`."""

from __future__ import annotations

from pathlib import Path

import typer

from infossl._atomic import atomic_write_csv, atomic_write_figure, atomic_write_json
from infossl.cli._common import prepare_output_file

FIGURE_FILE = "ssl_infoplane.png"


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("ssl-plane")(ssl_plane)


def ssl_plane(
    run_dirs: list[Path] = typer.Argument(
        ..., help="Run folders written by infossl train, each with its diagnostics.jsonl."
    ),
    out: Path = typer.Option(
        Path(FIGURE_FILE), help="Figure file (PNG, SVG or PDF); only its own folder is created."
    ),
    csv: Path | None = typer.Option(
        None, help="CSV of every value drawn (default: the figure's path with .csv)."
    ),
    summary: Path | None = typer.Option(
        None, help="Also write the first and last value of each quantity per run as JSON."
    ),
    x: str = typer.Option("step", help="Horizontal axis: step or epoch."),
    unit: str = typer.Option("nats", help="Unit of information values: nats or bits."),
) -> None:
    """Draw Ĥ(Z), Ĥ(Z1|Z2), Î(Z1;Z2) (ceiling ln n dashed) and Î(Z;Y) (ceiling H(Y)) over
    training for several runs, one colour per run; write the values to a CSV and print the
    first and last value of each quantity per run."""

    from infossl.report.ssl_plane import (
        load_plane_runs,
        plane_rows,
        plane_summary,
        ssl_plane_figure,
        summary_markdown,
    )

    runs = load_plane_runs(run_dirs)
    fig = ssl_plane_figure(runs, unit=unit, x=x)
    table = plane_rows(runs, unit=unit)
    out = prepare_output_file(out, "--out", FIGURE_FILE)
    csv_path = prepare_output_file(csv or out.with_suffix(".csv"), "--csv", "ssl_infoplane.csv")
    if summary is not None:
        summary = prepare_output_file(summary, "--summary", "summary.json")
    atomic_write_figure(out, fig, dpi=120)
    atomic_write_csv(csv_path, table)
    typer.echo(summary_markdown(runs, unit=unit))
    typer.echo(f"figure: {out}\ncsv: {csv_path}")
    if summary is not None:
        atomic_write_json(summary, plane_summary(runs, unit=unit))
        typer.echo(f"summary: {summary}")

"""``infossl demo``: the command-line entry of the demo; the demo itself is
:func:`infossl.demo.story.run_demo` (estimators against known MI, then SSL on digits)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    n: int = typer.Option(5000, help="Samples per estimator task."),
    seed: int = typer.Option(0, help="Seed of the samples and of the training runs."),
    out: Path = typer.Option(Path("runs/demo"), help="Folder for the training runs and reports."),
    minutes: float = typer.Option(3.0, help="Wall-clock budget of the training part."),
    estimators_only: bool = typer.Option(
        False, "--estimators-only", help="Skip the training part."
    ),
) -> None:
    """Estimators against known MI, then SSL on digits with information diagnostics + report."""
    from infossl.demo.story import run_demo

    run_demo(n=n, seed=seed, out=out, minutes=minutes, estimators_only=estimators_only)

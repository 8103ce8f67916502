"""``infossl demo``: the command-line entry of the demo; the demo itself is
:func:`infossl.demo.story.run_demo` (estimators against known MI, then SSL on digits)."""

from __future__ import annotations

from pathlib import Path

import typer

from infossl.cli._common import prepare_output_folder

#: Where the training part writes when --out is not given (created with its parents).
DEFAULT_OUT = Path("runs/demo")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    n: int = typer.Option(5000, help="Samples per estimator task."),
    seed: int = typer.Option(0, help="Seed of the samples and of the training runs."),
    out: Path | None = typer.Option(
        None,
        help=f"Folder for the training runs and reports (default {DEFAULT_OUT}); only its own "
        "folder is created if missing.",
        show_default=False,
    ),
    minutes: float = typer.Option(3.0, help="Wall-clock budget of the training part."),
    estimators_only: bool = typer.Option(
        False, "--estimators-only", help="Skip the training part."
    ),
) -> None:
    """Estimators against known MI, then SSL on digits with information diagnostics + report."""
    from infossl.demo.story import run_demo

    if out is not None and not estimators_only:
        out = prepare_output_folder(out, "--out")
    run_demo(
        n=n,
        seed=seed,
        out=DEFAULT_OUT if out is None else out,
        minutes=minutes,
        estimators_only=estimators_only,
    )

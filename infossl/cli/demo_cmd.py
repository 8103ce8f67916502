"""``infossl demo``: the library's story on built-in data, in a few minutes on 2 CPU cores."""

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
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from infossl.demo import estimator_showcase

    console = Console(width=160)
    console.rule("1. Estimators against known mutual information")
    table = Table(title=f"truth vs estimate, n = {n} samples (nats)")
    for col in ("task", "truth", "method", "estimate", "error", "kind", "seconds"):
        table.add_column(col, justify="left" if col in ("task", "method", "kind") else "right")
    for row in estimator_showcase(n=n, seed=seed):
        e = row.estimate
        table.add_row(row.task, f"{row.truth:.3f}", e.method, f"{e.value:.3f}",
                      f"{e.value - row.truth:+.3f}", e.kind, f"{row.seconds:.2f}")
    console.print(table)
    console.print(
        "[dim]ksg1/ksg2: kNN (Kraskov et al.), accurate in low dimension, biased low in high "
        "dimension; gaussian: exact for Gaussian data, a linear-dependence measure otherwise; "
        "binned: histogram plug-in, biased by the bin width.[/dim]"
    )
    if estimators_only:
        return
    from infossl.analysis.demo_story import run_training_story

    console.rule("2. SSL on digits: contrastive and non-contrastive, with diagnostics")
    story = run_training_story(out, minutes_budget=minutes, seed=seed)
    console.print(story.rich_table())
    console.print("[dim]" + escape(" ".join(story.notes())) + "[/dim]")
    for row in story.rows:
        console.print(f"report: {row.report}", markup=False, highlight=False)
    console.print(f"({story.seconds:.0f} s in all)", markup=False, highlight=False)
    console.print(story.takeaway(), markup=False, highlight=False, soft_wrap=True)

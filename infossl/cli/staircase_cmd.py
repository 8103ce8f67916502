"""``infossl bench staircase``: Poole et al.'s staircase for the variational MI bounds."""

from __future__ import annotations

from pathlib import Path

import typer

from infossl.cli._common import comma_ints, comma_list, prepare_output_folder, set_torch_threads


def register(app: typer.Typer, bench: typer.Typer) -> None:
    bench.command("staircase")(staircase)


def staircase(
    steps_per_level: int = typer.Option(200, help="Training steps at each MI level."),
    bounds: str = typer.Option(
        "infonce,nwj,dv,mine,js,smile-1,smile-5,smile-inf,interpolated",
        help="Comma-separated: infonce, nwj, dv, mine, tuba, js, smile-<tau>, smile-inf, "
        "interpolated[-<alpha>] (alpha defaults to 0.01).",
    ),
    critics: str = typer.Option(
        "separable,concat", help="Comma-separated: separable, concat, bilinear."
    ),
    hidden: str = typer.Option("128,128", help="Hidden widths of the critics (Poole: 256,256)."),
    batch_size: int = typer.Option(64, help="Batch size K (InfoNCE is capped at ln K)."),
    dim: int = typer.Option(20, help="Dimension of x and y."),
    lr: float = typer.Option(5e-4, help="Adam learning rate."),
    seed: int = typer.Option(0, help="Seed of the data stream and the initialisation."),
    out: Path = typer.Option(
        Path("bench-staircase"), help="Output folder; only the folder itself is created if missing."
    ),
    quick: bool = typer.Option(
        False,
        "--quick",
        help="Smoke run: 20 steps per level, infonce and nwj, separable critic, hidden 16.",
    ),
    threads: int = typer.Option(
        1,
        help="torch CPU threads; 0 keeps torch's default. One thread was 5-14x faster than two "
        "for these small networks on a shared 2-core machine.",
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="Hide the progress bars."),
) -> None:
    """Train each bound's critic through MI = 2, 4, 6, 8, 10 nats; write figure and table."""
    from infossl.estimators.neural.fit import progress_enabled
    from infossl.estimators.neural.staircase import StaircaseConfig, run_staircase, write_results

    variants, critic_names = comma_list(bounds, "--bounds"), comma_list(critics, "--critics")
    widths = tuple(comma_ints(hidden, "--hidden"))
    if quick:
        steps_per_level, widths = 20, (16,)
        variants, critic_names = ["infonce", "nwj"], ["separable"]
    config = StaircaseConfig(
        dim=dim,
        batch_size=batch_size,
        steps_per_level=steps_per_level,
        hidden=widths,
        lr=lr,
        seed=seed,
    )
    set_torch_threads(threads)
    prepare_output_folder(out, "--out")
    result = run_staircase(
        config,
        variants,
        critic_names,
        progress=progress_enabled(None) and not no_progress,
    )
    paths = write_results(result, out)
    _print_table(result.table())
    typer.echo(
        f"{len(result.runs)} runs, {config.steps} steps each, in {result.seconds:.1f} s; wrote "
        + ", ".join(str(p) for p in paths.values())
    )


def _print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Staircase: mean, bias and variance over each level's second half (nats)")
    for col in ("variant", "critic", "true MI", "mean", "bias", "variance"):
        table.add_column(col, justify="left" if col in ("variant", "critic") else "right")
    for r in rows:
        table.add_row(
            r["variant"],
            r["critic"],
            f"{r['true_mi']:g}",
            f"{r['mean']:.3f}",
            f"{r['bias']:+.3f}",
            f"{r['variance']:.3g}",
        )
    Console().print(table)

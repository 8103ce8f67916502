"""``infossl tasks``: list the ground-truth tasks and draw samples from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from infossl._atomic import atomic_write
from infossl.cli._common import add_group, check_not_a_folder, prepare_output_file

if TYPE_CHECKING:
    from infossl.tasks import Task


def register(app: typer.Typer, bench: typer.Typer) -> None:
    add_group(
        app,
        "tasks",
        "Distributions with known mutual information (ground truth for estimators).",
        {"list": list_cmd, "sample": sample_cmd},
    )


def list_cmd(
    suite: str | None = typer.Option(None, "--suite", "-s", help="Only this suite."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List tasks: id, dimensions, true MI (nats) and how it is known."""
    from infossl.tasks import SUITES, get_suite, get_task, list_tasks

    tasks = get_suite(suite) if suite is not None else [get_task(t) for t in list_tasks()]
    if as_json:
        typer.echo(json.dumps([_summary(t) for t in tasks], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    title = f"suite {suite}: {SUITES[suite].description}" if suite else "all tasks"
    table = Table(title=f"{title} ({len(tasks)} tasks)")
    for col in ("id", "dims", "MI (nats)", "± stderr", "ground truth", "X / Y"):
        table.add_column(col, justify="right" if col in ("MI (nats)", "± stderr") else "left")
    for t in tasks:
        s = _summary(t)
        table.add_row(
            t.id,
            f"{t.dim_x}×{t.dim_y}",
            f"{s['mutual_information']:.4f}",
            "" if s["mi_stderr"] is None else f"{s['mi_stderr']:.4f}",
            t.ground_truth,
            f"{t.x_kind} / {t.y_kind}",
        )
    Console(width=140).print(table)
    if suite is None:
        typer.echo("suites: " + ", ".join(SUITES))


def _summary(t: Task) -> dict[str, Any]:
    return {
        "id": t.id,
        "dim_x": t.dim_x,
        "dim_y": t.dim_y,
        "mutual_information": t.mutual_information,
        "mi_stderr": t.mi_stderr,
        "ground_truth": t.ground_truth,
        "x_kind": t.x_kind,
        "y_kind": t.y_kind,
    }


def sample_cmd(
    task_id: str = typer.Argument(..., help="Task id (see `infossl tasks list`)."),
    n: int = typer.Option(1000, "--n", help="Number of samples."),
    seed: int = typer.Option(0, "--seed", help="Seed; the same seed gives the same samples."),
    out: Path = typer.Option(..., "--out", "-o", help="Output .npz file (arrays x and y)."),
) -> None:
    """Draw samples and save them as .npz (x, y and the ground truth).

    The file holds x, y, task_id, mutual_information (nats), ground_truth, seed, and mi_stderr
    for Monte Carlo ground truths.
    """
    import numpy as np

    from infossl.tasks import get_task

    check_not_a_folder(out, "--out", "samples.npz")
    if out.suffix.lower() != ".npz":
        raise ValueError(f"--out must end in .npz, got {out}")
    task = get_task(task_id)
    x, y = task.sample(n, seed)
    prepare_output_file(out, "--out", "samples.npz")
    extra = {} if task.mi_stderr is None else {"mi_stderr": np.array(task.mi_stderr)}
    atomic_write(
        out,
        lambda fh: np.savez(
            fh,
            x=x,
            y=y,
            task_id=np.array(task.id),
            mutual_information=np.array(task.mutual_information),
            ground_truth=np.array(task.ground_truth),
            seed=np.array(seed),
            **extra,
        ),
    )
    typer.echo(
        f"wrote {out}: x {x.shape}, y {y.shape}, I(X;Y) = {task.mutual_information:.4f} "
        f"nats ({task.ground_truth})"
    )

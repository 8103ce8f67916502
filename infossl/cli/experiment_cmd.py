"""``infossl experiment compress``: to compress or not to compress, on the multi-view testbed."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from infossl.cli._common import (
    add_group,
    comma_floats,
    comma_list,
    prepare_output_folder,
    set_torch_threads,
)

#: Defaults of the standard run (vector views, MLP encoders): a few minutes on 2 CPU cores.
DEFAULT = {
    "steps": 600,
    "seeds": 3,
    "betas": "0.001,0.01,0.1,1",
    "batch_size": 128,
    "n_eval": 2000,
    "probe_labels": 1000,
    "train_size": None,
}
#: ``--quick``: seconds, for tests and a first look.
QUICK = {
    "steps": 30,
    "seeds": 2,
    "betas": "0.01,1",
    "batch_size": 64,
    "n_eval": 400,
    "probe_labels": 200,
    "train_size": None,
}
#: ``--images``: 16×16 renders, a shared convnet, a fixed training set (longer).
IMAGES = {
    "steps": 800,
    "seeds": 2,
    "betas": "0.001,0.1,1",
    "batch_size": 128,
    "n_eval": 2000,
    "probe_labels": 1000,
    "train_size": 8192,
}
DEFAULT_OBJECTIVES = "simclr,vicreg,mib,ceb,dont_compress"


def parse_label_sweep(text: str | None, pool: int) -> tuple[int, ...]:
    """``--label-sweep``: comma-separated label counts, ``all`` for the whole probe pool
    (``--probe-labels`` rows); ``()`` when not given. The counts are checked by the config."""
    if text is None:
        return ()
    out = []
    for item in comma_list(text, "--label-sweep"):
        if item.lower() == "all":
            out.append(pool)
            continue
        try:
            out.append(int(item))
        except ValueError:
            raise ValueError(
                f"--label-sweep must hold comma-separated integers or 'all', got {item!r}"
            ) from None
    return tuple(out)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    from infossl.cli.epsilon_info_cmd import epsilon_info

    add_group(
        app,
        "experiment",
        "Experiments on the multi-view testbed with known information; ε_info of real data.",
        {"compress": compress, "epsilon-info": epsilon_info},
    )


def compress(
    objectives: str = typer.Option(
        DEFAULT_OBJECTIVES,
        help="Comma-separated objectives: simclr, infonce, vicreg, "
        "barlow_twins, mib, ceb, dont_compress (Eq. 9: SSL + reconstruction).",
    ),
    regimes: str = typer.Option("holds,violated", help="MultiView assumption regimes."),
    seeds: int | None = typer.Option(
        None, help=f"Seeds 0..S-1 (default {DEFAULT['seeds']}; --quick {QUICK['seeds']})."
    ),
    betas: str | None = typer.Option(
        None, help=f"β sweep of mib and ceb (default {DEFAULT['betas']})."
    ),
    steps: int | None = typer.Option(
        None,
        help=f"Adam steps per run (default {DEFAULT['steps']}; --quick {QUICK['steps']}; "
        f"--images {IMAGES['steps']}).",
    ),
    out: Path = typer.Option(
        Path("compress-experiment"),
        help="Output folder; only the folder itself is created if missing.",
    ),
    images: bool = typer.Option(
        False,
        "--images",
        help="16×16 shape renders with a small convnet shared by the views (longer).",
    ),
    quick: bool = typer.Option(False, "--quick", help="A few seconds: tiny settings."),
    encoder: str = typer.Option(
        "mlp",
        help="Vector encoders: mlp (kNN measurement) or linear "
        "(closed-form measurement on linear views).",
    ),
    views: str = typer.Option("auto", help="Vector views: auto, linear or nonlinear."),
    eps_info: float = typer.Option(0.5, help="ε_info of the violated regime (nats)."),
    dim_z: int = typer.Option(4, help="Representation width."),
    batch_size: int | None = typer.Option(None, help="Mini-batch size (default 128)."),
    learning_rate: float = typer.Option(3e-3, help="Adam learning rate."),
    n_eval: int | None = typer.Option(None, help="Held-out rows for measurement and probe."),
    train_size: int | None = typer.Option(
        None, help="Fixed training set size (default: a fresh batch every step; images 8192)."
    ),
    rec_weight: float = typer.Option(1.0, help="λ of the reconstruction terms of Eq. 9."),
    task_seed: int = typer.Option(0, help="Seed of the testbed's mixing matrices."),
    probe_labels: int | None = typer.Option(
        None,
        help="Held-out rows the probe is fitted on (the rest test it; default "
        f"{DEFAULT['probe_labels']}; --quick {QUICK['probe_labels']}); the pool of --label-sweep.",
    ),
    label_sweep: str | None = typer.Option(
        None,
        help="Label counts for the probe, e.g. 10,30,100,300,1000,all (all: --probe-labels); "
        "writes label_sweep.csv, label_summary.csv, label_sweep.png.",
    ),
    label_draws: int = typer.Option(5, help="Labelled subsets drawn per count and seed."),
    eps_sweep: str | None = typer.Option(
        None,
        help="Further ε_info values (nats) of the violated regime, e.g. 0.1,0.25,0.75,1,1.5; "
        "writes eps_summary.csv, crossover.csv, eps_sweep.png.",
    ),
    threads: int = typer.Option(
        1, help="torch CPU threads (tiny networks: 1 is fastest; 0 leaves torch's default)."
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
) -> None:
    """Train SSL and IB objectives in both regimes of the MultiView assumption and measure
    what their representations keep: I(Z1;S), I(Z1;U1), I(Z1;Y), probe accuracy.

    Writes results.csv, summary.csv, results.json, plane.png, accuracy.png and ib_curve.png
    to --out.
    """
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from infossl.analysis.compress_experiment import CompressConfig, run_compress_experiment
    from infossl.analysis.compress_output import write_results

    preset = QUICK if quick else (IMAGES if images else DEFAULT)
    console = Console()
    if not console.is_terminal:  # files and pipes: wide enough for the summary table
        console = Console(width=120)
    set_torch_threads(threads)
    n_seeds = preset["seeds"] if seeds is None else seeds
    if n_seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {n_seeds}")
    pool = preset["probe_labels"] if probe_labels is None else probe_labels
    config = CompressConfig(
        objectives=tuple(comma_list(objectives, "--objectives")),
        regimes=tuple(comma_list(regimes, "--regimes")),
        seeds=tuple(range(n_seeds)),
        betas=tuple(comma_floats(preset["betas"] if betas is None else betas, "--betas")),
        steps=preset["steps"] if steps is None else steps,
        batch_size=preset["batch_size"] if batch_size is None else batch_size,
        learning_rate=learning_rate,
        encoder=encoder,
        views=views,
        images=images,
        dim_z=dim_z,
        eps_info=eps_info,
        task_seed=task_seed,
        train_size=preset["train_size"] if train_size is None else train_size,
        n_eval=preset["n_eval"] if n_eval is None else n_eval,
        probe_labels=pool,
        rec_weight=rec_weight,
        label_sweep=parse_label_sweep(label_sweep, pool),
        label_draws=label_draws,
        eps_sweep=() if eps_sweep is None else tuple(comma_floats(eps_sweep, "--eps-sweep")),
    )
    prepare_output_folder(out, "--out")
    started = time.perf_counter()
    with Progress(console=console, transient=True, disable=no_progress) as bar:
        total = len(config.runs()) * len(config.points())
        task = bar.add_task("training and measuring", total=total)
        result = run_compress_experiment(
            config, progress=lambda done, total, row: bar.update(task, completed=done)
        )
    paths = write_results(result, out)
    _print_summary(console, result, Table)
    _print_sweeps(console, result, Table)
    console.print(
        f"{len(result.rows)} runs in {time.perf_counter() - started:.0f} s; "
        f"files in {out}/: {', '.join(p.name for p in paths.values())}"
    )


def _print_summary(console, result, table_cls) -> None:
    from infossl.analysis.compress_experiment import label_of

    method = result.summary[0]["method"] if result.summary else ""
    table = table_cls(
        title=f"seed mean±std, nats ({method}); probe: linear-probe accuracy on "
        "the code, probe(μ): on the encoder mean"
    )
    for column in ("regime", "objective", "I(Z1;S)", "I(Z1;U1)", "I(Z1;Y)", "probe", "probe(μ)"):
        table.add_column(column, justify="right", no_wrap=True)

    def cell(row, col, digits=2):
        return f"{row[col + '_mean']:.{digits}f}±{row[col + '_std']:.{digits}f}"

    for row in result.summary:
        table.add_row(
            row["regime"],
            label_of(row["objective"], row["beta"]),
            cell(row, "i_z1_s"),
            cell(row, "i_z1_u1"),
            cell(row, "i_z1_y"),
            cell(row, "probe_accuracy"),
            cell(row, "probe_accuracy_of_mean"),
        )
    console.print(table)
    for regime, ref in result.references.items():
        parts = [f"eps_info = {ref['eps_info']:.3f} nats"]
        if "bayes_accuracy_x1" in ref:
            parts += [
                f"Bayes accuracy from X1 {ref['bayes_accuracy_x1']:.3f}",
                f"from S {ref['bayes_accuracy_s']:.3f}",
                f"I(Y;X1) = {ref['I(Y;X1)']:.3f} nats",
            ]
        console.print(f"{regime}: " + ", ".join(parts))


def _print_sweeps(console, result, table_cls) -> None:
    from infossl.analysis.compress_experiment import label_of
    from infossl.analysis.compress_output import sweep_tables

    tables = sweep_tables(result)

    def ci(row, prefix, digits=3):
        mean, low, high = (row[f"{prefix}_{k}"] for k in ("mean", "low", "high"))
        return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"

    if "label_summary" in tables:
        table = table_cls(title="label sweep: probe accuracy, mean [95% t-interval over seeds]")
        for column in (
            "ε_info",
            "objective",
            "labels",
            "accuracy",
            "gap to baseline",
            "probe on S",
        ):
            table.add_column(column, justify="right", no_wrap=True)
        for row in tables["label_summary"]:
            table.add_row(
                f"{row['eps_info']:.3g}",
                label_of(row["objective"], row["beta"]),
                str(row["labels"]),
                ci(row, "acc"),
                ci(row, "gap"),
                ci(row, "oracle_s"),
            )
        console.print(table)
    if "eps_summary" in tables:
        table = table_cls(
            title="ε_info sweep: mean [95% t-interval over seeds]; ideal: Z* = E[S|X1]"
        )
        for column in (
            "ε_info",
            "objective",
            "accuracy",
            "gap to baseline",
            "I(Z1;Y)",
            "ideal cost",
        ):
            table.add_column(column, justify="right", no_wrap=True)
        for row in tables["eps_summary"]:
            table.add_row(
                f"{row['eps_info']:.3g}",
                label_of(row["objective"], row["beta"]),
                ci(row, "acc"),
                ci(row, "gap"),
                ci(row, "i_z1_y", 2),
                f"{row['ideal_acc_cost']:.3f} ({row['ideal_loss_nats']:.2f} nats)",
            )
        console.print(table)


__all__ = ["compress", "parse_label_sweep", "register"]

"""``infossl infoplane idnn``: the information-plane experiment of Shwartz-Ziv & Tishby (2017)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from infossl._atomic import atomic_write_csv, atomic_write_figure, atomic_write_json
from infossl.cli._common import add_group, fail, prepare_output_folder

#: The quick default: a few minutes on 2 CPU cores.
QUICK = {"epochs": 2000, "seeds": 3, "log_points": 80}
#: The original IDNNs settings (8,000 epochs, 400 log-spaced points) with the paper's 50 seeds.
FULL = {"epochs": 8000, "seeds": 50, "log_points": 400}


def register(app: typer.Typer, bench: typer.Typer) -> None:
    add_group(
        app,
        "infoplane",
        "Information-plane experiments (I(X;T) vs I(T;Y) per layer during training).",
        {"idnn": idnn, "plot": plot},
    )


def idnn(
    activation: str = typer.Option("tanh", help="Hidden nonlinearity: tanh or relu."),
    epochs: int | None = typer.Option(
        None, help=f"Training epochs (default {QUICK['epochs']}; --full: {FULL['epochs']})."
    ),
    seeds: int | None = typer.Option(
        None, help=f"Networks, seeds 0..S-1 (default {QUICK['seeds']}; --full: {FULL['seeds']})."
    ),
    estimator: str = typer.Option(
        "binning",
        help="binning (IDNN bins for tanh, Saxe's adaptive bins for relu), kt/kde "
        "(Kolchinsky–Tracey bounds), or noisy (Goldfeld et al.'s estimator of a network "
        "trained with --noise-beta; hidden layers).",
    ),
    out: Path = typer.Option(
        Path("infoplane-idnn"), help="Output folder; only the folder itself is created if missing."
    ),
    full: bool = typer.Option(
        False, "--full", help="Original settings: 8000 epochs, 400 log points, 50 seeds."
    ),
    log_points: int | None = typer.Option(
        None,
        help=f"Log-spaced logging epochs (default {QUICK['log_points']}; --full: "
        f"{FULL['log_points']}).",
    ),
    batch_size: int = typer.Option(512, help="Minibatch size (IDNNs 512)."),
    full_batch: bool = typer.Option(False, "--full-batch", help="Full-batch training."),
    learning_rate: float = typer.Option(4e-4, help="Adam learning rate."),
    bins: int | None = typer.Option(None, help="Bins (default 30 tanh, 100 relu)."),
    noise_variance: float = typer.Option(0.1, help="σ² of the kt/kde estimator."),
    noise_beta: float = typer.Option(
        0.0,
        help="Train a noisy network: N(0, β²) added to every hidden unit (Goldfeld et al.); "
        "needed by --estimator noisy.",
    ),
    max_samples: int | None = typer.Option(
        None,
        help="Measure on a random subset of the 4096 patterns (default: all for binning, "
        "1024 for kt/kde, 512 for noisy).",
    ),
    gradients: bool = typer.Option(
        False,
        "--gradients",
        help="Also measure each layer's gradient mean, std and SNR across mini-batches at "
        "every logged epoch (drift vs diffusion); writes gradients.csv and gradients.png.",
    ),
) -> None:
    """Train 12-10-7-5-4-3-2 networks on the 12-bit task and draw their information plane.

    Writes infoplane.png, layers.png, infoplane.csv (one row per seed, epoch and layer) and
    infoplane.json (settings, estimator parameters, all values in bits) to --out. The network is
    tiny: run with OMP_NUM_THREADS=1 (over 10 times faster on a busy 2-core machine).
    """
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from infossl.analysis.idnn import IDNNConfig, information_plane, train_idnn
    from infossl.analysis.infoplane_plots import plot_information_plane, plot_layer_curves

    preset = FULL if full else QUICK
    n_seeds = preset["seeds"] if seeds is None else seeds
    if estimator == "noisy" and noise_beta <= 0:
        raise ValueError("--estimator noisy measures a noisy network: give --noise-beta > 0")
    if max_samples is None:
        max_samples = {"kt": 1024, "kde": 1024, "noisy": 512}.get(estimator)
    if n_seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {n_seeds}")
    config = IDNNConfig(
        activation=activation,
        epochs=preset["epochs"] if epochs is None else epochs,
        seeds=tuple(range(n_seeds)),
        learning_rate=learning_rate,
        batch_size=None if full_batch else batch_size,
        log_points=preset["log_points"] if log_points is None else log_points,
        noise_beta=noise_beta,
    )
    options = {"bins": bins, "noise_variance": noise_variance, "max_samples": max_samples}
    prepare_output_folder(out, "--out")
    console = Console()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("training", total=config.epochs)
        training = train_idnn(config, progress=lambda e, _: bar.update(task, completed=e))
        task2 = bar.add_task("information", total=len(training.epochs))
        started = time.perf_counter()
        plane = information_plane(
            training,
            estimator,
            progress=lambda e, _: bar.update(task2, completed=e),
            **options,
        )
    plane.seconds = {"training": training.seconds, "information": time.perf_counter() - started}
    if gradients:
        _write_gradients(training, out, console)
    atomic_write_figure(out / "infoplane.png", plot_information_plane(plane), dpi=150)
    atomic_write_figure(out / "layers.png", plot_layer_curves(plane), dpi=120)
    atomic_write_csv(out / "infoplane.csv", plane.rows())
    atomic_write_json(out / "infoplane.json", plane.to_dict())

    table = Table(
        title=f"IDNN {activation}, {estimator}, {n_seeds} seed(s), "
        f"{config.epochs} epochs (seed means, bits)"
    )
    for column in (
        "layer",
        "I(X;T) epoch 0",
        "max I(X;T)",
        "I(X;T) last",
        "compression",
        "I(T;Y) last",
    ):
        table.add_column(column, justify="right")
    mean_xt, mean_ty = plane.i_xt.mean(axis=0), plane.i_ty.mean(axis=0)
    drop = plane.compression()
    for li, name in enumerate(plane.layers):
        table.add_row(
            name,
            f"{mean_xt[0, li]:.3f}",
            f"{mean_xt[:, li].max():.3f}",
            f"{mean_xt[-1, li]:.3f}",
            f"{drop[li]:.3f}",
            f"{mean_ty[-1, li]:.3f}",
        )
    console.print(table)
    console.print(
        f"train accuracy {plane.train_accuracy[:, -1].mean():.3f}, test accuracy "
        f"{plane.test_accuracy[:, -1].mean():.3f}; H(Y) = {plane.h_y:.4f} bits; "
        f"training {training.seconds:.0f} s, information {plane.seconds['information']:.0f} s. "
        f"Files in {out}/"
    )


def plot(
    results: Path = typer.Argument(..., help="An infoplane.json written by `infoplane idnn`."),
    out: Path | None = typer.Option(
        None,
        help="Output folder (default: the file's folder); only the folder itself is created "
        "if missing.",
    ),
) -> None:
    """Redraw infoplane.png and layers.png from a saved infoplane.json."""
    from infossl.analysis.infoplane import InformationPlane
    from infossl.analysis.infoplane_plots import plot_information_plane, plot_layer_curves
    from infossl.train.runfiles import read_json

    if results.is_dir():
        fail(f"{results} is a folder; give the infoplane.json inside it")
    try:
        plane = InformationPlane.from_dict(read_json(results))
    except (KeyError, TypeError) as err:  # valid JSON, other content
        fail(f"{results} is not an infoplane.json written by `infoplane idnn` ({err!r})")
    folder = results.parent if out is None else prepare_output_folder(out, "--out")
    atomic_write_figure(folder / "infoplane.png", plot_information_plane(plane), dpi=150)
    atomic_write_figure(folder / "layers.png", plot_layer_curves(plane), dpi=120)
    typer.echo(f"wrote {folder / 'infoplane.png'} and {folder / 'layers.png'}")


__all__ = ["idnn", "plot", "register"]


def _write_gradients(training: Any, out: Path, console: Any) -> None:
    """Gradient SNR of every seed at every logged epoch: gradients.csv, gradients.png, onsets."""
    from infossl.analysis.idnn_gradients import idnn_gradient_snr
    from infossl.analysis.infoplane_plots import plot_gradient_snr
    from infossl.data.idnn import load_idnn_task

    batch = training.config.batch_size or 512  # a full-batch run: its SNR over batches of 512
    x, y = load_idnn_task()
    grads = idnn_gradient_snr(training, x, y, batch_size=batch)
    atomic_write_csv(out / "gradients.csv", grads.rows())
    cfg = training.config
    title = f"{cfg.activation}, {len(cfg.seeds)} seed(s): gradients over batches of {batch}"
    atomic_write_figure(out / "gradients.png", plot_gradient_snr(grads, title), dpi=120)
    onsets = ", ".join(f"{k}: {v if v is None else int(v)}" for k, v in grads.onsets().items())
    console.print(f"diffusion onset (seed-median SNR stays < 1 from epoch): {onsets}")

"""``infossl generalisation``: information-theoretic generalisation (review §2.5).

* ``bound``: train networks on supersamples and compare the measured generalisation gap with the
  ld-CMI and f-CMI bounds over training (:mod:`infossl.analysis.cmi_bound`).
* ``compression``: across trained IDNN networks (``infossl infoplane idnn`` outputs), the
  last-hidden-layer compression against the gap, with correlations and intervals
  (:mod:`infossl.analysis.compression_gap`).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from infossl._atomic import atomic_write_csv, atomic_write_figure, atomic_write_json
from infossl.cli._common import add_group, comma_ints, prepare_output_folder, set_torch_threads
from infossl.cli._io import input_file


def register(app: typer.Typer, bench: typer.Typer) -> None:
    add_group(
        app,
        "generalisation",
        "Information-theoretic generalisation: CMI bounds over training; compression vs gap.",
        {"bound": bound, "compression": compression},
    )


def bound(
    data: str = typer.Option("digits", help="digits (64 pixels, 10 classes) or idnn (12 bits)."),
    pairs: int = typer.Option(250, help="n: pairs per supersample (n rows train each network)."),
    supersamples: int = typer.Option(3, help="K1: supersamples."),
    selections: int = typer.Option(40, help="K2: random selections (networks) per supersample."),
    exhaustive: bool = typer.Option(
        False, "--exhaustive", help="All 2^n selections (exact MI; n <= 12)."
    ),
    hidden: str = typer.Option("64", help="Hidden widths, comma-separated."),
    activation: str = typer.Option("relu", help="tanh or relu."),
    epochs: int = typer.Option(200, help="Training epochs (Adam)."),
    learning_rate: float = typer.Option(1e-3, help="Adam learning rate."),
    batch_size: int = typer.Option(64, help="Minibatch size."),
    full_batch: bool = typer.Option(False, "--full-batch", help="Full-batch training."),
    log_points: int = typer.Option(12, help="Log-spaced logging epochs."),
    seed: int = typer.Option(0, help="Seed of the supersamples and selections."),
    threads: int = typer.Option(1, help="torch CPU threads (0: torch's default)."),
    out: Path = typer.Option(
        Path("generalisation-bound"), help="Output folder; only the folder itself is created."
    ),
) -> None:
    """Measured generalisation gap vs ld-CMI and f-CMI bounds over training (0-1 loss).

    Writes bounds.csv (one row per logged epoch: errors, gap and bounds with 95 % intervals over
    supersamples), bounds.json (settings and every run's values) and bounds.png to --out.
    """
    from rich.console import Console
    from rich.progress import Progress

    from infossl.analysis.cmi_bound import CMIBoundConfig, run_cmi_bound
    from infossl.analysis.generalisation_plots import plot_bounds
    from infossl.analysis.idnn import IDNNConfig

    network = IDNNConfig(
        activation=activation,
        epochs=epochs,
        hidden=tuple(comma_ints(hidden, "--hidden")),
        learning_rate=learning_rate,
        batch_size=None if full_batch else batch_size,
        log_points=log_points,
    )
    config = CMIBoundConfig(
        data=data,
        pairs=pairs,
        supersamples=supersamples,
        selections=selections,
        exhaustive=exhaustive,
        network=network,
        seed=seed,
    )
    set_torch_threads(threads)
    prepare_output_folder(out, "--out")
    console = Console()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("supersamples", total=config.supersamples)
        result = run_cmi_bound(config, progress=lambda done, _: bar.update(task, completed=done))
    rows = result.rows()
    atomic_write_csv(out / "bounds.csv", rows)
    atomic_write_json(out / "bounds.json", result.to_dict())
    title = f"{data}, {activation} MLP {hidden}, n = {pairs}, K1 = {supersamples}"
    atomic_write_figure(out / "bounds.png", plot_bounds(result, title), dpi=130)
    last = rows[-1]
    console.print(
        f"epoch {last['epoch']}: gap {last['gap']:.3f} [{last['gap_low']:.3f}, "
        f"{last['gap_high']:.3f}], ld-CMI bound {last['ld_cmi_bound']:.3f} "
        f"(Miller–Madow {last['ld_cmi_bound_mm']:.3f}), f-CMI bound {last['f_cmi_bound']:.3f}"
    )
    if not exhaustive:  # sampled selections: networks at epoch 0 do not depend on U
        console.print(
            f"estimator bias: at epoch 0 (true bound 0) ld-CMI reads {rows[0]['ld_cmi_bound']:.3f}"
        )
    console.print(f"wrote bounds.csv, bounds.json, bounds.png to {out}")


def compression(
    planes: list[Path] = typer.Argument(
        ..., help="infoplane.json files of `infossl infoplane idnn` runs (one per activation)."
    ),
    layer: str | None = typer.Option(None, help="Layer (default: the last hidden one)."),
    n_boot: int = typer.Option(2000, help="Bootstrap resamples of the networks."),
    seed: int = typer.Option(0, help="Bootstrap seed."),
    out: Path = typer.Option(
        Path("generalisation-compression"), help="Output folder; only the folder is created."
    ),
) -> None:
    """Last-hidden-layer compression vs generalisation gap across networks (IDNN runs).

    Each file's networks form a group named after its activation. Writes compression_gap.csv
    (one row per network), compression_gap.json (correlations with 95 % bootstrap intervals,
    overall and per group) and compression_gap.png to --out.
    """
    from rich.console import Console

    from infossl.analysis.compression_gap import compression_gap
    from infossl.analysis.generalisation_plots import plot_compression_gap
    from infossl.analysis.infoplane import InformationPlane

    if len(set(map(Path.resolve, planes))) != len(planes):
        raise ValueError("a file is given twice: each network must count once")
    loaded: dict[str, InformationPlane] = {}
    for path in planes:
        try:
            plane = InformationPlane.from_dict(
                json.loads(input_file(path, "an infoplane.json file").read_text())
            )
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            message = f"{path} is not an infoplane.json of `infossl infoplane idnn`: {err}"
            raise ValueError(message) from None
        name = plane.config.activation if plane.config is not None else path.parent.name
        loaded[name if name not in loaded else f"{name}-{len(loaded)}"] = plane
    result = compression_gap(loaded, layer, n_boot=n_boot, seed=seed)
    prepare_output_folder(out, "--out")
    atomic_write_csv(out / "compression_gap.csv", result.rows())
    atomic_write_json(out / "compression_gap.json", result.to_dict())
    atomic_write_figure(out / "compression_gap.png", plot_compression_gap(result), dpi=130)
    console = Console()
    for group, values in {"all": {"pearson": result.pearson}, **result.by_group}.items():
        r, low, high = values["pearson"]
        console.print(f"{group}: Pearson r = {r:.2f} [{low:.2f}, {high:.2f}]")
    console.print(f"wrote compression_gap.csv, .json, .png to {out}")

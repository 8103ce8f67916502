"""``infossl experiment epsilon-info``: ε_info of a dataset and its augmentations.

Estimates I(Y;X1|X2) and I(Y;X2|X1) from the held-out cross-entropy gaps of classifiers on one
view and on both (:mod:`infossl.analysis.epsilon_info`), for two augmented views of the digits or
of CIFAR-10 images, or for the linear multi-view testbed, whose exact values are printed beside
the estimates. The command is registered in the ``experiment`` group by
:mod:`infossl.cli.experiment_cmd`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from infossl._atomic import atomic_write_csv, atomic_write_json
from infossl.cli._common import prepare_output_folder, set_torch_threads

DATASETS = ("digits", "cifar10", "multiview-linear")
#: Augmentation preset of each image dataset when --preset is auto.
DEFAULT_PRESET = {"digits": "digits", "cifar10": "simclr"}
DEFAULT_CIFAR = Path("../shared/data/cifar10/cifar10_train_jpg.zip")


def epsilon_info(
    dataset: str = typer.Option("digits", help="digits, cifar10 or multiview-linear."),
    preset: str = typer.Option(
        "auto",
        help="Augmentation of image datasets: digits, simclr, byol (auto: digits for "
        "digits, simclr for cifar10).",
    ),
    min_scale: float | None = typer.Option(
        None, help="Smallest crop area fraction (default: the preset's, 0.5 digits, 0.08 simclr)."
    ),
    images: int | None = typer.Option(
        None, help="Images drawn at random (default: all 1,797 digits; 5,000 for cifar10)."
    ),
    pairs_per_image: int = typer.Option(1, help="View pairs drawn per image."),
    cifar_zip: Path = typer.Option(DEFAULT_CIFAR, help="CIFAR-10 ImageFolder zip."),
    n: int = typer.Option(8000, help="multiview-linear: rows drawn."),
    eps_knob: float = typer.Option(
        0.0, help="multiview-linear: weight κ of U1 in the label (0: shared label)."
    ),
    task_seed: int = typer.Option(0, help="multiview-linear: seed of the mixing matrices."),
    classifier: str = typer.Option(
        "auto", help="logistic, mlp, convnet (auto: convnet for images, mlp for vectors)."
    ),
    epochs: int = typer.Option(30, help="Most passes over the training rows per classifier."),
    batch_size: int = typer.Option(128, help="Minibatch size."),
    learning_rate: float = typer.Option(3e-3, help="AdamW learning rate."),
    hidden: int = typer.Option(64, help="MLP width."),
    conv_width: int = typer.Option(16, help="Convnet base width."),
    test_fraction: float = typer.Option(0.3, help="Share of the images (rows) held out."),
    seed: int = typer.Option(0, help="Seed of the images, views, split and training."),
    threads: int = typer.Option(1, help="torch CPU threads (0: torch's default)."),
    out: Path = typer.Option(
        Path("epsilon-info"), help="Output folder; only the folder itself is created."
    ),
) -> None:
    """Estimate ε_info = max(I(Y;X1|X2), I(Y;X2|X1)) from classifier cross-entropy gaps.

    Writes epsilon_info.csv (one row per quantity, nats, 95 % Student-t intervals over the test
    images) and epsilon_info.json (settings and every estimate in full) to --out.
    """
    from rich.console import Console

    from infossl.analysis.epsilon_info import EpsilonInfoConfig, estimate_epsilon_info

    if dataset not in DATASETS:
        raise ValueError(f"--dataset must be one of {list(DATASETS)}, got {dataset!r}")
    config = EpsilonInfoConfig(
        classifier=classifier,
        hidden=hidden,
        conv_width=conv_width,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        test_fraction=test_fraction,
        seed=seed,
    )
    set_torch_threads(threads)
    if dataset == "multiview-linear":
        x1, x2, y, groups, data, reference = _multiview(n, eps_knob, task_seed, seed)
    else:
        x1, x2, y, groups, data = _image_pairs(
            dataset, preset, min_scale, images, pairs_per_image, cifar_zip, seed
        )
        reference = {}
    prepare_output_folder(out, "--out")
    console = Console()
    started = time.perf_counter()
    result = estimate_epsilon_info(
        x1, x2, y, config, groups=groups, progress=lambda name: console.print(f"training {name}")
    )
    seconds = time.perf_counter() - started
    record = {**result.to_dict(), "data": data, "exact": reference, "seconds": seconds}
    atomic_write_csv(out / "epsilon_info.csv", result.rows())
    atomic_write_json(out / "epsilon_info.json", record)
    _print(console, result, reference)
    console.print(f"{seconds:.0f} s; wrote epsilon_info.csv, epsilon_info.json to {out}")


def _multiview(n: int, eps_knob: float, task_seed: int, seed: int) -> tuple[Any, ...]:
    """Rows of the linear testbed (label 1[Y > 0]) and its exact I(Y_class;X1|X2), ..."""
    import numpy as np

    from infossl.tasks.multiview import LinearGaussianMultiView

    if n < 20:
        raise ValueError(f"--n must be >= 20, got {n}")
    task = LinearGaussianMultiView(seed=task_seed).with_knob(eps_knob)
    draw = task.sample(n, np.random.default_rng([seed, 5]))
    known = task.known_information()
    keys = ("I(Y_class;X1|X2)", "I(Y_class;X2|X1)", "eps_info_class", "H(Y_class)")
    data = {"dataset": "multiview-linear", "n": n, "eps_knob": eps_knob, "task_seed": task_seed}
    return draw.x1, draw.x2, draw.y_class, None, data, {k: known[k] for k in keys}


def _image_pairs(
    dataset: str,
    preset: str,
    min_scale: float | None,
    images: int | None,
    pairs_per_image: int,
    cifar_zip: Path,
    seed: int,
) -> tuple[Any, ...]:
    """Two augmented views of each of ``images`` images (``x1, x2, y, groups, description``)."""
    import inspect

    from infossl.analysis.epsilon_info import PRESETS, augmented_pairs, image_views, load_images
    from infossl.data import presets

    name = DEFAULT_PRESET[dataset] if preset == "auto" else preset
    if name not in PRESETS:
        raise ValueError(f"--preset must be one of {['auto', *PRESETS]}, got {preset!r}")
    if min_scale is None:
        min_scale = inspect.signature(presets.PRESETS[name]).parameters["min_scale"].default
    count = images if images is not None or dataset == "digits" else 5000
    zip_path = cifar_zip if dataset == "cifar10" else None
    if zip_path is not None and not zip_path.is_file():
        raise FileNotFoundError(f"--cifar-zip {zip_path}: no such file")
    pixels, labels = load_images(dataset, count, cifar_zip=zip_path, seed=seed)
    views = image_views(name, int(pixels.shape[-1]), int(pixels.shape[1]), float(min_scale))
    x1, x2, y, groups = augmented_pairs(
        pixels, labels, views, pairs_per_image=pairs_per_image, seed=seed
    )
    data = {
        "dataset": dataset,
        "preset": name,
        "min_scale": min_scale,
        "images": len(pixels),
        "pairs_per_image": pairs_per_image,
        "views": repr(views),
    }
    return x1, x2, y, groups, data


def _print(console: Any, result: Any, reference: dict[str, float]) -> None:
    exact = {"I(Y;X1|X2)": "I(Y_class;X1|X2)", "I(Y;X2|X1)": "I(Y_class;X2|X1)"}
    for name, est in result.estimates().items():
        low, high = est.ci
        line = f"{name} = {est.value:.4f} nats [{low:.4f}, {high:.4f}] ({est.kind})"
        if name in exact and reference:
            line += f"; exact {reference[exact[name]]:.4f}"
        console.print(line)
    for name, (acc, low, high) in result.accuracy.items():
        console.print(f"accuracy from {name}: {acc:.4f} [{low:.4f}, {high:.4f}]")


__all__ = ["epsilon_info"]

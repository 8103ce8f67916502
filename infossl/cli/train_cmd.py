"""``infossl train`` and ``infossl eval linear|knn``: SSL training and offline evaluation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from infossl.cli._common import add_group, comma_floats, fail, prepare_output_folder


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("train", context_settings={"allow_extra_args": False})(train)
    add_group(
        app,
        "eval",
        "Offline evaluation of a trained encoder from its checkpoint.",
        {"linear": eval_linear, "knn": eval_knn},
    )


def _base_tree(config: Path | None, resume: bool, out: str | None) -> dict[str, Any]:
    from infossl.train.config import read_config_file

    path = config
    if path is None and resume and out is not None and (Path(out) / "config.yaml").is_file():
        path = Path(out) / "config.yaml"
    return {} if path is None else read_config_file(path)


def _default_out(tree: dict[str, Any]) -> str:
    """The run folder when none is given: ``runs/<method>-<data>`` (created with its parents)."""
    m = tree.get("method", "simclr")
    d = Path(str(tree.get("data", {}).get("name", "digits"))).stem or "data"
    return f"runs/{m}-{d}"


def train(
    overrides: list[str] = typer.Argument(
        None,
        help="Config overrides key=value with dotted keys, e.g. optim.lr=0.1 "
        "train.precision=fp32 objective.temperature=0.2.",
    ),
    method: str | None = typer.Option(
        None,
        help="SSL method: simclr, moco, byol, simsiam, "
        "barlow_twins, vicreg, dino, swav, w_mse, mib, ceb, ...",
    ),
    data: str | None = typer.Option(None, help="Dataset name (digits) or path."),
    epochs: int | None = typer.Option(None, help="Number of epochs."),
    batch_size: int | None = typer.Option(None, help="Global batch size."),
    config: Path | None = typer.Option(
        None, help="YAML run config (overridden by the options and key=value pairs)."
    ),
    out: str | None = typer.Option(
        None,
        help="Run folder (default runs/<method>-<data>); of a folder given here or as out= in "
        "the config, only the folder itself is created if missing.",
    ),
    resume: bool = typer.Option(
        False,
        "--resume",
        help="Continue the run in --out from its "
        "last checkpoint (its config.yaml is the default config); "
        "with more --epochs, extend a finished run.",
    ),
) -> None:
    """Train a self-supervised encoder; logs every information term of the loss."""
    from infossl.train.config import apply_overrides, parse_overrides, validate_config

    tree = _base_tree(config, resume, out)
    pairs = []
    for key, value in (
        ("method", method),
        ("data.name", data),
        ("train.epochs", epochs),
        ("train.batch_size", batch_size),
        ("out", out),
    ):
        if value is not None:
            pairs.append((key, value))
    pairs += parse_overrides(overrides or [])
    tree = apply_overrides(tree, pairs)
    chosen = "out" in tree
    if not chosen:
        tree["out"] = _default_out(tree)
    cfg = validate_config(tree)
    if chosen:
        prepare_output_folder(cfg.out, "--out" if out is not None else "out")
    from infossl.train.trainer import NonFiniteLossError
    from infossl.train.trainer import train as run_training

    try:
        from infossl.analysis.trainer_diagnostics import callbacks_from_config

        result = run_training(cfg, resume=resume, epoch_callbacks=callbacks_from_config(cfg))
    except NonFiniteLossError as err:
        fail(err, 3)
    if result.rank == 0:
        _print_summary(result)


def _print_summary(result: Any) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from infossl.train.logger import read_jsonl

    s = result.summary
    console = Console()
    table = Table(title=f"{s['method']} on {s['data']} ({s['stopped']})")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows = [
        ("epochs", f"{s['epochs_completed']:.2f}"),
        ("steps", str(s["steps"])),
        ("wall time", f"{s['wall_seconds']:.1f} s"),
        ("img/s", f"{s['img_per_s']:.0f}"),
        (
            "precision",
            f"{s['precision']['dtype']}"
            f"{' + channels_last' if s['precision']['channels_last'] else ''}",
        ),
    ]
    for key, name in (
        ("knn_acc", "kNN accuracy (k=200, τ=0.1)"),
        ("probe_val_acc", "online linear probe accuracy"),
        ("linear_acc", "offline linear probe accuracy"),
    ):
        if key in s:
            rows.append((name, f"{s[key]:.4f}"))
    for row in rows:
        table.add_row(*row)
    console.print(table)
    records = read_jsonl(Path(result.out) / "metrics.jsonl")
    header = next((r for r in records if r.get("kind") == "terms"), None)
    last = next((r for r in reversed(records) if r.get("kind") == "train"), None)
    if header and last:
        terms = Table(title=f"information terms at step {last['step']}")
        for col in ("term", "quantity", "measured as", "value", "weight"):
            terms.add_column(col, justify="right" if col in ("value", "weight") else "left")
        for name, d in header["terms"].items():
            terms.add_row(
                name,
                escape(d["quantity"]),
                escape(f"{d['kind']} [{d['bound']}]"),
                f"{last['terms'][name]:.4f}",
                f"{last['weights'][name]:g}",
            )
        console.print(terms)
    console.print(f"run folder: {result.out}  (metrics.jsonl, tb/, checkpoints/last.pt)")


_RUN = typer.Argument(
    None,
    metavar="RUN_DIR",
    show_default=False,
    help="A run folder of infossl train (its checkpoints/last.pt is used).",
)
_CHECKPOINT = typer.Option(
    None,
    show_default=False,
    help="A checkpoint written by infossl train (last.pt), or a run folder.",
)
_DATA = typer.Option(None, help="Training source for the probe (default: the run's).")
_SPLIT = typer.Option(None, help="Split of --data.")
_VAL = typer.Option(None, help="Validation source (default: the run's).")
_VAL_SPLIT = typer.Option(None, help="Split of --val.")
_ENCODER = typer.Option(
    "trained",
    help="trained, random (same architecture, random "
    "initialisation) or pixels (the normalised input).",
)
_DEVICE = typer.Option("cpu", help="Device for feature extraction.")


def _checkpoint_arg(run: Path | None, checkpoint: Path | None) -> Path:
    """The checkpoint given as RUN_DIR or --checkpoint (exactly one of them)."""
    from infossl.train.evaluate import resolve_checkpoint

    if run is not None and checkpoint is not None:
        raise ValueError("give the run either as RUN_DIR or as --checkpoint, not both")
    if run is None and checkpoint is None:
        raise ValueError("missing the run: pass RUN_DIR or --checkpoint PATH")
    return resolve_checkpoint(run if run is not None else checkpoint)  # type: ignore[arg-type]


def _evaluate(
    evaluate: Callable[..., dict[str, Any]],
    run: Path | None,
    checkpoint: Path | None,
    **options: Any,
) -> None:
    """Run ``evaluate(checkpoint, **options)`` on the checkpoint of RUN_DIR or --checkpoint and
    print its result as JSON."""
    import json

    result = evaluate(_checkpoint_arg(run, checkpoint), **options)
    typer.echo(json.dumps(result, indent=2))


def eval_linear(
    run: Path | None = _RUN,
    checkpoint: Path | None = _CHECKPOINT,
    c: str = typer.Option(
        "1.0",
        "--C",
        help="Inverse L2 strength; several (0.1,1,10) pick one "
        "on a held-out 20 % of the training features.",
    ),
    encoder: str = _ENCODER,
    data: str | None = _DATA,
    split: str | None = _SPLIT,
    val: str | None = _VAL,
    val_split: str | None = _VAL_SPLIT,
    device: str = _DEVICE,
    seed: int = typer.Option(0, help="Seed (random encoder, validation split)."),
) -> None:
    """Linear-probe accuracy of the encoder's frozen features on the validation set."""
    from infossl.train.evaluate import evaluate_linear

    grid = comma_floats(c, "--C")
    _evaluate(
        evaluate_linear,
        run,
        checkpoint,
        C=grid if len(grid) > 1 else grid[0],
        encoder=encoder,
        seed=seed,
        data=data,
        split=split,
        val=val,
        val_split=val_split,
        device=device,
    )


def eval_knn(
    run: Path | None = _RUN,
    checkpoint: Path | None = _CHECKPOINT,
    k: int = typer.Option(200, help="Neighbours."),
    tau: float = typer.Option(0.1, help="Temperature of the vote weights exp(s/τ)."),
    encoder: str = _ENCODER,
    data: str | None = _DATA,
    split: str | None = _SPLIT,
    val: str | None = _VAL,
    val_split: str | None = _VAL_SPLIT,
    device: str = _DEVICE,
    seed: int = typer.Option(0, help="Seed of the random encoder."),
) -> None:
    """Weighted cosine kNN accuracy (bank: un-augmented training features)."""
    from infossl.train.evaluate import evaluate_knn

    _evaluate(
        evaluate_knn,
        run,
        checkpoint,
        k=k,
        tau=tau,
        encoder=encoder,
        seed=seed,
        data=data,
        split=split,
        val=val,
        val_split=val_split,
        device=device,
    )

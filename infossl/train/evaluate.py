"""Offline evaluation of a trained encoder: linear probe and weighted kNN from a checkpoint.

The encoder is rebuilt from the checkpoint (backbone name, options and input shape are stored
in it; weights load through ``torch.load(weights_only=True)``, and a checkpoint whose checksum
does not match or that holds a non-finite tensor is refused, see
:func:`infossl.train.checkpoint.load_checkpoint`), features are computed on the
un-augmented images normalised with the *training* statistics stored in the checkpoint, and

* ``linear``: multinomial logistic regression on standardised features
  (:func:`infossl.metrics.probes.linear_probe`; with several ``C`` the value is picked on a
  held-out 20 % of the training features);
* ``knn``: weighted cosine kNN, k = 200, τ = 0.1 by default
  (:func:`infossl.metrics.probes.knn_accuracy`; Wu et al. 2018).

Two references use the same protocol: ``encoder="random"`` (the same architecture at its
random initialisation, seeded) and ``encoder="pixels"`` (the normalised input itself,
flattened).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from infossl._checks import check_choice, check_int
from infossl.train.build import BackboneSpec
from infossl.train.checkpoint import load_checkpoint, require_keys
from infossl.train.config import RunConfig, validate_config
from infossl.train.data_setup import RunData, load_run_data, make_eval_transform
from infossl.train.features import encode_dataset

__all__ = [
    "ENCODERS",
    "EvalFeatures",
    "checkpoint_features",
    "evaluate_knn",
    "evaluate_linear",
    "resolve_checkpoint",
]

ENCODERS = ("trained", "random", "pixels")


def resolve_checkpoint(path: str | os.PathLike[str]) -> Path:
    """The checkpoint file ``path`` names: the file itself, or for a run folder its
    ``checkpoints/last.pt`` (or ``last.pt`` when ``path`` is the ``checkpoints`` folder).

    Raises ``FileNotFoundError`` naming what was looked for.
    """
    p = Path(path)
    if not p.is_dir():
        if not p.is_file():
            raise FileNotFoundError(f"checkpoint not found: {p}")
        return p
    candidates = [p / "checkpoints" / "last.pt", p / "last.pt"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"no checkpoint in run folder {p}: looked for {candidates[0]} (and {candidates[1]})"
    )


@dataclass
class EvalFeatures:
    """Features and labels of the training and validation sets, and where they came from."""

    train: torch.Tensor
    train_labels: torch.Tensor
    val: torch.Tensor
    val_labels: torch.Tensor
    encoder: str
    config: RunConfig


def _data_for(
    cfg: RunConfig,
    state: dict[str, Any],
    data: str | None,
    split: str | None,
    val: str | None,
    val_split: str | None,
) -> RunData:
    dcfg = cfg.data.model_copy()
    if data is not None:
        dcfg = dcfg.model_copy(
            update={"name": data, "split": split, "val": None, "val_split": None, "limit": None}
        )
    if val is not None or val_split is not None:
        dcfg = dcfg.model_copy(update={"val": val, "val_split": val_split})
    run = load_run_data(_without_stats(dcfg))
    if run.val is None:
        raise ValueError(
            "no validation set: pass --val (a dataset name or path) or "
            "--val-split for the evaluation"
        )
    if not (run.train.has_labels and run.val.has_labels):
        raise ValueError("evaluation needs labelled training and validation sets")
    saved = state["data"]
    return RunData(run.train, run.val, tuple(saved["mean"]), tuple(saved["std"]), run.augment)


def _without_stats(dcfg: Any) -> Any:
    """The data config without computing statistics (the checkpoint's are used)."""
    return dcfg.model_copy(update={"normalize": False})


def checkpoint_features(
    checkpoint: str | os.PathLike[str],
    *,
    encoder: str = "trained",
    data: str | None = None,
    split: str | None = None,
    val: str | None = None,
    val_split: str | None = None,
    device: str = "cpu",
    batch_size: int = 512,
    seed: int = 0,
) -> EvalFeatures:
    """Features of the training and validation sets for ``encoder`` (see the module docstring).

    ``checkpoint`` is a checkpoint file or a run folder (:func:`resolve_checkpoint`);
    ``data``/``split`` replace the training source of the run; ``val``/``val_split`` its
    validation source. ``seed`` initialises the ``random`` encoder.
    """
    check_choice(encoder, "encoder", ENCODERS)
    batch_size = check_int(batch_size, "batch_size", low=1)
    path = resolve_checkpoint(checkpoint)
    state = load_checkpoint(path)
    require_keys(
        state, path, ("config", "backbone", "data", "model"), "a checkpoint of infossl train"
    )
    cfg = validate_config(state["config"])
    run = _data_for(cfg, state, data, split, val, val_split)
    transform = make_eval_transform(run)
    dev = torch.device(device)
    if encoder == "pixels":
        feats = [transform(d.inputs).flatten(1).float().cpu() for d in (run.train, run.val)]
    else:
        b = state["backbone"]
        spec = BackboneSpec(b["name"], dict(b["options"]), tuple(b["input_shape"]))
        if tuple(run.input_shape) != spec.input_shape:
            raise ValueError(
                f"the data have samples of shape {run.input_shape}, the encoder "
                f"expects {spec.input_shape}"
            )
        torch.manual_seed(seed)
        net = spec.build()
        if encoder == "trained":
            prefix = "backbone."
            weights = {
                k[len(prefix) :]: v for k, v in state["model"].items() if k.startswith(prefix)
            }
            net.load_state_dict(weights)
        net.to(dev)
        feats = [
            encode_dataset(net, d.inputs, transform, batch_size=batch_size, device=dev)
            for d in (run.train, run.val)
        ]
    return EvalFeatures(feats[0], run.train.labels, feats[1], run.val.labels, encoder, cfg)


def _protocol_result(
    protocol: str,
    f: EvalFeatures,
    accuracy: float,
    details: Mapping[str, Any],
    n_train: int,
    n_val: int,
) -> dict[str, Any]:
    """An evaluation's JSON result: the protocol's own ``details`` between the common fields."""
    return {
        "protocol": protocol,
        "encoder": f.encoder,
        "accuracy": accuracy,
        **details,
        "n_train": n_train,
        "n_val": n_val,
        "dim": int(f.train.shape[1]),
        "method": f.config.method,
    }


def evaluate_linear(
    checkpoint: str | os.PathLike[str],
    *,
    C: float | Sequence[float] = 1.0,
    encoder: str = "trained",
    seed: int = 0,
    **data: Any,
) -> dict[str, Any]:
    """Linear-probe accuracy on the validation set; ``data`` as in :func:`checkpoint_features`."""
    from infossl.metrics.probes import linear_probe

    f = checkpoint_features(checkpoint, encoder=encoder, seed=seed, **data)
    res = linear_probe(f.train, f.train_labels, f.val, f.val_labels, C=C, seed=seed)
    details = {"train_accuracy": res.train_accuracy, "C": res.C}
    return _protocol_result("linear", f, res.accuracy, details, res.n_train, res.n_test)


def evaluate_knn(
    checkpoint: str | os.PathLike[str],
    *,
    k: int = 200,
    tau: float = 0.1,
    encoder: str = "trained",
    seed: int = 0,
    **data: Any,
) -> dict[str, Any]:
    """Weighted cosine kNN accuracy on the validation set (bank: training features)."""
    from infossl.metrics.probes import knn_accuracy

    f = checkpoint_features(checkpoint, encoder=encoder, seed=seed, **data)
    acc = knn_accuracy(f.train, f.train_labels, f.val, f.val_labels, k=k, tau=tau)
    details = {"k": k, "tau": tau}
    return _protocol_result("knn", f, acc, details, int(f.train.shape[0]), int(f.val.shape[0]))

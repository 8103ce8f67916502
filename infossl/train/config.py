"""The run configuration of ``infossl train``: one validated pydantic model.

A run is described by a :class:`RunConfig` with sections ``data``, ``model``, ``optim``,
``train``, ``checkpoint``, ``log``, ``eval`` and ``diagnostics``, plus ``method`` (the SSL
method) and ``objective`` (keyword arguments of that method's loss). Every section forbids
unknown keys, so a misspelt key or an out-of-range value is reported by its dotted name, e.g.
``optim.lr: must be > 0 (got -1)`` or ``train.epoch: unknown key (valid: batch_size, ...)``.

Configs are read from YAML and patched with ``key=value`` overrides (dotted keys, values parsed
as YAML, so ``optim.lr=0.1``, ``train.compile=true``, ``model.backbone_options={width: 16}``).
``None`` in a field means "the method's or optimiser's default", resolved when the run starts
(see :mod:`infossl.train.methods` and :mod:`infossl.train.optim`). The ``config.yaml`` of a run
folder holds the requested config followed by a ``resolved`` section (what those defaults and
``auto`` values became: learning rate, precision, device, ...); that section is written for
people and ignored when the file is read back as a config (:data:`RESOLVED_KEY`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from infossl._config import ConfigModel

__all__ = [
    "RESOLVED_KEY",
    "CheckpointConfig",
    "ConfigError",
    "DataConfig",
    "DiagnosticsConfig",
    "EvalConfig",
    "LogConfig",
    "ModelConfig",
    "OptimConfig",
    "RunConfig",
    "TrainConfig",
    "apply_overrides",
    "load_config",
    "parse_overrides",
    "read_config_file",
]

#: Top-level key of the values the trainer resolved, written after the config in
#: ``config.yaml``; dropped when a config file is read.
RESOLVED_KEY = "resolved"


class ConfigError(ValueError):
    """An invalid run configuration; the message names every offending key."""


class _Section(ConfigModel):
    model_config = ConfigDict(validate_assignment=True, frozen=False)


class DataConfig(_Section):
    """Where the images come from and how the two views are drawn."""

    name: str = Field(
        "digits",
        description="registered dataset name or a path (folder, .zip, "
        ".npz, CIFAR binary); the training set",
    )
    split: str | None = Field(None, description="split of `name` used for training")
    val: str | None = Field(None, description="validation source (None: `name`)")
    val_split: str | None = Field(
        None,
        description="split of `val` for kNN and probes; None: "
        "'test' for digits, else no validation unless `val` is set",
    )
    image_size: int | None = Field(None, ge=1, description="resize images to this size")
    channels: Literal[1, 3] | None = None
    augment: str = Field(
        "auto",
        description="augmentation preset: auto, simclr, byol, digits, "
        "none (auto: digits for 1-channel images ≤ 16 px, byol for byol/dino, "
        "else simclr)",
    )
    augment_options: dict[str, Any] = Field(default_factory=dict)
    normalize: bool = Field(
        True, description="standardise with the training set's channel mean/std"
    )
    limit: int | None = Field(
        None, ge=1, description="use only `limit` evenly spaced training samples (smoke runs)"
    )


class ModelConfig(_Section):
    """Backbone and heads; None picks the method's default."""

    backbone: str = Field(
        "auto",
        description="resnet18, resnet20, resnet8, convnet, mlp or "
        "auto (convnet below 16 px, resnet20 otherwise)",
    )
    backbone_options: dict[str, Any] = Field(default_factory=dict)
    proj_hidden: int | None = Field(None, ge=1)
    proj_out: int | None = Field(None, ge=1)
    proj_layers: int | None = Field(None, ge=1, description="hidden layers of the projector")
    pred_hidden: int | None = Field(None, ge=1)
    momentum: float | None = Field(
        None, ge=0.0, le=1.0, description="EMA momentum at step 0 (byol, moco, dino)"
    )
    num_prototypes: int | None = Field(None, ge=2, description="swav prototypes / dino outputs")
    freeze_prototypes_epochs: int = Field(
        1, ge=0, description="swav: prototypes fixed this many epochs"
    )


class OptimConfig(_Section):
    """Optimiser and learning-rate schedule (linear warm-up then cosine, per step)."""

    name: Literal["sgd", "lars", "adamw"] | None = Field(
        None,
        description="None: the method's default (lars for barlow_twins, vicreg and its "
        "variants, corinfomax; sgd otherwise)",
    )
    lr: float | None = Field(
        None,
        gt=0.0,
        description="peak learning rate; None: sgd 0.06·B/128, lars 0.3·B/256, adamw 1e-3·B/256",
    )
    weight_decay: float | None = Field(
        None, ge=0.0, description="None: sgd 5e-4, lars 1e-4, adamw 1e-4"
    )
    momentum: float = Field(0.9, ge=0.0, lt=1.0)
    betas: tuple[float, float] = (0.9, 0.999)
    warmup_epochs: float | None = Field(
        None, ge=0.0, description="None: 0 for sgd, min(10, epochs/10) otherwise"
    )
    final_lr_ratio: float = Field(0.0, ge=0.0, le=1.0, description="lr at the end / peak lr")
    lars_eta: float = Field(0.02, gt=0.0)
    exclude_bias_norm: bool = Field(
        True,
        description="no weight decay (and no LARS "
        "adaptation) for biases and normalisation parameters",
    )
    probe_lr: float = Field(0.1, gt=0.0, description="learning rate of the online linear probe")
    grad_clip: float | None = Field(None, gt=0.0, description="clip the global gradient norm")

    @field_validator("betas")
    @classmethod
    def _betas_in_range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not all(0.0 <= b < 1.0 for b in v):
            raise ValueError(f"each beta must lie in [0, 1), got {v}")
        return v


class TrainConfig(_Section):
    """Length, batch, precision and distribution of the run."""

    epochs: int = Field(50, ge=1)
    batch_size: int = Field(256, ge=2, description="global batch (split over processes)")
    seed: int = Field(0, ge=0)
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        "auto",
        description="auto: bf16 autocast on CUDA with bf16 support and on CPUs where "
        "it was measured faster for this backbone; fp16 needs CUDA",
    )
    channels_last: Literal["auto"] | bool = "auto"
    compile: bool = Field(False, description="torch.compile the backbone")
    max_steps: int | None = Field(
        None,
        ge=1,
        description="stop (with a checkpoint) after this "
        "many optimiser steps; schedules still span all epochs",
    )
    time_limit: float | None = Field(
        None, gt=0.0, description="stop (with a checkpoint) after this many seconds of training"
    )
    sync_batchnorm: bool = Field(True, description="batch statistics over all processes")
    augment_scope: Literal["shard", "global"] = Field(
        "shard",
        description="shard: each process augments its own samples; global: every "
        "process augments the whole global batch and keeps its slice (bit-identical to one "
        "process, W× augmentation work)",
    )
    threads: int | None = Field(None, ge=1, description="torch CPU threads (None: unchanged)")


class CheckpointConfig(_Section):
    every_steps: int | None = Field(None, ge=1, description="also checkpoint every N steps")
    every_epochs: int = Field(
        1, ge=0, description="checkpoint at the end of every N-th epoch (0: only at the end)"
    )
    keep_epochs: bool = Field(False, description="keep a copy per epoch besides last.pt")


class LogConfig(_Section):
    every_steps: int = Field(10, ge=1)
    tensorboard: bool = True
    progress: Literal["auto"] | bool = "auto"


class EvalConfig(_Section):
    knn_every_epochs: int = Field(1, ge=0, description="kNN monitor period (0: off)")
    knn_k: int = Field(200, ge=1)
    knn_tau: float = Field(0.1, gt=0.0)
    online_probe: bool = True
    final_linear: bool = Field(
        True, description="offline linear probe on the validation set at the end of the run"
    )


class DiagnosticsConfig(_Section):
    """Information diagnostics on a fixed evaluation batch (``infossl.analysis.monitor``).

    Read by the ``infossl train`` command and ``infossl.analysis.monitor``, which add the
    diagnostics callback to the trainer; rows go to ``diagnostics.jsonl`` in the run folder.
    """

    enabled: bool = Field(
        True,
        description="record the diagnostics (on by default; the "
        "max_overhead rule keeps them within 10 % of the training time)",
    )
    every_epochs: int = Field(5, ge=1, description="run every N epochs (and after the last)")
    batch_size: int = Field(512, ge=8, description="evaluation batch (and held-out probe batch)")
    seed: int = Field(0, ge=0, description="draws the batch and its two views, once")
    temperature: float = Field(
        0.1, gt=0.0, description="τ of the cosine critic of the InfoNCE diagnostic"
    )
    representation: Literal["projector", "backbone"] = "projector"
    at_start: bool = Field(True, description="also at epoch 0 (the initialisation)")
    max_overhead: float | None = Field(
        0.1,
        gt=0.0,
        description="defer a due pass while the "
        "diagnostics would exceed this fraction of the training "
        "time (None: strictly every_epochs)",
    )


class RunConfig(_Section):
    """A whole run. ``out`` is the run folder (config, logs, checkpoints, summary)."""

    method: str = "simclr"
    objective: dict[str, Any] = Field(
        default_factory=dict,
        description="keyword arguments of the method's loss (e.g. temperature)",
    )
    out: str = "runs/run"
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    optim: OptimConfig = Field(default_factory=OptimConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    checkpoint: CheckpointConfig = Field(default_factory=CheckpointConfig)
    log: LogConfig = Field(default_factory=LogConfig)
    eval: EvalConfig = Field(default_factory=EvalConfig)
    diagnostics: DiagnosticsConfig = Field(default_factory=DiagnosticsConfig)

    @model_validator(mode="after")
    def _method_and_objective(self) -> RunConfig:
        from infossl.train.methods import check_method_options

        check_method_options(self.method, self.objective)
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible values (tuples become lists)."""
        return self.model_dump(mode="json")

    def to_yaml(self, resolved: Mapping[str, Any] | None = None) -> str:
        """The config as YAML; ``resolved`` adds a ``resolved:`` section after it (ignored by
        :func:`load_config` and :func:`read_config_file`)."""
        import yaml

        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        if resolved is not None:
            text += (
                "# values the trainer resolved (defaults, auto) — not read back as config\n"
                + yaml.safe_dump(
                    {RESOLVED_KEY: dict(resolved)}, sort_keys=False, allow_unicode=True
                )
            )
        return text


# ------------------------------------------------------------------------- errors and loading
def _field_names(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The valid keys at ``loc`` (the path of an unknown key)."""
    current: Any = model
    for part in loc[:-1]:
        field = current.model_fields.get(part) if isinstance(current, type) else None
        ann = getattr(field, "annotation", None)
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return []
        current = ann
    return sorted(current.model_fields) if isinstance(current, type) else []


def format_validation_error(err: ValidationError) -> str:
    """One line per problem: ``dotted.key: message (got value)``."""
    lines = []
    for e in err.errors():
        loc = list(e["loc"])
        key = ".".join(str(p) for p in loc) or "config"
        if e["type"] == "extra_forbidden":
            valid = _field_names(RunConfig, loc)
            lines.append(f"{key}: unknown key" + (f" (valid: {', '.join(valid)})" if valid else ""))
            continue
        msg = e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        got = e.get("input")
        shown = "" if isinstance(got, (dict, BaseModel)) or got is None else f" (got {got!r})"
        lines.append(f"{key}: {msg}{shown}" if loc else msg)
    return "invalid run config:\n  " + "\n  ".join(lines)


def _set_dotted(tree: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    if not all(parts):
        raise ConfigError(f"invalid override key {key!r}")
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ConfigError(f"override {key!r}: {part!r} is not a section")
        node = child
    node[parts[-1]] = value


def parse_overrides(items: Sequence[str]) -> list[tuple[str, Any]]:
    """``["optim.lr=0.1", "train.compile=true"]`` → ``[("optim.lr", 0.1), ...]`` (YAML values)."""
    import yaml

    out = []
    for item in items:
        if "=" not in item:
            raise ConfigError(f"override must look like key=value, got {item!r}")
        key, raw = item.split("=", 1)
        key = key.strip()
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            value = raw
        out.append((key, value))
    return out


def apply_overrides(
    tree: Mapping[str, Any], overrides: Sequence[tuple[str, Any]]
) -> dict[str, Any]:
    """A deep copy of ``tree`` with each ``(dotted_key, value)`` set."""
    import copy

    result = copy.deepcopy(dict(tree))
    for key, value in overrides:
        _set_dotted(result, key, value)
    return result


def validate_config(tree: Mapping[str, Any]) -> RunConfig:
    """Build a :class:`RunConfig`, turning pydantic errors into a :class:`ConfigError`."""
    try:
        return RunConfig.model_validate(dict(tree))
    except ValidationError as err:
        raise ConfigError(format_validation_error(err)) from None


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The mapping in a YAML config file, without its ``resolved`` section (unvalidated).

    The file is loaded safely (a ``!!python/...`` tag is a :class:`ConfigError`, never an
    object); a missing path raises ``FileNotFoundError``, a folder, text that is not UTF-8 or
    malformed YAML a :class:`ConfigError`, all naming the file.
    """
    from infossl.train.runfiles import read_yaml

    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"config file {p} is a folder, not a YAML file; give the file's path")
    if not p.is_file():
        raise FileNotFoundError(f"config file not found: {p}")
    try:
        loaded = read_yaml(p)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise ConfigError(
            f"{p} must hold a mapping of config sections, got {type(loaded).__name__}"
        )
    loaded.pop(RESOLVED_KEY, None)
    return loaded


def load_config(
    path: str | os.PathLike[str] | None = None,
    overrides: Sequence[str] | Sequence[tuple[str, Any]] = (),
) -> RunConfig:
    """Read a YAML config (optional) and apply ``key=value`` overrides; validate."""
    tree: dict[str, Any] = {} if path is None else read_config_file(path)
    pairs = [o if isinstance(o, tuple) else None for o in overrides]
    if any(p is None for p in pairs):
        pairs = parse_overrides([str(o) for o in overrides])
    return validate_config(apply_overrides(tree, pairs))  # type: ignore[arg-type]


def config_differences(a: RunConfig, b: RunConfig, ignore: Sequence[str] = ()) -> list[str]:
    """Dotted keys whose values differ between two configs (``ignore``: dotted prefixes)."""

    def flat(tree: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in tree.items():
            if isinstance(value, dict):
                out.update({f"{key}.{k}": v for k, v in value.items()})
            else:
                out[key] = value
        return out

    fa, fb = flat(a.to_dict()), flat(b.to_dict())
    keys = sorted(set(fa) | set(fb))
    return [
        k
        for k in keys
        if fa.get(k) != fb.get(k) and not any(k == i or k.startswith(i + ".") for i in ignore)
    ]

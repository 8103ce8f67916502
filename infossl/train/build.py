"""Assemble a run from its config: backbone, precision, method, optimiser and schedule."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from infossl.nn.backbones import build_backbone
from infossl.train.data_setup import RunData
from infossl.train.methods import METHODS, SSLMethod, build_method, canonical_method
from infossl.train.optim import (
    WarmupCosine,
    build_optimizer,
    default_lr,
    default_warmup_epochs,
    default_weight_decay,
)
from infossl.train.precision import Precision, resolve_precision
from infossl.train.sync_bn import convert_to_global_batchnorm

__all__ = ["BackboneSpec", "OptimSetup", "backbone_spec", "build_optimization", "build_parts"]


@dataclass(frozen=True)
class BackboneSpec:
    """A backbone by name and options, buildable for a given input shape."""

    name: str
    options: dict[str, Any]
    input_shape: tuple[int, ...]

    def build(self, channels_last: bool = False) -> nn.Module:
        if self.name == "mlp":
            return build_backbone("mlp", in_features=math.prod(self.input_shape), **self.options)
        return build_backbone(
            self.name, self.input_shape[0], channels_last=channels_last, **self.options
        )

    @property
    def key(self) -> str:
        return f"{self.name} {json.dumps(self.options, sort_keys=True)}"


def backbone_spec(model_cfg: Any, data: RunData) -> BackboneSpec:
    """``auto``: ``mlp`` for vectors, ``convnet`` for images of at most 16 px, else ``resnet20``."""
    name = model_cfg.backbone
    shape = data.input_shape
    if name == "auto":
        if not data.is_image:
            name = "mlp"
        else:
            name = "convnet" if max(shape[1:]) <= 16 else "resnet20"
    if not data.is_image and name != "mlp":
        raise ValueError(f"model.backbone: {name!r} needs images; vector data use 'mlp'")
    return BackboneSpec(name, dict(model_cfg.backbone_options), shape)


@dataclass
class OptimSetup:
    optimizer: torch.optim.Optimizer
    scheduler: WarmupCosine
    name: str
    lr: float
    weight_decay: float
    warmup_steps: int


def build_optimization(cfg: Any, method: SSLMethod, steps_per_epoch: int) -> OptimSetup:
    """Optimiser (with default rate and decay resolved) and the warm-up + cosine schedule."""
    o = cfg.optim
    name = o.name or METHODS[canonical_method(cfg.method)].optimizer
    lr = o.lr if o.lr is not None else default_lr(name, cfg.train.batch_size)
    wd = o.weight_decay if o.weight_decay is not None else default_weight_decay(name)
    warmup = (
        o.warmup_epochs
        if o.warmup_epochs is not None
        else default_warmup_epochs(name, cfg.train.epochs)
    )
    optimizer = build_optimizer(
        name,
        method.scheduled_modules(),
        lr=lr,
        weight_decay=wd,
        momentum=o.momentum,
        betas=tuple(o.betas),
        eta=o.lars_eta,
        exclude_bias_norm=o.exclude_bias_norm,
        fixed_lr=method.fixed_lr_modules(),
        probe=method.probe,
        probe_lr=o.probe_lr,
    )
    total = cfg.train.epochs * steps_per_epoch
    warmup_steps = min(total - 1, round(warmup * steps_per_epoch))
    scheduler = WarmupCosine(
        optimizer, total, warmup_steps=max(0, warmup_steps), final_ratio=o.final_lr_ratio
    )
    return OptimSetup(optimizer, scheduler, name, lr, wd, warmup_steps)


def build_parts(
    cfg: Any,
    data: RunData,
    device: torch.device,
    *,
    total_steps: int,
    world_size: int,
    seed: int,
    precision: Precision | None = None,
) -> tuple[SSLMethod, BackboneSpec, Precision]:
    """Resolved precision, then backbone and method on ``device``, initialised from
    ``torch.manual_seed(seed)`` (identical on every process)."""
    spec = backbone_spec(cfg.model, data)
    if precision is None:
        precision = resolve_precision(
            cfg.train.precision,
            cfg.train.channels_last,
            device,
            backbone_name=spec.name,
            backbone_key=spec.key,
            make_backbone=spec.build,
            input_shape=spec.input_shape,
        )
    torch.manual_seed(seed)
    backbone = spec.build(channels_last=precision.channels_last)
    feat_dim = int(backbone.feat_dim)
    num_classes = data.num_classes if cfg.eval.online_probe else None
    method = build_method(
        cfg,
        backbone,
        feat_dim,
        num_classes=num_classes,
        total_steps=total_steps,
        distributed=world_size > 1,
        input_shape=spec.input_shape,
    )
    if world_size > 1 and cfg.train.sync_batchnorm:
        method = convert_to_global_batchnorm(method)
    method.to(device)
    if cfg.train.compile:
        method.backbone.compile()
    return method, spec, precision

"""Two-view SSL methods as thin modules: backbone + heads (+ target network) + objective.

Every method is an :class:`SSLMethod` with the same life cycle, driven by the trainer:

1. ``forward(views, seed=...)`` — under autocast: backbone and heads on each view; returns a
   dict of tensors (``"features"``: backbone features of view 1, for the online probe;
   ``"probe_logits"`` when a probe is attached).
2. ``compute_loss(out)`` — in float32, outside autocast: the objective's
   :class:`~infossl.framework.LossOutput` (loss and information terms).
3. ``before_optimizer_step(epoch)`` / ``after_optimizer_step()`` — e.g. freeze SwAV's
   prototypes in the first epoch, move an EMA target, re-normalise prototypes.

The method-specific part is a few lines each (solo-learn's layout):

| method | heads | target | objective |
|---|---|---|---|
| simclr, infonce, nview_infomax | projector | — | InfoNCE / NT-Xent on projections |
| barlow_twins, vicreg(_logdet, _pairdist), corinfomax, w_mse | projector | — | on projections |
| simsiam | projector, predictor (fixed lr) | stop-grad | ``SimSiamLoss(p, z)`` |
| byol | projector, predictor | EMA backbone + projector, cosine momentum | ``BYOLLoss(p, z')`` |
| moco | projector | EMA key encoder, constant momentum; queue in the loss | ``MoCoLoss(q, k)`` |
| dino | DINO head | EMA teacher (cosine momentum) | ``DINOLoss(student, teacher)`` |
| swav | projector, prototypes | — | ``SwAVLoss(scores)`` |
| mib | Gaussian encoder head | — | ``MIBLoss(p(z1|x1), p(z2|x2))`` |
| ceb | forward and backward Gaussian heads | — | ``CEBLoss(e, b)`` both directions |

Default head sizes follow the CIFAR-scale recipes of lightly and solo-learn (smaller than the
ImageNet ones); every one is a config key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from infossl.framework import LossOutput
from infossl.nn.ema import EMA
from infossl.nn.heads import DINOHead, MLPHead, Prototypes
from infossl.nn.stochastic import GaussianEncoderHead
from infossl.objectives import ObjectiveLoss, get_method_spec, get_objective

__all__ = [
    "METHODS",
    "MethodDefaults",
    "SSLMethod",
    "build_method",
    "canonical_method",
    "check_method_options",
    "method_names",
]


@dataclass(frozen=True)
class MethodDefaults:
    """Per-method defaults: head widths, momentum, objective parameters, augmentation preset
    and optimiser (LARS for the covariance-based losses, as in solo-learn's CIFAR recipes,
    whose large unnormalised gradients make plain SGD diverge)."""

    proj_hidden: int = 512
    proj_out: int = 128
    proj_layers: int = 1
    pred_hidden: int = 512
    momentum: float = 0.99
    num_prototypes: int = 512
    objective: Mapping[str, Any] = field(default_factory=dict)
    augment: str = "simclr"
    optimizer: str = "sgd"


#: canonical objective name → defaults. Keys set by the trainer are not user options.
METHODS: dict[str, MethodDefaults] = {
    "simclr": MethodDefaults(),
    "infonce": MethodDefaults(),
    "nview_infomax": MethodDefaults(),
    "barlow_twins": MethodDefaults(proj_hidden=2048, proj_out=2048, proj_layers=2,
                                   optimizer="lars"),
    "vicreg": MethodDefaults(proj_hidden=2048, proj_out=2048, proj_layers=2, optimizer="lars"),
    "vicreg_logdet": MethodDefaults(proj_hidden=2048, proj_out=2048, proj_layers=2,
                                    optimizer="lars"),
    "vicreg_pairdist": MethodDefaults(proj_hidden=2048, proj_out=2048, proj_layers=2,
                                      optimizer="lars"),
    "corinfomax": MethodDefaults(proj_hidden=2048, proj_out=128, proj_layers=2,
                                 optimizer="lars"),
    "w_mse": MethodDefaults(proj_hidden=1024, proj_out=64),
    "simsiam": MethodDefaults(proj_hidden=2048, proj_out=2048, proj_layers=2, pred_hidden=512),
    "byol": MethodDefaults(proj_hidden=1024, proj_out=256, pred_hidden=1024, momentum=0.99,
                           augment="byol"),
    "moco": MethodDefaults(proj_hidden=512, proj_out=128, momentum=0.99,
                           objective={"queue_size": 4096, "temperature": 0.1}),
    "dino": MethodDefaults(proj_hidden=512, proj_out=64, num_prototypes=2048, momentum=0.996,
                           augment="byol"),
    "swav": MethodDefaults(proj_hidden=512, proj_out=128, num_prototypes=512),
    "mib": MethodDefaults(proj_hidden=512, proj_out=64),
    "ceb": MethodDefaults(proj_hidden=512, proj_out=64),
}

#: objective parameters the trainer sets (not allowed in ``objective``).
RESERVED = {"gather_distributed": "set from the number of processes",
            "dim": "set from model.proj_out", "out_dim": "set from model.num_prototypes",
            "seed": "set from train.seed"}


def method_names() -> list[str]:
    return sorted(METHODS)


def canonical_method(name: str) -> str:
    """The registry name of ``name`` (aliases such as ``barlow`` resolve), if trainable."""
    if not isinstance(name, str):
        raise TypeError(f"method must be a string, got {type(name).__name__}")
    try:
        canonical = get_method_spec(name).name
    except ValueError:
        canonical = name
    if canonical not in METHODS:
        raise ValueError(f"method: unknown or non-trainable method {name!r} (valid: "
                         f"{', '.join(method_names())})")
    return canonical


def check_method_options(method: str, objective: Mapping[str, Any]) -> None:
    """Check the method name and the objective's keyword arguments (names and values)."""
    name = canonical_method(method)
    params = get_method_spec(name).params()
    for key in objective:
        if key in RESERVED:
            raise ValueError(f"objective.{key}: not a user option ({RESERVED[key]})")
        if key not in params:
            valid = [p for p in params if p not in RESERVED]
            raise ValueError(f"objective.{key}: unknown parameter of {name} (valid: "
                             f"{', '.join(valid) or 'none'})")
    try:
        _make_objective(name, objective, dim=8, out_dim=8, seed=0, distributed=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"objective: {err}") from None


def _make_objective(name: str, options: Mapping[str, Any], *, dim: int, out_dim: int,
                    seed: int, distributed: bool) -> ObjectiveLoss:
    params = {**METHODS[name].objective, **options}
    accepted = get_method_spec(name).params()
    extra = {"gather_distributed": distributed, "dim": dim, "out_dim": out_dim, "seed": seed}
    params.update({k: v for k, v in extra.items() if k in accepted})
    return get_objective(name, **params)


def _projector(name: str, feat_dim: int, hidden: int, out: int, layers: int) -> MLPHead:
    dims = [feat_dim, *([hidden] * layers), out]
    if name in ("barlow_twins", "vicreg", "vicreg_logdet", "vicreg_pairdist"):
        return MLPHead(dims, bias=name != "barlow_twins", last_bias=False)
    if name == "simsiam":
        return MLPHead(dims, last_batch_norm=True, last_affine=False, bias=False,
                       last_bias=False)
    if name == "moco":
        return MLPHead(dims, batch_norm=False)
    return MLPHead(dims)


def _fp32(x: Tensor) -> Tensor:
    return x.float() if x.dtype != torch.float32 else x


# ------------------------------------------------------------------------------ base
class SSLMethod(nn.Module):
    """Backbone + heads + objective (see the module docstring for the life cycle)."""

    def __init__(self, backbone: nn.Module, feat_dim: int, objective: ObjectiveLoss,
                 num_classes: int | None = None) -> None:
        super().__init__()
        self.backbone = backbone
        self.feat_dim = int(feat_dim)
        self.objective = objective
        self.probe = nn.Linear(feat_dim, num_classes) if num_classes else None

    # modules trained with the scheduled / fixed learning rate (targets are in neither)
    def scheduled_modules(self) -> list[nn.Module]:
        return [m for name, m in self.named_children()
                if name not in ("probe", "objective", "target") and name not in
                self.fixed_lr_names()]

    def fixed_lr_names(self) -> tuple[str, ...]:
        return ()

    def fixed_lr_modules(self) -> list[nn.Module]:
        return [getattr(self, n) for n in self.fixed_lr_names()]

    def forward(self, views: list[Tensor], *, seed: int = 0) -> dict[str, Any]:
        feats = [self.backbone(v) for v in views]
        out = self.heads(feats, seed)
        out["features"] = feats[0]
        if self.probe is not None:
            with torch.autocast(feats[0].device.type, enabled=False):
                out["probe_logits"] = self.probe(_fp32(feats[0].detach()))
        return out

    def heads(self, feats: list[Tensor], seed: int) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def compute_loss(self, out: Mapping[str, Any]) -> LossOutput:  # pragma: no cover
        raise NotImplementedError

    def embeddings(self, out: Mapping[str, Any]) -> list[Tensor]:
        """The tensors the objective reads (checked for NaN/inf before the loss)."""
        return [t for k, v in out.items() if k not in ("features", "probe_logits")
                for t in (v if isinstance(v, (list, tuple)) else [v]) if isinstance(t, Tensor)]

    def before_optimizer_step(self, epoch: int) -> None:
        """Hook after backward, before the optimiser step."""

    def after_optimizer_step(self) -> None:
        """Hook after the optimiser step (EMA targets, prototype normalisation)."""

    def set_step(self, step: int) -> None:
        self.objective.set_step(step)


class EmbeddingMethod(SSLMethod):
    """Projector on each view, objective on the projections."""

    def __init__(self, backbone, feat_dim, objective, projector, num_classes=None):
        super().__init__(backbone, feat_dim, objective, num_classes)
        self.projector = projector

    def heads(self, feats, seed):
        return {"z": [self.projector(h) for h in feats]}

    def compute_loss(self, out):
        return self.objective(*[_fp32(z) for z in out["z"]])


class SimSiamMethod(EmbeddingMethod):
    """Projector + predictor (kept at a fixed learning rate); stop-gradient in the loss."""

    def __init__(self, backbone, feat_dim, objective, projector, predictor, num_classes=None):
        super().__init__(backbone, feat_dim, objective, projector, num_classes)
        self.predictor = predictor

    def fixed_lr_names(self):
        return ("predictor",)

    def heads(self, feats, seed):
        z = [self.projector(h) for h in feats]
        return {"z": z, "p": [self.predictor(v) for v in z]}

    def compute_loss(self, out):
        return self.objective([_fp32(p) for p in out["p"]], [_fp32(z) for z in out["z"]])


class BYOLMethod(SSLMethod):
    """Online backbone + projector + predictor; EMA target of backbone + projector."""

    def __init__(self, backbone, feat_dim, objective, projector, predictor, total_steps,
                 momentum, schedule="cosine", num_classes=None):
        super().__init__(backbone, feat_dim, objective, num_classes)
        self.projector = projector
        self.predictor = predictor
        online = nn.Sequential(backbone, projector)
        self.target = EMA(online, total_steps, base_momentum=momentum, schedule=schedule)

    def _online(self) -> nn.Sequential:
        return nn.Sequential(self.backbone, self.projector)

    def heads(self, feats, seed):
        z = [self.projector(h) for h in feats]
        return {"p": [self.predictor(v) for v in z]}

    def forward(self, views, *, seed=0):
        out = super().forward(views, seed=seed)
        with torch.no_grad():
            out["target"] = [self.target(v) for v in views]
        return out

    def compute_loss(self, out):
        return self.objective([_fp32(p) for p in out["p"]], [_fp32(t) for t in out["target"]])

    def after_optimizer_step(self):
        self.target.update(self._online())


class MoCoMethod(BYOLMethod):
    """MoCo v2: queries from the online encoder, keys from a constant-momentum EMA encoder."""

    def __init__(self, backbone, feat_dim, objective, projector, total_steps, momentum,
                 num_classes=None):
        SSLMethod.__init__(self, backbone, feat_dim, objective, num_classes)
        self.projector = projector
        self.target = EMA(nn.Sequential(backbone, projector), total_steps,
                          base_momentum=momentum, schedule="constant")

    def heads(self, feats, seed):
        return {"q": [self.projector(h) for h in feats]}

    def compute_loss(self, out):
        return self.objective([_fp32(q) for q in out["q"]], [_fp32(k) for k in out["target"]])


class DINOMethod(BYOLMethod):
    """Student backbone + DINO head; EMA teacher; last layer frozen in the first epochs."""

    def __init__(self, backbone, feat_dim, objective, head, total_steps, momentum,
                 freeze_epochs, num_classes=None):
        SSLMethod.__init__(self, backbone, feat_dim, objective, num_classes)
        self.head = head
        self.freeze_epochs = int(freeze_epochs)
        self.target = EMA(nn.Sequential(backbone, head), total_steps, base_momentum=momentum)

    def _online(self):
        return nn.Sequential(self.backbone, self.head)

    def heads(self, feats, seed):
        return {"student": [self.head(h) for h in feats]}

    def compute_loss(self, out):
        return self.objective([_fp32(s) for s in out["student"]],
                              [_fp32(t) for t in out["target"]])

    def before_optimizer_step(self, epoch):
        if epoch < self.freeze_epochs:
            for p in self.head.last_layer.parameters():
                p.grad = None


class SwAVMethod(SSLMethod):
    """Projector, ℓ2-normalised embeddings scored against unit-norm prototypes."""

    def __init__(self, backbone, feat_dim, objective, projector, prototypes, freeze_epochs,
                 num_classes=None):
        super().__init__(backbone, feat_dim, objective, num_classes)
        self.projector = projector
        self.prototypes = prototypes
        self.freeze_epochs = int(freeze_epochs)

    def heads(self, feats, seed):
        return {"scores": [self.prototypes(F.normalize(self.projector(h), dim=1))
                           for h in feats]}

    def compute_loss(self, out):
        return self.objective(*[_fp32(s) for s in out["scores"]])

    def before_optimizer_step(self, epoch):
        if epoch < self.freeze_epochs:
            for p in self.prototypes.parameters():
                p.grad = None

    def after_optimizer_step(self):
        self.prototypes.normalize_()


class GaussianMethod(SSLMethod):
    """Stochastic encoders: a shared trunk, then Gaussian head(s) with seeded samples.

    ``mib``: one head, ``MIBLoss(p(z1|x1), p(z2|x2))``. ``ceb``: forward head ``e`` and
    backward head ``b``, ``CEBLoss([e(x1), e(x2)], [b(x2), b(x1)])``.
    """

    def __init__(self, backbone, feat_dim, objective, trunk, hidden, out_dim, kind,
                 num_classes=None):
        super().__init__(backbone, feat_dim, objective, num_classes)
        self.trunk = trunk
        self.kind = kind
        self.encoder = GaussianEncoderHead(hidden, out_dim)
        self.backward_encoder = GaussianEncoderHead(hidden, out_dim) if kind == "ceb" else None

    def heads(self, feats, seed):
        t = [self.trunk(h) for h in feats]
        with torch.autocast(t[0].device.type, enabled=False):
            t = [_fp32(v) for v in t]
            enc = [self.encoder(v, seed=(seed + i) % 2**62) for i, v in enumerate(t)]
            out: dict[str, Any] = {"enc": enc}
            if self.backward_encoder is not None:
                out["back"] = [self.backward_encoder(v, sample=False) for v in t]
        return out

    def embeddings(self, out):
        dists = out["enc"] + out.get("back", [])
        return [x for d in dists for x in (d.mean, d.std)]

    def compute_loss(self, out):
        e = out["enc"]
        if self.kind == "mib":
            return self.objective(e[0], e[1])
        b = out["back"]
        return self.objective([e[0], e[1]], [b[1], b[0]])


# ------------------------------------------------------------------------------ factory
def build_method(cfg: Any, backbone: nn.Module, feat_dim: int, *, num_classes: int | None,
                 total_steps: int, distributed: bool) -> SSLMethod:
    """The :class:`SSLMethod` of ``cfg.method`` around ``backbone`` (``cfg``: a RunConfig)."""
    name = canonical_method(cfg.method)
    d = METHODS[name]
    m = cfg.model
    hidden = m.proj_hidden or d.proj_hidden
    out = m.proj_out or d.proj_out
    layers = m.proj_layers or d.proj_layers
    pred_hidden = m.pred_hidden or d.pred_hidden
    momentum = d.momentum if m.momentum is None else m.momentum
    prototypes = m.num_prototypes or d.num_prototypes
    objective = _make_objective(name, cfg.objective, dim=out, out_dim=prototypes,
                                seed=cfg.train.seed, distributed=distributed)
    if name == "simsiam":
        return SimSiamMethod(backbone, feat_dim, objective,
                             _projector(name, feat_dim, hidden, out, layers),
                             MLPHead([out, pred_hidden, out], bias=False), num_classes)
    if name == "byol":
        return BYOLMethod(backbone, feat_dim, objective,
                          _projector(name, feat_dim, hidden, out, layers),
                          MLPHead([out, pred_hidden, out]), total_steps, momentum,
                          num_classes=num_classes)
    if name == "moco":
        return MoCoMethod(backbone, feat_dim, objective,
                          _projector(name, feat_dim, hidden, out, layers), total_steps,
                          momentum, num_classes)
    if name == "dino":
        head = DINOHead(feat_dim, prototypes, hidden_dim=hidden, bottleneck_dim=out,
                        num_layers=layers + 1, batch_norm=True)
        return DINOMethod(backbone, feat_dim, objective, head, total_steps, momentum,
                          m.freeze_prototypes_epochs, num_classes)
    if name == "swav":
        return SwAVMethod(backbone, feat_dim, objective,
                          _projector(name, feat_dim, hidden, out, layers),
                          Prototypes(out, prototypes), m.freeze_prototypes_epochs, num_classes)
    if name in ("mib", "ceb"):
        trunk = MLPHead([feat_dim, *([hidden] * layers)], batch_norm=True)
        trunk = nn.Sequential(trunk, nn.BatchNorm1d(hidden), nn.ReLU())
        return GaussianMethod(backbone, feat_dim, objective, trunk, hidden, out, name,
                              num_classes)
    return EmbeddingMethod(backbone, feat_dim, objective,
                           _projector(name, feat_dim, hidden, out, layers), num_classes)


def default_augment(method: str) -> str:
    """The augmentation preset a method uses by default (``byol`` for byol and dino)."""
    return METHODS[canonical_method(method)].augment

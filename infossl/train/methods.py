"""Two-view SSL methods as thin modules: backbone + heads (+ target network) + objective.

Every method is an :class:`SSLMethod` with the same life cycle, driven by the trainer:

1. ``forward(views, seed=...)`` — under autocast: backbone and heads on each view; returns a
   dict of tensors (``"features"``: backbone features of view 1, for the online probe;
   ``"probe_logits"`` when a probe is attached).
2. ``compute_loss(out)`` — in float32, outside autocast: the objective's
   :class:`~infossl.framework.LossOutput` (loss and information terms).
3. ``before_optimizer_step(epoch)`` / ``after_optimizer_step()`` — e.g. freeze SwAV's
   prototypes in the first epoch, move an EMA target, re-normalise prototypes.

What to build for a method is its objective's :class:`~infossl.objectives.recipe.MethodRecipe`,
declared with the objective (``@register_objective(..., recipe=MethodRecipe(...))``): every
registered objective with a recipe is trainable (:data:`METHODS` reads the registry). The recipe's
``layout`` picks one of the :class:`SSLMethod` classes below through :data:`LAYOUT_BUILDERS`
(solo-learn's layout: the method-specific part is a few lines each):

* ``projector`` → :class:`EmbeddingMethod`: projector; ``loss(z1, z2)`` (simclr, infonce,
  nview_infomax, barlow_twins, vicreg and its variants, corinfomax, w_mse).
* ``predictor`` → :class:`SimSiamMethod`: projector, predictor at a fixed learning rate,
  stop-gradient in the loss; ``loss(p, z)`` (simsiam).
* ``ema_predictor`` → :class:`BYOLMethod`: projector, predictor, EMA of backbone + projector;
  ``loss(p, z')`` (byol).
* ``ema_projector`` → :class:`MoCoMethod`: projector, EMA key encoder, queue in the loss;
  ``loss(q, k)`` (moco).
* ``dino`` → :class:`DINOMethod`: DINO head, EMA teacher; ``loss(student, teacher)`` (dino).
* ``prototypes`` → :class:`SwAVMethod`: projector, prototypes; ``loss(scores)`` (swav).
* ``gaussian`` / ``gaussian_backward`` → :class:`GaussianMethod`: Gaussian encoder head(s);
  ``loss(p(z1|x1), p(z2|x2))`` (mib) / ``loss(e, b)`` (ceb).
* ``decoder`` → :class:`DecoderMethod`: MLP decoder from the features to the input, the
  encoder optionally fed noisy views; ``loss(reconstruction, views)`` (autoencoder,
  denoising_autoencoder).
* ``masked_decoder`` → :class:`MaskedDecoderMethod`: random patches of each view zeroed,
  decoder predicts every patch; ``loss(prediction, patches, mask)`` (masked_reconstruction).
* ``gaussian_decoder`` → :class:`GaussianDecoderMethod`: Gaussian head, decoder from its
  sample; ``loss(q(z|x), reconstruction, views)`` (beta_vae).
* ``supervised`` / ``multiview_supervised`` → :class:`SupervisedMethod`: Gaussian head(s) and a
  label decoder; the trainer passes the batch labels (``needs_labels``);
  ``loss(q(z|x), logits, labels)`` (vib, semi_supervised_ib) / ``loss([q(z1|x1), q(z2|x2)],
  logits, labels)`` (multiview_ib).
* ``cross_decoder`` → :class:`CrossDecoderMethod`: projector and a decoder from ``z1`` to the
  other view; ``loss(z1, z2, g(z1), x2)`` (tsai_composite).
* ``gaussian_contrastive`` → :class:`GaussianContrastiveMethod`: Gaussian head on both views;
  ``loss(q(z|x1), z2)`` with ``z2`` the other view's sample (dubois_rd).
* ``cross_predictor`` → :class:`CrossPredictorMethod`: projector and an MLP predicting each
  view's projection from the other's; ``loss([z1; z2], [q(z2); q(z1)])``
  (implicit_compression, the review's Eq. 7).
* ``ssl_decoder`` → :class:`SSLDecoderMethod`: projector for the wrapped SSL loss and a decoder
  from each projection back to its view; ``loss(z1, z2, reconstructions=..., targets=...)``
  (dont_compress, the review's Eq. 9).

Default head sizes follow the CIFAR-scale recipes of lightly and solo-learn (smaller than the
ImageNet ones); every one is a config key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from infossl.framework import LossOutput
from infossl.nn.ema import EMA
from infossl.nn.heads import DINOHead, MLPHead, Prototypes, predictor, projector
from infossl.nn.stochastic import DiagonalGaussian, GaussianEncoderHead, make_generator
from infossl.objectives import ObjectiveLoss, get_method_spec, get_objective, list_objectives
from infossl.objectives.generative import patchify, random_patch_mask
from infossl.objectives.recipe import MethodRecipe

__all__ = [
    "LAYOUT_BUILDERS",
    "METHODS",
    "MethodDefaults",
    "MethodRecipe",
    "SSLMethod",
    "build_method",
    "canonical_method",
    "check_method_options",
    "method_names",
]


#: The per-method defaults are each objective's :class:`MethodRecipe` (declared with
#: ``@register_objective(..., recipe=...)``); the old name stays for callers.
MethodDefaults = MethodRecipe


class _Recipes(Mapping[str, MethodRecipe]):
    """canonical objective name → recipe, for every registered objective that has one (read
    from the registry on each access, so a method registered later is trainable too)."""

    def _names(self) -> list[str]:
        return sorted(s.name for s in list_objectives() if s.recipe is not None)

    def __getitem__(self, name: str) -> MethodRecipe:
        try:
            spec = get_method_spec(name)
        except (ValueError, TypeError):
            raise KeyError(name) from None
        if spec.name != name or spec.recipe is None:
            raise KeyError(name)
        return spec.recipe

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self[name]
        except KeyError:
            return False
        return True


#: canonical objective name → :class:`MethodRecipe`. Keys set by the trainer are not user
#: options.
METHODS: Mapping[str, MethodRecipe] = _Recipes()

#: objective parameters the trainer sets (not allowed in ``objective``).
RESERVED = {
    "gather_distributed": "set from the number of processes",
    "dim": "set from model.proj_out",
    "out_dim": "set from model.num_prototypes",
    "seed": "set from train.seed",
}


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
        raise ValueError(
            f"method: unknown or non-trainable method {name!r} (valid: {', '.join(method_names())})"
        )
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
            raise ValueError(
                f"objective.{key}: unknown parameter of {name} (valid: "
                f"{', '.join(valid) or 'none'})"
            )
    try:
        _make_objective(name, objective, dim=8, out_dim=8, seed=0, distributed=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"objective: {err}") from None


def _make_objective(
    name: str, options: Mapping[str, Any], *, dim: int, out_dim: int, seed: int, distributed: bool
) -> ObjectiveLoss:
    params = {**METHODS[name].objective, **options}
    accepted = get_method_spec(name).params()
    extra = {"gather_distributed": distributed, "dim": dim, "out_dim": out_dim, "seed": seed}
    params.update({k: v for k, v in extra.items() if k in accepted})
    return get_objective(name, **params)


def _fp32(x: Tensor) -> Tensor:
    return x.float() if x.dtype != torch.float32 else x


def _encode(encoder: nn.Module, feats: list[Tensor], seed: int) -> list[DiagonalGaussian]:
    """``encoder`` on each view's features in float32 (autocast off), seeded per view."""
    with torch.autocast(feats[0].device.type, enabled=False):
        return [encoder(_fp32(h), seed=(seed + i) % 2**62) for i, h in enumerate(feats)]


def _gaussian_params(dists: list[DiagonalGaussian]) -> list[Tensor]:
    """The means and standard deviations of ``dists`` (the tensors checked before the loss)."""
    return [x for d in dists for x in (d.mean, d.std)]


def _stack(enc: list[DiagonalGaussian]) -> DiagonalGaussian:
    """The per-view Gaussians ``enc`` as one, stacked along the batch."""
    return DiagonalGaussian(
        torch.cat([e.mean for e in enc]),
        torch.cat([e.std for e in enc]),
        sample=torch.cat([e.sample for e in enc]),
    )


def _drop_grads(module: nn.Module) -> None:
    """Clear the gradients of ``module`` so the optimiser step leaves it unchanged."""
    for p in module.parameters():
        p.grad = None


# ------------------------------------------------------------------------------ base
class SSLMethod(nn.Module):
    """Backbone + heads + objective (see the module docstring for the life cycle)."""

    #: whether ``compute_loss`` reads the batch labels (``out["labels"]``, set by the trainer)
    needs_labels = False

    def __init__(
        self,
        backbone: nn.Module,
        feat_dim: int,
        objective: ObjectiveLoss,
        num_classes: int | None = None,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.feat_dim = int(feat_dim)
        self.objective = objective
        self.probe = nn.Linear(feat_dim, num_classes) if num_classes else None

    # modules trained with the scheduled / fixed learning rate (targets are in neither)
    def scheduled_modules(self) -> list[nn.Module]:
        return [
            m
            for name, m in self.named_children()
            if name not in ("probe", "objective", "target") and name not in self.fixed_lr_names()
        ]

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
        return [
            t
            for k, v in out.items()
            if k not in ("features", "probe_logits")
            for t in (v if isinstance(v, (list, tuple)) else [v])
            if isinstance(t, Tensor)
        ]

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

    def __init__(
        self,
        backbone,
        feat_dim,
        objective,
        projector,
        predictor,
        total_steps,
        momentum,
        schedule="cosine",
        num_classes=None,
    ):
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

    def forward(self, views: list[Tensor], *, seed: int = 0) -> dict[str, Any]:
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

    def __init__(
        self,
        backbone,
        feat_dim,
        objective,
        projector,
        total_steps,
        momentum,
        num_classes=None,
        schedule="constant",
    ):
        SSLMethod.__init__(self, backbone, feat_dim, objective, num_classes)
        self.projector = projector
        self.target = EMA(
            nn.Sequential(backbone, projector),
            total_steps,
            base_momentum=momentum,
            schedule=schedule,
        )

    def heads(self, feats, seed):
        return {"q": [self.projector(h) for h in feats]}

    def compute_loss(self, out):
        return self.objective([_fp32(q) for q in out["q"]], [_fp32(k) for k in out["target"]])


class DINOMethod(BYOLMethod):
    """Student backbone + DINO head; EMA teacher; last layer frozen in the first epochs."""

    def __init__(
        self,
        backbone,
        feat_dim,
        objective,
        head,
        total_steps,
        momentum,
        freeze_epochs,
        num_classes=None,
        schedule="cosine",
    ):
        SSLMethod.__init__(self, backbone, feat_dim, objective, num_classes)
        self.head = head
        self.freeze_epochs = int(freeze_epochs)
        self.target = EMA(
            nn.Sequential(backbone, head), total_steps, base_momentum=momentum, schedule=schedule
        )

    def _online(self):
        return nn.Sequential(self.backbone, self.head)

    def heads(self, feats, seed):
        return {"student": [self.head(h) for h in feats]}

    def compute_loss(self, out):
        return self.objective([_fp32(s) for s in out["student"]], [_fp32(t) for t in out["target"]])

    def before_optimizer_step(self, epoch):
        if epoch < self.freeze_epochs:
            _drop_grads(self.head.last_layer)


class SwAVMethod(SSLMethod):
    """Projector, ℓ2-normalised embeddings scored against unit-norm prototypes."""

    def __init__(
        self, backbone, feat_dim, objective, projector, prototypes, freeze_epochs, num_classes=None
    ):
        super().__init__(backbone, feat_dim, objective, num_classes)
        self.projector = projector
        self.prototypes = prototypes
        self.freeze_epochs = int(freeze_epochs)

    def heads(self, feats, seed):
        return {"scores": [self.prototypes(F.normalize(self.projector(h), dim=1)) for h in feats]}

    def compute_loss(self, out):
        return self.objective(*[_fp32(s) for s in out["scores"]])

    def before_optimizer_step(self, epoch):
        if epoch < self.freeze_epochs:
            _drop_grads(self.prototypes)

    def after_optimizer_step(self):
        self.prototypes.normalize_()


class GaussianMethod(SSLMethod):
    """Stochastic encoders: a shared trunk, then Gaussian head(s) with seeded samples.

    Layout ``gaussian`` (mib): one head, ``MIBLoss(p(z1|x1), p(z2|x2))``. Layout
    ``gaussian_backward`` (ceb): forward head ``e`` and backward head ``b``,
    ``CEBLoss([e(x1), e(x2)], [b(x2), b(x1)])``.
    """

    def __init__(
        self, backbone, feat_dim, objective, trunk, hidden, out_dim, backward, num_classes=None
    ):
        super().__init__(backbone, feat_dim, objective, num_classes)
        self.trunk = trunk
        self.encoder = GaussianEncoderHead(hidden, out_dim)
        self.backward_encoder = GaussianEncoderHead(hidden, out_dim) if backward else None

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
        return _gaussian_params(out["enc"] + out.get("back", []))

    def compute_loss(self, out):
        e = out["enc"]
        if self.backward_encoder is None:
            return self.objective(e[0], e[1])
        b = out["back"]
        return self.objective([e[0], e[1]], [b[1], b[0]])


class DecoderMethod(SSLMethod):
    """Autoencoder: an MLP decoder from the backbone features back to the input.

    With ``input_noise > 0`` the encoder reads ``x̃ = x + input_noise·ε`` (seeded per step) and
    the decoder reconstructs the clean ``x`` (a denoising autoencoder). Both views are stacked
    along the batch for the loss.
    """

    def __init__(self, backbone, feat_dim, objective, decoder, input_noise=0.0, num_classes=None):
        super().__init__(backbone, feat_dim, objective, num_classes)
        self.decoder = decoder
        self.input_noise = float(input_noise)

    def _corrupt(self, views: list[Tensor], seed: int) -> list[Tensor]:
        if not self.input_noise:
            return views
        g = make_generator(seed % 2**62, views[0].device)
        return [
            v + self.input_noise * torch.randn(v.shape, generator=g, device=v.device, dtype=v.dtype)
            for v in views
        ]

    def forward(self, views: list[Tensor], *, seed: int = 0) -> dict[str, Any]:
        out = super().forward(self._corrupt(list(views), seed), seed=seed)
        out["inputs"] = list(views)
        return out

    def heads(self, feats, seed):
        return {"reconstruction": [self.decoder(h) for h in feats]}

    def compute_loss(self, out):
        target = torch.cat([_fp32(x) for x in out["inputs"]])
        recon = torch.cat([_fp32(r) for r in out["reconstruction"]])
        return self.objective(recon.view_as(target), target)


class MaskedDecoderMethod(DecoderMethod):
    """Masked reconstruction: a random ``mask_ratio`` of each view's ``patch_size``² patches is
    zeroed before the encoder; the decoder predicts every patch, the loss reads the masked ones.
    The online probe sees the features of the masked view 1."""

    def __init__(
        self, backbone, feat_dim, objective, decoder, patch_size, mask_ratio, num_classes=None
    ):
        super().__init__(backbone, feat_dim, objective, decoder, 0.0, num_classes)
        self.patch_size = int(patch_size)
        self.mask_ratio = float(mask_ratio)

    def _mask(self, view: Tensor, seed: int) -> tuple[Tensor, Tensor]:
        if view.dim() != 4:
            raise ValueError(
                f"masked reconstruction needs (B, C, H, W) images, got {tuple(view.shape)}"
            )
        b, _, h, w = view.shape
        p = self.patch_size
        if h % p or w % p:
            raise ValueError(f"image size {h}x{w} is not divisible by patch_size={p}")
        mask = random_patch_mask(
            b, (h // p) * (w // p), self.mask_ratio, seed=seed, device=view.device
        )
        keep = (~mask).view(b, 1, h // p, w // p)
        keep = keep.repeat_interleave(p, dim=2).repeat_interleave(p, dim=3)
        return view * keep.to(view.dtype), mask

    def forward(self, views: list[Tensor], *, seed: int = 0) -> dict[str, Any]:
        views = list(views)
        masked = [self._mask(v, (seed + i) % 2**62) for i, v in enumerate(views)]
        out = SSLMethod.forward(self, [m[0] for m in masked], seed=seed)
        out["inputs"] = views
        out["mask"] = [m[1] for m in masked]
        return out

    def embeddings(self, out):
        return list(out["reconstruction"])

    def compute_loss(self, out):
        target = patchify(torch.cat([_fp32(x) for x in out["inputs"]]), self.patch_size)
        prediction = torch.cat([_fp32(r) for r in out["reconstruction"]]).view_as(target)
        return self.objective(prediction, target, torch.cat(out["mask"]))


class GaussianDecoderMethod(DecoderMethod):
    """β-VAE: Gaussian encoder head ``q(z|x)`` on the features, decoder from its sample."""

    def __init__(self, backbone, feat_dim, objective, encoder, decoder, num_classes=None):
        super().__init__(backbone, feat_dim, objective, decoder, 0.0, num_classes)
        self.encoder = encoder

    def heads(self, feats, seed):
        enc = _encode(self.encoder, feats, seed)
        return {"enc": enc, "reconstruction": [self.decoder(e.sample) for e in enc]}

    def embeddings(self, out):
        return _gaussian_params(out["enc"]) + list(out["reconstruction"])

    def compute_loss(self, out):
        target = torch.cat([_fp32(x) for x in out["inputs"]])
        recon = torch.cat([_fp32(r) for r in out["reconstruction"]]).view_as(target)
        return self.objective(_stack(out["enc"]), recon, target)


class SupervisedMethod(SSLMethod):
    """Supervised information bottleneck: Gaussian head(s) ``q(z|x)`` on the features and a
    linear label decoder on the sample(s); the trainer adds the batch labels to the outputs.

    ``multiview=False`` (vib, semi_supervised_ib): one head, both views stacked along the batch,
    ``loss(q(z|x), logits, labels)``. ``multiview=True`` (multiview_ib): one head per view, the
    decoder reads the concatenated samples, ``loss([q(z1|x1), q(z2|x2)], logits, labels)``.
    """

    needs_labels = True

    def __init__(
        self, backbone, feat_dim, objective, encoders, label_decoder, multiview, num_classes=None
    ):
        super().__init__(backbone, feat_dim, objective, num_classes)
        self.encoders = nn.ModuleList(encoders)
        self.label_decoder = label_decoder
        self.multiview = bool(multiview)

    def heads(self, feats, seed):
        with torch.autocast(feats[0].device.type, enabled=False):
            if self.multiview:
                enc = [
                    e(_fp32(h), seed=(seed + i) % 2**62)
                    for i, (e, h) in enumerate(zip(self.encoders, feats, strict=True))
                ]
                logits = self.label_decoder(torch.cat([d.sample for d in enc], dim=1))
            else:
                enc = _encode(self.encoders[0], feats, seed)
                logits = self.label_decoder(torch.cat([d.sample for d in enc]))
        return {"enc": enc, "logits": logits}

    def embeddings(self, out):
        return [*_gaussian_params(out["enc"]), out["logits"]]

    def compute_loss(self, out):
        labels = out["labels"]
        enc = out["enc"]
        logits = _fp32(out["logits"])
        if self.multiview:
            return self.objective(enc, logits, labels)
        return self.objective(_stack(enc), logits, labels.repeat(len(enc)))


class CrossDecoderMethod(EmbeddingMethod):
    """Projector on each view and an MLP decoder from ``z1`` to the other view's input:
    ``loss(z1, z2, g(z1), x2)`` (contrastive, forward- and inverse-predictive terms)."""

    def __init__(self, backbone, feat_dim, objective, projector, decoder, num_classes=None):
        super().__init__(backbone, feat_dim, objective, projector, num_classes)
        self.decoder = decoder

    def forward(self, views: list[Tensor], *, seed: int = 0) -> dict[str, Any]:
        out = super().forward(views, seed=seed)
        out["inputs"] = list(views)
        return out

    def heads(self, feats, seed):
        z = [self.projector(h) for h in feats]
        return {"z": z, "reconstruction": self.decoder(z[0])}

    def compute_loss(self, out):
        z1, z2 = (_fp32(z) for z in out["z"])
        target = _fp32(out["inputs"][1])
        recon = _fp32(out["reconstruction"]).view_as(target)
        return self.objective(z1, z2, recon, target)


class GaussianContrastiveMethod(SSLMethod):
    """Gaussian head ``q(z|x)`` on both views; ``loss(q(z|x1), z2)`` with ``z2`` the other
    view's sample (rate of view 1's code, InfoNCE between the two codes)."""

    def __init__(self, backbone, feat_dim, objective, encoder, num_classes=None):
        super().__init__(backbone, feat_dim, objective, num_classes)
        self.encoder = encoder

    def heads(self, feats, seed):
        enc = _encode(self.encoder, feats, seed)
        return {"enc": enc}

    def embeddings(self, out):
        return _gaussian_params(out["enc"])

    def compute_loss(self, out):
        enc = out["enc"]
        return self.objective(enc[0], enc[1].sample)


class CrossPredictorMethod(SimSiamMethod):
    """Projector on each view and an MLP predicting one view's projection from the other's;
    both directions stacked along the batch: ``loss([z1; z2], [q(z2); q(z1)])`` (the review's
    Eq. 7: entropy of the projections plus a Gaussian cross-prediction likelihood)."""

    def fixed_lr_names(self):
        return ()

    def heads(self, feats, seed):
        z = [self.projector(h) for h in feats]
        return {"z": z, "p": [self.predictor(v) for v in reversed(z)]}

    def compute_loss(self, out):
        z = torch.cat([_fp32(v) for v in out["z"]])
        return self.objective(z, torch.cat([_fp32(p) for p in out["p"]]))


class SSLDecoderMethod(CrossDecoderMethod):
    """The wrapped SSL loss on the projections plus an MLP decoder from each view's projection
    back to that view (the review's Eq. 9): ``loss(z1, z2, reconstructions=[d(z1), d(z2)],
    targets=[x1, x2])``."""

    def heads(self, feats, seed):
        z = [self.projector(h) for h in feats]
        return {"z": z, "reconstruction": [self.decoder(v) for v in z]}

    def compute_loss(self, out):
        z = [_fp32(v) for v in out["z"]]
        targets = [_fp32(x) for x in out["inputs"]]
        recons = [_fp32(r).view_as(t) for r, t in zip(out["reconstruction"], targets, strict=True)]
        return self.objective(*z, reconstructions=recons, targets=targets)


# ------------------------------------------------------------------------------ factory
@dataclass(frozen=True)
class Heads:
    """What a layout builder gets: the resolved widths (recipe defaults, then ``model.*``)."""

    recipe: MethodRecipe
    feat_dim: int
    hidden: int
    out: int
    layers: int
    pred_hidden: int
    momentum: float
    prototypes: int
    freeze_prototypes_epochs: int
    total_steps: int
    input_shape: tuple[int, ...] | None = None
    method: str = ""

    def projector(self) -> MLPHead:
        return projector(
            self.recipe.projector, self.feat_dim, self.hidden, self.out, num_hidden=self.layers
        )

    def decoder(self, in_dim: int) -> MLPHead:
        """MLP ``in_dim → proj_hidden (× proj_layers) → prod(input_shape)``."""
        if self.input_shape is None:
            raise ValueError(f"layout {self.recipe.layout!r} needs the input shape")
        return MLPHead([in_dim, *([self.hidden] * self.layers), math.prod(self.input_shape)])

    def predictor(self) -> MLPHead:
        assert self.recipe.predictor is not None
        return predictor(self.recipe.predictor, self.out, self.pred_hidden)


def _projector_layout(h: Heads, backbone, objective, num_classes):
    return EmbeddingMethod(backbone, h.feat_dim, objective, h.projector(), num_classes)


def _predictor_layout(h: Heads, backbone, objective, num_classes):
    return SimSiamMethod(backbone, h.feat_dim, objective, h.projector(), h.predictor(), num_classes)


def _ema_predictor_layout(h: Heads, backbone, objective, num_classes):
    return BYOLMethod(
        backbone,
        h.feat_dim,
        objective,
        h.projector(),
        h.predictor(),
        h.total_steps,
        h.momentum,
        schedule=h.recipe.momentum_schedule,
        num_classes=num_classes,
    )


def _ema_projector_layout(h: Heads, backbone, objective, num_classes):
    return MoCoMethod(
        backbone,
        h.feat_dim,
        objective,
        h.projector(),
        h.total_steps,
        h.momentum,
        num_classes,
        schedule=h.recipe.momentum_schedule,
    )


def _dino_layout(h: Heads, backbone, objective, num_classes):
    head = DINOHead(
        h.feat_dim,
        h.prototypes,
        hidden_dim=h.hidden,
        bottleneck_dim=h.out,
        num_layers=h.layers + 1,
        batch_norm=True,
    )
    return DINOMethod(
        backbone,
        h.feat_dim,
        objective,
        head,
        h.total_steps,
        h.momentum,
        h.freeze_prototypes_epochs,
        num_classes,
        schedule=h.recipe.momentum_schedule,
    )


def _prototypes_layout(h: Heads, backbone, objective, num_classes):
    return SwAVMethod(
        backbone,
        h.feat_dim,
        objective,
        h.projector(),
        Prototypes(h.out, h.prototypes),
        h.freeze_prototypes_epochs,
        num_classes,
    )


def _gaussian(backward: bool) -> Callable[..., SSLMethod]:
    def build(h: Heads, backbone, objective, num_classes):
        trunk = MLPHead([h.feat_dim, *([h.hidden] * h.layers)], batch_norm=True)
        trunk = nn.Sequential(trunk, nn.BatchNorm1d(h.hidden), nn.ReLU())
        return GaussianMethod(
            backbone, h.feat_dim, objective, trunk, h.hidden, h.out, backward, num_classes
        )

    return build


def _decoder_layout(h: Heads, backbone, objective, num_classes):
    return DecoderMethod(
        backbone, h.feat_dim, objective, h.decoder(h.feat_dim), h.recipe.input_noise, num_classes
    )


def _masked_decoder_layout(h: Heads, backbone, objective, num_classes):
    return MaskedDecoderMethod(
        backbone,
        h.feat_dim,
        objective,
        h.decoder(h.feat_dim),
        h.recipe.patch_size,
        h.recipe.mask_ratio,
        num_classes,
    )


def _gaussian_decoder_layout(h: Heads, backbone, objective, num_classes):
    return GaussianDecoderMethod(
        backbone,
        h.feat_dim,
        objective,
        GaussianEncoderHead(h.feat_dim, h.out),
        h.decoder(h.out),
        num_classes,
    )


def _supervised(multiview: bool) -> Callable[..., SSLMethod]:
    def build(h: Heads, backbone, objective, num_classes):
        if not num_classes:
            raise ValueError(
                f"method {h.method} needs labelled data and eval.online_probe=true "
                "(its label decoder takes the probe's class count)"
            )
        if getattr(objective, "prior", "handcrafted") != "handcrafted" or getattr(
            objective, "_uses_reconstruction", False
        ):
            raise ValueError(
                f"method {h.method}: infossl train supports prior='handcrafted' and "
                "beta_x=0 only (the layout has no prior network and no decoder)"
            )
        encoders = [GaussianEncoderHead(h.feat_dim, h.out) for _ in range(2 if multiview else 1)]
        width = h.out * len(encoders)
        return SupervisedMethod(
            backbone,
            h.feat_dim,
            objective,
            encoders,
            nn.Linear(width, num_classes),
            multiview,
            num_classes,
        )

    return build


def _cross_decoder_layout(h: Heads, backbone, objective, num_classes):
    return CrossDecoderMethod(
        backbone, h.feat_dim, objective, h.projector(), h.decoder(h.out), num_classes
    )


def _gaussian_contrastive_layout(h: Heads, backbone, objective, num_classes):
    return GaussianContrastiveMethod(
        backbone, h.feat_dim, objective, GaussianEncoderHead(h.feat_dim, h.out), num_classes
    )


def _cross_predictor_layout(h: Heads, backbone, objective, num_classes):
    return CrossPredictorMethod(
        backbone, h.feat_dim, objective, h.projector(), h.predictor(), num_classes
    )


def _ssl_decoder_layout(h: Heads, backbone, objective, num_classes):
    wrapped = getattr(objective, "ssl", None)
    layouts = {
        s.recipe.layout for s in list_objectives() if s.recipe and isinstance(wrapped, s.cls)
    }
    if layouts != {"projector"}:
        name = type(wrapped).__name__
        raise ValueError(
            f"method {h.method}: objective.ssl must be an objective trained on the projections "
            f"(layout 'projector', e.g. simclr, vicreg, barlow_twins), got {name}"
        )
    return SSLDecoderMethod(
        backbone, h.feat_dim, objective, h.projector(), h.decoder(h.out), num_classes
    )


#: recipe layout → builder ``(heads, backbone, objective, num_classes) → SSLMethod``
#: (the layouts of :data:`infossl.objectives.recipe.LAYOUTS`).
LAYOUT_BUILDERS: dict[str, Callable[..., SSLMethod]] = {
    "projector": _projector_layout,
    "predictor": _predictor_layout,
    "ema_predictor": _ema_predictor_layout,
    "ema_projector": _ema_projector_layout,
    "dino": _dino_layout,
    "prototypes": _prototypes_layout,
    "gaussian": _gaussian(backward=False),
    "gaussian_backward": _gaussian(backward=True),
    "decoder": _decoder_layout,
    "masked_decoder": _masked_decoder_layout,
    "gaussian_decoder": _gaussian_decoder_layout,
    "supervised": _supervised(multiview=False),
    "multiview_supervised": _supervised(multiview=True),
    "cross_decoder": _cross_decoder_layout,
    "gaussian_contrastive": _gaussian_contrastive_layout,
    "cross_predictor": _cross_predictor_layout,
    "ssl_decoder": _ssl_decoder_layout,
}


def build_method(
    cfg: Any,
    backbone: nn.Module,
    feat_dim: int,
    *,
    num_classes: int | None,
    total_steps: int,
    distributed: bool,
    input_shape: tuple[int, ...] | None = None,
) -> SSLMethod:
    """The :class:`SSLMethod` of ``cfg.method`` around ``backbone`` (``cfg``: a RunConfig),
    built from the method's :class:`MethodRecipe` (``input_shape``: one sample's shape, for
    the layouts with a decoder)."""
    name = canonical_method(cfg.method)
    d = METHODS[name]
    m = cfg.model
    heads = Heads(
        recipe=d,
        feat_dim=feat_dim,
        hidden=m.proj_hidden or d.proj_hidden,
        out=m.proj_out or d.proj_out,
        layers=m.proj_layers or d.proj_layers,
        pred_hidden=m.pred_hidden or d.pred_hidden,
        momentum=d.momentum if m.momentum is None else m.momentum,
        prototypes=m.num_prototypes or d.num_prototypes,
        freeze_prototypes_epochs=m.freeze_prototypes_epochs,
        total_steps=total_steps,
        input_shape=None if input_shape is None else tuple(input_shape),
        method=name,
    )
    objective = _make_objective(
        name,
        cfg.objective,
        dim=heads.out,
        out_dim=heads.prototypes,
        seed=cfg.train.seed,
        distributed=distributed,
    )
    return LAYOUT_BUILDERS[d.layout](heads, backbone, objective, num_classes)


def default_augment(method: str) -> str:
    """The augmentation preset a method uses by default (``byol`` for byol and dino)."""
    return METHODS[canonical_method(method)].augment

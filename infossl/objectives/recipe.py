"""How ``infossl train`` trains an objective: its :class:`MethodRecipe`.

A recipe is plain data, declared next to the objective it trains::

    @register_objective("simclr", ..., recipe=MethodRecipe())

and read by the trainer (:mod:`infossl.train.methods`), which builds the heads of the recipe's
``layout`` around a backbone, and by the documentation. An objective without a recipe is
registered (``get_objective``) but not trainable through ``infossl train``.

Layouts (what the model computes and what the loss takes from it; ``v`` runs over the two
views):

* ``projector``: projector ``g``; ``loss(z_1, z_2)`` with ``z_v = g(f(x_v))``.
* ``predictor``: projector ``g`` and predictor ``q`` (kept at a fixed learning rate),
  stop-gradient in the loss; ``loss([q(z_1), q(z_2)], [z_1, z_2])``.
* ``ema_predictor``: projector, predictor and an EMA target ``t`` of backbone + projector;
  ``loss([q(z_1), q(z_2)], [t(x_1), t(x_2)])``.
* ``ema_projector``: projector and an EMA key encoder ``t``; ``loss([z_1, z_2], [t(x_1),
  t(x_2)])``.
* ``dino``: DINO head ``s`` (``num_prototypes`` outputs) and an EMA teacher ``t`` of backbone +
  head; ``loss([s_1, s_2], [t(x_1), t(x_2)])``.
* ``prototypes``: projector and ``num_prototypes`` unit-norm prototypes; ``loss(c_1, c_2)``
  with ``c_v`` the prototype scores of ``normalize(z_v)``.
* ``gaussian``: MLP trunk and a Gaussian encoder head ``p(z|x)`` (seeded samples);
  ``loss(p(z|x_1), p(z|x_2))``.
* ``gaussian_backward``: MLP trunk, forward head ``e`` and backward head ``b``;
  ``loss([e(x_1), e(x_2)], [b(x_2), b(x_1)])``.
* ``decoder``: MLP decoder ``g`` from the backbone features back to the input; the encoder
  reads ``x̃_v = x_v + input_noise·ε`` (``x_v`` itself when ``input_noise`` is 0) and the loss
  takes the reconstructions and the (clean) views, both views stacked along the batch:
  ``loss(g(f(x̃)), x)``.
* ``masked_decoder``: images only. Each view is cut into ``patch_size``² patches, a random
  ``mask_ratio`` of them (seeded per step) is set to 0 before the encoder, and an MLP decoder
  predicts every patch from the features; ``loss(prediction, patches, mask)`` (MAE-style, the
  loss reads the masked patches), both views stacked.
* ``gaussian_decoder``: Gaussian head ``q(z|x)`` on the features (``proj_out`` wide) and an MLP
  decoder ``g`` from its sample; ``loss(q(z|x), g(z), x)``, both views stacked.
* ``supervised``: labelled data only. Gaussian head ``q(z|x)`` on the features (``proj_out``
  wide) and a linear label decoder ``c`` on its sample; the trainer passes the batch labels ``y``;
  ``loss(q(z|x), c(z), y)``, both views stacked.
* ``multiview_supervised``: labelled data only. One Gaussian head per view and a linear label
  decoder on the concatenated samples; ``loss([q(z1|x1), q(z2|x2)], c([z1, z2]), y)``.
* ``cross_decoder``: projector ``g`` and an MLP decoder ``d`` from ``z_1`` to the other view's
  input; ``loss(z_1, z_2, d(z_1), x_2)``.
* ``gaussian_contrastive``: Gaussian head ``q(z|x)`` on the features of both views;
  ``loss(q(z|x_1), z_2)`` with ``z_2`` the other view's sample.
* ``cross_predictor``: projector ``g`` and an MLP predictor ``q`` of one view's projection
  from the other's, in both directions, stacked along the batch:
  ``loss([z_1; z_2], [q(z_2); q(z_1)])``.
* ``ssl_decoder``: projector ``g`` (the wrapped objective, e.g. SimCLR, reads the projections)
  and an MLP decoder ``d`` from each view's projection back to that view:
  ``loss(z_1, z_2, reconstructions=[d(z_1), d(z_2)], targets=[x_1, x_2])``; the wrapped
  objective must itself train with the ``projector`` layout.

Projector styles are the factories of :mod:`infossl.nn.heads` (see
:func:`~infossl.nn.heads.projector`):
``simclr`` (hidden BN-ReLU blocks), ``moco`` (no BatchNorm), ``byol`` (as simclr),
``simsiam`` (no biases, last BatchNorm without affine), ``vicreg`` (last Linear without bias),
``barlow`` (no biases). Predictor styles: ``byol``, ``simsiam`` (no hidden bias).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LABELLED_LAYOUTS", "LAYOUTS", "PREDICTORS", "PROJECTORS", "MethodRecipe"]

#: layout → what its loss takes (documentation; the trainer builds each layout).
LAYOUTS: dict[str, str] = {
    "projector": "loss(z1, z2) on the projections",
    "predictor": "loss([p1, p2], [z1, z2]): predictions and (stop-gradient) projections",
    "ema_predictor": "loss([p1, p2], [t1, t2]): predictions and EMA-target projections",
    "ema_projector": "loss([q1, q2], [k1, k2]): queries and EMA-encoder keys",
    "dino": "loss([s1, s2], [t1, t2]): student and EMA-teacher head outputs",
    "prototypes": "loss(c1, c2): prototype scores of the normalised projections",
    "gaussian": "loss(p(z|x1), p(z|x2)): Gaussian encodings (seeded samples)",
    "gaussian_backward": "loss([e(x1), e(x2)], [b(x2), b(x1)]): forward and backward encoders",
    "decoder": "loss(g(f(x̃)), x): reconstructions of the (clean) views from the features",
    "masked_decoder": "loss(prediction, patches, mask): patches predicted from masked views",
    "gaussian_decoder": "loss(q(z|x), g(z), x): Gaussian encoding, reconstruction, views",
    "supervised": "loss(q(z|x), c(z), y): Gaussian encoding, label-decoder logits, labels",
    "multiview_supervised": "loss([q(z1|x1), q(z2|x2)], c([z1, z2]), y): per-view encodings, "
    "joint label-decoder logits, labels",
    "cross_decoder": "loss(z1, z2, d(z1), x2): projections, prediction of the other view, view 2",
    "gaussian_contrastive": "loss(q(z|x1), z2): Gaussian encoding of view 1, sample of view 2",
    "cross_predictor": "loss([z1; z2], [q(z2); q(z1)]): projections and each one's prediction "
    "from the other view",
    "ssl_decoder": "loss(z1, z2, reconstructions=[d(z1), d(z2)], targets=[x1, x2]): projections "
    "for the wrapped loss, per-view reconstructions and views",
}
#: layouts whose loss reads the labels (labelled data only).
LABELLED_LAYOUTS: tuple[str, ...] = ("supervised", "multiview_supervised")
#: projector styles of :func:`infossl.nn.heads.projector`.
PROJECTORS: tuple[str, ...] = ("simclr", "moco", "byol", "simsiam", "vicreg", "barlow")
#: predictor styles of :func:`infossl.nn.heads.predictor`.
PREDICTORS: tuple[str, ...] = ("byol", "simsiam")
_SCHEDULES = ("cosine", "constant")
_OPTIMIZERS = ("sgd", "lars", "adamw")


@dataclass(frozen=True)
class MethodRecipe:
    """How to train an objective with ``infossl train``: heads, target network, defaults.

    Attributes:
        layout: the model around the backbone and the loss call (see :data:`LAYOUTS`).
        projector: projector style (:data:`PROJECTORS`), for the layouts with a projector.
        predictor: predictor style (:data:`PREDICTORS`) for ``predictor`` / ``ema_predictor`` /
            ``cross_predictor``.
        proj_hidden, proj_out, proj_layers: projector widths: ``proj_layers`` hidden layers of
            ``proj_hidden`` units, ``proj_out`` outputs (the DINO bottleneck; the Gaussian
            heads' trunk width and code size for the Gaussian layouts).
        pred_hidden: hidden width of the predictor.
        momentum: base momentum of the EMA target.
        momentum_schedule: ``cosine`` (momentum → 1 over the run) or ``constant``.
        num_prototypes: prototypes (SwAV) or DINO head outputs.
        objective: default keyword arguments of the objective (the user's ``objective.*``
            override them).
        input_noise: ``decoder`` layout: standard deviation of the Gaussian noise added to
            the (standardised) views before the encoder (a denoising autoencoder); 0: none.
        patch_size, mask_ratio: ``masked_decoder`` layout: side of the square patches and
            fraction of them masked.
        augment: default augmentation preset (``simclr``, ``byol``, ...).
        optimizer: default optimiser (``sgd``, ``lars``, ``adamw``).

    Every width and the momentum are defaults; the run config's ``model.*`` keys override them.
    """

    layout: str = "projector"
    projector: str = "simclr"
    predictor: str | None = None
    proj_hidden: int = 512
    proj_out: int = 128
    proj_layers: int = 1
    pred_hidden: int = 512
    momentum: float = 0.99
    momentum_schedule: str = "cosine"
    num_prototypes: int = 512
    objective: Mapping[str, Any] = field(default_factory=dict)
    input_noise: float = 0.0
    patch_size: int = 4
    mask_ratio: float = 0.75
    augment: str = "simclr"
    optimizer: str = "sgd"

    def __post_init__(self) -> None:
        for key, value, valid in (
            ("layout", self.layout, tuple(LAYOUTS)),
            ("projector", self.projector, PROJECTORS),
            ("momentum_schedule", self.momentum_schedule, _SCHEDULES),
            ("optimizer", self.optimizer, _OPTIMIZERS),
        ):
            if value not in valid:
                raise ValueError(f"MethodRecipe.{key} must be one of {list(valid)}, got {value!r}")
        needs_predictor = self.layout in ("predictor", "ema_predictor", "cross_predictor")
        if needs_predictor and self.predictor not in PREDICTORS:
            raise ValueError(
                f"MethodRecipe.predictor must be one of {list(PREDICTORS)} for "
                f"layout {self.layout!r}, got {self.predictor!r}"
            )
        if not needs_predictor and self.predictor is not None:
            raise ValueError(f"MethodRecipe.predictor: layout {self.layout!r} has no predictor")
        if not 0.0 < float(self.mask_ratio) < 1.0:
            raise ValueError(f"MethodRecipe.mask_ratio must be in (0, 1), got {self.mask_ratio!r}")
        for key in (
            "proj_hidden",
            "proj_out",
            "proj_layers",
            "pred_hidden",
            "num_prototypes",
            "patch_size",
        ):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"MethodRecipe.{key} must be a positive int, got {value!r}")
        if not float(self.input_noise) >= 0.0:
            raise ValueError(f"MethodRecipe.input_noise must be >= 0, got {self.input_noise!r}")
        if self.input_noise and self.layout != "decoder":
            raise ValueError(
                "MethodRecipe.input_noise: only the 'decoder' layout corrupts its input"
            )
        if not 0.0 <= float(self.momentum) <= 1.0:
            raise ValueError(f"MethodRecipe.momentum must be in [0, 1], got {self.momentum!r}")
        object.__setattr__(self, "objective", dict(self.objective))

    @property
    def has_target(self) -> bool:
        """Whether the layout keeps an EMA target network."""
        return self.layout in ("ema_predictor", "ema_projector", "dino")

    @property
    def needs_labels(self) -> bool:
        """Whether the loss reads the batch labels (the layout needs labelled data)."""
        return self.layout in LABELLED_LAYOUTS

    @property
    def inputs(self) -> str:
        """What the loss takes from the model's outputs."""
        return LAYOUTS[self.layout]

"""Alignment and uniformity on the hypersphere: a trainable method in one file."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from infossl._checks import check_float
from infossl.framework import LossOutput, Objective, WeightedTerm, cross_decoder, encoder, entropy
from infossl.objectives._base import ObjectiveLoss, register_objective
from infossl.objectives.recipe import MethodRecipe


@register_objective(
    "align_uniform",
    family="non-contrastive",
    paper="Wang & Isola, Understanding Contrastive Representation Learning through Alignment "
    "and Uniformity on the Hypersphere, ICML 2020",
    formula="L = E‖z̄1 − z̄2‖² + λ·½ Σ_v log E_{i≠j} exp(−t‖z̄v_i − z̄v_j‖²), z̄ = z/‖z‖",
    summary="pull the two views together, spread each view uniformly on the sphere",
    inputs="forward(z1, z2): embeddings of the two views, each (B, D)",
    recipe=MethodRecipe(layout="projector", projector="simclr", proj_hidden=512, proj_out=128),
)
class AlignUniformLoss(ObjectiveLoss):
    """``alignment`` reads as a proxy for ``H(Z1|Z2)`` (Gaussian cross-decoder on the sphere),
    ``−uniformity`` as a proxy for ``H(Z)`` (a Gaussian-kernel entropy estimate). ``O(B² D)``."""

    def __init__(self, uniformity_weight: float = 1.0, t: float = 2.0) -> None:
        super().__init__()
        self.uniformity_weight = check_float(uniformity_weight, "uniformity_weight", low=0.0)
        self.t = check_float(t, "t", low=0.0, low_open=True)

    def build_objective(self, num_views: int) -> Objective:
        align = entropy(
            "Z1",
            given="Z2",
            path=(encoder("X2", "Z2"), cross_decoder("Z2", "Z1")),
            bound="mse on the sphere",
            kind="proxy",
        )
        spread = entropy(
            "Z", path=(encoder("X", "Z"),), bound="Gaussian-kernel log-mean", kind="proxy"
        )
        return Objective(
            [
                WeightedTerm("alignment", align),
                WeightedTerm("entropy", spread, -self.uniformity_weight),
            ],
            name="AlignUniform",
        )

    def forward(self, z1: Tensor, z2: Tensor) -> LossOutput:
        z1, z2 = F.normalize(z1.float(), dim=1), F.normalize(z2.float(), dim=1)
        alignment = (z1 - z2).pow(2).sum(dim=1).mean()
        off = ~torch.eye(len(z1), dtype=torch.bool, device=z1.device)
        logmeanexp = [
            torch.logsumexp(-self.t * torch.cdist(z, z).pow(2)[off], dim=0)
            - torch.log(off.sum().float())
            for z in (z1, z2)
        ]
        spread = -(logmeanexp[0] + logmeanexp[1]) / 2
        return self.output({"alignment": alignment, "entropy": spread})

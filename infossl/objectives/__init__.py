"""SSL and information-bottleneck objectives, each a weighted sum of named information terms.

Every objective is an ``nn.Module`` returning a :class:`~infossl.framework.LossOutput`: the loss
plus its terms, each labelled with the quantity it bounds or approximates (``I(Z1;Z2)`` lower
bound, ``H(Z1)`` proxy, ``I(X1;Z1|X2)`` upper bound, …). Build one by name::

    >>> from infossl.objectives import get_objective
    >>> loss_fn = get_objective("vicreg")
    >>> out = loss_fn(z1, z2)            # out.loss, out.terms["invariance"].quantity == "H(Z1|Z2)"
    >>> out.backward()                   # a LossOutput also acts as its loss tensor

``list_objectives()`` describes every method; ``python -m infossl.objectives.docgen`` writes the
methods page from the same objects.
"""

from infossl.objectives import (  # noqa: F401  (importing registers the methods)
    bottleneck,
    contrastive,
    distillation,
    generative,
    multiview,
    noncontrastive,
    selfsupervised_ib,
)
from infossl.objectives._base import (
    FAMILIES,
    MethodSpec,
    ObjectiveLoss,
    get_method_spec,
    get_objective,
    list_objectives,
    register_objective,
)
from infossl.objectives.bottleneck import (
    BetaVAELoss,
    MultiViewIBLoss,
    SemiSupervisedIBLoss,
    VIBLoss,
)
from infossl.objectives.contrastive import InfoNCELoss, MoCoLoss, SimCLRLoss
from infossl.objectives.distillation import DINOLoss, SwAVLoss, sinkhorn_knopp
from infossl.objectives.entropy import ENTROPY_ESTIMATORS, EntropyEstimator, get_entropy_estimator
from infossl.objectives.generative import (
    AutoencoderLoss,
    DenoisingAutoencoderLoss,
    MaskedReconstructionLoss,
    patchify,
    random_patch_mask,
)
from infossl.objectives.multiview import NViewInfoMaxLoss
from infossl.objectives.noncontrastive import (
    BarlowTwinsLoss,
    BYOLLoss,
    CorInfoMaxLoss,
    SimSiamLoss,
    VICRegEntropyLoss,
    VICRegLogDetLoss,
    VICRegLoss,
    VICRegPairDistLoss,
    WMSELoss,
)
from infossl.objectives.selfsupervised_ib import (
    CEBLoss,
    DontCompressLoss,
    DuboisLoss,
    ImplicitCompressionLoss,
    MIBLoss,
    TsaiCompositeLoss,
)

__all__ = [
    "ENTROPY_ESTIMATORS",
    "FAMILIES",
    "AutoencoderLoss",
    "BYOLLoss",
    "BarlowTwinsLoss",
    "BetaVAELoss",
    "CEBLoss",
    "CorInfoMaxLoss",
    "DINOLoss",
    "DenoisingAutoencoderLoss",
    "DontCompressLoss",
    "DuboisLoss",
    "EntropyEstimator",
    "ImplicitCompressionLoss",
    "InfoNCELoss",
    "MIBLoss",
    "MaskedReconstructionLoss",
    "MethodSpec",
    "MoCoLoss",
    "MultiViewIBLoss",
    "NViewInfoMaxLoss",
    "ObjectiveLoss",
    "SemiSupervisedIBLoss",
    "SimCLRLoss",
    "SimSiamLoss",
    "SwAVLoss",
    "TsaiCompositeLoss",
    "VIBLoss",
    "VICRegEntropyLoss",
    "VICRegLogDetLoss",
    "VICRegLoss",
    "VICRegPairDistLoss",
    "WMSELoss",
    "get_entropy_estimator",
    "get_method_spec",
    "get_objective",
    "list_objectives",
    "patchify",
    "random_patch_mask",
    "register_objective",
    "sinkhorn_knopp",
]

"""Non-contrastive joint-embedding objectives: BYOL, SimSiam, Barlow Twins, VICReg, W-MSE,
CorInfoMax, and VICReg with explicit entropy estimators.

Information reading (review §4.1, Eq. 7): ``I(Z1;Z2) = H(Z1) − H(Z1|Z2)``. Every method here has an
*invariance* term, a proxy for a conditional entropy between the views, and, except BYOL and
SimSiam, an *anti-collapse* term that keeps ``H(Z)`` up. BYOL and SimSiam have no entropy term:
the predictor, the stop-gradient and (BYOL) the EMA target keep it implicitly; they are
architecture, not terms.

The invariance labels: VICReg and CorInfoMax share one term (:func:`gaussian_invariance`), the
mean squared distance read as the cross-entropy of a Gaussian cross-decoder
``q(z1|z2) = N(z2, σ²I)`` (``−log q = ‖z1 − z2‖²/2σ² + c``), a proxy for ``H(Z1|Z2)`` along
``P(Z2|X2) → Q(Z1|Z2)``; the diagnostics read the same quantity
(:func:`infossl.analysis.diagnostics.view_conditional_entropy`). BYOL and SimSiam predict view 2
from view 1 (``H(Z2|Z1)`` along ``Q(Z2|Z1)``); Barlow Twins and W-MSE keep that label too. For
exchangeable views ``H(Z1) = H(Z2)``, so the two conditional entropies are equal.

Precision: the inputs are checked by :func:`~infossl.objectives._inputs.as_views`, which returns
bfloat16/float16 views in float32; every statistic (covariances, log-determinants, Cholesky
factors, pairwise distances) is then computed in float32 and the gradient reaches the
low-precision views through the cast.

All accept ``V ≥ 2`` views. Pair terms average over view pairs; per-view terms are reported per
view with weights that reduce to the published ones at ``V = 2``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

from infossl._checks import check_choice, check_float, check_int
from infossl.framework import LossOutput, Objective, WeightedTerm, entropy
from infossl.nn.distributed import gather, world_size
from infossl.objectives._base import (
    ObjectiveLoss,
    ordered_pairs,
    register_objective,
    unordered_pairs,
)
from infossl.objectives._inputs import as_views, require, upcast
from infossl.objectives._labels import (
    gaussian_invariance,
    view_entropy,
    views_conditional_entropy,
)
from infossl.objectives.entropy import ENTROPY_ESTIMATORS, covariance, get_entropy_estimator
from infossl.objectives.recipe import MethodRecipe

_COV_NEED = "to estimate a variance/covariance"


def _global_views(views: list[Tensor], gather_distributed: bool, name: str) -> list[Tensor]:
    """The views gathered over processes (with gradient) when requested; checks ``N ≥ 2``."""
    out = [gather(v) for v in views] if gather_distributed else views
    if out[0].shape[0] < 2:
        raise ValueError(
            f"{name} has batch size {out[0].shape[0]}; at least 2 samples are needed {_COV_NEED}"
        )
    return out


def _local_min_batch(gather_distributed: bool) -> int:
    return 1 if gather_distributed and world_size() > 1 else 2


# ================================================================================= BYOL / SimSiam
def _pair_views(
    predictions: Sequence[Tensor], targets: Sequence[Tensor]
) -> tuple[list[Tensor], list[Tensor]]:
    preds = as_views(predictions, "predictions")
    targs = as_views(targets, "targets")
    if len(preds) != len(targs):
        raise ValueError(
            f"predictions and targets must hold the same number of views, got {len(preds)} "
            f"and {len(targs)}"
        )
    if preds[0].shape != targs[0].shape:
        raise ValueError(
            f"targets[0] has shape {tuple(targs[0].shape)} but predictions[0] has shape "
            f"{tuple(preds[0].shape)}; all must match"
        )
    return preds, targs


def _invariance_objective(num_views: int, name: str, **term: Any) -> Objective:
    """One ``invariance`` term: the views' conditional entropy measured by ``term["bound"]``."""
    return Objective(
        [WeightedTerm("invariance", views_conditional_entropy(num_views, **term))], name=name
    )


def _stopgrad_pair_mean(
    preds: list[Tensor], targets: list[Tensor], distance: Callable[[Tensor, Tensor], Tensor]
) -> Tensor:
    """``mean_{a≠b} mean_i distance(p_a,i, sg(t_b,i))`` over the ordered view pairs."""
    pairs = ordered_pairs(len(preds))
    total = sum(distance(preds[a], targets[b].detach()).mean() for a, b in pairs)
    return total / len(pairs)


class _StopGradPredictionLoss(ObjectiveLoss):
    """A predictor regressing stop-gradient targets: ``mean_{a≠b} mean_i d(p_a,i, sg(t_b,i))``.

    Subclasses set the objective's ``_title``, ``_bound`` and ``_note`` and define ``_distance``.
    """

    _title: ClassVar[str]
    _bound: ClassVar[str]
    _note: ClassVar[str]

    @staticmethod
    def _distance(p: Tensor, t: Tensor) -> Tensor:  # pragma: no cover - abstract
        """Row-wise distance ``d(p_i, t_i)``, shape ``(B,)``."""
        raise NotImplementedError

    def build_objective(self, num_views: int) -> Objective:
        return _invariance_objective(
            num_views, self._title, bound=self._bound, ordered=True, note=self._note
        )

    def _invariance(self, predictions: Sequence[Tensor], targets: Sequence[Tensor]) -> LossOutput:
        preds, targs = _pair_views(predictions, targets)
        value = _stopgrad_pair_mean(preds, targs, self._distance)
        return self.output({"invariance": value}, num_views=len(preds))


@register_objective(
    "byol",
    family="non-contrastive",
    paper="Grill et al., Bootstrap Your Own Latent, NeurIPS 2020",
    formula="ℓ(p_a, z'_b) = ‖p̄_a − z̄'_b‖² = 2 − 2·cos(p_a, sg(z'_b)), averaged over ordered view "
    "pairs a≠b (the paper's symmetrised total L + L̃ is twice this at V = 2)",
    summary="online predictor regresses the EMA target's projection; no explicit entropy term",
    inputs="forward(predictions, targets): online predictor outputs and target-network projections "
    "per view, each (B, D); targets are detached inside",
    recipe=MethodRecipe(
        layout="ema_predictor",
        projector="byol",
        predictor="byol",
        proj_hidden=1024,
        proj_out=256,
        pred_hidden=1024,
        momentum=0.99,
        augment="byol",
    ),
)
class BYOLLoss(_StopGradPredictionLoss):
    """BYOL: normalised regression of the target projection by the online predictor.

    ``L = mean_{a≠b} mean_i [2 − 2 cos(p_a,i, sg(z'_b,i))]``. The predictor is the cross-decoder
    ``q(z2|z1)`` with a Gaussian likelihood on the sphere, so the loss is a proxy for
    ``H(Z2|Z1)``. Targets are detached here: no gradient reaches the target branch. ``O(V² B D)``.
    """

    _title = "BYOL"
    _bound = "normalized_mse"
    _note = "predictor = Gaussian cross-decoder on the unit sphere; target stop-gradient"

    @staticmethod
    def _distance(p: Tensor, t: Tensor) -> Tensor:
        """``2 − 2 cos(p_i, t_i)``."""
        return 2.0 - 2.0 * F.cosine_similarity(p, t, dim=-1)

    def forward(self, predictions: Sequence[Tensor], targets: Sequence[Tensor]) -> LossOutput:
        return self._invariance(predictions, targets)


@register_objective(
    "simsiam",
    family="non-contrastive",
    paper="Chen & He, Exploring Simple Siamese Representation Learning, CVPR 2021",
    formula="L = ½ D(p1, sg(z2)) + ½ D(p2, sg(z1)), D = −cos (mean over ordered pairs for V > 2)",
    summary="BYOL without the EMA target: predictor + stop-gradient",
    inputs="forward(predictions, projections): predictor outputs and projections per view, each "
    "(B, D); projections are detached inside",
    recipe=MethodRecipe(
        layout="predictor",
        projector="simsiam",
        predictor="simsiam",
        proj_hidden=2048,
        proj_out=2048,
        proj_layers=2,
        pred_hidden=512,
    ),
)
class SimSiamLoss(_StopGradPredictionLoss):
    """SimSiam: ``L = mean_{a≠b} mean_i −cos(p_a,i, sg(z_b,i))`` (∈ [−1, 1]).

    A proxy for ``H(Z2|Z1)`` through the predictor; the stop-gradient is applied here.
    """

    _title = "SimSiam"
    _bound = "negative_cosine"
    _note = "predictor = cross-decoder; stop-gradient on the projection branch"

    @staticmethod
    def _distance(p: Tensor, t: Tensor) -> Tensor:
        """``−cos(p_i, t_i)``."""
        return -F.cosine_similarity(p, t, dim=-1)

    def forward(self, predictions: Sequence[Tensor], projections: Sequence[Tensor]) -> LossOutput:
        return self._invariance(predictions, projections)


# ================================================================================= Barlow Twins
def _batch_standardize(z: Tensor, eps: float = 1e-5) -> Tensor:
    """Affine-free batch normalisation: ``(z − mean) / sqrt(var_biased + eps)`` per feature."""
    mean = z.mean(dim=0, keepdim=True)
    var = z.var(dim=0, unbiased=False, keepdim=True)
    return (z - mean) / torch.sqrt(var + eps)


@register_objective(
    "barlow_twins",
    family="non-contrastive",
    paper="Zbontar et al., Barlow Twins: Self-Supervised Learning via Redundancy Reduction, "
    "ICML 2021",
    formula="C = BN(z1)ᵀ BN(z2) / N;  L = Σ_i (1 − C_ii)² + λ Σ_{i≠j} C_ij²,  λ = 5.1e-3",
    summary="cross-correlation of the two views pushed to the identity",
    inputs="forward(*views): V ≥ 2 projections, each (B, D), B ≥ 2",
    aliases=("barlow",),
    recipe=MethodRecipe(
        projector="barlow", proj_hidden=2048, proj_out=2048, proj_layers=2, optimizer="lars"
    ),
)
class BarlowTwinsLoss(ObjectiveLoss):
    """Barlow Twins with affine-free batch normalisation (biased variance, ε = 1e-5).

    Diagonal term: invariance, a proxy for ``H(Z2|Z1)``; off-diagonal (redundancy reduction):
    decorrelation, a decreasing proxy for ``H(Z) ≈ ½ log det Σ_Z``. With ``V > 2`` both average
    over unordered view pairs. ``gather_distributed`` computes BN statistics and ``C`` on the global
    batch (gathered with gradient). ``O(V² (B D² ))``.
    """

    def __init__(self, lambda_offdiag: float = 5.1e-3, *, gather_distributed: bool = False) -> None:
        super().__init__()
        self.lambda_offdiag = check_float(lambda_offdiag, "lambda_offdiag", low=0.0)
        self.gather_distributed = bool(gather_distributed)

    def build_objective(self, num_views: int) -> Objective:
        inv = views_conditional_entropy(num_views, bound="barlow_diagonal", note="Σ_i (1 − C_ii)²")
        red = entropy(
            "Z",
            bound="barlow_offdiagonal",
            kind="proxy",
            orientation=-1,
            note="Σ_{i≠j} C_ij² of the cross-correlation between views; decorrelation",
        )
        return Objective(
            [WeightedTerm("invariance", inv), WeightedTerm("redundancy", red, 1.0, "λ")],
            {"λ": self.lambda_offdiag},
            name="Barlow Twins",
        )

    def forward(self, *views: Tensor) -> LossOutput:
        vs = as_views(views, min_batch=_local_min_batch(self.gather_distributed), need=_COV_NEED)
        vs = [_batch_standardize(v) for v in _global_views(vs, self.gather_distributed, "views")]
        n = vs[0].shape[0]
        pairs = unordered_pairs(len(vs))
        inv = red = 0.0
        for a, b in pairs:
            c = vs[a].T @ vs[b] / n
            diag = torch.diagonal(c)
            inv = inv + (1.0 - diag).square().sum()
            red = red + c.square().sum() - diag.square().sum()
        return self.output(
            {"invariance": inv / len(pairs), "redundancy": red / len(pairs)}, num_views=len(vs)
        )


# ================================================================================= VICReg
#: the inputs and training recipe of VICReg and its entropy variants
_VICREG_INPUTS = "forward(*views): V ≥ 2 expander outputs, each (B, D), B ≥ 2"
_VICREG_RECIPE = MethodRecipe(
    projector="vicreg", proj_hidden=2048, proj_out=2048, proj_layers=2, optimizer="lars"
)


def mse_invariance(views: Sequence[Tensor]) -> Tensor:
    """``mean over unordered pairs of F.mse_loss(z_a, z_b)``: the value of
    :func:`gaussian_invariance` (VICReg's and CorInfoMax's invariance)."""
    pairs = unordered_pairs(len(views))
    return sum(F.mse_loss(views[a], views[b]) for a, b in pairs) / len(pairs)


def vicreg_variance(z: Tensor, gamma: float = 1.0, eps: float = 1e-4) -> Tensor:
    """``mean_j max(0, γ − sqrt(Var(z^j) + ε))`` with the unbiased variance."""
    std = torch.sqrt(z.var(dim=0) + eps)
    return F.relu(gamma - std).mean()


def vicreg_covariance(z: Tensor) -> Tensor:
    """``(1/D) Σ_{i≠j} C_ij²`` with ``C`` the unbiased covariance."""
    c = covariance(z)
    return (c.square().sum() - torch.diagonal(c).square().sum()) / z.shape[1]


@register_objective(
    "vicreg",
    family="non-contrastive",
    paper="Bardes, Ponce & LeCun, VICReg, ICLR 2022; information reading: Shwartz-Ziv et al., "
    "An Information-Theoretic Perspective on VICReg, NeurIPS 2023",
    formula="L = λ·s(Z,Z') + μ·[v(Z) + v(Z')]/2 + ν·[c(Z) + c(Z')], s = MSE, "
    "v = mean_j relu(γ − sqrt(Var_j + ε)), c = Σ_{i≠j} C_ij² / D; λ = μ = 25, ν = 1, γ = 1, "
    "ε = 1e-4",
    summary="invariance + per-branch variance hinge + per-branch covariance decorrelation",
    inputs=_VICREG_INPUTS,
    recipe=_VICREG_RECIPE,
)
class VICRegLoss(ObjectiveLoss):
    """VICReg as in the reference code (variance terms of the two branches averaged).

    * invariance ``s = mean over pairs of F.mse_loss(z_a, z_b)`` (mean over samples *and*
      features, as in the reference code): proxy for ``H(Z1|Z2)`` along ``P(Z2|X2) → Q(Z1|Z2)``
      (Gaussian cross-decoder ``q(z1|z2)``; :func:`gaussian_invariance`, shared with CorInfoMax);
    * variance ``v(Z_v)``, weight ``μ/V`` each: decreasing proxy for ``H(Z_v)``;
    * covariance ``c(Z_v)``, weight ``2ν/V`` each: decreasing proxy for ``H(Z_v)``; with the
      variance, a surrogate for maximising ``log det Σ_Z``, the Gaussian *upper bound* on ``H(Z)``.

    ``gather_distributed``: invariance on the local batch, variance/covariance on the global
    batch gathered with gradient (as the reference code). ``O(V B D² + V² B D)``.
    """

    def __init__(
        self,
        inv_weight: float = 25.0,
        var_weight: float = 25.0,
        cov_weight: float = 1.0,
        *,
        gamma: float = 1.0,
        eps: float = 1e-4,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        self.inv_weight = check_float(inv_weight, "inv_weight", low=0.0)
        self.var_weight = check_float(var_weight, "var_weight", low=0.0)
        self.cov_weight = check_float(cov_weight, "cov_weight", low=0.0)
        self.gamma = check_float(gamma, "gamma", low=0.0, low_open=True)
        self.eps = check_float(eps, "eps", low=0.0)
        self.gather_distributed = bool(gather_distributed)

    def _vicreg_terms(self, num_views: int) -> list[WeightedTerm]:
        terms = [WeightedTerm("invariance", gaussian_invariance(num_views), 1.0, "λ")]
        for v in range(1, num_views + 1):
            var = view_entropy(
                v,
                bound="variance_hinge",
                kind="proxy",
                orientation=-1,
                note="hinge on per-dimension std",
            )
            cov = view_entropy(
                v,
                bound="offdiag_covariance",
                kind="proxy",
                orientation=-1,
                note="decorrelation; with the variance ≈ max log det Σ",
            )
            terms.append(WeightedTerm(f"variance_{v}", var, 1.0 / num_views, "μ"))
            terms.append(WeightedTerm(f"covariance_{v}", cov, 2.0 / num_views, "ν"))
        return terms

    def _multipliers(self) -> dict[str, float]:
        return {"λ": self.inv_weight, "μ": self.var_weight, "ν": self.cov_weight}

    def build_objective(self, num_views: int) -> Objective:
        return Objective(self._vicreg_terms(num_views), self._multipliers(), name="VICReg")

    def _values(self, views: tuple[Tensor, ...]) -> tuple[dict[str, Tensor], list[Tensor]]:
        vs = as_views(views, min_batch=_local_min_batch(self.gather_distributed), need=_COV_NEED)
        values = {"invariance": mse_invariance(vs)}
        full = _global_views(vs, self.gather_distributed, "views")
        for v, z in enumerate(full, start=1):
            values[f"variance_{v}"] = vicreg_variance(z, self.gamma, self.eps)
            values[f"covariance_{v}"] = vicreg_covariance(z)
        return values, full

    def forward(self, *views: Tensor) -> LossOutput:
        values, full = self._values(views)
        return self.output(values, num_views=len(full))


class VICRegEntropyLoss(VICRegLoss):
    """VICReg plus an explicit entropy estimate of each branch (Shwartz-Ziv et al. 2023, §6).

    ``L = VICReg − (η/V) Σ_v Ĥ(Z_v)``, with ``Ĥ`` a pluggable estimator (see
    :mod:`infossl.objectives.entropy`): ``"logdet"`` (LogDet entropy) or ``"pairwise_kl"`` /
    ``"pairwise_bhattacharyya"`` (Kolchinsky–Tracey pairwise-distance bounds on the entropy of
    the σ-smoothed batch). The estimate is *added* to VICReg's own terms; set ``var_weight`` and
    ``cov_weight`` to 0 to use it alone.
    """

    default_estimator = "logdet"

    def __init__(
        self,
        entropy_weight: float = 1.0,
        *,
        estimator: str | None = None,
        sigma: float = 1.0,
        beta: float = 1.0,
        inv_weight: float = 25.0,
        var_weight: float = 25.0,
        cov_weight: float = 1.0,
        gamma: float = 1.0,
        eps: float = 1e-4,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__(
            inv_weight,
            var_weight,
            cov_weight,
            gamma=gamma,
            eps=eps,
            gather_distributed=gather_distributed,
        )
        self.entropy_weight = check_float(entropy_weight, "entropy_weight", low=0.0)
        self.estimator = check_choice(
            estimator or self.default_estimator,
            "estimator",
            [e for e in ENTROPY_ESTIMATORS if e != "knn"],
        )
        self.sigma = check_float(sigma, "sigma", low=0.0, low_open=True)
        self.beta = check_float(beta, "beta", low=0.0, low_open=True)
        self._entropy = get_entropy_estimator(self.estimator, sigma=self.sigma, beta=self.beta)

    def build_objective(self, num_views: int) -> Objective:
        terms = self._vicreg_terms(num_views)
        est = self._entropy
        for v in range(1, num_views + 1):
            term = view_entropy(v, bound=est.name, kind=est.kind, note=est.note)
            terms.append(WeightedTerm(f"entropy_{v}", term, -1.0 / num_views, "η"))
        mult = {**self._multipliers(), "η": self.entropy_weight}
        return Objective(terms, mult, name=f"VICReg + {est.name} entropy")

    def forward(self, *views: Tensor) -> LossOutput:
        values, full = self._values(views)
        for v, z in enumerate(full, start=1):
            values[f"entropy_{v}"] = self._entropy(z, f"views[{v - 1}]")
        return self.output(values, num_views=len(full))


_VICREG_IT_PAPER = (
    "Shwartz-Ziv, Balestriero, Kawaguchi, Rudner & LeCun, An Information-Theoretic "
    "Perspective on Variance-Invariance-Covariance Regularization, NeurIPS 2023"
)


def _register_vicreg_variant(
    name: str, *, reference: str, formula: str, summary: str
) -> Callable[[type[ObjectiveLoss]], type[ObjectiveLoss]]:
    """:func:`register_objective` for a VICReg entropy variant: VICReg's inputs and recipe, the
    information-theoretic VICReg paper plus the estimator's ``reference``, alias ``name`` with
    hyphens."""
    return register_objective(
        name,
        family="non-contrastive",
        paper=f"{_VICREG_IT_PAPER}; {reference}",
        formula=formula,
        summary=summary,
        inputs=_VICREG_INPUTS,
        aliases=(name.replace("_", "-"),),
        recipe=_VICREG_RECIPE,
    )


@_register_vicreg_variant(
    "vicreg_logdet",
    reference="LogDet entropy: Zhouyin & Liu 2021",
    formula="L = VICReg − η·mean_v ½ log det(I + β Σ_{Z_v})",
    summary="VICReg with an added LogDet entropy estimate per branch",
)
class VICRegLogDetLoss(VICRegEntropyLoss):
    """:class:`VICRegEntropyLoss` with the LogDet entropy ``½ log det(I + βΣ)`` (a proxy)."""

    default_estimator = "logdet"


@_register_vicreg_variant(
    "vicreg_pairdist",
    reference="pairwise-distance bounds: Kolchinsky & Tracey, Entropy 2017",
    formula="L = VICReg − η·mean_v Ĥ_KL(Z_v), Ĥ_KL = (D/2) log(2πeσ²) − mean_i log mean_j "
    "exp(−‖z_i − z_j‖²/2σ²)",
    summary="VICReg with an added pairwise-distance (mixture) entropy per branch",
)
class VICRegPairDistLoss(VICRegEntropyLoss):
    """:class:`VICRegEntropyLoss` with the Kolchinsky–Tracey KL upper bound (``pairwise_kl``)."""

    default_estimator = "pairwise_kl"


# ================================================================================= W-MSE
_MASK32 = 0xFFFFFFFF


def _hash32(x: Tensor) -> Tensor:
    """A bijective hash of the low 32 bits of an int64 tensor (xor-shift-multiply, 2 rounds).

    Every intermediate stays below 2^59, so the int64 arithmetic never overflows.
    """
    x = x & _MASK32
    x = (((x >> 16) ^ x) * 0x45D9F3B) & _MASK32
    x = (((x >> 16) ^ x) * 0x45D9F3B) & _MASK32
    return (x >> 16) ^ x


@register_objective(
    "w_mse",
    family="non-contrastive",
    paper="Ermolov, Siarohin, Sangineto & Sebe, Whitening for Self-Supervised Representation "
    "Learning, ICML 2021",
    formula="ẑ = W(z − μ) per sub-batch, WᵀW = Σ⁻¹ (Cholesky); L = mean over pairs of "
    "mean_i [2 − 2 cos(ẑ_a,i, ẑ_b,i)]",
    summary="MSE between normalised, batch-whitened embeddings",
    inputs="forward(*views): V ≥ 2 projections, each (B, D); B a multiple of whiten_size and "
    "whiten_size > D",
    aliases=("wmse",),
    recipe=MethodRecipe(proj_hidden=1024, proj_out=64),
)
class WMSELoss(ObjectiveLoss):
    """W-MSE: whiten each view on sub-batches of ``whiten_size`` rows, then normalised MSE.

    Whitening: ``Σ = L Lᵀ`` (Cholesky of the shrunk covariance ``(1 − ε)Σ + εI``) and
    ``ẑ = L⁻¹ (z − μ)``, so ``Cov(ẑ) = I``: a hard constraint that fixes the Gaussian entropy at
    its maximum for the scale, so the only term is the invariance (proxy for ``H(Z2|Z1)``).
    Sub-batches are formed after a permutation determined by ``(seed, step, iteration)``
    (:meth:`permutation`); repeated ``w_iter`` times and averaged.
    ``O(w_iter · V (B D² + (B/w) D³))``.
    """

    def __init__(
        self, whiten_size: int = 128, *, w_iter: int = 1, eps: float = 0.0, seed: int = 0
    ) -> None:
        super().__init__()
        self.whiten_size = check_int(whiten_size, "whiten_size", low=2)
        self.w_iter = check_int(w_iter, "w_iter", low=1)
        self.eps = check_float(eps, "eps", low=0.0, high=1.0)
        self.seed = check_int(seed, "seed", low=0)
        self.register_buffer("step_tensor", torch.zeros((), dtype=torch.long), persistent=False)

    def build_objective(self, num_views: int) -> Objective:
        return _invariance_objective(
            num_views,
            "W-MSE",
            bound="whitened_normalized_mse",
            note="whitening fixes Cov(Ẑ) = I: a hard maximum-entropy constraint",
        )

    def set_step(self, step: int) -> None:
        super().set_step(step)
        self.step_tensor.fill_(self.step)

    def permutation(self, b: int, iteration: int = 0, device: torch.device | None = None) -> Tensor:
        """The permutation of ``b`` rows for ``(seed, step, iteration)``: a function of those only.

        ``argsort`` of ``h(h(h(h(seed) ⊕ step) ⊕ iteration) ⊕ h(i))`` over the row indices ``i``,
        ``h`` a bijective 32-bit integer hash, so the keys are distinct. Written in tensor
        operations (no ``torch.Generator``) with the step read from a buffer: a compiled loss
        neither breaks its graph nor recompiles when the step changes.
        """
        device = self.step_tensor.device if device is None else device
        step = self.step_tensor.to(device)
        key = _hash32(torch.full((), self.seed, dtype=torch.long, device=device))
        key = _hash32(key ^ (step & _MASK32))
        key = _hash32(key ^ iteration)
        rows = _hash32(torch.arange(b, device=device))
        return torch.argsort(_hash32(key ^ rows))

    def whiten(self, z: Tensor) -> Tensor:
        """Whiten consecutive sub-batches of ``whiten_size`` rows of ``z`` (``(B, D)``)."""
        z = upcast(z)
        b, d = z.shape
        groups = z.reshape(b // self.whiten_size, self.whiten_size, d)
        centered = groups - groups.mean(dim=1, keepdim=True)
        cov = centered.transpose(1, 2) @ centered / (self.whiten_size - 1)
        eye = torch.eye(d, dtype=z.dtype, device=z.device)
        cov = (1.0 - self.eps) * cov + self.eps * eye
        chol, info = torch.linalg.cholesky_ex(cov)
        require(
            (info == 0).all(),
            "a whitening sub-batch has a singular covariance (rank-deficient or collapsed "
            "embeddings); use whiten_size > D or eps > 0",
        )
        white = torch.linalg.solve_triangular(chol, centered.transpose(1, 2), upper=False)
        return white.transpose(1, 2).reshape(b, d)

    def forward(self, *views: Tensor) -> LossOutput:
        vs = as_views(views, min_batch=2, need=_COV_NEED)
        b, d = vs[0].shape
        if b % self.whiten_size:
            raise ValueError(
                f"views have batch size {b}, which is not a multiple of whiten_size="
                f"{self.whiten_size}"
            )
        if self.eps == 0.0 and self.whiten_size <= d:
            raise ValueError(
                f"whiten_size={self.whiten_size} must exceed the embedding dim D={d} "
                "(or set eps > 0)"
            )
        pairs = unordered_pairs(len(vs))
        total = 0.0
        for it in range(self.w_iter):
            perm = self.permutation(b, it, vs[0].device)
            white = [F.normalize(self.whiten(v[perm]), dim=1) for v in vs]
            for a, c in pairs:
                total = total + (2.0 - 2.0 * (white[a] * white[c]).sum(dim=1)).mean()
        return self.output({"invariance": total / (self.w_iter * len(pairs))}, num_views=len(vs))


# ================================================================================= CorInfoMax
_LOG_2PI_E = math.log(2.0 * math.pi * math.e)

#: reference-code argument → this class's parameter (authors' CIFAR-10 command in brackets)
CORINFOMAX_REFERENCE_PARAMS: dict[str, str] = {
    "sim_loss_weight [250]": "alpha = 250 (α_p = alpha/2 in the ½ log det form, see the formula)",
    "cov_loss_weight [1]": "fixed at 1 (scale alpha instead)",
    "R_eps_weight [1e-8]": "eps = 1e-8",
    "R_ini [1.0]": "cov_init = 1.0",
    "la_R [0.01]": "cov_forgetting = 0.01",
    "la_mu [0.01]": "mean_forgetting = 0.01",
    "--normalize_on [set]": "normalize = True (ℓ2-normalise each view inside the loss)",
}


@register_objective(
    "corinfomax",
    family="non-contrastive",
    paper="Ozsoy, Hamdan, Arik, Yuret & Erdogan, Self-Supervised Learning with an Information "
    "Maximization Criterion, NeurIPS 2022 (log-determinant MI, LDMI); defaults: the authors' "
    "CIFAR-10 command (serdarozsoy/corinfomax-ssl)",
    formula="L = α·MSE(z1, z2) − [log det(R1 + εI) + log det(R2 + εI)]/D on ℓ2-normalised z, "
    "MSE over samples and dimensions; R_v ← λ_R·R_v + (1 − λ_R)·(z_v − μ_v)ᵀ(z_v − μ_v)/N with "
    "μ_v ← λ_μ·μ_v + (1 − λ_μ)·mean(z_v), R_v = I and μ_v = 0 before the first batch; α = 250, "
    "ε = 1e-8, λ_R = λ_μ = 0.01. Written as −½ log det(R1 + εI) − ½ log det(R2 + εI) + "
    "α_p·mean_i ‖z1_i − z2_i‖² (the form in the research notes) it is (D/2)·L, α_p = α/2",
    summary="second-order (log-det) mutual information between the views",
    inputs="forward(*views): V ≥ 2 projections, each (B, D), B ≥ 2",
    aliases=("ldmi",),
    reference_params=CORINFOMAX_REFERENCE_PARAMS,
    recipe=MethodRecipe(proj_hidden=2048, proj_out=128, proj_layers=2, optimizer="lars"),
)
class CorInfoMaxLoss(ObjectiveLoss):
    """CorInfoMax / LDMI as the authors' code computes it; the defaults are their CIFAR-10 run.

    ``L = α·MSE(z1, z2) − [log det(R1 + εI) + log det(R2 + εI)]/D`` with each view
    ℓ2-normalised (``normalize``; the authors' ``--normalize_on``, done in their model) and
    ``R_v`` a running covariance: every call updates ``μ_v ← λ_μ μ_v + (1 − λ_μ) mean(z_v)`` and
    ``R_v ← λ_R R_v + (1 − λ_R) (z_v − μ_v)ᵀ(z_v − μ_v)/N`` (``N`` the batch, biased), starting
    from ``R_v = cov_init·I``, ``μ_v = 0``; the gradient flows through the batch part only.

    Mapping to the reference code (``serdarozsoy/corinfomax-ssl``; CIFAR-10 command values):
    ``sim_loss_weight`` (250) → ``alpha``; ``cov_loss_weight`` (1) → fixed at 1;
    ``R_eps_weight`` (1e-8) → ``eps``; ``R_ini`` (1.0) → ``cov_init``; ``la_R`` (0.01) →
    ``cov_forgetting``; ``la_mu`` (0.01) → ``mean_forgetting``; ``--normalize_on`` →
    ``normalize=True``. Written as ``−½ log det(R1 + εI) − ½ log det(R2 + εI) +
    α_p mean_i ‖z1_i − z2_i‖²`` (the form quoted in the project's research notes) the same
    objective is ``(D/2)·L`` with ``α_p = alpha/2``.

    Terms (per dimension, matching the code's ``/D`` and ``F.mse_loss`` normalisation):

    * ``invariance``: ``MSE(z_a, z_b)`` averaged over pairs, weight ``α``: the proxy for
      ``H(Z1|Z2)`` shared with VICReg (:func:`gaussian_invariance`);
    * ``entropy_v``: ``h_v = ½ ln(2πe) + log det(R_v + εI)/(2D)``, the Gaussian upper bound on
      ``H(Z_v)/D`` with the running covariance, weight ``−4/V`` (−2 at V = 2); the constant
      ``2·ln(2πe)`` makes the loss equal the formula. ``V > 2`` views average the two-view
      covariance term over the views.

    The running statistics (buffers ``running_mean`` ``(V, D)``, ``running_cov`` ``(V, D, D)``,
    in the state dict) are created at the first call, on the views' device and in their compute
    dtype (float32 for bf16/fp16 input, which the whole loss is computed in), follow later
    changes of device or dtype, and restart from ``cov_init·I`` if ``V`` or ``D`` changes.
    ``reset_statistics()`` restarts them. ``gather_distributed``: statistics on the global batch
    (gathered with gradient), the invariance on the local one. ``O(V (B D² + D³))``.
    """

    def __init__(
        self,
        alpha: float = 250.0,
        *,
        eps: float = 1e-8,
        cov_forgetting: float = 0.01,
        mean_forgetting: float = 0.01,
        cov_init: float = 1.0,
        normalize: bool = True,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        self.alpha = check_float(alpha, "alpha", low=0.0)
        self.eps = check_float(eps, "eps", low=0.0, low_open=True)
        self.cov_forgetting = check_float(
            cov_forgetting, "cov_forgetting", low=0.0, high=1.0, high_open=True
        )
        self.mean_forgetting = check_float(mean_forgetting, "mean_forgetting", low=0.0, high=1.0)
        self.cov_init = check_float(cov_init, "cov_init", low=0.0)
        self.normalize = bool(normalize)
        self.gather_distributed = bool(gather_distributed)
        self.register_buffer("running_mean", torch.zeros(0))
        self.register_buffer("running_cov", torch.zeros(0))

    def build_objective(self, num_views: int) -> Objective:
        terms = [WeightedTerm("invariance", gaussian_invariance(num_views), 1.0, "α")]
        note = (
            f"per dimension: ½ ln(2πe) + log det(R + {self.eps:g}·I)/(2D), R the running "
            f"covariance (forgetting factor {self.cov_forgetting:g})"
        )
        for v in range(1, num_views + 1):
            term = view_entropy(v, bound="gaussian_logdet", kind="upper", note=note)
            terms.append(WeightedTerm(f"entropy_{v}", term, -4.0 / num_views))
        return Objective(terms, {"α": self.alpha}, name="CorInfoMax", constant_text="2·ln(2πe)")

    def reset_statistics(self) -> None:
        """Forget the running mean and covariance (the next call starts from ``cov_init·I``)."""
        self.running_mean = torch.zeros(0, device=self.running_mean.device)
        self.running_cov = torch.zeros(0, device=self.running_cov.device)

    def _load_from_state_dict(
        self, state_dict: Mapping[str, Any], prefix: str, *args: Any, **kwargs: Any
    ) -> None:
        # the statistics' shape is only known from data: take it from the checkpoint
        for name in ("running_mean", "running_cov"):
            saved = state_dict.get(prefix + name)
            if isinstance(saved, Tensor) and saved.shape != getattr(self, name).shape:
                setattr(self, name, torch.empty_like(saved, device=getattr(self, name).device))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def running_covariances(self, views: list[Tensor]) -> Tensor:
        """Update the running statistics with ``views`` (each ``(N, D)``); return the new
        ``R_v`` as one ``(V, D, D)`` tensor that carries the gradient of this batch."""
        z = torch.stack(views)
        v, n, d = z.shape
        if self.running_cov.shape != (v, d, d):
            eye = torch.eye(d, dtype=z.dtype, device=z.device)
            self.running_cov = self.cov_init * eye.expand(v, d, d).clone()
            self.running_mean = torch.zeros(v, d, dtype=z.dtype, device=z.device)
        elif self.running_cov.dtype != z.dtype or self.running_cov.device != z.device:
            self.running_cov = self.running_cov.to(device=z.device, dtype=z.dtype)
            self.running_mean = self.running_mean.to(device=z.device, dtype=z.dtype)
        lam_mu, lam_r = self.mean_forgetting, self.cov_forgetting
        mean = lam_mu * self.running_mean + (1.0 - lam_mu) * z.mean(dim=1)
        centred = z - mean[:, None, :]
        cov = lam_r * self.running_cov + (1.0 - lam_r) * (centred.transpose(1, 2) @ centred) / n
        with torch.no_grad():
            self.running_mean.copy_(mean)
            self.running_cov.copy_(cov)
        return cov

    def forward(self, *views: Tensor) -> LossOutput:
        vs = as_views(views, min_batch=_local_min_batch(self.gather_distributed), need=_COV_NEED)
        if self.normalize:
            vs = [F.normalize(v, dim=1) for v in vs]
        values = {"invariance": mse_invariance(vs)}
        full = _global_views(vs, self.gather_distributed, "views")
        cov = self.running_covariances(full)
        d = cov.shape[-1]
        eye = torch.eye(d, dtype=cov.dtype, device=cov.device)
        logdets = torch.linalg.slogdet(cov + self.eps * eye)[1]
        for v in range(len(full)):
            values[f"entropy_{v + 1}"] = 0.5 * _LOG_2PI_E + logdets[v] / (2 * d)
        return self.output(values, num_views=len(vs), constant=2.0 * _LOG_2PI_E)


__all__ = [
    "CORINFOMAX_REFERENCE_PARAMS",
    "BYOLLoss",
    "BarlowTwinsLoss",
    "CorInfoMaxLoss",
    "SimSiamLoss",
    "VICRegEntropyLoss",
    "VICRegLogDetLoss",
    "VICRegLoss",
    "VICRegPairDistLoss",
    "WMSELoss",
    "gaussian_invariance",
    "mse_invariance",
    "vicreg_covariance",
    "vicreg_variance",
]

"""Non-contrastive joint-embedding objectives: BYOL, SimSiam, Barlow Twins, VICReg, W-MSE,
CorInfoMax, and VICReg with explicit entropy estimators.

Information reading (review §4.1, Eq. 7): ``I(Z1;Z2) = H(Z1) − H(Z1|Z2)``. Every method here has an
*invariance* term, a proxy for the conditional entropy ``H(Z1|Z2)`` under a Gaussian cross-decoder
``q(z1|z2)`` (``−log q = ‖z1 − μ(z2)‖²/2σ² + c``), and, except BYOL and SimSiam, an
*anti-collapse* term that keeps ``H(Z)`` up. BYOL and SimSiam have no entropy term: the predictor,
the stop-gradient and (BYOL) the EMA target keep it implicitly; they are architecture, not terms.

All accept ``V ≥ 2`` views. Pair terms average over view pairs; per-view terms are reported per
view with weights that reduce to the published ones at ``V = 2``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from infossl._checks import check_choice, check_float, check_int
from infossl.framework import Objective, WeightedTerm, entropy
from infossl.nn.distributed import gather, world_size
from infossl.objectives._base import (
    ObjectiveLoss,
    ordered_pairs,
    register_objective,
    unordered_pairs,
)
from infossl.objectives._inputs import as_views
from infossl.objectives._labels import view_entropy, views_conditional_entropy
from infossl.objectives.entropy import ENTROPY_ESTIMATORS, covariance, get_entropy_estimator

_COV_NEED = "to estimate a variance/covariance"


def _global_views(views: list[Tensor], gather_distributed: bool, name: str) -> list[Tensor]:
    """The views gathered over processes (with gradient) when requested; checks ``N ≥ 2``."""
    out = [gather(v) for v in views] if gather_distributed else views
    if out[0].shape[0] < 2:
        raise ValueError(f"{name} has batch size {out[0].shape[0]}; at least 2 samples are needed "
                         f"{_COV_NEED}")
    return out


def _local_min_batch(gather_distributed: bool) -> int:
    return 1 if gather_distributed and world_size() > 1 else 2


# ================================================================================= BYOL / SimSiam
def _pair_views(predictions: Sequence[Tensor], targets: Sequence[Tensor]
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


@register_objective(
    "byol",
    family="non-contrastive",
    paper="Grill et al., Bootstrap Your Own Latent, NeurIPS 2020",
    formula="ℓ(p_a, z'_b) = ‖p̄_a − z̄'_b‖² = 2 − 2·cos(p_a, sg(z'_b)), averaged over ordered view "
    "pairs a≠b (the paper's symmetrised total L + L̃ is twice this at V = 2)",
    summary="online predictor regresses the EMA target's projection; no explicit entropy term",
    inputs="forward(predictions, targets): online predictor outputs and target-network projections "
    "per view, each (B, D); targets are detached inside",
)
class BYOLLoss(ObjectiveLoss):
    """BYOL: normalised regression of the target projection by the online predictor.

    ``L = mean_{a≠b} mean_i [2 − 2 cos(p_a,i, sg(z'_b,i))]``. The predictor is the cross-decoder
    ``q(z2|z1)`` with a Gaussian likelihood on the sphere, so the loss is a proxy for
    ``H(Z2|Z1)``. Targets are detached here: no gradient reaches the target branch. ``O(V² B D)``.
    """

    def build_objective(self, num_views: int) -> Objective:
        term = views_conditional_entropy(
            num_views, bound="normalized_mse", ordered=True,
            note="predictor = Gaussian cross-decoder on the unit sphere; target stop-gradient",
        )
        return Objective([WeightedTerm("invariance", term)], name="BYOL")

    def forward(self, predictions: Sequence[Tensor], targets: Sequence[Tensor]):
        preds, targs = _pair_views(predictions, targets)
        pairs = ordered_pairs(len(preds))
        total = sum(
            (2.0 - 2.0 * F.cosine_similarity(preds[a], targs[b].detach(), dim=-1)).mean()
            for a, b in pairs
        )
        return self.output({"invariance": total / len(pairs)}, num_views=len(preds))


@register_objective(
    "simsiam",
    family="non-contrastive",
    paper="Chen & He, Exploring Simple Siamese Representation Learning, CVPR 2021",
    formula="L = ½ D(p1, sg(z2)) + ½ D(p2, sg(z1)), D = −cos (mean over ordered pairs for V > 2)",
    summary="BYOL without the EMA target: predictor + stop-gradient",
    inputs="forward(predictions, projections): predictor outputs and projections per view, each "
    "(B, D); projections are detached inside",
)
class SimSiamLoss(ObjectiveLoss):
    """SimSiam: ``L = mean_{a≠b} mean_i −cos(p_a,i, sg(z_b,i))`` (∈ [−1, 1]).

    A proxy for ``H(Z2|Z1)`` through the predictor; the stop-gradient is applied here.
    """

    def build_objective(self, num_views: int) -> Objective:
        term = views_conditional_entropy(
            num_views, bound="negative_cosine", ordered=True,
            note="predictor = cross-decoder; stop-gradient on the projection branch",
        )
        return Objective([WeightedTerm("invariance", term)], name="SimSiam")

    def forward(self, predictions: Sequence[Tensor], projections: Sequence[Tensor]):
        preds, projs = _pair_views(predictions, projections)
        pairs = ordered_pairs(len(preds))
        total = sum(
            -F.cosine_similarity(preds[a], projs[b].detach(), dim=-1).mean() for a, b in pairs
        )
        return self.output({"invariance": total / len(pairs)}, num_views=len(preds))


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
)
class BarlowTwinsLoss(ObjectiveLoss):
    """Barlow Twins with affine-free batch normalisation (biased variance, ε = 1e-5).

    Diagonal term: invariance, a proxy for ``H(Z1|Z2)``; off-diagonal (redundancy reduction):
    decorrelation, a decreasing proxy for ``H(Z) ≈ ½ log det Σ_Z``. With ``V > 2`` both average
    over unordered view pairs. ``gather_distributed`` computes BN statistics and ``C`` on the global
    batch (gathered with gradient). ``O(V² (B D² ))``.
    """

    def __init__(self, lambda_offdiag: float = 5.1e-3, *, gather_distributed: bool = False
                 ) -> None:
        super().__init__()
        self.lambda_offdiag = check_float(lambda_offdiag, "lambda_offdiag", low=0.0)
        self.gather_distributed = bool(gather_distributed)

    def build_objective(self, num_views: int) -> Objective:
        inv = views_conditional_entropy(num_views, bound="barlow_diagonal",
                                        note="Σ_i (1 − C_ii)²")
        red = entropy("Z", bound="barlow_offdiagonal", kind="proxy", orientation=-1,
                      note="Σ_{i≠j} C_ij² of the cross-correlation between views; decorrelation")
        return Objective(
            [WeightedTerm("invariance", inv), WeightedTerm("redundancy", red, 1.0, "λ")],
            {"λ": self.lambda_offdiag}, name="Barlow Twins",
        )

    def forward(self, *views: Tensor):
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
    inputs="forward(*views): V ≥ 2 expander outputs, each (B, D), B ≥ 2",
)
class VICRegLoss(ObjectiveLoss):
    """VICReg as in the reference code (variance terms of the two branches averaged).

    * invariance ``s = mean over pairs of F.mse_loss(z_a, z_b)`` (mean over samples *and*
      features, as in the reference code): proxy for ``H(Z1|Z2)`` (Gaussian ``q(z1|z2)``);
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
        inv = views_conditional_entropy(num_views, bound="mse", note="Gaussian q(z1|z2)")
        terms = [WeightedTerm("invariance", inv, 1.0, "λ")]
        for v in range(1, num_views + 1):
            var = view_entropy(v, bound="variance_hinge", kind="proxy", orientation=-1,
                               note="hinge on per-dimension std")
            cov = view_entropy(v, bound="offdiag_covariance", kind="proxy", orientation=-1,
                               note="decorrelation; with the variance ≈ max log det Σ")
            terms.append(WeightedTerm(f"variance_{v}", var, 1.0 / num_views, "μ"))
            terms.append(WeightedTerm(f"covariance_{v}", cov, 2.0 / num_views, "ν"))
        return terms

    def _multipliers(self) -> dict[str, float]:
        return {"λ": self.inv_weight, "μ": self.var_weight, "ν": self.cov_weight}

    def build_objective(self, num_views: int) -> Objective:
        return Objective(self._vicreg_terms(num_views), self._multipliers(), name="VICReg")

    def _values(self, views: tuple[Tensor, ...]) -> tuple[dict[str, Tensor], list[Tensor]]:
        vs = as_views(views, min_batch=_local_min_batch(self.gather_distributed), need=_COV_NEED)
        pairs = unordered_pairs(len(vs))
        values = {"invariance": sum(F.mse_loss(vs[a], vs[b]) for a, b in pairs) / len(pairs)}
        full = _global_views(vs, self.gather_distributed, "views")
        for v, z in enumerate(full, start=1):
            values[f"variance_{v}"] = vicreg_variance(z, self.gamma, self.eps)
            values[f"covariance_{v}"] = vicreg_covariance(z)
        return values, full

    def forward(self, *views: Tensor):
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
        super().__init__(inv_weight, var_weight, cov_weight, gamma=gamma, eps=eps,
                         gather_distributed=gather_distributed)
        self.entropy_weight = check_float(entropy_weight, "entropy_weight", low=0.0)
        self.estimator = check_choice(estimator or self.default_estimator, "estimator",
                                      [e for e in ENTROPY_ESTIMATORS if e != "knn"])
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

    def forward(self, *views: Tensor):
        values, full = self._values(views)
        for v, z in enumerate(full, start=1):
            values[f"entropy_{v}"] = self._entropy(z, f"views[{v - 1}]")
        return self.output(values, num_views=len(full))


_VICREG_IT_PAPER = ("Shwartz-Ziv, Balestriero, Kawaguchi, Rudner & LeCun, An Information-Theoretic "
                    "Perspective on Variance-Invariance-Covariance Regularization, NeurIPS 2023")


@register_objective(
    "vicreg_logdet",
    family="non-contrastive",
    paper=_VICREG_IT_PAPER + "; LogDet entropy: Zhouyin & Liu 2021",
    formula="L = VICReg − η·mean_v ½ log det(I + β Σ_{Z_v})",
    summary="VICReg with an added LogDet entropy estimate per branch",
    inputs="forward(*views): V ≥ 2 expander outputs, each (B, D), B ≥ 2",
    aliases=("vicreg-logdet",),
)
class VICRegLogDetLoss(VICRegEntropyLoss):
    """:class:`VICRegEntropyLoss` with the LogDet entropy ``½ log det(I + βΣ)`` (a proxy)."""

    default_estimator = "logdet"


@register_objective(
    "vicreg_pairdist",
    family="non-contrastive",
    paper=_VICREG_IT_PAPER + "; pairwise-distance bounds: Kolchinsky & Tracey, Entropy 2017",
    formula="L = VICReg − η·mean_v Ĥ_KL(Z_v), Ĥ_KL = (D/2) log(2πeσ²) − mean_i log mean_j "
    "exp(−‖z_i − z_j‖²/2σ²)",
    summary="VICReg with an added pairwise-distance (mixture) entropy per branch",
    inputs="forward(*views): V ≥ 2 expander outputs, each (B, D), B ≥ 2",
    aliases=("vicreg-pairdist",),
)
class VICRegPairDistLoss(VICRegEntropyLoss):
    """:class:`VICRegEntropyLoss` with the Kolchinsky–Tracey KL upper bound (``pairwise_kl``)."""

    default_estimator = "pairwise_kl"


# ================================================================================= W-MSE
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
)
class WMSELoss(ObjectiveLoss):
    """W-MSE: whiten each view on sub-batches of ``whiten_size`` rows, then normalised MSE.

    Whitening: ``Σ = L Lᵀ`` (Cholesky of the shrunk covariance ``(1 − ε)Σ + εI``) and
    ``ẑ = L⁻¹ (z − μ)``, so ``Cov(ẑ) = I``: a hard constraint that fixes the Gaussian entropy at
    its maximum for the scale, so the only term is the invariance (proxy for ``H(Z1|Z2)``).
    Sub-batches are formed after a permutation drawn from ``(seed, step, iteration)``; repeated
    ``w_iter`` times and averaged. ``O(w_iter · V (B D² + (B/w) D³))``.
    """

    def __init__(self, whiten_size: int = 128, *, w_iter: int = 1, eps: float = 0.0,
                 seed: int = 0) -> None:
        super().__init__()
        self.whiten_size = check_int(whiten_size, "whiten_size", low=2)
        self.w_iter = check_int(w_iter, "w_iter", low=1)
        self.eps = check_float(eps, "eps", low=0.0, high=1.0)
        self.seed = check_int(seed, "seed", low=0)

    def build_objective(self, num_views: int) -> Objective:
        term = views_conditional_entropy(
            num_views, bound="whitened_normalized_mse",
            note="whitening fixes Cov(Ẑ) = I: a hard maximum-entropy constraint",
        )
        return Objective([WeightedTerm("invariance", term)], name="W-MSE")

    def whiten(self, z: Tensor) -> Tensor:
        """Whiten consecutive sub-batches of ``whiten_size`` rows of ``z`` (``(B, D)``)."""
        b, d = z.shape
        groups = z.reshape(b // self.whiten_size, self.whiten_size, d)
        centered = groups - groups.mean(dim=1, keepdim=True)
        cov = centered.transpose(1, 2) @ centered / (self.whiten_size - 1)
        eye = torch.eye(d, dtype=z.dtype, device=z.device)
        cov = (1.0 - self.eps) * cov + self.eps * eye
        chol, info = torch.linalg.cholesky_ex(cov)
        if bool((info != 0).any()):
            raise ValueError(
                "a whitening sub-batch has a singular covariance (rank-deficient or collapsed "
                "embeddings); use whiten_size > D or eps > 0"
            )
        white = torch.linalg.solve_triangular(chol, centered.transpose(1, 2), upper=False)
        return white.transpose(1, 2).reshape(b, d)

    def forward(self, *views: Tensor):
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
            gen = torch.Generator().manual_seed(
                (self.seed * 1_000_003 + self.step * self.w_iter + it) % (2**63)
            )
            perm = torch.randperm(b, generator=gen).to(vs[0].device)
            white = [F.normalize(self.whiten(v[perm]), dim=1) for v in vs]
            for a, c in pairs:
                total = total + (2.0 - 2.0 * (white[a] * white[c]).sum(dim=1)).mean()
        return self.output({"invariance": total / (self.w_iter * len(pairs))},
                           num_views=len(vs))


# ================================================================================= CorInfoMax
@register_objective(
    "corinfomax",
    family="non-contrastive",
    paper="Ozsoy, Hamidi, Tekalp & Erdogan, Self-Supervised Learning with an Information "
    "Maximization Criterion, NeurIPS 2022 (log-determinant MI, LDMI)",
    formula="L = −½ log det(R1 + εI) − ½ log det(R2 + εI) + α·mean_i ‖z1_i − z2_i‖² "
    "(R = batch covariance); α and ε: check against the reference implementation",
    summary="second-order (log-det) mutual information between the views",
    inputs="forward(*views): V ≥ 2 projections, each (B, D), B ≥ 2",
    aliases=("ldmi",),
)
class CorInfoMaxLoss(ObjectiveLoss):
    """CorInfoMax / LDMI: maximise log-det entropies of each view, minimise their distance.

    Terms: ``H_G(Z_v) = ½ log det(2πe (R_v + εI))``, the Gaussian *upper bound* on ``H(Z_v)``,
    weight ``−2/V`` (−1 at V = 2); invariance ``α · mean_i ‖z_a,i − z_b,i‖²`` averaged over pairs,
    a proxy for ``H(Z1|Z2)``. The constant ``D ln(2πe)`` makes the loss equal the formula.
    ``R`` is the batch covariance (the reference code also smooths it over steps with a moving
    average; not done here). ``gather_distributed``: covariances on the global batch.
    """

    def __init__(self, alpha: float = 1.0, *, eps: float = 1e-3,
                 gather_distributed: bool = False) -> None:
        super().__init__()
        self.alpha = check_float(alpha, "alpha", low=0.0)
        self.eps = check_float(eps, "eps", low=0.0, low_open=True)
        self.gather_distributed = bool(gather_distributed)
        self._entropy = get_entropy_estimator("gaussian", eps=self.eps)

    def build_objective(self, num_views: int) -> Objective:
        inv = views_conditional_entropy(num_views, bound="squared_distance",
                                        note="Gaussian q(z1|z2)")
        terms = [WeightedTerm("invariance", inv, 1.0, "α")]
        for v in range(1, num_views + 1):
            term = view_entropy(v, bound="gaussian_logdet", kind="upper", note=self._entropy.note)
            terms.append(WeightedTerm(f"entropy_{v}", term, -2.0 / num_views))
        return Objective(terms, {"α": self.alpha}, name="CorInfoMax",
                         constant_text="D·ln(2πe)")

    def forward(self, *views: Tensor):
        vs = as_views(views, min_batch=_local_min_batch(self.gather_distributed), need=_COV_NEED)
        pairs = unordered_pairs(len(vs))
        values = {
            "invariance": sum((vs[a] - vs[b]).square().sum(dim=1).mean() for a, b in pairs)
            / len(pairs)
        }
        full = _global_views(vs, self.gather_distributed, "views")
        for v, z in enumerate(full, start=1):
            values[f"entropy_{v}"] = self._entropy(z, f"views[{v - 1}]")
        d = vs[0].shape[1]
        constant = d * math.log(2.0 * math.pi * math.e)
        return self.output(values, num_views=len(vs), constant=constant)


__all__ = [
    "BYOLLoss",
    "BarlowTwinsLoss",
    "CorInfoMaxLoss",
    "SimSiamLoss",
    "VICRegEntropyLoss",
    "VICRegLogDetLoss",
    "VICRegLoss",
    "VICRegPairDistLoss",
    "WMSELoss",
    "vicreg_covariance",
    "vicreg_variance",
]

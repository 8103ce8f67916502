"""Self-supervised multiview information-bottleneck objectives (review §4).

Under the MultiView assumption the optimal representation maximises the shared information and
compresses the view-specific part ``I(Z1;X1|X2)``:

* :class:`MIBLoss` (Federici et al. 2020): ``−I(Z1;Z2) + β·D_SKL``;
* :class:`CEBLoss` (Fischer 2020; Lee et al. 2021, C-SimCLR-style): ``β·I(X;Z|X') − I(X';Z)``;
* :class:`TsaiCompositeLoss` (Tsai et al. 2021): contrastive + forward- and inverse-predictive;
* :class:`DuboisLoss` (Dubois et al. 2021): rate ``I(X1;Z1)`` + β·invariance distortion;
* :class:`ImplicitCompressionLoss` (review Eq. 7): ``−Ĥ(Z1) − E log q(z1|z2)``;
* :class:`DontCompressLoss` (review Eq. 9, Wang et al. 2022): an SSL loss plus reconstruction,
  for when the MultiView assumption fails and ``I(Xi;Zi)`` should be *maximised*.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from infossl._checks import check_choice, check_float
from infossl.bounds import BOUNDS, BoundInfo
from infossl.framework import (
    InfoTerm,
    LossOutput,
    Objective,
    PathStep,
    Schedule,
    TermValue,
    WeightedTerm,
    combine,
    cross_decoder,
    direct_decoder,
    encoder,
    entropy,
    mi,
    value_at,
)
from infossl.nn.stochastic import DiagonalGaussian
from infossl.objectives._base import ObjectiveLoss, get_objective, register_objective
from infossl.objectives._inputs import check_embedding, check_gaussian, check_same_shapes
from infossl.objectives._likelihood import (
    LIKELIHOODS,
    check_reconstruction,
    reconstruction_loss,
    reconstruction_term,
    required_reconstruction_loss,
)
from infossl.objectives.bottleneck import gaussian_rate, rate_term
from infossl.objectives.contrastive import infonce_value
from infossl.objectives.entropy import ENTROPY_ESTIMATORS, get_entropy_estimator
from infossl.objectives.recipe import MethodRecipe

#: Lower bounds on I(Z1;Z2) available to MIB: its name → the entry of :data:`infossl.bounds.BOUNDS`
#: (kind, value function); ``"js_nwj"`` is the bound named ``"js"`` there (JS-trained, NWJ-valued).
MI_BOUNDS: dict[str, BoundInfo] = {
    "infonce": BOUNDS["infonce"],
    "js_nwj": BOUNDS["js"],
    "nwj": BOUNDS["nwj"],
}


def cosine_scores(a: Tensor, b: Tensor, temperature: float) -> Tensor:
    """Separable critic ``S_ij = cos(a_i, b_j) / τ``."""
    return F.normalize(a, dim=1) @ F.normalize(b, dim=1).T / temperature


def gaussian_log_density_matrix(z: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    """``L[i, j] = log N(z_i; mean_j, diag std_j²)``, shape ``(B, B)``, in ``O(B² D)`` time and
    ``O(B²)`` memory (expanded quadratic form)."""
    inv_var = std.square().reciprocal()
    quad = (
        z.square() @ inv_var.T
        - 2.0 * z @ (mean * inv_var).T
        + (mean.square() * inv_var).sum(dim=1)[None, :]
    )
    log_norm = (2.0 * torch.log(std) + math.log(2.0 * math.pi)).sum(dim=1)
    return -0.5 * (quad + log_norm[None, :])


def _check_scores_shape(scores: Tensor, n: int) -> Tensor:
    if not isinstance(scores, Tensor) or scores.shape != (n, n):
        shape = tuple(scores.shape) if isinstance(scores, Tensor) else type(scores).__name__
        raise ValueError(f"scores must be a ({n}, {n}) critic matrix, got {shape}")
    return scores


def _superfluous_term(view: int, other: int, note: str) -> InfoTerm:
    """``I(Zv;Xv|Xw)`` upper bound ``E KL(p(zv|xv) ‖ p(zw|xw))``, ``w`` the other view."""
    x, z = f"X{view}", f"Z{view}"
    return mi(
        z,
        x,
        given=f"X{other}",
        path=(encoder(x, z),),
        bound="kl_between_encoders",
        kind="upper",
        note=note,
    )


# ================================================================================= MIB
@register_objective(
    "mib",
    family="bottleneck",
    paper="Federici, Dutta, Forré, Kushman & Akata, Learning Robust Representations via "
    "Multi-View Information Bottleneck, ICLR 2020 (review §4, item 4)",
    formula="L = −Î(Z1;Z2) + β·D_SKL(p(z1|x1) ‖ p(z2|x2)), "
    "D_SKL = ½[E KL(p(z1|x1)‖p(z2|x2)) + E KL(p(z2|x2)‖p(z1|x1))], β annealed",
    summary="shared information by a critic bound, view-specific information by the symmetrised KL",
    inputs="forward(encoding1, encoding2, scores=None): DiagonalGaussian stochastic encoders of "
    "the two views (with samples); optional critic scores (B, B) on the samples, default "
    "cos(z1_i, z2_j)/τ",
    recipe=MethodRecipe(layout="gaussian", proj_hidden=512, proj_out=64),
)
class MIBLoss(ObjectiveLoss):
    """Multi-view information bottleneck with stochastic Gaussian encoders.

    Terms: ``I(Z1;Z2)`` lower bound (``mi_bound``: ``"infonce"``, ``"js_nwj"`` (JS-trained,
    NWJ-valued, close to the reference training) or ``"nwj"``), weight −1; ``KL(p(z1|x1) ‖
    p(z2|x2))``, an upper bound on ``I(Z1;X1|X2)`` under MIB's assumptions, weight β/2; and the
    mirror term for ``I(Z2;X2|X1)``, weight β/2. ``beta`` may be a
    :class:`~infossl.framework.Schedule` (e.g. ``ExponentialAnneal(1e-4, 1, steps)``). ``O(B² D)``.
    """

    def __init__(
        self, beta: float | Schedule = 1e-3, *, mi_bound: str = "infonce", temperature: float = 0.1
    ) -> None:
        super().__init__()
        self.beta = beta
        self.mi_bound = check_choice(mi_bound, "mi_bound", MI_BOUNDS)
        self.temperature = check_float(temperature, "temperature", low=0.0, low_open=True)

    def build_objective(self, num_views: int) -> Objective:
        kind = MI_BOUNDS[self.mi_bound].kind
        shared = mi(
            "Z1",
            "Z2",
            path=(encoder("X1", "Z1"), cross_decoder("Z1", "Z2")),
            bound=self.mi_bound,
            kind=kind,
            note="critic on the encoder samples",
        )
        kl12 = _superfluous_term(1, 2, "E KL(p(z1|x1) ‖ p(z2|x2)), Z1 and Z2 in the same space")
        kl21 = _superfluous_term(2, 1, "E KL(p(z2|x2) ‖ p(z1|x1))")
        return Objective(
            [
                WeightedTerm("mi", shared, -1.0),
                WeightedTerm("superfluous_1", kl12, 0.5, "β"),
                WeightedTerm("superfluous_2", kl21, 0.5, "β"),
            ],
            {"β": self.beta},
            name="MIB",
        )

    def forward(
        self, encoding1: DiagonalGaussian, encoding2: DiagonalGaussian, scores: Tensor | None = None
    ) -> LossOutput:
        e1 = check_gaussian(encoding1, "encoding1", need_sample=True, min_batch=2)
        e2 = check_gaussian(encoding2, "encoding2", need_sample=True, min_batch=2)
        check_same_shapes([e1.mean, e2.mean], ["encoding1.mean", "encoding2.mean"])
        info = MI_BOUNDS[self.mi_bound]
        if scores is None:  # from the checked samples: no re-validation (no graph break)
            mi_value = info.unchecked(cosine_scores(e1.sample, e2.sample, self.temperature))
        else:  # the caller's scores: validated by the bound
            mi_value = info.value(_check_scores_shape(scores, e1.mean.shape[0]))
        values = {
            "mi": mi_value,
            "superfluous_1": e1.kl(e2).mean(),
            "superfluous_2": e2.kl(e1).mean(),
        }
        return self.output(values)


# ================================================================================= CEB
@register_objective(
    "ceb",
    family="bottleneck",
    paper="Fischer, The Conditional Entropy Bottleneck, Entropy 2020; Lee, Arnab, Guadarrama, "
    "Canny & Fischer, Compressive Visual Representations, NeurIPS 2021 (C-SimCLR)",
    formula="L = β·E[KL(e(z|x) ‖ b(z|x'))] − E log[ b(z|x') / (1/K) Σ_k b(z|x'_k) ], z ~ e(z|x)",
    summary="InfoNCE through a backward encoder plus the residual (view-specific) information",
    inputs="forward(forward_encoding, backward_encoding): e(z|x) with samples and b(z|x') "
    "(row i conditions on the other view of sample i), DiagonalGaussians (B, D); sequences of "
    "equal length average several directions (e.g. both views)",
    aliases=("c_simclr",),
    recipe=MethodRecipe(layout="gaussian_backward", proj_hidden=512, proj_out=64),
)
class CEBLoss(ObjectiveLoss):
    """Conditional entropy bottleneck for two views with Gaussian forward/backward encoders.

    * residual ``I(X;Z|X') ≤ E KL(e(z|x) ‖ b(z|x'))`` (closed form), weight β;
    * ``I(X';Z) ≥ InfoNCE`` with the critic ``S_ij = log b(z_i | x'_j)``
      (:func:`infossl.bounds.infonce`), weight −1.

    Lee et al. use von Mises–Fisher encoders; Gaussian ones (Fischer's original) are used here.
    ``O(B² D)``.
    """

    def __init__(self, beta: float | Schedule = 1e-2) -> None:
        super().__init__()
        self.beta = beta

    def build_objective(self, num_views: int) -> Objective:
        residual = mi(
            "X1",
            "Z1",
            given="X2",
            path=(encoder("X1", "Z1"),),
            bound="kl_forward_backward",
            kind="upper",
            note="E KL(e(z1|x1) ‖ b(z1|x2)); residual information",
        )
        backward = PathStep(("Z1",), ("X2",), "cross_decoder", "Q")
        shared = mi(
            "X2",
            "Z1",
            path=(encoder("X1", "Z1"), backward),
            bound="infonce",
            kind="lower",
            note="critic log b(z1|x2)",
        )
        return Objective(
            [WeightedTerm("residual", residual, 1.0, "β"), WeightedTerm("mi", shared, -1.0)],
            {"β": self.beta},
            name="CEB",
        )

    def forward(
        self,
        forward_encoding: DiagonalGaussian | Sequence[DiagonalGaussian],
        backward_encoding: DiagonalGaussian | Sequence[DiagonalGaussian],
    ) -> LossOutput:
        fwd = (
            [forward_encoding]
            if isinstance(forward_encoding, DiagonalGaussian)
            else list(forward_encoding)
        )
        bwd = (
            [backward_encoding]
            if isinstance(backward_encoding, DiagonalGaussian)
            else list(backward_encoding)
        )
        if not fwd or len(fwd) != len(bwd):
            raise ValueError(
                "forward_encoding and backward_encoding must hold the same (non-zero) "
                "number of directions"
            )
        residual = shared = 0.0
        for i, (e, b) in enumerate(zip(fwd, bwd, strict=True)):
            e = check_gaussian(e, f"forward_encoding[{i}]", need_sample=True, min_batch=2)
            b = check_gaussian(b, f"backward_encoding[{i}]", min_batch=2)
            check_same_shapes([e.mean, b.mean], ["forward_encoding.mean", "backward_encoding.mean"])
            residual = residual + e.kl(b).mean()
            shared = shared + infonce_value(gaussian_log_density_matrix(e.sample, b.mean, b.std))
        return self.output({"residual": residual / len(fwd), "mi": shared / len(fwd)})


# ================================================================================= Tsai et al.
@register_objective(
    "tsai_composite",
    family="bottleneck",
    paper="Tsai, Wu, Salakhutdinov & Morency, Self-supervised Learning from a Multi-view "
    "Perspective, ICLR 2021",
    formula="L = λ_CL·L_CL + λ_FP·L_FP + λ_IP·L_IP: contrastive (InfoNCE between Z_X and Z_S), "
    "forward-predictive −log P(S|Z_X), inverse-predictive −log P(Z_X|S) (MSE)",
    summary="contrastive and forward-predictive raise I(Z;S); inverse-predictive compresses",
    inputs="forward(z, z_other, reconstruction=None, target=None, inverse_prediction=None): "
    "Z_X and Z_S (B, D); the decoder's prediction of the other view's input S and S itself "
    "(needed when λ_FP > 0); a prediction of Z_X from S (default z_other)",
    aliases=("tsai",),
    recipe=MethodRecipe(layout="cross_decoder", projector="simclr", proj_hidden=512, proj_out=128),
)
class TsaiCompositeLoss(ObjectiveLoss):
    """Tsai et al.'s composite objective; terms with weight 0 are left out.

    * ``contrastive``: InfoNCE on ``cos(z_i, z_other_j)/τ``, a lower bound on ``I(Z1;Z2) ≤
      I(Z1;X2)``, weight ``−λ_CL`` (constant ``λ_CL ln K`` so the part is the cross-entropy);
    * ``forward_predictive``: reconstruction of ``S = X2`` from ``Z1``, ``H(X2|Z1)``;
    * ``inverse_predictive``: ``mean ‖z − f(s)‖²``, a proxy for ``H(Z1|X2)``, which equals the
      compression term ``I(Z1;X1|X2)`` for a deterministic encoder.
    """

    def __init__(
        self,
        lambda_cl: float = 1.0,
        lambda_fp: float = 1.0,
        lambda_ip: float = 1.0,
        *,
        temperature: float = 0.1,
        likelihood: str = "mse",
        sigma: float = 1.0,
    ) -> None:
        super().__init__()
        self.lambda_cl = check_float(lambda_cl, "lambda_cl", low=0.0)
        self.lambda_fp = check_float(lambda_fp, "lambda_fp", low=0.0)
        self.lambda_ip = check_float(lambda_ip, "lambda_ip", low=0.0)
        if self.lambda_cl == self.lambda_fp == self.lambda_ip == 0:
            raise ValueError("at least one of lambda_cl, lambda_fp, lambda_ip must be positive")
        self.temperature = check_float(temperature, "temperature", low=0.0, low_open=True)
        self.likelihood = check_choice(likelihood, "likelihood", LIKELIHOODS)
        self.sigma = check_float(sigma, "sigma", low=0.0, low_open=True)

    def build_objective(self, num_views: int) -> Objective:
        terms, mult = [], {}
        if self.lambda_cl:
            path = (encoder("X1", "Z1"), encoder("X2", "Z2"), cross_decoder("Z2", "Z1"))
            cl = mi(
                "Z1",
                "X2",
                path=path,
                bound="infonce",
                kind="lower",
                note="critic cos(z1, z2)/τ; I(Z1;Z2) ≤ I(Z1;X2)",
            )
            terms.append(WeightedTerm("contrastive", cl, -1.0, "λ_CL"))
            mult["λ_CL"] = self.lambda_cl
        if self.lambda_fp:
            path = (encoder("X1", "Z1"), cross_decoder("Z1", "X2"))
            fp = reconstruction_term(
                "X2", "Z1", path, self.likelihood, "forward predictive −log P(S|Z_X)"
            )
            terms.append(WeightedTerm("forward_predictive", fp, 1.0, "λ_FP"))
            mult["λ_FP"] = self.lambda_fp
        if self.lambda_ip:
            path = (encoder("X2", "Z2"), cross_decoder("Z2", "Z1"))
            ip = entropy(
                "Z1",
                given="X2",
                path=path,
                bound="mse",
                kind="proxy",
                note="inverse predictive −log P(Z_X|S); = I(Z1;X1|X2) if deterministic",
            )
            terms.append(WeightedTerm("inverse_predictive", ip, 1.0, "λ_IP"))
            mult["λ_IP"] = self.lambda_ip
        const = "λ_CL·ln K" if self.lambda_cl else ""
        return Objective(terms, mult, name="Tsai et al.", constant_text=const)

    def forward(
        self,
        z: Tensor,
        z_other: Tensor,
        reconstruction: Tensor | None = None,
        target: Tensor | None = None,
        inverse_prediction: Tensor | None = None,
    ) -> LossOutput:
        z = check_embedding(z, "z", min_batch=2, need="for negatives")
        z_other = check_embedding(z_other, "z_other", min_batch=2)
        check_same_shapes([z, z_other], ["z", "z_other"])
        values: dict[str, Tensor] = {}
        constant = 0.0
        if self.lambda_cl:
            values["contrastive"] = infonce_value(cosine_scores(z, z_other, self.temperature))
            constant = self.lambda_cl * math.log(z.shape[0])
        if self.lambda_fp:
            values["forward_predictive"] = required_reconstruction_loss(
                reconstruction, target, self.likelihood, sigma=self.sigma, needed_by="lambda_fp > 0"
            )
        if self.lambda_ip:
            pred = (
                z_other
                if inverse_prediction is None
                else check_embedding(inverse_prediction, "inverse_prediction")
            )
            check_same_shapes([z, pred], ["z", "inverse_prediction"])
            values["inverse_predictive"] = (z - pred).square().sum(dim=1).mean()
        return self.output(values, constant=constant)


# ================================================================================= Dubois
@register_objective(
    "dubois_rd",
    family="bottleneck",
    paper="Dubois, Bloem-Reddy, Ullrich & Maddison, Lossy Compression for Lossless Prediction, "
    "NeurIPS 2021 (review Eq. 6, read as I(X1;Z1) + β·H(M(X1)|Z1))",
    formula="L = E KL(p(z1|x1) ‖ r(z1)) + β·[ln K − InfoNCE(z1, m(x1))], M a maximal invariant "
    "(here the other augmented view)",
    summary="rate of a stochastic code plus an invariance distortion",
    inputs="forward(encoding, z_other, prior=None): DiagonalGaussian p(z1|x1) with samples, the "
    "representation of the other view (B, D), an optional Gaussian prior r(z)",
    aliases=("dubois",),
    recipe=MethodRecipe(layout="gaussian_contrastive", proj_out=128),
)
class DuboisLoss(ObjectiveLoss):
    """Rate–distortion SSL: ``rate ≥ I(X1;Z1)`` plus ``β·H(M|Z1) = β·(H(M) − I(M;Z1))``.

    The distortion is bounded with InfoNCE on ``cos(z1_i, m_j)/τ`` (``I(M;Z1)`` lower bound,
    weight −β); the constant ``β ln K`` makes it the contrastive cross-entropy. ``O(B² D)``.
    """

    def __init__(self, beta: float | Schedule = 1.0, *, temperature: float = 0.1) -> None:
        super().__init__()
        self.beta = beta
        self.temperature = check_float(temperature, "temperature", low=0.0, low_open=True)

    def build_objective(self, num_views: int) -> Objective:
        inv = mi(
            "M",
            "Z1",
            path=(encoder("X1", "Z1"), cross_decoder("Z1", "M")),
            bound="infonce",
            kind="lower",
            note="M = maximal invariant of X1 (the augmentation orbit, here the other view)",
        )
        return Objective(
            [
                WeightedTerm("rate", rate_term("X1", "Z1")),
                WeightedTerm("invariance", inv, -1.0, "β"),
            ],
            {"β": self.beta},
            name="Dubois rate–distortion",
            constant_text="β·ln K",
        )

    def forward(
        self, encoding: DiagonalGaussian, z_other: Tensor, prior: DiagonalGaussian | None = None
    ) -> LossOutput:
        e = check_gaussian(encoding, "encoding", need_sample=True, min_batch=2)
        z_other = check_embedding(z_other, "z_other", min_batch=2)
        check_same_shapes([e.sample, z_other], ["encoding.sample", "z_other"])
        if prior is not None:
            check_gaussian(prior, "prior")
        values = {
            "rate": gaussian_rate(e, prior),
            "invariance": infonce_value(cosine_scores(e.sample, z_other, self.temperature)),
        }
        beta = value_at(self.objective.multipliers["β"], self.step)
        return self.output(values, constant=beta * math.log(z_other.shape[0]))


# ================================================================================= Eq. 7
@register_objective(
    "implicit_compression",
    family="bottleneck",
    paper="Shwartz-Ziv & LeCun, To Compress or Not to Compress, Entropy 2024, Eq. 7",
    formula="L = −Ĥ(Z1) − E[log q(z1|z2)], q(z1|z2) = N(μ(z2), σ²I): "
    "I(Z1;Z2) = H(Z1) − H(Z1|Z2) ≥ H(Z1) + E log q(z1|z2)",
    summary="explicit entropy plus a Gaussian cross-decoder likelihood",
    inputs="forward(z1, prediction): Z1 (B, D) and the cross-decoder's prediction of z1 from z2, "
    "a (B, D) mean (σ = sigma) or a DiagonalGaussian q(z1|z2)",
    aliases=("eq7",),
    recipe=MethodRecipe(
        layout="cross_predictor", projector="simclr", predictor="byol", proj_out=64
    ),
)
class ImplicitCompressionLoss(ObjectiveLoss):
    """The review's Eq. 7 as a loss, with a pluggable entropy estimator for ``H(Z1)``.

    Terms: ``Ĥ(Z1)`` (kind of the estimator; default the Gaussian upper bound), weight −1, and
    ``−E log q(z1|z2)`` in nats, an upper bound on ``H(Z1|Z2)``, weight +1. Diagnostic: their
    difference, ``Î(Z1;Z2)`` (a lower bound only when ``Ĥ`` is exact or a lower bound).
    """

    def __init__(
        self,
        estimator: str = "gaussian",
        *,
        sigma: float = 1.0,
        eps: float = 1e-4,
        beta: float = 1.0,
        entropy_sigma: float = 1.0,
        k: int = 1,
    ) -> None:
        super().__init__()
        self.estimator = check_choice(estimator, "estimator", ENTROPY_ESTIMATORS)
        self.sigma = check_float(sigma, "sigma", low=0.0, low_open=True)
        self.eps, self.beta, self.entropy_sigma, self.k = eps, beta, entropy_sigma, k
        self._entropy = get_entropy_estimator(
            self.estimator, eps=eps, beta=beta, sigma=entropy_sigma, k=k
        )

    def build_objective(self, num_views: int) -> Objective:
        est = self._entropy
        h = entropy("Z1", path=(encoder("X1", "Z1"),), bound=est.name, kind=est.kind, note=est.note)
        path = (encoder("X2", "Z2"), cross_decoder("Z2", "Z1"))
        cond = entropy(
            "Z1",
            given="Z2",
            path=path,
            bound="gaussian_nll",
            kind="upper",
            note="cross-decoder q(z1|z2) = N(μ(z2), σ²I)",
        )
        return Objective(
            [WeightedTerm("entropy", h, -1.0), WeightedTerm("conditional", cond)],
            name="Implicit compression (Eq. 7)",
        )

    def forward(self, z1: Tensor, prediction: Tensor | DiagonalGaussian) -> LossOutput:
        z1 = check_embedding(
            z1,
            "z1",
            min_batch=self._entropy.min_batch,
            need=f"for the {self._entropy.name} entropy estimator",
        )
        if isinstance(prediction, DiagonalGaussian):
            q = check_gaussian(prediction, "prediction")
        else:
            mean = check_embedding(prediction, "prediction")
            q = DiagonalGaussian(mean, torch.full_like(mean, self.sigma))
        check_same_shapes([z1, q.mean], ["z1", "prediction"])
        h = self._entropy(z1, "z1")
        cond = -q.log_prob(z1).mean()
        kind = "lower" if self._entropy.kind in ("point", "lower") else "proxy"
        diag = {
            "mi": TermValue(
                h.detach() - cond.detach(),
                mi(
                    "Z1",
                    "Z2",
                    bound=f"{self._entropy.name}_minus_gaussian_nll",
                    kind=kind,
                    note="Ĥ(Z1) + E log q(z1|z2)",
                ),
            )
        }
        return self.output({"entropy": h, "conditional": cond}, diagnostics=diag)


# ================================================================================= Eq. 9
@register_objective(
    "dont_compress",
    family="bottleneck",
    paper="Wang, Lin, Zhang, Zhong & Lin, Rethinking Minimal Sufficient Representation in "
    "Contrastive Learning, CVPR 2022; the review's Eq. 9",
    formula="L = L_SSL + λ·Σ_v E[−log q(x_v|z_v)]: −I(X1;Z1) − I(X2;Z2) − β·I(Z1;Z2) with the "
    "reconstructions as Barber–Agakov bounds",
    summary="any SSL objective plus per-view reconstruction, to keep view-specific information",
    inputs="forward(*ssl_inputs, reconstructions, targets, **ssl_kwargs): the wrapped loss's "
    "inputs, then per-view decoder outputs and inputs (sequences of (B, ...) tensors)",
    aliases=("eq9",),
    recipe=MethodRecipe(layout="ssl_decoder", projector="simclr"),
)
class DontCompressLoss(ObjectiveLoss):
    """Reconstruction-regularised SSL (Eq. 9): ``L = L_SSL + λ_rec·Σ_v H(X_v|Z_v) bound``.

    ``ssl`` is a registered objective name (built with ``ssl_params``) or an objective module.
    The terms are the wrapped loss's (prefixed ``ssl/``) plus ``rec/reconstruction_v`` per view
    (Barber–Agakov: minimising them *raises* a lower bound on ``I(X_v;Z_v)``).
    """

    def __init__(
        self,
        ssl: str | ObjectiveLoss = "simclr",
        rec_weight: float = 1.0,
        *,
        likelihood: str = "mse",
        sigma: float = 1.0,
        ssl_params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        if isinstance(ssl, str):
            ssl = get_objective(ssl, **dict(ssl_params or {}))
        elif ssl_params:
            raise ValueError("ssl_params is only used when ssl is a name")
        if not isinstance(ssl, ObjectiveLoss) or isinstance(ssl, DontCompressLoss):
            raise TypeError("ssl must be an objective name or a (non-nested) objective module")
        self.ssl = ssl
        self.rec_weight = check_float(rec_weight, "rec_weight", low=0.0)
        self.likelihood = check_choice(likelihood, "likelihood", LIKELIHOODS)
        self.sigma = check_float(sigma, "sigma", low=0.0, low_open=True)

    def _reconstruction_objective(self, num_views: int) -> Objective:
        terms = []
        for v in range(1, num_views + 1):
            x, z = f"X{v}", f"Z{v}"
            term = reconstruction_term(
                x,
                z,
                (encoder(x, z), direct_decoder(z, x)),
                self.likelihood,
                f"Barber–Agakov: I({x};{z}) ≥ H({x}) − this",
            )
            terms.append(WeightedTerm(f"reconstruction_{v}", term, 1.0, "λ_rec"))
        return Objective(terms, {"λ_rec": self.rec_weight}, name="reconstruction")

    def build_objective(self, num_views: int) -> Objective:
        inner = self.ssl.objective_for(num_views)
        rec = self._reconstruction_objective(num_views)
        terms = [
            WeightedTerm(f"ssl/{t.name}", t.term, t.coefficient, t.multiplier) for t in inner.terms
        ]
        terms += [
            WeightedTerm(f"rec/{t.name}", t.term, t.coefficient, t.multiplier) for t in rec.terms
        ]
        return Objective(
            terms,
            {**inner.multipliers, **rec.multipliers},
            name=f"{inner.name} + reconstruction (Eq. 9)",
            constant_text=inner.constant_text,
        )

    def set_step(self, step: int) -> None:
        super().set_step(step)
        self.ssl.set_step(step)

    def forward(
        self,
        *ssl_inputs: Any,
        reconstructions: Sequence[Tensor],
        targets: Sequence[Tensor],
        **ssl_kwargs: Any,
    ) -> LossOutput:
        recs, targs = list(reconstructions), list(targets)
        if len(recs) != len(targs) or not recs:
            raise ValueError(
                "reconstructions and targets must hold the same (non-zero) number of views"
            )
        inner = self.ssl(*ssl_inputs, **ssl_kwargs)
        values = {}
        for v, (r, t) in enumerate(zip(recs, targs, strict=True), start=1):
            r, t = check_reconstruction(r, t, f"reconstructions[{v - 1}]", f"targets[{v - 1}]")
            values[f"reconstruction_{v}"] = reconstruction_loss(
                r, t, self.likelihood, sigma=self.sigma
            )
        rec = self._reconstruction_objective(len(recs)).evaluate(values, step=self.step)
        return combine({"ssl": inner, "rec": rec})


__all__ = [
    "MI_BOUNDS",
    "CEBLoss",
    "DontCompressLoss",
    "DuboisLoss",
    "ImplicitCompressionLoss",
    "MIBLoss",
    "TsaiCompositeLoss",
    "cosine_scores",
    "gaussian_log_density_matrix",
]

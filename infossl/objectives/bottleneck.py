"""Information-bottleneck objectives with labels or reconstructions (review §3.2).

* :class:`VIBLoss`: supervised IB (Eq. 1/3) as the deep variational IB of Alemi et al.;
* :class:`MultiViewIBLoss`: multiview supervised IB (Wang et al. 2019);
* :class:`SemiSupervisedIBLoss`: semi-supervised IB (Voloshynovskiy et al. 2020, Eq. 5);
* :class:`BetaVAELoss`: unsupervised IB, with the VAE (β = 1) and β-VAE as special cases.

Rates use the variational upper bound ``I(X;Z) ≤ E_x KL(p(z|x) ‖ r(z))``
(:func:`infossl.bounds.gaussian_kl_upper_bound`); predictions use cross-entropies, upper bounds on
``H(Y|Z)`` (so that ``H(Y) − CE`` is the Barber–Agakov lower bound on ``I(Z;Y)``). The IB
multiplier sits on the rate, as in VIB: ``L = CE + β·rate`` is Eq. 3 with ``β_VIB = 1/β_Eq.3``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from infossl._checks import check_choice, check_float
from infossl.framework import (
    InfoTerm,
    LossOutput,
    Objective,
    PathStep,
    Schedule,
    TermValue,
    WeightedTerm,
    data,
    direct_decoder,
    divergence,
    encoder,
    entropy,
    label_decoder,
    mi,
)
from infossl.nn.stochastic import DiagonalGaussian
from infossl.objectives._base import ObjectiveLoss, register_objective
from infossl.objectives._inputs import check_embedding, check_gaussian, check_labels
from infossl.objectives._likelihood import (
    LIKELIHOODS,
    check_reconstruction,
    reconstruction_loss,
    reconstruction_term,
    required_reconstruction_loss,
)
from infossl.objectives.recipe import MethodRecipe


def gaussian_rate(encoding: DiagonalGaussian, prior: DiagonalGaussian | None = None) -> Tensor:
    """``E_x KL(p(z|x) ‖ r(z))`` with ``r = N(0, I)`` or a Gaussian ``prior`` (``(1, D)`` or
    ``(B, D)``): the value of :func:`infossl.bounds.gaussian_kl_upper_bound`, computed from the
    (already checked) encoding's closed-form KL, without re-validating its tensors."""
    if prior is None:
        return encoding.kl_standard_normal().mean()
    return encoding.kl(prior).mean()


def rate_term(x: str, z: str, *, bound: str = "kl_standard_normal", note: str = "") -> InfoTerm:
    """``I(x;z)`` upper bound along the encoder ``P(x), P(z|x)``."""
    return mi(
        x,
        z,
        path=(data(x), encoder(x, z)),
        bound=bound,
        kind="upper",
        note=note or "KL(p(z|x) ‖ N(0, I)); tight iff the prior is the marginal p(z)",
    )


def _label_prediction_term(
    encoders: Sequence[PathStep], given: str | list[str], note: str
) -> InfoTerm:
    """``H(Y|given)`` upper bound: the label decoder's cross-entropy ``E[−log q(y|z)]``."""
    path = (*encoders, label_decoder(given))
    return entropy("Y", given=given, path=path, bound="cross_entropy", kind="upper", note=note)


def plug_in_label_entropy(labels: Tensor, num_classes: int) -> Tensor:
    """Entropy of the batch label frequencies, ``−Σ_y p̂(y) ln p̂(y)`` (nats).

    Counts by comparison with ``arange(num_classes)`` (a fixed-size result, unlike ``bincount``,
    so that a compiled loss keeps one graph). ``O(B·C)``.
    """
    classes = torch.arange(num_classes, device=labels.device)
    counts = (labels[:, None] == classes).sum(dim=0).to(torch.float64)
    p = counts / counts.sum()
    return -(torch.special.xlogy(p, p)).sum()


def _check_rows(logits: Tensor, n: int, name: str = "logits") -> Tensor:
    logits = check_embedding(logits, name)
    if logits.shape[0] != n:
        raise ValueError(f"{name} has {logits.shape[0]} rows but the encoding has {n}")
    if logits.shape[1] < 2:
        raise ValueError(f"{name} must score at least 2 classes, got {logits.shape[1]}")
    return logits


# ================================================================================= VIB
@register_objective(
    "vib",
    family="bottleneck",
    paper="Alemi, Fischer, Dillon & Murphy, Deep Variational Information Bottleneck, ICLR 2017; "
    "the review's Eq. 3",
    formula="L = E[−log q(y|z)] + β·E_x KL(p(z|x) ‖ N(0, I)), z ~ p(z|x)",
    summary="supervised IB: predict the label from a stochastic code, penalise the rate",
    inputs="forward(encoding, logits, labels): DiagonalGaussian p(z|x), label-decoder logits "
    "(B, C) computed on encoding.sample, integer labels (B,)",
    aliases=("supervised_ib",),
    recipe=MethodRecipe(layout="supervised", proj_out=32, optimizer="adamw"),
)
class VIBLoss(ObjectiveLoss):
    """Deep variational IB. Terms: ``H(Y|Z)`` upper bound (cross-entropy), ``I(X;Z)`` upper bound.

    Diagnostic (Eq. 4, the superfluous/predictive split): ``rate + CE − H(Y) ≥ I(X;Z) − I(Z;Y) =
    I(X;Z|Y)`` for ``Y − X − Z``, with ``H(Y)`` = ``label_entropy`` or the batch plug-in. ``β`` may
    be a :class:`~infossl.framework.Schedule`. ``O(B·(D + C))``.
    """

    def __init__(
        self, beta: float | Schedule = 1e-3, *, label_entropy: float | None = None
    ) -> None:
        super().__init__()
        self.beta = beta
        self.label_entropy = (
            None if label_entropy is None else check_float(label_entropy, "label_entropy", low=0.0)
        )

    def build_objective(self, num_views: int) -> Objective:
        pred = _label_prediction_term(
            (data("X"), encoder("X", "Z")), "Z", "Barber–Agakov: I(Z;Y) ≥ H(Y) − this"
        )
        return Objective(
            [WeightedTerm("prediction", pred), WeightedTerm("rate", rate_term("X", "Z"), 1.0, "β")],
            {"β": self.beta},
            name="VIB",
        )

    def forward(self, encoding: DiagonalGaussian, logits: Tensor, labels: Tensor) -> LossOutput:
        encoding = check_gaussian(encoding, "encoding")
        n = encoding.mean.shape[0]
        logits = _check_rows(logits, n)
        labels = check_labels(labels, "labels", n, logits.shape[1])
        ce = F.cross_entropy(logits, labels)
        rate = gaussian_rate(encoding)
        h_y = (
            plug_in_label_entropy(labels, logits.shape[1])
            if self.label_entropy is None
            else torch.tensor(self.label_entropy, dtype=torch.float64, device=ce.device)
        )
        superfluous = rate.detach() + ce.detach() - h_y.to(ce.dtype)
        diag = {
            "superfluous": TermValue(
                superfluous,
                mi(
                    "X",
                    "Z",
                    given="Y",
                    bound="rate_plus_ce_minus_h_y",
                    kind="upper",
                    note="Eq. 4: I(X;Z) = I(X;Z|Y) + I(Z;Y); H(Y) from the batch unless given",
                ),
            )
        }
        return self.output({"prediction": ce, "rate": rate}, diagnostics=diag)


# ================================================================================= multiview IB
@register_objective(
    "multiview_ib",
    family="bottleneck",
    paper="Wang, Wang, Zhang & Shen, Deep Multi-View Information Bottleneck, SDM 2019 (review "
    "§3.2.3)",
    formula="L = α·I(X1;Z1) + β·I(X2;Z2) − I(Z1,Z2;Y), rates as KL to N(0, I), the last term "
    "through the joint label decoder Q(Y|Z1,Z2)",
    summary="supervised IB with one stochastic encoder per view and a joint label decoder",
    inputs="forward(encodings, logits, labels): one DiagonalGaussian per view, joint-decoder "
    "logits (B, C) on the concatenated samples, integer labels (B,)",
    aliases=("mvib",),
    recipe=MethodRecipe(layout="multiview_supervised", proj_out=32, optimizer="adamw"),
)
class MultiViewIBLoss(ObjectiveLoss):
    """Deep multiview IB. ``rate_weights`` holds one multiplier per view (α, β for two views)."""

    def __init__(self, rate_weights: Sequence[float | Schedule] = (1e-3, 1e-3)) -> None:
        super().__init__()
        weights = list(rate_weights)
        if len(weights) < 2:
            raise ValueError(f"rate_weights needs one weight per view (≥ 2), got {len(weights)}")
        self.rate_weights = tuple(weights)

    def _names(self) -> list[str]:
        if len(self.rate_weights) == 2:
            return ["α", "β"]
        return [f"β{v}" for v in range(1, len(self.rate_weights) + 1)]

    def build_objective(self, num_views: int) -> Objective:
        v_count = len(self.rate_weights)
        zs = [f"Z{v}" for v in range(1, v_count + 1)]
        encoders = [encoder(f"X{v}", f"Z{v}") for v in range(1, v_count + 1)]
        pred = _label_prediction_term(encoders, zs, "joint label decoder; I(Z1,Z2;Y) ≥ H(Y) − this")
        terms = [WeightedTerm("prediction", pred)]
        names = self._names()
        for v in range(1, v_count + 1):
            terms.append(WeightedTerm(f"rate_{v}", rate_term(f"X{v}", f"Z{v}"), 1.0, names[v - 1]))
        return Objective(
            terms, dict(zip(names, self.rate_weights, strict=True)), name="Multiview IB"
        )

    def forward(
        self, encodings: Sequence[DiagonalGaussian], logits: Tensor, labels: Tensor
    ) -> LossOutput:
        encodings = list(encodings)
        if len(encodings) != len(self.rate_weights):
            raise ValueError(
                f"encodings holds {len(encodings)} views but rate_weights has "
                f"{len(self.rate_weights)} entries"
            )
        encodings = [check_gaussian(e, f"encodings[{i}]") for i, e in enumerate(encodings)]
        n = encodings[0].mean.shape[0]
        for i, e in enumerate(encodings[1:], start=1):
            if e.mean.shape[0] != n:
                raise ValueError(f"encodings[{i}] has {e.mean.shape[0]} rows, encodings[0] {n}")
        logits = _check_rows(logits, n)
        labels = check_labels(labels, "labels", n, logits.shape[1])
        values = {"prediction": F.cross_entropy(logits, labels)}
        for v, e in enumerate(encodings, start=1):
            values[f"rate_{v}"] = gaussian_rate(e)
        return self.output(values)


# ================================================================================= semi-supervised
@register_objective(
    "semi_supervised_ib",
    family="bottleneck",
    paper="Voloshynovskiy, Taran, Kondah, Holotyak & Rezende, Variational Information "
    "Bottleneck for Semi-Supervised Classification, Entropy 2020 (review Eq. 5)",
    formula="L = E KL(q(z|x) ‖ p(z)) + β_x·E[−log p(x|z)] + β_y·(E_labelled[−log p(y|z)] + "
    "KL(p̂(ŷ) ‖ p(y)))",
    summary="IB with few labels: rate, optional reconstruction, supervised CE and label-marginal "
    "matching",
    inputs="forward(encoding, logits, labels, reconstruction=None, target=None, prior=None): "
    "labels (B,) with −1 for unlabelled rows; prior a DiagonalGaussian when prior='learnable'",
    aliases=("ssib",),
    recipe=MethodRecipe(layout="supervised", proj_out=32, optimizer="adamw"),
)
class SemiSupervisedIBLoss(ObjectiveLoss):
    """Semi-supervised IB with a handcrafted ``N(0, I)`` or a learnable Gaussian prior on ``Z``.

    Terms: rate ``I(X;Z)`` (upper bound), reconstruction ``H(X|Z)`` (when ``beta_x > 0``),
    supervised ``H(Y|Z)`` on the labelled rows (upper bound; 0 when the batch has none), and the
    label-marginal divergence ``KL(p̂(ŷ) ‖ p(y))`` between the batch mean of the classifier's
    distributions and the label prior (uniform unless ``label_prior`` is given). The variant with
    an extra latent ``M`` after ``Z`` is not included; a learnable prior on ``Z`` plays that role
    here. ``O(B·(D + C))``.
    """

    def __init__(
        self,
        beta_x: float | Schedule = 0.0,
        beta_y: float | Schedule = 1.0,
        *,
        prior: str = "handcrafted",
        likelihood: str = "mse",
        sigma: float = 1.0,
        label_prior: Sequence[float] | None = None,
    ) -> None:
        super().__init__()
        self.beta_x = beta_x
        self.beta_y = beta_y
        self.prior = check_choice(prior, "prior", ("handcrafted", "learnable"))
        self.likelihood = check_choice(likelihood, "likelihood", LIKELIHOODS)
        self.sigma = check_float(sigma, "sigma", low=0.0, low_open=True)
        self.label_prior = None if label_prior is None else tuple(float(p) for p in label_prior)
        if self.label_prior is not None:
            p = torch.tensor(self.label_prior)
            if (p <= 0).any() or abs(float(p.sum()) - 1.0) > 1e-6:
                raise ValueError("label_prior must be positive and sum to 1")
        self._uses_reconstruction = not (isinstance(beta_x, (int, float)) and beta_x == 0)

    def build_objective(self, num_views: int) -> Objective:
        bound = "kl_standard_normal" if self.prior == "handcrafted" else "kl_learned_prior"
        note = (
            "KL to N(0, I)" if self.prior == "handcrafted" else "KL to a learnable Gaussian prior"
        )
        terms = [WeightedTerm("rate", rate_term("X", "Z", bound=bound, note=note))]
        mult: dict[str, float | Schedule] = {"β_y": self.beta_y}
        if self._uses_reconstruction:
            path = (data("X"), encoder("X", "Z"), direct_decoder("Z", "X"))
            rec = reconstruction_term("X", "Z", path, self.likelihood)
            terms.append(WeightedTerm("reconstruction", rec, 1.0, "β_x"))
            mult["β_x"] = self.beta_x
        sup = _label_prediction_term((data("X"), encoder("X", "Z")), "Z", "labelled rows only")
        marg = divergence(
            "P_Ŷ",
            "P_Y",
            bound="plug_in",
            kind="point",
            note="batch-mean classifier distribution vs the label prior",
        )
        terms += [
            WeightedTerm("supervised", sup, 1.0, "β_y"),
            WeightedTerm("label_marginal", marg, 1.0, "β_y"),
        ]
        return Objective(terms, mult, name="Semi-supervised IB")

    def forward(
        self,
        encoding: DiagonalGaussian,
        logits: Tensor,
        labels: Tensor,
        reconstruction: Tensor | None = None,
        target: Tensor | None = None,
        prior: DiagonalGaussian | None = None,
    ) -> LossOutput:
        encoding = check_gaussian(encoding, "encoding")
        n = encoding.mean.shape[0]
        logits = _check_rows(logits, n)
        c = logits.shape[1]
        labels = check_labels(labels, "labels", n, c, allow_unlabelled=True)
        if self.prior == "learnable":
            if prior is None:
                raise ValueError("prior='learnable' needs the prior DiagonalGaussian in forward")
            check_gaussian(prior, "prior")
        elif prior is not None:
            raise ValueError("a prior was passed but this loss was built with prior='handcrafted'")
        values = {"rate": gaussian_rate(encoding, prior)}
        if self._uses_reconstruction:
            values["reconstruction"] = required_reconstruction_loss(
                reconstruction, target, self.likelihood, sigma=self.sigma, needed_by="beta_x > 0"
            )
        labelled = (labels >= 0).to(logits.dtype)
        ce = F.cross_entropy(logits, labels.clamp_min(0), reduction="none")
        values["supervised"] = (ce * labelled).sum() / labelled.sum().clamp_min(1.0)
        p_hat = F.softmax(logits, dim=1).mean(dim=0)
        if self.label_prior is None:
            log_prior = torch.full_like(p_hat, -math.log(c))
        else:
            if len(self.label_prior) != c:
                raise ValueError(f"label_prior has {len(self.label_prior)} classes, logits {c}")
            log_prior = torch.log(
                torch.tensor(self.label_prior, dtype=p_hat.dtype, device=p_hat.device)
            )
        values["label_marginal"] = (torch.special.xlogy(p_hat, p_hat) - p_hat * log_prior).sum()
        return self.output(values)


# ================================================================================= β-VAE
@register_objective(
    "beta_vae",
    family="bottleneck",
    paper="Higgins et al., β-VAE, ICLR 2017; Alemi et al., Fixing a Broken ELBO, ICML 2018; "
    "the review's unsupervised IB (§3.2.5)",
    formula="L = E_q[−log p(x|z)] + β·E_x KL(q(z|x) ‖ N(0, I))  (β = 1: the VAE)",
    summary="unsupervised IB: distortion through the direct decoder plus β times the rate",
    inputs="forward(encoding, reconstruction, target): DiagonalGaussian q(z|x), decoder output on "
    "encoding.sample and the input, each (B, ...)",
    aliases=("vae", "unsupervised_ib"),
    recipe=MethodRecipe(layout="gaussian_decoder", proj_hidden=512, proj_out=32, optimizer="adamw"),
)
class BetaVAELoss(ObjectiveLoss):
    """Unsupervised IB: ``L = distortion + β·rate`` (Alemi's D + βR).

    Distortion ``E[−log q(x|z)]`` upper-bounds ``H(X|Z)`` (so ``H(X) − D ≤ I(X;Z)``, the
    review's ``I(Z;X̄)`` through the direct decoder) and the rate ``R ≥ I(X;Z)``. The review's
    ``I(X;Z) − β' I(Z;X̄)`` is this with ``β = 1/β'``. Default likelihood: Gaussian (σ = 1), nats.
    """

    def __init__(
        self, beta: float | Schedule = 1.0, *, likelihood: str = "gaussian", sigma: float = 1.0
    ) -> None:
        super().__init__()
        self.beta = beta
        self.likelihood = check_choice(likelihood, "likelihood", LIKELIHOODS)
        self.sigma = check_float(sigma, "sigma", low=0.0, low_open=True)

    def build_objective(self, num_views: int) -> Objective:
        path = (data("X"), encoder("X", "Z"), direct_decoder("Z", "X"))
        dist = reconstruction_term(
            "X", "Z", path, self.likelihood, "distortion D; I(X;Z) ≥ H(X) − D"
        )
        return Objective(
            [
                WeightedTerm("distortion", dist),
                WeightedTerm("rate", rate_term("X", "Z", note="rate R"), 1.0, "β"),
            ],
            {"β": self.beta},
            name="β-VAE",
        )

    def forward(
        self, encoding: DiagonalGaussian, reconstruction: Tensor, target: Tensor
    ) -> LossOutput:
        encoding = check_gaussian(encoding, "encoding")
        reconstruction, target = check_reconstruction(reconstruction, target)
        if target.shape[0] != encoding.mean.shape[0]:
            raise ValueError(
                f"target has {target.shape[0]} rows but the encoding has {encoding.mean.shape[0]}"
            )
        values = {
            "distortion": reconstruction_loss(
                reconstruction, target, self.likelihood, sigma=self.sigma
            ),
            "rate": gaussian_rate(encoding),
        }
        return self.output(values)


__all__ = [
    "BetaVAELoss",
    "MultiViewIBLoss",
    "SemiSupervisedIBLoss",
    "VIBLoss",
    "gaussian_rate",
    "plug_in_label_entropy",
    "rate_term",
]

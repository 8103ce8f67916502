"""The n-view information objective (review §6 and §3.5 (j)).

With views ``X1..Xn`` the naive extension of InfoMax is "maximise ``I(Z1;…;Zn)`` and compress each
``I(Xi;Zi)``". For ``n > 2`` the multivariate information is ambiguous, so the reading is explicit
and shows in the term label:

* ``mode="pairwise"``: the average pairwise shared information ``mean_{a<b} I(Za;Zb)``, each
  bounded below by InfoNCE (:func:`infossl.bounds.infonce`, symmetric, cosine critic);
* ``mode="total_correlation"``: ``TC(Z1;…;Zn) = Σ H(Zi) − H(Z1,…,Zn)`` measured by its Gaussian
  (second-order) value ``½[Σ log det(Σ_i + εI) − log det(Σ_joint + εI)]``: exact for jointly
  Gaussian representations, otherwise a proxy of linear dependence (at n = 2 it is the
  log-determinant MI of CorInfoMax).

Optional compression: with stochastic encoders (``DiagonalGaussian`` inputs) and
``rate_weight > 0``, each view adds ``β·KL(p(z_i|x_i) ‖ N(0, I)) ≥ β·I(Xi;Zi)``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from infossl._checks import check_choice, check_float
from infossl.framework import (
    LossOutput,
    Objective,
    Schedule,
    WeightedTerm,
    encoder,
    total_correlation,
)
from infossl.nn.stochastic import DiagonalGaussian
from infossl.objectives._base import ObjectiveLoss, register_objective, unordered_pairs
from infossl.objectives._inputs import as_views, check_gaussian, upcast
from infossl.objectives._labels import views_mi
from infossl.objectives.bottleneck import gaussian_rate, rate_term
from infossl.objectives.contrastive import infonce_value
from infossl.objectives.entropy import covariance
from infossl.objectives.recipe import MethodRecipe
from infossl.objectives.selfsupervised_ib import cosine_scores

MODES: tuple[str, ...] = ("pairwise", "total_correlation")


def gaussian_total_correlation(views: list[Tensor], eps: float = 1e-3) -> Tensor:
    """``½ [Σ_i log det(Σ_i + εI) − log det(Σ_joint + εI)]`` in nats (``O(N (nD)² + (nD)³)``).

    Computed in float32 for bf16/fp16 views.
    """
    views = [upcast(v) for v in views]
    joint = torch.cat(views, dim=1)
    eye = torch.eye(joint.shape[1], dtype=joint.dtype, device=joint.device)
    total = -torch.linalg.slogdet(covariance(joint) + eps * eye)[1]
    for z in views:
        d = z.shape[1]
        total = total + torch.linalg.slogdet(covariance(z) + eps * eye[:d, :d])[1]
    return 0.5 * total


@register_objective(
    "nview_infomax",
    family="multi-view",
    paper="Shwartz-Ziv & LeCun, To Compress or Not to Compress, Entropy 2024, §6 (more than two "
    "views)",
    formula="L = −Î(Z1;…;Zn) + β·Σ_i I(Xi;Zi) bound, Î = mean_{a<b} InfoNCE(Za;Zb) (pairwise) "
    "or the Gaussian total correlation (total_correlation)",
    summary="n-view InfoMax with an explicit choice of multivariate information",
    inputs="forward(*views): n ≥ 2 embeddings (B, D), or DiagonalGaussians (their samples are "
    "used) when rate_weight > 0",
    aliases=("multiview_infomax",),
    recipe=MethodRecipe(),
)
class NViewInfoMaxLoss(ObjectiveLoss):
    """Maximise the information shared by n views, pairwise (InfoNCE) or as a total correlation.

    ``O(n² B² D)`` (pairwise) or ``O(B (nD)² + (nD)³)`` (total correlation).
    """

    def __init__(
        self,
        mode: str = "pairwise",
        *,
        temperature: float = 0.1,
        eps: float = 1e-3,
        rate_weight: float | Schedule = 0.0,
    ) -> None:
        super().__init__()
        self.mode = check_choice(mode, "mode", MODES)
        self.temperature = check_float(temperature, "temperature", low=0.0, low_open=True)
        self.eps = check_float(eps, "eps", low=0.0, low_open=True)
        self.rate_weight = rate_weight
        self._compress = not (isinstance(rate_weight, (int, float)) and rate_weight == 0)

    def build_objective(self, num_views: int) -> Objective:
        if self.mode == "pairwise":
            shared = views_mi(
                num_views,
                bound="infonce",
                kind="lower",
                note="average pairwise reading of I(Z1;…;Zn); symmetric InfoNCE",
            )
        else:
            zs = [f"Z{v}" for v in range(1, num_views + 1)]
            path = tuple(encoder(f"X{v}", f"Z{v}") for v in range(1, num_views + 1))
            shared = total_correlation(
                zs,
                path=path,
                bound="gaussian_logdet",
                kind="proxy",
                note="second-order (Gaussian) total correlation; exact if jointly Gaussian",
            )
        terms = [WeightedTerm("shared", shared, -1.0)]
        mult: dict[str, float | Schedule] = {}
        if self._compress:
            for v in range(1, num_views + 1):
                terms.append(WeightedTerm(f"rate_{v}", rate_term(f"X{v}", f"Z{v}"), 1.0, "β"))
            mult["β"] = self.rate_weight
        return Objective(terms, mult, name=f"n-view InfoMax ({self.mode})")

    def forward(self, *views: Tensor | DiagonalGaussian) -> LossOutput:
        items = (
            list(views[0])
            if len(views) == 1 and isinstance(views[0], (list, tuple))
            else list(views)
        )
        encodings = None
        if items and all(isinstance(v, DiagonalGaussian) for v in items):
            encodings = [
                check_gaussian(v, f"views[{i}]", need_sample=True) for i, v in enumerate(items)
            ]
            items = [e.sample for e in encodings]
        elif self._compress:
            raise ValueError(
                "rate_weight > 0 needs stochastic encoders: pass DiagonalGaussian views"
            )
        vs = as_views(items, min_batch=2, need="for negatives and covariances")
        if self.mode == "pairwise":
            pairs = unordered_pairs(len(vs))
            shared = sum(
                infonce_value(cosine_scores(vs[a], vs[b], self.temperature), symmetric=True)
                for a, b in pairs
            ) / len(pairs)
        else:
            shared = gaussian_total_correlation(vs, self.eps)
        values = {"shared": shared}
        if self._compress:
            for v, e in enumerate(encodings, start=1):
                values[f"rate_{v}"] = gaussian_rate(e)
        return self.output(values, num_views=len(vs))


__all__ = ["MODES", "NViewInfoMaxLoss", "gaussian_total_correlation"]

"""Distillation and clustering objectives: DINO (centering + sharpening) and SwAV (Sinkhorn–Knopp).

Both predict, from one view's representation ``Z_a``, a categorical code ``C_b`` assigned to
another view (by the EMA teacher for DINO, by an equipartitioned optimal transport for SwAV). The
loss is a cross-entropy ``E[−log q(c_b|z_a)]``, an *upper bound* on the conditional entropy
``H(C_b|Z_a)``; since ``I(Z_a;C_b) = H(C_b) − H(C_b|Z_a)``, minimising it raises a lower bound on
the shared information *as long as the code entropy H(C_b) stays high*. That is what centering
(DINO) and the equipartition constraint (SwAV) ensure; their code entropies are reported as
diagnostics, together with DINO's split ``H(P_t, P_s) = H(P_t) + KL(P_t ‖ P_s)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from infossl._checks import check_float, check_int
from infossl.framework import (
    InfoTerm,
    LossOutput,
    Objective,
    Schedule,
    TermValue,
    WeightedTerm,
    as_schedule,
    cross_decoder,
    divergence,
    encoder,
    entropy,
    value_at,
)
from infossl.nn.distributed import all_reduce_mean, all_reduce_sum, gather_no_grad, world_size
from infossl.objectives._base import ObjectiveLoss, register_objective
from infossl.objectives._inputs import as_views
from infossl.objectives.recipe import MethodRecipe


def code_prediction_term(num_views: int, *, teacher: str, note: str) -> InfoTerm:
    """``H(C2|Z1)``: view-1 representation predicting the code of view 2 (pair mean if V>2)."""
    a, b, aggregate = ("1", "2", "") if num_views == 2 else ("a", "b", "a≠b")
    path = (encoder(f"X{b}", f"C{b}"), encoder(f"X{a}", f"Z{a}"), cross_decoder(f"Z{a}", f"C{b}"))
    return entropy(
        f"C{b}",
        given=f"Z{a}",
        path=path,
        bound="cross_entropy",
        kind="upper",
        aggregate=aggregate,
        note=f"codes from the {teacher}; {note}",
    )


def _categorical_entropy(p: Tensor) -> Tensor:
    """Row-wise entropy ``−Σ_k p_k log p_k`` (0 log 0 = 0), shape ``(B,)``."""
    return -(torch.special.xlogy(p, p)).sum(dim=-1)


def _swapped_pairs(num_targets: int, num_views: int) -> list[tuple[int, int]]:
    """All ``(t, s)`` with ``t < num_targets``, ``s < num_views`` and ``s ≠ t``."""
    return [(t, s) for t in range(num_targets) for s in range(num_views) if s != t]


def _swapped_cross_entropy(
    targets: Sequence[Tensor], log_probs: Sequence[Tensor], pairs: list[tuple[int, int]]
) -> Tensor:
    """``mean_{(t, s)} mean_i −Σ_k q_t,ik log p_s,ik`` over the (target, predicting view) pairs."""
    return sum(-(targets[t] * log_probs[s]).sum(dim=-1).mean() for t, s in pairs) / len(pairs)


def _marginal_entropy(probs: Sequence[Tensor]) -> Tensor:
    """``−Σ_k q̄_k log q̄_k`` of the batch-mean distribution ``q̄`` over all views and rows."""
    return _categorical_entropy(torch.cat(list(probs)).mean(dim=0))


# ================================================================================= DINO
@register_objective(
    "dino",
    family="distillation",
    paper="Caron, Touvron, Misra, Jégou, Mairal, Bojanowski & Joulin, Emerging Properties in "
    "Self-Supervised Vision Transformers, ICCV 2021",
    formula="L = mean over (t, s≠t) of H(P_t, P_s), P_s = softmax(g_s/τ_s), "
    "P_t = softmax((g_t − c)/τ_t); c ← m c + (1 − m)·mean(g_t); τ_s = 0.1, τ_t = 0.04(→0.07), "
    "m = 0.9",
    summary="student matches the centred, sharpened EMA teacher across views",
    inputs="forward(student, teacher): student logits for V_s views and teacher logits for the "
    "first V_t ≤ V_s (global) views, each (B, K); teacher outputs are detached inside",
    example_params={"out_dim": 65536},
    recipe=MethodRecipe(
        layout="dino",
        proj_hidden=512,
        proj_out=64,
        num_prototypes=2048,
        momentum=0.996,
        augment="byol",
    ),
)
class DINOLoss(ObjectiveLoss):
    """DINO's self-distillation cross-entropy with centering and a (scheduled) teacher temperature.

    Teacher view ``t`` is the same image crop as student view ``t``; pairs with ``s = t`` are
    skipped. ``teacher_temp`` may be a :class:`~infossl.framework.Schedule` (the reference
    recipe warms 0.04 → 0.07 over 30 epochs) evaluated at ``self.step``. After the loss, the centre
    moves towards the batch mean of the teacher logits (averaged over processes when
    ``gather_distributed``). ``O(V_t V_s B K)``.
    """

    def __init__(
        self,
        out_dim: int,
        *,
        student_temp: float = 0.1,
        teacher_temp: float | Schedule = 0.04,
        center_momentum: float = 0.9,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        self.out_dim = check_int(out_dim, "out_dim", low=2)
        self.student_temp = check_float(student_temp, "student_temp", low=0.0, low_open=True)
        self.teacher_temp = as_schedule(teacher_temp, "teacher_temp")
        self.center_momentum = check_float(center_momentum, "center_momentum", low=0.0, high=1.0)
        self.gather_distributed = bool(gather_distributed)
        self.register_buffer("center", torch.zeros(1, self.out_dim))

    def build_objective(self, num_views: int) -> Objective:
        term = code_prediction_term(
            num_views,
            teacher="centred, sharpened EMA teacher",
            note="H(P_t, P_s) = H(P_t) + KL(P_t‖P_s)",
        )
        return Objective([WeightedTerm("cross_entropy", term)], name="DINO")

    @torch.no_grad()
    def update_center(self, teacher: Sequence[Tensor]) -> None:
        """``c ← m c + (1 − m) · mean of the teacher logits`` (over views, rows and processes)."""
        batch_mean = torch.cat(list(teacher)).mean(dim=0, keepdim=True)
        if self.gather_distributed:
            batch_mean = all_reduce_mean(batch_mean)
        m = self.center_momentum
        self.center.mul_(m).add_(batch_mean.to(self.center.dtype), alpha=1.0 - m)

    def forward(self, student: Sequence[Tensor], teacher: Sequence[Tensor]) -> LossOutput:
        s_views = as_views((student,), "student", min_views=1)
        t_views = [t.detach() for t in as_views((teacher,), "teacher", min_views=1)]
        if len(t_views) > len(s_views):
            raise ValueError(
                f"teacher has {len(t_views)} views but student only {len(s_views)}; "
                "teacher views must be a prefix of the student views"
            )
        if s_views[0].shape != t_views[0].shape or s_views[0].shape[1] != self.out_dim:
            raise ValueError(
                f"student views have shape {tuple(s_views[0].shape)} and teacher views "
                f"{tuple(t_views[0].shape)}; both must be (B, out_dim={self.out_dim})"
            )
        pairs = _swapped_pairs(len(t_views), len(s_views))
        if not pairs:
            raise ValueError("DINO needs at least one (teacher, student) pair of different views")
        tau_t = value_at(self.teacher_temp, self.step)
        if tau_t <= 0:
            raise ValueError(f"teacher_temp must stay positive, got {tau_t} at step {self.step}")
        center = self.center.to(t_views[0].dtype)
        p_t = [F.softmax((t - center) / tau_t, dim=-1) for t in t_views]
        log_p_s = [F.log_softmax(s / self.student_temp, dim=-1) for s in s_views]
        ce = _swapped_cross_entropy(p_t, log_p_s, pairs)
        h_t = sum(_categorical_entropy(p_t[t]).mean() for t, _ in pairs) / len(pairs)
        diagnostics = {
            "teacher_entropy": TermValue(
                h_t,
                entropy(
                    "C",
                    given="X",
                    bound="plug_in",
                    kind="point",
                    note="mean entropy of the teacher distributions (sharpening lowers it)",
                ),
            ),
            "teacher_marginal_entropy": TermValue(
                _marginal_entropy(p_t),
                entropy(
                    "C",
                    bound="plug_in",
                    kind="point",
                    note="entropy of the batch-mean teacher distribution (centering raises it)",
                ),
            ),
            "kl": TermValue(
                ce.detach() - h_t,
                divergence(
                    "P_t", "P_s", bound="plug_in", kind="point", note="H(P_t, P_s) − H(P_t)"
                ),
            ),
        }
        out = self.output(
            {"cross_entropy": ce}, num_views=max(2, len(s_views)), diagnostics=diagnostics
        )
        self.update_center(t_views)
        return out


# ================================================================================= SwAV
@torch.no_grad()
def sinkhorn_knopp(
    scores: Tensor, *, epsilon: float = 0.05, iterations: int = 3, distributed: bool = False
) -> Tensor:
    """Equipartitioned soft assignments ``Q`` (rows sum to 1) from prototype scores ``(B, K)``.

    ``Q ∝ exp(scores/ε)``, alternately rescaled so that every prototype receives mass ``1/K`` and
    every sample ``1/B`` (B the global batch when ``distributed``); returned per sample (rows sum
    to 1). Scores are shifted by their global maximum first, which leaves ``Q`` unchanged.
    ``O(iterations · B K)``.
    """
    top = scores.max()
    if distributed and world_size() > 1:
        top = gather_no_grad(top.reshape(1)).max()
    q = torch.exp((scores - top) / epsilon).T  # (K, B)
    b = scores.shape[0] * (world_size() if distributed else 1)
    k = q.shape[0]
    reduce = all_reduce_sum if distributed else (lambda x: x)
    q = q / reduce(q.sum())
    for _ in range(iterations):
        q = q / reduce(q.sum(dim=1, keepdim=True)) / k
        q = q / q.sum(dim=0, keepdim=True) / b
    return (q * b).T


@register_objective(
    "swav",
    family="distillation",
    paper="Caron, Misra, Mairal, Goyal, Bojanowski & Joulin, Unsupervised Learning of Visual "
    "Features by Contrasting Cluster Assignments, NeurIPS 2020",
    formula="L = mean over (t, s≠t) of −Σ_k q_t^(k) log softmax(z_s·c/τ)^(k); q_t from "
    "Sinkhorn–Knopp on exp(z_t·c/ε) with equipartition; τ = 0.1, ε = 0.05, 3 iterations",
    summary="swapped prediction of equipartitioned cluster codes",
    inputs="forward(*scores): prototype scores z·Cᵀ for V ≥ 2 views, each (B, K); codes are "
    "computed (without gradient) for the first num_assign_views views",
    recipe=MethodRecipe(layout="prototypes", proj_hidden=512, proj_out=128, num_prototypes=512),
)
class SwAVLoss(ObjectiveLoss):
    """SwAV's swapped prediction with Sinkhorn–Knopp codes (no queue).

    Codes ``q_t`` (computed without gradient) for the first ``num_assign_views`` views; every
    other view predicts them. The equipartition constraint keeps the code marginal uniform,
    i.e. ``H(C) = ln K``: the anti-collapse term, reported as the ``code_entropy`` diagnostic.
    ``gather_distributed`` runs Sinkhorn on the global batch. ``O(V² B K)``.
    """

    def __init__(
        self,
        temperature: float = 0.1,
        *,
        epsilon: float = 0.05,
        sinkhorn_iterations: int = 3,
        num_assign_views: int = 2,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        self.temperature = check_float(temperature, "temperature", low=0.0, low_open=True)
        self.epsilon = check_float(epsilon, "epsilon", low=0.0, low_open=True)
        self.sinkhorn_iterations = check_int(sinkhorn_iterations, "sinkhorn_iterations", low=1)
        self.num_assign_views = check_int(num_assign_views, "num_assign_views", low=1)
        self.gather_distributed = bool(gather_distributed)

    def build_objective(self, num_views: int) -> Objective:
        term = code_prediction_term(
            num_views, teacher="Sinkhorn–Knopp equipartition", note="swapped prediction"
        )
        return Objective([WeightedTerm("swapped_prediction", term)], name="SwAV")

    def forward(self, *scores: Tensor) -> LossOutput:
        vs = as_views(scores, "scores", min_batch=1)
        n_assign = min(self.num_assign_views, len(vs))
        codes = [
            sinkhorn_knopp(
                vs[t].detach(),
                epsilon=self.epsilon,
                iterations=self.sinkhorn_iterations,
                distributed=self.gather_distributed,
            )
            for t in range(n_assign)
        ]
        log_p = [F.log_softmax(v / self.temperature, dim=-1) for v in vs]
        loss = _swapped_cross_entropy(codes, log_p, _swapped_pairs(n_assign, len(vs)))
        diagnostics = {
            "code_entropy": TermValue(
                _marginal_entropy(codes),
                entropy(
                    "C",
                    bound="plug_in",
                    kind="point",
                    note=f"entropy of the batch-mean code; equipartition gives ln K = "
                    f"{math.log(vs[0].shape[1]):.4g}",
                ),
            ),
        }
        return self.output({"swapped_prediction": loss}, num_views=len(vs), diagnostics=diagnostics)


__all__ = ["DINOLoss", "SwAVLoss", "code_prediction_term", "sinkhorn_knopp"]

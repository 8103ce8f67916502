"""Contrastive objectives: InfoNCE / CPC, SimCLR (NT-Xent) and MoCo (queue + momentum keys).

All three maximise an InfoNCE lower bound on ``I(Z1;Z2)``: a critic (here cosine similarity over a
temperature, a separable critic) classifies the positive among ``K`` candidates, and
``I(Z1;Z2) ≥ ln K − CE``. The bound is capped at ``ln K``
(:func:`infossl.bounds.infonce_ceiling`). Each loss reports that bound as its term (weight −1) and
adds the constant ``ln K``, so the loss equals the familiar cross-entropy.

With ``V > 2`` views, the InfoNCE and SimCLR losses average over unordered view pairs and the term
is the average pairwise bound ``mean_{a<b} I(Za;Zb)`` (one reading of the n-view objective of the
review's §6; :mod:`infossl.objectives.multiview` also offers the total correlation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from infossl._checks import check_float, check_int
from infossl.framework import LossOutput, Objective, WeightedTerm, compute_dtype
from infossl.nn.distributed import gather, gather_no_grad, row_offset, world_size
from infossl.objectives._base import ObjectiveLoss, register_objective, unordered_pairs
from infossl.objectives._inputs import as_views, check_embedding
from infossl.objectives._labels import views_mi
from infossl.objectives.recipe import MethodRecipe

_NEG_NEED = "for negatives"


def masked_value(dtype: torch.dtype) -> float:
    """A finite score so low that ``exp`` of it (relative to any real score) is exactly 0."""
    return torch.finfo(dtype).min / 4


def infonce_local_rows(logits: Tensor, positive: Tensor, num_candidates: int) -> Tensor:
    """InfoNCE on local rows against global columns: ``mean_i[S_i,p(i) − logsumexp_j S_ij] + ln K``.

    The distributed form of :func:`infossl.bounds.infonce` (each process scores its own rows
    against the gathered columns; masked columns hold ``−inf``). ``positive[i]`` is the column of
    row i's positive; ``num_candidates`` is ``K``, the number of unmasked columns per row.
    """
    pos = logits.gather(1, positive[:, None]).squeeze(1)
    return (pos - torch.logsumexp(logits, dim=1)).mean() + math.log(num_candidates)


def infonce_value(scores: Tensor, *, symmetric: bool = False) -> Tensor:
    """:func:`infossl.bounds.infonce` of a ``K × K`` score matrix built from checked embeddings.

    ``mean_i [S_ii − logsumexp_j S_ij] + ln K`` (averaged with the column version when
    ``symmetric``). The scores' finiteness follows from the checked inputs, so, unlike the public
    bound, this does not re-validate them (no host synchronisation: no graph break when compiled).
    """
    k = scores.shape[0]
    diag = scores.diagonal()
    value = (diag - torch.logsumexp(scores, dim=1)).mean()
    if symmetric:
        value = 0.5 * (value + (diag - torch.logsumexp(scores, dim=0)).mean())
    return value + math.log(k)


def _scores(a: Tensor, b: Tensor, temperature: float) -> Tensor:
    return a @ b.T / temperature


class _PairwiseContrastive(ObjectiveLoss):
    """Shared machinery: normalise, gather, average a pair bound over unordered view pairs."""

    bound_name = "infonce"

    def __init__(self, temperature: float, cosine: bool, gather_distributed: bool) -> None:
        super().__init__()
        self.temperature = check_float(temperature, "temperature", low=0.0, low_open=True)
        self.cosine = bool(cosine)
        self.gather_distributed = bool(gather_distributed)

    def build_objective(self, num_views: int) -> Objective:
        term = views_mi(num_views, bound=self.bound_name, kind="lower", note=self.term_note)
        return Objective(
            [WeightedTerm("mi", term, -1.0)], name=type(self).__name__, constant_text="ln K"
        )

    term_note = ""

    def _num_candidates(self, n: int) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def _pair_bound(self, za: Tensor, zb: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def _pair_bound_distributed(
        self, za: Tensor, zb: Tensor, ga: Tensor, gb: Tensor, offset: int
    ) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, *views: Tensor) -> LossOutput:
        vs = as_views(views, min_batch=2, need=_NEG_NEED)
        if self.cosine:
            vs = [F.normalize(v, dim=1) for v in vs]
        pairs = unordered_pairs(len(vs))
        distributed = self.gather_distributed and world_size() > 1
        if distributed:
            full = [gather(v) for v in vs]
            offset = row_offset(vs[0])
            total = sum(
                self._pair_bound_distributed(vs[a], vs[b], full[a], full[b], offset)
                for a, b in pairs
            )
            n = full[0].shape[0]
        else:
            total = sum(self._pair_bound(vs[a], vs[b]) for a, b in pairs)
            n = vs[0].shape[0]
        k = self._num_candidates(n)
        return self.output({"mi": total / len(pairs)}, num_views=len(vs), constant=math.log(k))


@register_objective(
    "infonce",
    family="contrastive",
    paper="van den Oord, Li & Vinyals, Representation Learning with Contrastive Predictive "
    "Coding (CPC), 2018; bound: Poole et al., ICML 2019",
    formula="L = −E[log e^{f(z1_i, z2_i)} / Σ_j e^{f(z1_i, z2_j)}], f = cos/τ (or dot/τ); "
    "symmetric: average with the column version",
    summary="InfoNCE with a separable critic; cross-view candidates only",
    inputs="forward(*views): V ≥ 2 embeddings, each (B, D), B ≥ 2",
    aliases=("cpc",),
    recipe=MethodRecipe(),
)
class InfoNCELoss(_PairwiseContrastive):
    """InfoNCE / CPC with the separable critic ``S_ij = ⟨z1_i, z2_j⟩ / τ``.

    The term is :func:`infossl.bounds.infonce` of ``S`` (computed by :func:`infonce_value`;
    ``symmetric`` averages rows and columns), a lower bound on ``I(Z1;Z2)`` with ``K = B``
    candidates (global batch when gathering). ``cosine`` normalises the embeddings first.
    ``O(V² B² D)``.
    """

    term_note = "separable critic ⟨z1, z2⟩/τ; K = batch size"

    def __init__(
        self,
        temperature: float = 0.1,
        *,
        cosine: bool = True,
        symmetric: bool = True,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__(temperature, cosine, gather_distributed)
        self.symmetric = bool(symmetric)

    def _num_candidates(self, n: int) -> int:
        return n

    def _pair_bound(self, za: Tensor, zb: Tensor) -> Tensor:
        return infonce_value(_scores(za, zb, self.temperature), symmetric=self.symmetric)

    def _pair_bound_distributed(self, za, zb, ga, gb, offset):
        pos = offset + torch.arange(za.shape[0], device=za.device)
        n = ga.shape[0]
        rows = _scores(za, gb, self.temperature)
        if not self.symmetric:
            return infonce_local_rows(rows, pos, n)
        cols = _scores(zb, ga, self.temperature)
        return infonce_local_rows(torch.cat([rows, cols]), torch.cat([pos, pos]), n)


@register_objective(
    "simclr",
    family="contrastive",
    paper="Chen, Kornblith, Norouzi & Hinton, A Simple Framework for Contrastive Learning of "
    "Visual Representations, ICML 2020",
    formula="NT-Xent: ℓ_i = −log exp(sim(z_i, z_p(i))/τ) / Σ_{k≠i}^{2N} exp(sim(z_i, z_k)/τ), "
    "sim = cosine, mean over the 2N anchors",
    summary="normalised-temperature cross-entropy over both views (2N − 1 candidates)",
    inputs="forward(*views): V ≥ 2 projections, each (B, D), B ≥ 2",
    aliases=("nt_xent", "ntxent"),
    recipe=MethodRecipe(),
)
class SimCLRLoss(_PairwiseContrastive):
    """SimCLR's NT-Xent: every one of the 2N embeddings is an anchor; the other 2N − 1 compete.

    Written as InfoNCE on the ``2N × 2N`` score matrix whose rows are ``[z1; z2]`` and columns
    ``[z2; z1]`` (positives on the diagonal) with each anchor's own column masked: the term is
    ``bounds.infonce(M) + ln((2N − 1)/(2N))``, a lower bound on ``I(Z1;Z2)`` with ``K = 2N − 1``
    candidates, and ``loss = ln(2N − 1) − term`` is NT-Xent exactly. With ``gather_distributed``
    each process scores its own anchors against all gathered candidates. ``O(V² B² D)``.
    """

    term_note = "cosine critic / τ; K = 2N − 1 candidates (both views)"

    def __init__(self, temperature: float = 0.5, *, gather_distributed: bool = False) -> None:
        super().__init__(temperature, True, gather_distributed)

    def _num_candidates(self, n: int) -> int:
        return 2 * n - 1

    def partner_scores(self, za: Tensor, zb: Tensor) -> Tensor:
        """The ``2N × 2N`` matrix: rows ``[za; zb]``, columns ``[zb; za]``, self entries masked."""
        n = za.shape[0]
        s_ab = _scores(za, zb, self.temperature)
        top = torch.cat([s_ab, _scores(za, za, self.temperature)], dim=1)
        bottom = torch.cat([_scores(zb, zb, self.temperature), s_ab.T], dim=1)
        m = torch.cat([top, bottom], dim=0)
        idx = torch.arange(n, device=za.device)
        mask = torch.zeros(2 * n, 2 * n, dtype=torch.bool, device=za.device)
        mask[idx, n + idx] = True
        mask[n + idx, idx] = True
        return m.masked_fill(mask, masked_value(m.dtype))

    def _pair_bound(self, za: Tensor, zb: Tensor) -> Tensor:
        n = za.shape[0]
        return infonce_value(self.partner_scores(za, zb)) + math.log((2 * n - 1) / (2 * n))

    def _pair_bound_distributed(self, za, zb, ga, gb, offset):
        n_local, n = za.shape[0], ga.shape[0]
        rows_a = _scores(za, torch.cat([gb, ga]), self.temperature)
        rows_b = _scores(zb, torch.cat([ga, gb]), self.temperature)
        logits = torch.cat([rows_a, rows_b])
        pos = offset + torch.arange(n_local, device=za.device)
        pos = torch.cat([pos, pos])
        self_col = pos + n
        logits = logits.scatter(1, self_col[:, None], float("-inf"))
        return infonce_local_rows(logits, pos, 2 * n - 1)


@register_objective(
    "moco",
    family="contrastive",
    paper="He, Fan, Wu, Xie & Girshick, Momentum Contrast, CVPR 2020; MoCo v2: Chen et al. 2020",
    formula="L_q = −log exp(q·k⁺/τ) / [exp(q·k⁺/τ) + Σ_{i=1..Q} exp(q·k_i/τ)], keys from a "
    "momentum encoder θ_k ← m θ_k + (1 − m) θ_q, queue of Q negatives",
    summary="InfoNCE against a queue of momentum-encoder keys (K = Q + 1)",
    inputs="forward(queries, keys): online-encoder queries and momentum-encoder keys, each (B, D) "
    "or a sequence of V views (then every ordered pair a≠b); keys are detached inside and "
    "enqueued after the loss",
    example_params={"dim": 128},
    recipe=MethodRecipe(
        layout="ema_projector",
        projector="moco",
        proj_hidden=512,
        proj_out=128,
        momentum=0.99,
        momentum_schedule="constant",
        objective={"queue_size": 4096, "temperature": 0.1},
    ),
)
class MoCoLoss(ObjectiveLoss):
    """MoCo (v2): InfoNCE of ℓ2-normalised queries against their key and a queue of old keys.

    The term ``ln(Q + 1) − CE`` is an InfoNCE lower bound on ``I(Z1;Z2)`` with ``K = Q + 1``
    candidates; the queue decouples K from the batch size. After the loss is computed, every key
    view is enqueued (gathered over processes when ``gather_distributed``, so all processes keep
    the same queue). The queue starts as ℓ2-normalised Gaussian noise drawn from ``seed``.

    The queue follows the keys: it is kept on their device and in their compute dtype (float32
    for bfloat16/float16/float32 keys, which stores low-precision keys exactly; float64 for
    float64 keys); when the keys' device or dtype changes the buffer is replaced by a converted
    copy. ``O(V² B Q D)``.
    """

    def __init__(
        self,
        dim: int,
        queue_size: int = 65536,
        *,
        temperature: float = 0.2,
        gather_distributed: bool = False,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", low=1)
        self.queue_size = check_int(queue_size, "queue_size", low=1)
        self.temperature = check_float(temperature, "temperature", low=0.0, low_open=True)
        self.gather_distributed = bool(gather_distributed)
        self.seed = check_int(seed, "seed", low=0)
        gen = torch.Generator().manual_seed(self.seed)
        queue = F.normalize(torch.randn(self.queue_size, self.dim, generator=gen), dim=1)
        self.register_buffer("queue", queue)
        self.register_buffer("queue_ptr", torch.zeros((), dtype=torch.long))

    def build_objective(self, num_views: int) -> Objective:
        term = views_mi(
            num_views,
            bound="infonce",
            kind="lower",
            note="queries vs momentum keys; K = queue_size + 1 candidates",
        )
        return Objective([WeightedTerm("mi", term, -1.0)], name="MoCo", constant_text="ln(Q + 1)")

    def _follow(self, keys: Tensor) -> None:
        """Move the queue (and pointer) to the keys' device and compute dtype if they differ."""
        dtype = compute_dtype(keys.dtype)
        if self.queue.dtype != dtype or self.queue.device != keys.device:
            self.queue = self.queue.to(device=keys.device, dtype=dtype)
        if self.queue_ptr.device != keys.device:
            self.queue_ptr = self.queue_ptr.to(keys.device)

    @torch.no_grad()
    def enqueue(self, keys: Tensor) -> None:
        """Write ``keys`` (ℓ2-normalised) into the circular queue, oldest first out.

        The queue first follows the keys' device and compute dtype (see the class docstring).
        It is replaced by an updated copy rather than written in place, because the loss just
        computed keeps the previous queue for its backward pass.
        """
        self._follow(keys)
        keys = keys[-self.queue_size :]
        idx = (self.queue_ptr + torch.arange(keys.shape[0], device=keys.device)) % self.queue_size
        self.queue = self.queue.index_copy(0, idx, keys.to(self.queue.dtype))
        self.queue_ptr = (self.queue_ptr + keys.shape[0]) % self.queue_size

    def _as_list(self, x: Tensor | Sequence[Tensor], name: str) -> list[Tensor]:
        if isinstance(x, Tensor):
            return [check_embedding(x, name)]
        return as_views((x,), name, min_views=2)

    def forward(
        self, queries: Tensor | Sequence[Tensor], keys: Tensor | Sequence[Tensor]
    ) -> LossOutput:
        qs = self._as_list(queries, "queries")
        ks = self._as_list(keys, "keys")
        if len(qs) != len(ks):
            raise ValueError(
                f"queries and keys must hold the same number of views, got {len(qs)} and {len(ks)}"
            )
        for name, t in (("queries", qs[0]), ("keys", ks[0])):
            if t.shape[1] != self.dim:
                raise ValueError(f"{name} have dimension {t.shape[1]}, expected dim={self.dim}")
        if qs[0].shape != ks[0].shape:
            raise ValueError(
                f"keys have shape {tuple(ks[0].shape)} but queries have shape {tuple(qs[0].shape)}"
            )
        qs = [F.normalize(q, dim=1) for q in qs]
        ks = [F.normalize(k.detach(), dim=1) for k in ks]
        pairs = (
            [(0, 0)]
            if len(qs) == 1
            else [(a, b) for a in range(len(qs)) for b in range(len(ks)) if a != b]
        )
        self._follow(ks[0])
        queue = self.queue.to(qs[0].dtype)
        total = 0.0
        for a, b in pairs:
            positive = (qs[a] * ks[b]).sum(dim=1, keepdim=True)
            logits = torch.cat([positive, qs[a] @ queue.T], dim=1) / self.temperature
            target = torch.zeros(logits.shape[0], dtype=torch.long, device=logits.device)
            total = total + F.cross_entropy(logits, target)
        ceiling = math.log(self.queue_size + 1)
        value = ceiling - total / len(pairs)
        if self.gather_distributed:
            ks = [gather_no_grad(k) for k in ks]
        self.enqueue(torch.cat(ks))
        return self.output({"mi": value}, num_views=max(2, len(qs)), constant=ceiling)


__all__ = [
    "InfoNCELoss",
    "MoCoLoss",
    "SimCLRLoss",
    "infonce_local_rows",
    "infonce_value",
    "masked_value",
]

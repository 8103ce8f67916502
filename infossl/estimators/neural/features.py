"""KSG on a trained critic's held-out canonical features (``method="critic-ksg"``).

For any fixed maps f and g, I(X;Y) >= I(f(X); g(Y)) (data processing). ``critic-ksg`` learns f
and g, then measures what they kept with an estimator that is accurate in few dimensions:

1. train the separable InfoNCE critic ``g(x)ᵀh(y)`` of :class:`NeuralMIEstimator` (its default
   protocol: normal scores and z-scores with training-split statistics, early stopping on a
   validation split) on the training rows;
2. fit the top ``pairs`` canonical directions of the embeddings ``(g(x), h(y))`` on the same
   training rows;
3. on the held-out rows, project the embeddings onto them (``pairs`` + ``pairs`` features,
   fixed functions of x and of y for these rows) and estimate their MI with KSG1 on the
   normal scores extrapolated over k (:class:`~infossl.estimators.copula.CopulaKSG1`).

The value is an estimate of I(f(X); g(Y)) <= I(X;Y): a lower bound up to KSG's error, which in
``2·pairs`` dimensions is much smaller than on the raw data when d_x + d_y is large. Unlike the
InfoNCE value of the same critic it does not depend on the critic's scores being the log
density ratio -- only on its embeddings keeping the information -- and it has no ln(K) ceiling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import torch

from infossl._checks import check_bool, check_int
from infossl.estimate import Estimate
from infossl.estimators._base import paired_samples, register
from infossl.estimators.copula import (
    BIAS_EXPONENT,
    EXTRAPOLATION_KS,
    MAX_EXTRAPOLATION_DIM,
    CopulaKSG1,
    CopulaMax,
    about_part,
    canonical_directions,
    critic_part_skipped,
)
from infossl.estimators.knn import _tie_notes
from infossl.estimators.neural.critics import SeparableCritic
from infossl.estimators.neural.estimator import (
    NeuralMIEstimator,
    TrainedModel,
    _few_rows_notes,
)
from infossl.estimators.neural.heads import CriticBound

#: Canonical pairs of the embeddings measured by default.
DEFAULT_PAIRS = 3
#: Fewer held-out rows than this per feature get a note (KSG on few rows is noisy and low).
MIN_HELD_OUT_PER_FEATURE = 50
#: Ridge added to each embedding covariance block, relative to its mean variance (dead or
#: collinear embedding units would make it singular).
_RIDGE = 1e-6


def critic_features(trained: TrainedModel, pairs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(u, v, rho)``: the held-out rows' projections on the top ``pairs`` canonical directions
    of a trained separable critic's embeddings, fitted on its training rows, and the canonical
    correlations there.

    Embedding units constant on the training rows are left out; ``pairs`` is capped by the
    number left on either side. O(n e² + e³) for e embedding units.
    """
    critic = trained.model.critic if isinstance(trained.model, CriticBound) else None
    if not isinstance(critic, SeparableCritic):
        raise TypeError("critic features need a separable critic (embeddings g(x) and h(y))")
    with torch.no_grad():
        fit = [critic.g(trained.x_fit), critic.h(trained.y_fit)]
        test = [critic.g(trained.x_test), critic.h(trained.y_test)]
    fx, fy = (t.double().cpu().numpy() for t in fit)
    tx, ty = (t.double().cpu().numpy() for t in test)
    keep_x, keep_y = fx.std(axis=0) > 0, fy.std(axis=0) > 0
    if not keep_x.any() or not keep_y.any():
        raise ValueError("the critic's embeddings are constant on the training rows")
    fx, fy, tx, ty = fx[:, keep_x], fy[:, keep_y], tx[:, keep_x], ty[:, keep_y]
    dx = fx.shape[1]
    cov = np.cov(np.hstack([fx, fy]), rowvar=False)
    for block in (slice(0, dx), slice(dx, None)):
        sub = cov[block, block]
        sub[np.diag_indices_from(sub)] += _RIDGE * float(np.mean(np.diag(sub)))
    pairs = min(pairs, dx, fy.shape[1])
    a, b, rho = canonical_directions(cov, dx, pairs)
    return (tx - fx.mean(axis=0)) @ a, (ty - fy.mean(axis=0)) @ b, rho


@register
class CriticKSG(NeuralMIEstimator):
    r"""KSG1 on held-out canonical features of a trained InfoNCE critic (a learned lower bound).

    Formula: ``I ≈ Î_KSG(uᵢ; vᵢ)`` over the held-out rows i, with ``u = Aᵀ(g(x) − ḡ)`` and
    ``v = Bᵀ(h(y) − h̄)`` the top ``pairs`` canonical projections of the embeddings of a
    separable InfoNCE critic ``g(x)ᵀh(y)``; critic, A and B fitted on the training rows
    (:func:`critic_features`); Î_KSG is :class:`~infossl.estimators.copula.CopulaKSG1` (KSG1 on
    normal scores, extrapolated to k → 0 over ``k``).

    Assumptions: i.i.d. rows of continuous variables. By data processing the features' MI is at
    most I(X;Y), whatever the critic learned; the estimate is below the truth when the
    embeddings lose information (too few training rows, too few ``pairs``) and can exceed it only
    by KSG's error in ``2·pairs`` dimensions on the held-out rows.

    Parameters: ``pairs`` (canonical pairs measured, at least 1); ``k`` (the neighbour counts of
    the KSG part, as in ``ksg1-copula``); the rest are :class:`NeuralMIEstimator`'s, with the
    bound fixed to InfoNCE and the critic to ``"separable"``.

    Complexity: the critic's training (about 1–3 s on one core at n = 5000) plus O(n e²) for the
    canonical directions and KSG1 on n·(1 − train_fraction) rows in 2·pairs dimensions.
    """

    name: ClassVar[str] = "critic-ksg"
    kind: ClassVar[str] = "lower"
    summary: ClassVar[str] = (
        "KSG1 on held-out canonical features of a trained InfoNCE critic's embeddings "
        "(a learned-representation lower bound)"
    )

    def __init__(
        self,
        pairs: int = DEFAULT_PAIRS,
        *,
        k: int | Sequence[int] = EXTRAPOLATION_KS,
        steps: int = 10_000,
        batch_size: int | str = "auto",
        lr: float = 1e-3,
        hidden: Sequence[int] = (128, 128),
        embed_dim: int = 32,
        train_fraction: float = 0.5,
        early_stopping: bool = True,
        patience: int = 10,
        rank_gauss: bool = True,
        device: str = "cpu",
        progress: bool | None = None,
        seed: int | np.random.Generator = 0,
    ) -> None:
        super().__init__(
            "infonce",
            "separable",
            steps=steps,
            batch_size=batch_size,
            lr=lr,
            hidden=hidden,
            embed_dim=embed_dim,
            train_fraction=train_fraction,
            early_stopping=early_stopping,
            patience=patience,
            rank_gauss=rank_gauss,
            device=device,
            progress=progress,
            seed=seed,
        )
        self._pairs = check_int(pairs, "pairs", low=1)
        self._knn = CopulaKSG1(k)
        self.pairs = pairs
        self.k = k

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, _ = paired_samples(x, y)
        trained = self._train(x, y)
        u, v, rho = critic_features(trained, self._pairs)
        knn = self._knn.estimate(u, v)
        notes = [
            *(about_part("KSG", note) for note in knn.notes),
            f"KSG on {u.shape[1]} + {v.shape[1]} canonical features of the critic's embeddings "
            f"on {len(u)} held-out rows (training-row canonical correlations "
            f"{', '.join(f'{r:.3g}' for r in rho)}): an estimate of their MI, which is at most "
            "I(X;Y); information the embeddings lost is missing",
        ]
        if len(u) < MIN_HELD_OUT_PER_FEATURE * 2 * u.shape[1]:
            notes.append(
                f"only {len(u)} held-out rows for {2 * u.shape[1]} features (fewer than "
                f"{MIN_HELD_OUT_PER_FEATURE} per feature): the KSG part is noisy and biased "
                "low; lower train_fraction or use more samples"
            )
        notes += _tie_notes(
            {"x": x, "y": y}, jittered=False, alternative="method='mixed-ksg' (discrete: 'plugin')"
        )
        if trained.stopped_early:
            notes.append("training stopped early on the validation split")
        notes += _few_rows_notes("lower", len(trained.x_fit), sum(trained.dims))
        return self._make(
            knn.value,
            trained.n,
            trained.dims,
            notes=tuple(notes),
            extra_params={
                "pairs_used": u.shape[1],
                "canonical_correlations": [float(r) for r in rho],
                "n_train": len(trained.x_fit),
                "n_test": len(u),
                "steps_run": trained.steps_run,
            },
        )


@register
class CopulaCriticMax(CopulaMax):
    r"""The larger of ``copula-max`` and ``critic-ksg`` (``method="auto"`` for float MI).

    Formula: ``I = max(I_copula-max, I_critic-ksg)``: ``copula-max`` is itself the maximum of the
    Gaussian-copula MI and KSG1 on the normal scores extrapolated to k → 0
    (:class:`~infossl.estimators.copula.CopulaMax`, with its canonical-pair check);
    ``critic-ksg`` (:class:`CriticKSG`, 3 pairs) measures, on held-out rows, the canonical
    features of a trained InfoNCE critic's embeddings. By default the critic part runs only
    from joint dimension ``CRITIC_MIN_DIM`` and ``CRITIC_MIN_ROWS`` rows up; otherwise the
    value is ``copula-max``'s, with a note.

    Why: each part is an estimate of I(X;Y) or of a lower bound on it that fails downwards in
    its own regime. The learned features recover dependence that neither the Gaussian copula
    nor KSG in many dimensions sees -- nonmonotone maps (spirals), shared heavy tails
    (Student-t), mixtures -- because KSG then works in 3 + 3 dimensions of features that keep
    most of the information. Assumption, as for ``copula-max``: no part overestimates I(X;Y);
    for ``critic-ksg`` it holds up to KSG's error on the features (data processing). Measured in
    ``benchmarks/estimators.md``.

    Parameters: those of :class:`~infossl.estimators.copula.CopulaMax` (``metric``, ``jitter``,
    ``algorithm``, ``workers`` and ``device`` apply to its kNN part; ``k`` to both KSG parts);
    ``critic``: ``"auto"`` (default) runs the critic part from joint dimension
    ``CRITIC_MIN_DIM`` and ``CRITIC_MIN_ROWS`` rows up, True whenever it can train (``method=
    "auto"`` passes True, having checked the same rule on the whole sample, so that the
    subsamples of a ``ci=`` interval run the same parts), False never; ``pairs`` (of the critic
    part). ``seed`` also seeds the critic (None: 0). The critic trains on the CPU, without a
    progress bar.

    Complexity: ``copula-max``'s plus the critic's training (on one core: median 1.0 s at
    n = 5000, at most 5.9 s on the tuning suites; 4.1 s and at most 16 s at n = 20,000) and
    KSG on 2 · 3 features of the held-out half.
    """

    name: ClassVar[str] = "copula-critic-max"
    kind: ClassVar[str] = "point"
    summary: ClassVar[str] = (
        "max(copula-max, critic-ksg): adds KSG on a trained critic's held-out canonical "
        "features to the Gaussian-copula and kNN parts"
    )

    def __init__(
        self,
        k: int | Sequence[int] = EXTRAPOLATION_KS,
        *,
        critic: bool | str = "auto",
        pairs: int = DEFAULT_PAIRS,
        bias_exponent: float = BIAS_EXPONENT,
        max_extrapolation_dim: int = MAX_EXTRAPOLATION_DIM,
        metric: str = "chebyshev",
        jitter: float = 1e-10,
        seed: int | np.random.Generator | None = 0,
        algorithm: str = "auto",
        workers: int = -1,
        device: str | None = None,
    ) -> None:
        super().__init__(
            k,
            bias_exponent=bias_exponent,
            max_extrapolation_dim=max_extrapolation_dim,
            metric=metric,
            jitter=jitter,
            seed=seed,
            algorithm=algorithm,
            workers=workers,
            device=device,
        )
        if isinstance(critic, str) and critic != "auto":
            raise ValueError(f"critic must be 'auto', True or False, got {critic!r}")
        self._critic = critic if critic == "auto" else check_bool(critic, "critic")
        self._critic_part = CriticKSG(pairs, k=k, progress=False, seed=0 if seed is None else seed)
        self.critic = critic
        self.pairs = pairs

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, n = paired_samples(x, y)
        base = super().estimate(x, y)
        base = replace(base, params={**base.params, "copula_max": base.value})
        if self._critic == "auto":
            skip = critic_part_skipped(x.shape[1] + y.shape[1], n)
        else:
            skip = "" if self._critic else "critic=False"
        if skip:
            return base.with_notes(f"critic-ksg part not run ({skip}): the value is copula-max's")
        try:
            part = self._critic_part.estimate(x, y)
        except ValueError as err:  # e.g. embeddings constant on the training rows
            return base.with_notes(f"critic-ksg part failed ({err}): the value is copula-max's")
        params = {**base.params, "critic_ksg": part.value}
        if part.value <= base.value:
            note = (
                f"max of copula-max ({base.value:.4g} nats) and critic-ksg ({part.value:.4g} "
                f"nats): used copula-max ({base.params['used']})"
            )
            return replace(base, params=params).with_notes(note)
        notes = [about_part("copula-max", note, " (not returned)") for note in base.notes]
        notes += [about_part("critic-ksg", note) for note in part.notes]
        notes.append(
            f"max of copula-max ({base.value:.4g} nats, from {base.params['used']}) and "
            f"critic-ksg ({part.value:.4g} nats): used critic-ksg; assumes no part "
            "overestimates I(X;Y)"
        )
        return replace(
            base,
            value=part.value,
            ceiling=None,
            params={**params, "used": "critic-ksg"},
            notes=tuple(notes),
        )


__all__ = [
    "DEFAULT_PAIRS",
    "CopulaCriticMax",
    "CriticKSG",
    "critic_features",
]

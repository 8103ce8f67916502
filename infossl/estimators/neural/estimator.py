"""Neural (variational) MI estimators: a bound, a network, a training split and a held-out split.

``NeuralMIEstimator(bound="infonce", critic="separable", steps=..., batch_size=..., lr=...,
seed=...)`` standardises the data with training-split statistics, trains the network on the
training split, then reports the mean bound value over disjoint held-out batches of
``eval_batch_size`` samples, with its standard error over those batches. The reported number is
the final (or early-stopped on a separate validation split) model's value: no best-of-checkpoints
selection on the reported data (bmi reports the best test value, which is optimistic for
high-variance bounds).

Each bound is also registered under its own name (``"infonce"``, ``"nwj"``, ``"dv"``, ``"mine"``,
``"tuba"``, ``"js"``, ``"smile"``, ``"interpolated"``, ``"club"``, ``"l1out"``, ``"doe"``) with only
the parameters that bound uses. Deterministic on CPU for a given seed; cost ``O(steps * K^2)`` for
the concat critic and ``O(steps * K)`` network passes for the others.

Scale: ``estimate`` is the entry point every registered estimator shares
(:class:`~infossl.estimators.BaseEstimator` wraps it), so inputs beyond ``2^±64`` in magnitude are
divided by a power of two, exactly, before they are standardised here and cast to float32 for
the network: the estimate is the same for data multiplied by any c from 1e-300 to 1e300.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import torch

from infossl._checks import (
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_not_constant,
    check_seed,
    check_sequence_of_int,
)
from infossl.bounds import BOUNDS
from infossl.estimate import Estimate
from infossl.estimators._base import MIEstimator, paired_samples, register, unchanged_or
from infossl.estimators.neural.critics import (
    CRITICS,
    GaussianConditional,
    GaussianMixture,
    make_critic,
)
from infossl.estimators.neural.fit import evaluate, progress_enabled, train
from infossl.estimators.neural.heads import (
    BoundModel,
    ConditionalBound,
    CriticBound,
    DifferenceOfEntropies,
)

#: Fraction of the training split held back for early stopping (when it is on).
VALIDATION_FRACTION = 0.1
#: Training batch of ``batch_size="auto"`` when the sample allows it.
AUTO_BATCH = 256


@dataclass(frozen=True)
class TrainedModel:
    """A trained bound model with its preprocessed training and held-out rows (float32)."""

    model: BoundModel
    x_fit: torch.Tensor
    y_fit: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n: int
    dims: tuple[int, int]
    batch: int
    eval_k: int
    steps_run: int
    stopped_early: bool


def _check_batch_size(batch_size: object) -> int | str:
    """``"auto"`` or an int of at least 2 (``ValueError`` / ``TypeError`` otherwise)."""
    if isinstance(batch_size, str):
        if batch_size != "auto":
            raise ValueError(f"batch_size must be 'auto' or an int >= 2, got {batch_size!r}")
        return batch_size
    return check_int(batch_size, "batch_size", low=2)


@register
class NeuralMIEstimator(MIEstimator):
    """Variational MI estimate from a trained critic or density model (held-out evaluation).

    Args:
        bound: one of ``infonce, nwj, dv, mine, tuba, js, smile, interpolated`` (lower bounds or,
            for ``smile``, a biased estimate; need a critic), ``club, l1out`` (upper bounds with a
            Gaussian ``q(y|x)``) or ``doe`` (difference of entropies).
        critic: ``"separable"``, ``"concat"`` or ``"bilinear"`` (critic bounds only).
        steps: at most this many optimiser steps (Adam); with ``early_stopping`` training
            usually ends far earlier (about 1.3 s median on one core at n = 5000).
        batch_size: ``K``, samples per training batch; ``"auto"`` (default) is
            ``min(256, training rows, held-out rows)``, so that small samples still run (below
            about 1,140 rows the half-size subsamples of ``ci=`` then train with a smaller
            batch than the full sample, so the interval is for that smaller ``K``).
        lr: Adam learning rate.
        hidden: hidden-layer widths of every MLP.
        embed_dim: embedding size of the separable critic.
        cosine: unit-normalise the separable critic's embeddings (cosine similarity).
        temperature: divides the separable critic's scores.
        tau: SMILE clipping threshold (None: no clipping).
        alpha: I_alpha interpolation weight in ``[0, 1]``.
        momentum: MINE moving-average weight of the history, in ``[0, 1)``.
        n_components: Gaussian-mixture components of DoE's marginal model ``q(y)``.
        train_fraction: share of the samples used for training; the rest is evaluated.
        eval_batch_size: ``K`` of the evaluation batches (default ``batch_size``); InfoNCE's
            ceiling is ``ln(eval_batch_size)``.
        early_stopping: hold back 10% of the training split, check its loss after every pass
            over the training rows (at least 20 times over the run), stop after ``patience``
            checks without improvement and keep the parameters of the best check (default;
            without it the critic of a small sample overfits its training pairs and the held-out
            value can fall far below zero).
        patience: see ``early_stopping``. The defaults (at most 10,000 steps, ``"auto"`` batches,
            patience 10, ``rank_gauss=True``) were chosen on 40 tasks outside ``beyond-normal``
            (``benchmarks/infonce_protocol.md``): InfoNCE's mean absolute error there is 0.193
            nats without the two blow-up tasks (0.268 with them), against 0.364 for the former
            2,000 steps / batch 128 / patience 3 (which read −3,966 on a Cauchy-tailed task) and
            0.250 for 10,000 steps at batch 256 kept whole, at about 1/30 of the latter's time.
        standardize: z-score x and y with training-split statistics, and for ``doe`` also whiten y
            (its marginal model is diagonal); MI is invariant to both.
        rank_gauss: before standardising, map every coordinate through its training-split
            empirical CDF and the standard normal quantile, ``Φ⁻¹(F̂(v))`` (a monotone map, so
            MI is unchanged up to ties beyond the training range); tames heavy tails, whose
            outliers otherwise dominate exponential bounds such as NWJ and MINE (default; set
            False to train on the z-scored values themselves).
        device: torch device, e.g. ``"cpu"`` or ``"cuda"``.
        progress: show a progress bar (None: only when stderr is a terminal).
        seed: int or numpy Generator; fixes the split, the initialisation and the batches.

    The held-out split must hold at least one evaluation batch; the standard error needs two.
    """

    name = "neural"
    kind = "lower"
    accepts = "continuous"
    resampling = "subsample"
    summary = "neural estimator with a chosen bound and critic (held-out evaluation)"

    def __init__(
        self,
        bound: str = "infonce",
        critic: str = "separable",
        *,
        steps: int = 10_000,
        batch_size: int | str = "auto",
        lr: float = 1e-3,
        hidden: Sequence[int] = (128, 128),
        embed_dim: int = 32,
        cosine: bool = False,
        temperature: float = 1.0,
        tau: float | None = 5.0,
        alpha: float = 0.01,
        momentum: float = 0.9,
        n_components: int = 1,
        train_fraction: float = 0.5,
        eval_batch_size: int | None = None,
        early_stopping: bool = True,
        patience: int = 10,
        standardize: bool = True,
        rank_gauss: bool = True,
        device: str = "cpu",
        progress: bool | None = None,
        seed: int | np.random.Generator = 0,
    ) -> None:
        self.bound = check_choice(bound, "bound", BOUNDS)
        self.critic = check_choice(critic, "critic", CRITICS)
        self.steps = check_int(steps, "steps", low=1)
        self.batch_size = _check_batch_size(batch_size)
        self.lr = check_float(lr, "lr", low=0.0, low_open=True)
        self.hidden = unchanged_or(
            hidden, tuple(check_sequence_of_int(list(hidden), "hidden", low=1))
        )
        self.embed_dim = check_int(embed_dim, "embed_dim", low=1)
        self.cosine = check_bool(cosine, "cosine")
        self.temperature = check_float(temperature, "temperature", low=0.0, low_open=True)
        self.tau = None if tau is None else check_float(tau, "tau", low=0.0, low_open=True)
        self.alpha = check_float(alpha, "alpha", low=0.0, high=1.0)
        self.momentum = check_float(momentum, "momentum", low=0.0, high=1.0, high_open=True)
        self.n_components = check_int(n_components, "n_components", low=1)
        self.train_fraction = check_float(
            train_fraction, "train_fraction", low=0.0, high=1.0, low_open=True, high_open=True
        )
        if eval_batch_size is not None:
            eval_batch_size = check_int(eval_batch_size, "eval_batch_size", low=2)
        self.eval_batch_size = eval_batch_size
        self.early_stopping = check_bool(early_stopping, "early_stopping")
        self.patience = check_int(patience, "patience", low=1)
        self.standardize = check_bool(standardize, "standardize")
        self.rank_gauss = check_bool(rank_gauss, "rank_gauss")
        self.device = _check_device(device)
        if progress is not None:
            check_bool(progress, "progress")
        self.progress = progress
        check_seed(seed)
        self.seed = seed

    tail_sensitivity: ClassVar[str] = (
        "trains on z-scored inputs, whose scale the extreme rows set, and averages critic or "
        "density scores over held-out rows, a few of which then dominate (rank_gauss=True "
        "removes the tails first)"
    )

    def _tail_sensitivity(self) -> str:
        """Heavy tails matter unless ``rank_gauss`` maps every margin to normal scores first."""
        return "" if self.rank_gauss else self.tail_sensitivity

    # ------------------------------------------------------------------ model construction
    def _build_model(self, dim_x: int, dim_y: int, y_train: torch.Tensor) -> BoundModel:
        family = BOUNDS[self.bound].family
        if family == "critic":
            critic = make_critic(
                self.critic,
                dim_x,
                dim_y,
                hidden=self.hidden,
                embed_dim=self.embed_dim,
                cosine=self.cosine,
                temperature=self.temperature,
            )
            return CriticBound(
                critic, self.bound, tau=self.tau, alpha=self.alpha, momentum=self.momentum
            )
        conditional = GaussianConditional(dim_x, dim_y, self.hidden)
        if family == "conditional":
            return ConditionalBound(conditional, self.bound)
        if self.n_components == 1:
            init_means = y_train.mean(dim=0, keepdim=True)
        else:
            init_means = y_train[torch.randperm(len(y_train))[: self.n_components]]
        return DifferenceOfEntropies(GaussianMixture(init_means), conditional)

    # ------------------------------------------------------------------ estimation
    def _train(self, x: npt.ArrayLike, y: npt.ArrayLike) -> TrainedModel:
        """Split the rows, preprocess with training-split statistics and train the model."""
        x, y, n = paired_samples(x, y)
        check_not_constant(x, "x")
        check_not_constant(y, "y")
        n_train = round(self.train_fraction * n)
        n_val = round(VALIDATION_FRACTION * n_train) if self.early_stopping else 0
        n_fit, n_test = n_train - n_val, n - n_train
        batch = (
            min(AUTO_BATCH, n_fit, n_test) if self.batch_size == "auto" else int(self.batch_size)
        )
        eval_k = self.eval_batch_size or batch
        if batch < 2 or n_fit < batch or n_test < eval_k or (self.early_stopping and n_val < 2):
            raise ValueError(
                f"{n} samples are too few for batch_size={self.batch_size!r} and eval batches of "
                f"{eval_k}: training uses {n_fit}, evaluation {n_test} (train_fraction="
                f"{self.train_fraction}); need at least {max(batch, 2)} training and "
                f"{max(eval_k, 2)} held-out rows"
                + (f" and 2 validation rows (has {n_val})" if self.early_stopping else "")
            )
        rng = check_seed(self.seed)
        order = rng.permutation(n)
        torch_seed = int(rng.integers(2**62))
        fit_idx, val_idx, test_idx = np.split(order, [n_fit, n_train])
        if self.rank_gauss:
            x, y = _rank_gauss(x, fit_idx), _rank_gauss(y, fit_idx)
        if self.standardize:
            x, y = _standardize(x, fit_idx), _standardize(y, fit_idx)
            if self.bound == "doe":
                y = _whiten(y, fit_idx)  # the diagonal q(y) cannot model correlated coordinates
        device = torch.device(self.device)

        def tensor(a: np.ndarray, idx: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(a[idx], dtype=torch.float32, device=device)

        x_fit, y_fit = tensor(x, fit_idx), tensor(y, fit_idx)
        generator = torch.Generator().manual_seed(torch_seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(torch_seed)
            model = self._build_model(x.shape[1], y.shape[1], y_fit).to(device)
        validation = (tensor(x, val_idx), tensor(y, val_idx)) if self.early_stopping else None
        result = train(
            model,
            x_fit,
            y_fit,
            steps=self.steps,
            batch_size=batch,
            lr=self.lr,
            generator=generator,
            validation=validation,
            patience=self.patience,
            eval_every=max(1, min(self.steps // 20, math.ceil(n_fit / batch))),
            progress=progress_enabled(self.progress),
            description=f"{self.name} ({self.bound})",
        )
        return TrainedModel(
            model=model,
            x_fit=x_fit,
            y_fit=y_fit,
            x_test=tensor(x, test_idx),
            y_test=tensor(y, test_idx),
            n=n,
            dims=(x.shape[1], y.shape[1]),
            batch=batch,
            eval_k=eval_k,
            steps_run=result.steps_run,
            stopped_early=result.stopped_early,
        )

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        """Train on a random ``train_fraction`` of the pairs; evaluate on the rest."""
        fitted = self._train(x, y)
        model, eval_k, n_fit = fitted.model, fitted.eval_k, len(fitted.x_fit)
        values = evaluate(model, fitted.x_test, fitted.y_test, eval_k).numpy()
        value = float(values.mean())
        stderr = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else None
        ceiling = model.ceiling(eval_k)
        notes = self._notes(value, ceiling, eval_k, len(values), fitted.stopped_early)
        notes += _few_rows_notes(BOUNDS[self.bound].kind, n_fit, sum(fitted.dims))
        return self._make(
            value,
            fitted.n,
            fitted.dims,
            ceiling=ceiling,
            stderr=stderr,
            notes=notes,
            kind=BOUNDS[self.bound].kind,
            extra_params={
                "bound": self.bound,
                "batch_size": fitted.batch,
                "eval_batch_size": eval_k,
                "eval_batches": len(values),
                "n_train": n_fit,
                "steps_run": fitted.steps_run,
            },
        )

    def _notes(
        self, value: float, ceiling: float | None, eval_k: int, batches: int, stopped: bool
    ) -> tuple[str, ...]:
        notes = [f"evaluated on {batches} held-out batch(es) of {eval_k} samples"]
        if ceiling is not None and value >= 0.9 * ceiling:
            notes.append(
                f"{self.bound} cannot exceed {ceiling:.3g} nats with batches of {eval_k}: the true "
                "MI may be larger (raise eval_batch_size or use another bound)"
            )
        if value < 0 and BOUNDS[self.bound].kind == "lower":
            notes.append(_negative_bound_note(self.bound, value, self.rank_gauss))
        if self.bound == "smile":
            notes.append("SMILE with finite tau trades bias for variance: not a guaranteed bound")
        if self.bound in ("club", "l1out"):
            notes.append("an upper bound only if the Gaussian q(y|x) matches p(y|x) closely")
        if self.bound == "club":
            notes.append(_CLUB_LOOSE_NOTE)
        if self.bound == "doe":
            notes.append("difference of two cross-entropies: neither a lower nor an upper bound")
        if stopped:
            notes.append("training stopped early on the validation split")
        return tuple(notes)


#: A lower bound trained on fewer rows than this per input dimension gets a note.
MIN_ROWS_PER_DIMENSION = 50


def _few_rows_notes(kind: str, n_fit: int, dims: int) -> tuple[str, ...]:
    """A note when a lower bound's critic was trained on few rows per input dimension.

    Measured (benchmarks/student_t.md): with 450 training rows the lower bounds were within
    0.35 nats of 1.02 nats on a 3 + 3 Gaussian (75 rows per dimension; one DV seed 0.59) but
    NWJ and MINE fell more than 1 nat short on 5 + 5 Student-t tasks with ν = 5 and 10 (45 rows
    per dimension), where the tails are too light to flag.
    """
    if kind != "lower" or n_fit >= MIN_ROWS_PER_DIMENSION * dims:
        return ()
    return (
        f"the critic was trained on {n_fit} rows for {dims} input dimensions (fewer than "
        f"{MIN_ROWS_PER_DIMENSION} per dimension): the lower bound is likely loose, possibly "
        "by 1 nat or more; use more samples or a kNN / copula estimator",
    )


#: vCLUB's gap to I(X;Y) (benchmarks/student_t.md: Gaussian control and Student-t tasks).
_CLUB_LOOSE_NOTE = (
    "vCLUB is a loose upper bound even when q(y|x) fits: E_p(x,y) ln q(y|x) − E_p(x)p(y) "
    "ln q(y|x) exceeded the true MI by 2.0 nats to 3.3 nats on a 3 + 3 Gaussian with 1.02 nats "
    "(n = 1000 and 5000), and by similar amounts on Student-t data; use l1out, or a point "
    "estimator such as method='copula-max', for a value"
)


def _negative_bound_note(bound: str, value: float, rank_gauss: bool = True) -> str:
    """Why a lower bound came out negative, and what to use instead.

    I(X;Y) >= 0, so a negative lower bound says nothing about it. The bounds other than InfoNCE
    average ``exp`` of the critic over held-out pairs (NWJ, TUBA, DV, MINE, JS, interpolated):
    a few pairs with a large score (moderately heavy tails, e.g. Student-t with 5-9 degrees of
    freedom, or a critic fitted to its training rows) drive them far below zero.
    """
    return (
        f"negative lower bound ({value:.3g} nats): vacuous, since I(X;Y) >= 0; {bound} averages "
        "exp(critic) over the held-out pairs, so a few pairs with a large critic score (heavy "
        "or moderately heavy tails, an over-fitted critic) can drive it far below the truth; "
        + (
            "use infonce or method='copula-max'"
            if rank_gauss
            else "use infonce, rank_gauss=True or method='copula-max'"
        )
    )


def _check_device(device: object) -> str:
    if not isinstance(device, str):
        raise TypeError(f"device must be a string such as 'cpu' or 'cuda', got {device!r}")
    try:
        kind = torch.device(device).type
    except RuntimeError as err:
        raise ValueError(f"device {device!r} is not a torch device: {err}") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return device


def _whiten(a: np.ndarray, fit_idx: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """ZCA-whiten with the training rows' covariance ``C``: ``a C^{-1/2}`` (eigenvalues floored).

    An invertible linear map, so ``I(X;Y)`` is unchanged; ``O(n d^2 + d^3)``.
    """
    centred = a - a[fit_idx].mean(axis=0)
    cov = np.atleast_2d(np.cov(centred[fit_idx], rowvar=False))
    vals, vecs = np.linalg.eigh(cov)
    vals = np.maximum(vals, eps * max(vals.max(), eps))
    out: np.ndarray = centred @ (vecs / np.sqrt(vals)) @ vecs.T
    return out


def _rank_gauss(a: np.ndarray, fit_idx: np.ndarray) -> np.ndarray:
    """Per coordinate ``Φ⁻¹(F̂(v))`` with ``F̂`` the training rows' empirical CDF.

    ``F̂`` is the piecewise-linear interpolation of ``(sorted training values, (i + 0.5)/m)``,
    strictly increasing between the training extremes and constant beyond them; duplicated training
    values share their mean rank. Vectorised per column: ``O(d · n log n)``.
    """
    from scipy.special import ndtri

    out = np.empty_like(a, dtype=np.float64)
    for j in range(a.shape[1]):  # loop over coordinates, not samples
        values, counts = np.unique(a[fit_idx, j], return_counts=True)
        ends = np.cumsum(counts)
        levels = (ends - counts / 2) / ends[-1]  # mid-rank of each distinct value, in (0, 1)
        out[:, j] = ndtri(np.interp(a[:, j], values, levels))
    return out


def _standardize(a: np.ndarray, fit_idx: np.ndarray) -> np.ndarray:
    mean = a[fit_idx].mean(axis=0)
    std = a[fit_idx].std(axis=0)
    out: np.ndarray = (a - mean) / np.where(std > 0, std, 1.0)
    return out


# ---------------------------------------------------------------------- one class per bound
_COMMON = (
    "steps",
    "batch_size",
    "lr",
    "hidden",
    "train_fraction",
    "eval_batch_size",
    "early_stopping",
    "patience",
    "standardize",
    "rank_gauss",
    "device",
    "progress",
    "seed",
)
_CRITIC = ("critic", "embed_dim", "cosine", "temperature")
_SPECIFIC = {
    "smile": ("tau",),
    "interpolated": ("alpha",),
    "mine": ("momentum",),
    "doe": ("n_components",),
}


def _fixed_bound_estimator(bound: str, class_name: str) -> type[NeuralMIEstimator]:
    """A registered subclass of :class:`NeuralMIEstimator` named ``bound`` with that bound fixed.

    Its ``__init__`` accepts (keyword-only) just the parameters this bound uses, and its signature
    says so, so ``get_params`` and the registry listing show only those.
    """
    info = BOUNDS[bound]
    keep = _COMMON + (_CRITIC if info.family == "critic" else ()) + _SPECIFIC.get(bound, ())
    base = inspect.signature(NeuralMIEstimator.__init__)
    parameters = [base.parameters["self"]] + [
        base.parameters[name].replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for name in base.parameters
        if name in keep
    ]

    def __init__(self: NeuralMIEstimator, **params: Any) -> None:
        unknown = sorted(set(params) - set(keep))
        if unknown:
            raise TypeError(
                f"method {bound!r} got unexpected parameter(s) {unknown}; valid: {sorted(keep)}"
            )
        NeuralMIEstimator.__init__(self, bound=bound, **params)

    __init__.__signature__ = base.replace(parameters=parameters)  # type: ignore[attr-defined]
    doc = (
        f"{info.summary}.\n\nA :class:`NeuralMIEstimator` with ``bound={bound!r}``; parameters: "
        f"{', '.join(keep)} (see :class:`NeuralMIEstimator`)."
    )
    cls = type(
        class_name,
        (NeuralMIEstimator,),
        {
            "__init__": __init__,
            "__doc__": doc,
            "__module__": __name__,
            "name": bound,
            "kind": info.kind,
            "summary": info.summary,
        },
    )
    return register(cls)


InfoNCEEstimator = _fixed_bound_estimator("infonce", "InfoNCEEstimator")
NWJEstimator = _fixed_bound_estimator("nwj", "NWJEstimator")
DVEstimator = _fixed_bound_estimator("dv", "DVEstimator")
MINEEstimator = _fixed_bound_estimator("mine", "MINEEstimator")
TUBAEstimator = _fixed_bound_estimator("tuba", "TUBAEstimator")
JSEstimator = _fixed_bound_estimator("js", "JSEstimator")
SMILEEstimator = _fixed_bound_estimator("smile", "SMILEEstimator")
InterpolatedEstimator = _fixed_bound_estimator("interpolated", "InterpolatedEstimator")
CLUBEstimator = _fixed_bound_estimator("club", "CLUBEstimator")
L1OutEstimator = _fixed_bound_estimator("l1out", "L1OutEstimator")
DoEEstimator = _fixed_bound_estimator("doe", "DoEEstimator")

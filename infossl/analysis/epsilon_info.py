"""ε_info of real data: task information that one augmented view has and the other lacks.

The review's MultiView assumption (§4; Sridharan & Kakade 2008) reads I(Y;X1|X2) ≤ ε_info and
I(Y;X2|X1) ≤ ε_info. With conditional entropies in nats,

    I(Y;X1|X2) = H(Y|X2) − H(Y|X1,X2),        I(Y;X2|X1) = H(Y|X1) − H(Y|X1,X2).

**Estimator.** Three classifiers are trained on the same training rows: q_1 on X1 alone, q_2 on
X2 alone and q_12 on both views together (vectors concatenated, images stacked on channels).
Each is scored by its held-out cross-entropy on m test rows, CE(q) = (1/m) Σ_i −ln q(y_i | x_i).
For a classifier fixed before the test rows are drawn,

    E CE(q) = H(Y|X) + δ(q),     δ(q) = E_X KL(p(·|X) ‖ q(·|X)) ≥ 0,

so each CE is an upper bound, in expectation, on its conditional entropy (kind ``"upper"``). The
gaps

    Î(Y;X1|X2) = CE(q_2) − CE(q_12),          Î(Y;X2|X1) = CE(q_1) − CE(q_12)

are differences of two upper bounds: in expectation Î(Y;X1|X2) = I(Y;X1|X2) + δ(q_2) − δ(q_12).
That is an upper bound on I(Y;X1|X2) only if the both-view classifier is at least as close to
Bayes as the one-view one (δ(q_12) ≤ δ(q_2)), a lower bound only if it is at least as far, and
neither in general: the kind is ``"point"``, a consistent estimate when every classifier
reaches the Bayes posterior, with a bias of unknown sign otherwise. In practice q_12 has twice
the input and the same rows to learn from, so it is usually the further from Bayes; and a
classifier too small (or trained too briefly) to read what one view adds sees no gap. Both
make a weak classifier *under-state* the gap (it can come out negative).

**Interval.** The per-example differences d_i = ln q_12(y_i | x1_i, x2_i) − ln q_2(y_i | x2_i)
on the test rows give mean ± Student t (:func:`~infossl.estimators._resample.t_interval`).
With ``groups`` (several view pairs of one image), the d_i are averaged within each group first
and the interval is over groups: rows of one image are not independent. The interval covers
the sampling of the test rows with the classifiers fixed: neither their training randomness nor
the bias δ(q_2) − δ(q_12). ε_info = max of the two gaps, with the interval
[max of the lows, max of the highs]: it contains the max whenever both intervals contain their
values, so its coverage is at least 1 − 2α (Bonferroni).

**Data.** Paired views as arrays, vectors ``(n, d)`` or images ``(n, C, H, W)``;
:func:`augmented_pairs` draws two views of every image from an augmentation preset
(:mod:`infossl.data.presets`) with a fixed seed, :func:`load_images` loads the 1,797 digits or a
CIFAR-10 ImageFolder zip.

**Cost.** Three trainings of at most ``epochs`` passes over the training rows (Adam, early
stopping on a validation split), plus one forward pass over the test rows each: O(epochs · n)
network evaluations.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import model_validator
from torch import Tensor, nn

from infossl._checks import check_choice, check_ci_level, check_float, check_int
from infossl._config import FrozenConfig, with_defaults
from infossl._optimisation import fit, index_batches
from infossl.estimate import Estimate
from infossl.estimators._resample import t_interval

__all__ = [
    "CLASSIFIERS",
    "EpsilonInfoConfig",
    "EpsilonInfoResult",
    "augmented_pairs",
    "estimate_epsilon_info",
    "image_views",
    "load_images",
]

#: Classifier families: ``auto`` is ``mlp`` for vectors and ``convnet`` for images.
CLASSIFIERS: tuple[str, ...] = ("auto", "logistic", "mlp", "convnet")
#: Augmentation presets that take ``min_scale`` (the crop's smallest area fraction).
PRESETS: tuple[str, ...] = ("digits", "simclr", "byol")
#: The three classifiers: which views each reads.
_INPUTS: dict[str, str] = {"x1": "X1", "x2": "X2", "both": "X1,X2"}


class EpsilonInfoConfig(FrozenConfig):
    """Classifiers and budget of one ε_info estimate.

    Attributes:
        classifier: ``logistic`` (linear), ``mlp`` (two ReLU layers of width ``hidden``),
            ``convnet`` (:class:`~infossl.nn.backbones.SmallConvNet` of width ``conv_width``
            and a linear head; images only) or ``auto``.
        hidden: MLP width. conv_width: convnet base width (features 8·``conv_width``).
        epochs: most passes over the training rows per classifier (the training budget).
        batch_size: minibatch size (capped at the number of training rows).
        learning_rate, weight_decay: AdamW's.
        test_fraction: share of the rows (of the groups, with ``groups``) held out for the CE.
        validation_fraction: share of the remaining rows used for early stopping.
        patience: epochs without a better validation CE before training stops (the parameters
            of the best epoch are restored).
        ci_level: coverage of the Student-t intervals.
        seed: the split, the initialisations and the batch order.
    """

    classifier: str = "auto"
    hidden: int = 64
    conv_width: int = 16
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    test_fraction: float = 0.3
    validation_fraction: float = 0.15
    patience: int = 5
    ci_level: float = 0.95
    seed: int = 0

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> dict[str, Any]:
        values = with_defaults(cls, data)
        check_choice(values["classifier"], "classifier", CLASSIFIERS)
        for name in ("hidden", "conv_width", "epochs", "batch_size", "patience"):
            values[name] = check_int(values[name], name, low=1)
        values["seed"] = check_int(values["seed"], "seed", low=0)
        values["learning_rate"] = check_float(
            values["learning_rate"], "learning_rate", low=0.0, low_open=True
        )
        values["weight_decay"] = check_float(values["weight_decay"], "weight_decay", low=0.0)
        for name in ("test_fraction", "validation_fraction"):
            values[name] = check_float(values[name], name, low=0.0, high=1.0, low_open=True)
            if values[name] >= 1.0:
                raise ValueError(f"{name} must be < 1, got {values[name]}")
        values["ci_level"] = check_ci_level(values["ci_level"], "ci_level")
        return values


@dataclass(frozen=True)
class EpsilonInfoResult:
    """The two conditional informations, ε_info and what they are made of (nats).

    Attributes:
        i_y_x1_given_x2, i_y_x2_given_x1: Î(Y;X1|X2) = CE(q_2) − CE(q_12) and
            Î(Y;X2|X1) = CE(q_1) − CE(q_12), kind ``"point"`` (not a bound: module docstring).
        eps_info: the larger of the two, with the interval [max of lows, max of highs].
        cross_entropy: held-out CE by conditioning set, keys ``H(Y)`` (the training labels'
            frequencies), ``H(Y|X1)``, ``H(Y|X2)``, ``H(Y|X1,X2)``; kind ``"upper"``.
        accuracy: held-out accuracy of each classifier (keys ``x1``, ``x2``, ``both``) as
            ``(value, low, high)``, a Student-t interval over the test rows (groups).
        n_train, n_validation, n_test: rows of each split. n_classes: C.
        settings: the config, the data's size and shape and the epochs each classifier ran
            (``epochs_run``; fewer than ``epochs`` when early stopping ended it), for the record.
    """

    i_y_x1_given_x2: Estimate
    i_y_x2_given_x1: Estimate
    eps_info: Estimate
    cross_entropy: dict[str, Estimate]
    accuracy: dict[str, tuple[float, float, float]]
    n_train: int
    n_validation: int
    n_test: int
    n_classes: int
    settings: dict[str, Any] = field(default_factory=dict)

    def estimates(self) -> dict[str, Estimate]:
        """Every information figure by quantity name."""
        return {
            "I(Y;X1|X2)": self.i_y_x1_given_x2,
            "I(Y;X2|X1)": self.i_y_x2_given_x1,
            "eps_info": self.eps_info,
            **self.cross_entropy,
        }

    def rows(self) -> list[dict[str, Any]]:
        """One record per quantity: value, interval, kind (nats), for a CSV."""
        out: list[dict[str, Any]] = []
        for name, est in self.estimates().items():
            low, high = est.ci if est.ci is not None else (math.nan, math.nan)
            row = {"quantity": name, "value": est.value, "low": low, "high": high}
            out.append({**row, "unit": est.unit, "kind": est.kind, "n": est.n})
        for name, (value, low, high) in self.accuracy.items():
            row = {"quantity": f"accuracy({_INPUTS[name]})", "value": value, "low": low}
            out.append({**row, "high": high, "unit": "fraction", "kind": "point", "n": self.n_test})
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record: settings, sizes, every estimate in full, accuracies."""
        return {
            "settings": self.settings,
            "n_train": self.n_train,
            "n_validation": self.n_validation,
            "n_test": self.n_test,
            "n_classes": self.n_classes,
            "estimates": {k: v.to_dict() for k, v in self.estimates().items()},
            "accuracy": {k: list(v) for k, v in self.accuracy.items()},
        }


# ----------------------------------------------------------------------------- input checks
def _as_views(x: Any, name: str) -> Tensor:
    """``x`` as a finite float32 tensor of shape (n, d) or (n, C, H, W)."""
    if isinstance(x, np.ndarray):
        if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
            raise TypeError(f"{name} must hold numbers, got dtype {x.dtype}")
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not torch.is_tensor(x):
        raise TypeError(f"{name} must be a numpy array or a torch tensor, got {type(x).__name__}")
    if x.is_complex():
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    if x.ndim not in (2, 4):
        raise ValueError(
            f"{name} must have shape (n, d) (vectors) or (n, C, H, W) (images), "
            f"got {tuple(x.shape)}"
        )
    if x.shape[0] == 0 or x[0].numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)})")
    out = x.detach().to(torch.float32)
    if not bool(torch.isfinite(out).all()):
        raise ValueError(f"{name} contains {int((~torch.isfinite(out)).sum())} NaN or inf values")
    return out


def _as_classes(y: Any, n: int) -> tuple[Tensor, int]:
    """Integer labels as codes 0..C−1 (C ≥ 2 distinct classes) and C."""
    arr = y.detach().cpu().numpy() if torch.is_tensor(y) else np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"y must be 1-D (n,) class labels, got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
        raise TypeError(f"y must hold integer class labels, got dtype {arr.dtype}")
    if len(arr) != n:
        raise ValueError(f"y has {len(arr)} labels but x1 and x2 have {n} rows")
    classes, codes = np.unique(arr, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"y must hold at least 2 classes, got only {classes.tolist()}")
    return torch.from_numpy(codes.reshape(-1).astype(np.int64)), len(classes)


def _as_groups(groups: Any, n: int) -> np.ndarray:
    """Group ids (n,) as codes 0..G−1; None: every row its own group."""
    if groups is None:
        return np.arange(n)
    arr = groups.detach().cpu().numpy() if torch.is_tensor(groups) else np.asarray(groups)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(f"groups must have shape ({n},), one id per row, got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"groups must hold integer ids, got dtype {arr.dtype}")
    codes: np.ndarray = np.unique(arr, return_inverse=True)[1].reshape(-1)
    return codes


def _split(groups: np.ndarray, config: EpsilonInfoConfig) -> tuple[np.ndarray, ...]:
    """(train, validation, test) row indices; the groups are split, never their rows.

    ``ValueError`` when a split would hold fewer than 2 groups.
    """
    n_groups = int(groups.max()) + 1
    order = np.random.default_rng([config.seed, 7]).permutation(n_groups)
    n_test = round(config.test_fraction * n_groups)
    n_val = round(config.validation_fraction * (n_groups - n_test))
    if min(n_test, n_val, n_groups - n_test - n_val) < 2:
        raise ValueError(
            f"{n_groups} groups (rows, or images with groups) are too few for test_fraction="
            f"{config.test_fraction} and validation_fraction={config.validation_fraction}: "
            "every split needs at least 2"
        )
    rank = np.empty(n_groups, dtype=np.int64)
    rank[order] = np.arange(n_groups)
    position = rank[groups]
    test = np.flatnonzero(position < n_test)
    val = np.flatnonzero((position >= n_test) & (position < n_test + n_val))
    train = np.flatnonzero(position >= n_test + n_val)
    return train, val, test


# ----------------------------------------------------------------------------- classifiers
def _classifier(
    kind: str, shape: tuple[int, ...], n_classes: int, cfg: EpsilonInfoConfig
) -> nn.Module:
    """A fresh classifier of ``kind`` for inputs of ``shape`` (without the batch axis)."""
    from infossl.nn.backbones import MLP, SmallConvNet

    width = int(np.prod(shape))
    if kind == "logistic":
        return nn.Sequential(nn.Flatten(), nn.Linear(width, n_classes))
    if kind == "mlp":
        trunk = MLP(width, (cfg.hidden, cfg.hidden), batch_norm=False)
        return nn.Sequential(trunk, nn.Linear(trunk.feat_dim, n_classes))
    if len(shape) != 3:
        raise ValueError(f"classifier='convnet' needs image views (n, C, H, W), got {shape}")
    conv = SmallConvNet(shape[0], width=cfg.conv_width)
    return nn.Sequential(conv, nn.Linear(conv.feat_dim, n_classes))


def _standardise(x: Tensor, train: np.ndarray) -> Tensor:
    """``x`` centred and scaled by the training rows' mean and std (per column for vectors,
    per channel for images); constant columns keep scale 1."""
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    rows = x[torch.from_numpy(train)]
    mean = rows.mean(dim=axes, keepdim=True)
    std = rows.std(dim=axes, keepdim=True)
    return (x - mean) / torch.where(std > 1e-8, std, torch.ones_like(std))


@torch.no_grad()
def _log_likelihoods(model: nn.Module, x: Tensor, y: Tensor, batch: int = 2048) -> Tensor:
    """ln q(y_i | x_i) of every row (eval mode), and nothing kept for autograd."""
    model.eval()
    parts = [
        torch.log_softmax(model(x[s : s + batch]), dim=1).gather(1, y[s : s + batch, None])[:, 0]
        for s in range(0, len(x), batch)
    ]
    return torch.cat(parts)


@torch.no_grad()
def _predictions(model: nn.Module, x: Tensor, batch: int = 2048) -> Tensor:
    model.eval()
    return torch.cat([model(x[s : s + batch]).argmax(1) for s in range(0, len(x), batch)])


def _train(
    x: Tensor,
    y: Tensor,
    splits: tuple[np.ndarray, ...],
    kind: str,
    n_classes: int,
    cfg: EpsilonInfoConfig,
    seed: int,
) -> tuple[nn.Module, float]:
    """A classifier fitted by AdamW on the training rows with early stopping on the
    validation CE (:func:`infossl._optimisation.fit`; best epoch restored), and the epochs
    run."""
    train, val, _ = (torch.from_numpy(s) for s in splits)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = _classifier(kind, tuple(x.shape[1:]), n_classes, cfg)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay
    )
    batch = min(cfg.batch_size, len(train))
    per_epoch = len(train) // batch
    batches = index_batches(len(train), batch, torch.Generator().manual_seed(seed))

    def loss_at(step: int) -> Tensor:
        rows = train[next(batches)]
        return F.cross_entropy(model(x[rows]), y[rows])

    def validation() -> float:
        value = -float(_log_likelihoods(model, x[val], y[val]).mean())
        model.train()
        return value

    done = fit(
        model,
        loss_at,
        optimizer,
        cfg.epochs * per_epoch,
        validation=validation,
        eval_every=per_epoch,
        patience=cfg.patience,
        hint="lower learning_rate",
    )
    return model, done.steps_run / per_epoch


def _fit_all(
    inputs: dict[str, Tensor],
    labels: Tensor,
    splits: tuple[np.ndarray, ...],
    kind: str,
    n_classes: int,
    cfg: EpsilonInfoConfig,
    progress: Callable[[str], None] | None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, float]]:
    """Train one classifier per input (standardised on the training rows) and score it on the
    test rows: ln q(y_i | x_i) and correctness (0/1) per test row, and the epochs it ran."""
    train, _, test = splits
    log_q, correct, epochs_run = {}, {}, {}
    for k, (name, x) in enumerate(inputs.items()):
        if progress is not None:
            progress(name)
        x = _standardise(x, train)
        model, epochs_run[name] = _train(x, labels, splits, kind, n_classes, cfg, cfg.seed * 3 + k)
        log_q[name] = _log_likelihoods(model, x[test], labels[test]).double().numpy()
        correct[name] = (_predictions(model, x[test]) == labels[test]).double().numpy()
    return log_q, correct, epochs_run


# ----------------------------------------------------------------------------- the estimate
def _group_means(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Mean of ``values`` within each group present (groups need not be contiguous)."""
    codes, inverse = np.unique(groups, return_inverse=True)
    sums = np.bincount(inverse, weights=values, minlength=len(codes))
    out: np.ndarray = sums / np.bincount(inverse, minlength=len(codes))
    return out


def _interval(values: np.ndarray, groups: np.ndarray, level: float) -> tuple[float, float, float]:
    """(mean, low, high): Student t over the group means, each group weighing one (the row mean
    when every group has as many rows)."""
    return t_interval(_group_means(values, groups), level)


def _estimate(
    values: np.ndarray,
    groups: np.ndarray,
    cfg: EpsilonInfoConfig,
    quantity: str,
    kind: str,
    dims: tuple[int, ...],
    notes: tuple[str, ...],
    params: dict[str, Any],
) -> Estimate:
    """The mean of per-row ``values`` (nats) as an :class:`Estimate` with its t-interval over
    groups and the standard error of the group means."""
    mean, low, high = _interval(values, groups, cfg.ci_level)
    means = _group_means(values, groups)
    stderr = float(np.std(means, ddof=1) / math.sqrt(len(means)))
    return Estimate(
        value=mean,
        kind=kind,
        method="classifier-ce",
        n=len(values),
        dims=dims,
        stderr=stderr,
        ci=(low, high),
        ci_level=cfg.ci_level,
        params=params,
        quantity=quantity,
        notes=notes,
    )


GAP_NOTE = (
    "difference of two held-out cross-entropies: an upper bound only if the both-view "
    "classifier is at least as close to Bayes as the one-view one, else possibly an "
    "under-statement (weak or under-trained classifiers); the interval covers test-row "
    "sampling only"
)
CE_NOTE = "held-out cross-entropy: an upper bound (in expectation) on the conditional entropy"


def estimate_epsilon_info(
    x1: Any,
    x2: Any,
    y: Any,
    config: EpsilonInfoConfig | None = None,
    *,
    groups: Any = None,
    progress: Callable[[str], None] | None = None,
) -> EpsilonInfoResult:
    """Estimate I(Y;X1|X2), I(Y;X2|X1) and ε_info from paired views and labels (nats).

    Args:
        x1, x2: the two views, same shape: vectors ``(n, d)`` or images ``(n, C, H, W)``
            (numpy or torch, finite).
        y: ``(n,)`` integer class labels, at least 2 classes.
        config: classifiers and budget (:class:`EpsilonInfoConfig`; default settings if None).
        groups: optional ``(n,)`` integer ids; rows with one id (view pairs of one image) stay
            in one split and count once in the intervals.
        progress: called with ``"x1"``, ``"x2"``, ``"both"`` before each classifier trains.

    Returns the gaps as kind-``"point"`` estimates (module docstring: not bounds), the held-out
    cross-entropies as kind-``"upper"`` ones, and the accuracies. ``ValueError`` /
    ``TypeError`` name the argument for mismatched lengths, wrong shapes, non-finite values,
    labels of one class and bad budgets. One classifier training costs O(epochs · n_train)
    network evaluations; three are trained.
    """
    cfg = EpsilonInfoConfig() if config is None else config
    if not isinstance(cfg, EpsilonInfoConfig):
        raise TypeError(f"config must be an EpsilonInfoConfig, got {type(cfg).__name__}")
    v1, v2 = _as_views(x1, "x1"), _as_views(x2, "x2")
    if v1.shape != v2.shape:
        raise ValueError(
            f"x1 and x2 must have the same shape, got {tuple(v1.shape)} and {tuple(v2.shape)}"
        )
    labels, n_classes = _as_classes(y, len(v1))
    group_ids = _as_groups(groups, len(v1))
    kind = cfg.classifier
    if kind == "auto":
        kind = "convnet" if v1.ndim == 4 else "mlp"
    elif kind == "convnet" and v1.ndim != 4:
        raise ValueError("classifier='convnet' needs image views (n, C, H, W); x1 is (n, d)")
    splits = _split(group_ids, cfg)
    train, _, test = splits
    if len(np.unique(labels.numpy()[train])) < 2:
        raise ValueError("the training rows hold one class only: give more rows")
    inputs = {"x1": v1, "x2": v2, "both": torch.cat([v1, v2], dim=1)}
    log_q, correct, epochs_run = _fit_all(inputs, labels, splits, kind, n_classes, cfg, progress)
    test_groups = group_ids[test]
    accuracy = {name: _interval(c, test_groups, cfg.ci_level) for name, c in correct.items()}
    dim = int(np.prod(v1.shape[1:]))
    params = {**cfg.model_dump(), "classifier": kind}
    prior = np.bincount(labels.numpy()[train], minlength=n_classes) + 1.0  # add-one: no ln 0
    log_q["prior"] = np.log(prior / prior.sum())[labels.numpy()[test]]

    def ce(name: str, key: str, dims: tuple[int, ...]) -> Estimate:
        values = -log_q[key]
        return _estimate(values, test_groups, cfg, name, "upper", dims, (CE_NOTE,), params)

    def gap(name: str, one_view: str) -> Estimate:
        values = log_q["both"] - log_q[one_view]
        dims = (1, dim, dim)
        return _estimate(values, test_groups, cfg, name, "point", dims, (GAP_NOTE,), params)

    cross_entropy = {
        "H(Y)": ce("H(Y)", "prior", (1,)),
        "H(Y|X1)": ce("H(Y|X1)", "x1", (1, dim)),
        "H(Y|X2)": ce("H(Y|X2)", "x2", (1, dim)),
        "H(Y|X1,X2)": ce("H(Y|X1,X2)", "both", (1, 2 * dim)),
    }
    gap12, gap21 = gap("I(Y;X1|X2)", "x2"), gap("I(Y;X2|X1)", "x1")
    return EpsilonInfoResult(
        i_y_x1_given_x2=gap12,
        i_y_x2_given_x1=gap21,
        eps_info=_maximum(gap12, gap21),
        cross_entropy=cross_entropy,
        accuracy=accuracy,
        n_train=len(train),
        n_validation=len(splits[1]),
        n_test=len(test),
        n_classes=n_classes,
        settings={
            **params,
            "n_rows": len(v1),
            "view_shape": list(v1.shape[1:]),
            "epochs_run": epochs_run,
        },
    )


def _maximum(a: Estimate, b: Estimate) -> Estimate:
    """max(a, b) with the interval [max of lows, max of highs] (coverage ≥ 1 − 2α)."""
    assert a.ci is not None and b.ci is not None
    top = a if a.value >= b.value else b
    note = (
        "max of I(Y;X1|X2) and I(Y;X2|X1); interval [max of lows, max of highs], coverage at "
        f"least {1 - 2 * (1 - (a.ci_level or 0.95)):.2f}"
    )
    return Estimate(
        value=top.value,
        kind="point",
        method=top.method,
        n=top.n,
        dims=top.dims,
        stderr=None,
        ci=(max(a.ci[0], b.ci[0]), max(a.ci[1], b.ci[1])),
        ci_level=a.ci_level,
        params=dict(top.params),
        quantity="eps_info",
        notes=(*top.notes, note),
    )


# ----------------------------------------------------------------------------- image views
def image_views(preset: str, size: int, channels: int, min_scale: float) -> Any:
    """The two-view augmentation ``preset`` (``digits``, ``simclr``, ``byol``) for images of
    ``size`` px and ``channels``, with crops of area fraction ≥ ``min_scale``."""
    from infossl.data.presets import build_views

    check_choice(preset, "preset", PRESETS)
    min_scale = check_float(min_scale, "min_scale", low=0.0, high=1.0, low_open=True)
    if preset == "digits":
        if channels != 1:
            raise ValueError(f"preset 'digits' is for one-channel images, got {channels} channels")
        return build_views(preset, size=size, min_scale=min_scale)
    return build_views(preset, size=size, channels=channels, min_scale=min_scale)


def augmented_pairs(
    images: Tensor,
    labels: Any,
    views: Any,
    *,
    pairs_per_image: int = 1,
    seed: int = 0,
    chunk: int = 4096,
) -> tuple[Tensor, Tensor, Tensor, np.ndarray]:
    """``pairs_per_image`` view pairs of every image: ``(x1, x2, y, groups)``.

    ``views`` is a :class:`~infossl.data.augment.MultiView` (its first two views are used);
    one ``torch.Generator`` seeded with ``seed`` draws every augmentation, ``chunk`` images at
    a time (the draws depend on ``chunk``: keep it fixed to reproduce a run). ``groups`` is
    the source image of each row. Cost: one augmentation of ``n · pairs_per_image`` images per
    view, vectorised over each chunk.
    """
    from infossl.data.seeding import torch_generator

    pairs_per_image = check_int(pairs_per_image, "pairs_per_image", low=1)
    chunk = check_int(chunk, "chunk", low=1)
    if not torch.is_tensor(images) or images.ndim != 4:
        raise ValueError("images must be a (n, C, H, W) tensor")
    if len(views) < 2:
        raise ValueError(f"views must give at least two views, got {len(views)}")
    y = torch.as_tensor(labels)
    if y.shape != (len(images),):
        raise ValueError(f"labels must have shape ({len(images)},), got {tuple(y.shape)}")
    source = np.repeat(np.arange(len(images)), pairs_per_image)
    gen = torch_generator(seed)
    first, second = [], []
    for start in range(0, len(source), chunk):
        rows = torch.from_numpy(source[start : start + chunk])
        drawn = views(images[rows], gen)
        first.append(drawn[0])
        second.append(drawn[1])
    return torch.cat(first), torch.cat(second), y[torch.from_numpy(source)], source


def load_images(
    dataset: str, n_images: int | None = None, *, cifar_zip: Path | None = None, seed: int = 0
) -> tuple[Tensor, Tensor]:
    """``(images uint8 (n, C, H, W), labels)``: all 1,797 ``digits`` or a CIFAR-10 ImageFolder
    zip (``cifar_zip``), keeping ``n_images`` of them drawn at random with ``seed`` (all if
    None)."""
    from infossl.data.loading import load_dataset

    check_choice(dataset, "dataset", ("digits", "cifar10"))
    if dataset == "digits":
        data: Any = load_dataset("digits", split="all")
    else:
        if cifar_zip is None:
            raise ValueError("dataset 'cifar10' needs cifar_zip, the path of its ImageFolder zip")
        data = load_dataset(cifar_zip)
    images, labels = data.images, data.labels
    if n_images is not None:
        n_images = check_int(n_images, "n_images", low=2, high=len(images))
        keep = np.sort(np.random.default_rng([seed, 11]).permutation(len(images))[:n_images])
        images, labels = images[torch.from_numpy(keep)], labels[torch.from_numpy(keep)]
    return images, labels

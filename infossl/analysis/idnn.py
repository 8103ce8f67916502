"""The information-plane experiment of Shwartz-Ziv & Tishby (2017) and Saxe et al. (2018).

A fully connected network 12-10-7-5-4-3-2 (tanh or ReLU hidden units, softmax output) learns the
12-bit task of :mod:`infossl.data.idnn`. At log-spaced epochs every layer's activations on all
4,096 inputs are recorded and each layer T gets the pair (I(X;T), I(T;Y)), the coordinates of the
information plane.

Setup (the reference code ravidziv/IDNNs, as summarised in the project's research notes):

* weights truncated normal (cut at ±2 std) with std 1/√fan_in, biases 0; cross-entropy on the
  softmax output; Adam, learning rate 4e-4, batch 512 (``batch_size=None``: full batch);
* 80% of the patterns (3,277) train the network, drawn per seed; information is measured on all
  4,096 patterns (train + test), as in IDNNs and in Saxe et al.'s ``FULL_MI`` setting;
* logged epochs ``unique(round(logspace(0, log10(E), P)))`` plus epoch 0 (the initialisation);
  epoch e means "after e passes over the training set";
* all seeds train together as one batched ensemble (``torch.bmm`` over a seed axis), which is
  the same computation as independent runs: each seed has its own initialisation, split and
  batch order, drawn from ``torch.Generator(seed)``; the loss is the sum of the per-seed losses,
  so the gradients and Adam states of different seeds never mix.

Information estimators (the estimator and its parameters *define* the quantity: a deterministic
network on a finite input set has I(X;T) = H(X) = 12 bits whenever it is injective):

* ``"binning"`` (default): each unit is discretised and the binned layer T̃ is a discrete
  variable; with X uniform over the distinct patterns and T̃ = f(X), I(X;T̃) = H(T̃) and
  I(T̃;Y) = H(T̃) − H(T̃|Y), plug-in estimates (:class:`infossl.estimators.binning.BinnedMI`).
  tanh: the IDNN convention, 30 edges ``linspace(-1, 1, 30)`` with ``np.digitize`` (29 intervals
  plus a separate symbol for values equal to +1.0), also used for the softmax layer.
  ReLU: Saxe et al.'s rule, 100 equal-width bins between the smallest and largest activity of
  that layer over all logged epochs of that seed (so the bins do not move during training).
* ``"kt"`` (alias ``"kde"``, the name Saxe et al. use): the Kolchinsky–Tracey pairwise-distance
  bounds for T = h(X) + N(0, σ²I) (:mod:`infossl.estimators.kernel`), upper (KL) and lower
  (Bhattacharyya); the I(T;Y) pair is a difference of bounds, not a bound. O(n²) per layer, so
  ``max_samples`` can restrict the computation to a fixed random subset of the patterns.

References: Shwartz-Ziv & Tishby, arXiv:1703.00810 (2017); Saxe et al., ICLR 2018; Kolchinsky &
Tracey, Entropy 19:361 (2017).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import model_validator

from infossl._checks import check_choice, check_float, check_int, check_sequence_of_int
from infossl._config import FrozenConfig, with_defaults
from infossl._optimisation import optimisation_step
from infossl.data.idnn import load_idnn_task
from infossl.estimators import get_estimator_class

__all__ = [
    "ACTIVATIONS",
    "ESTIMATORS",
    "IDNNConfig",
    "IDNNTraining",
    "InformationPlane",
    "information_plane",
    "log_spaced_epochs",
    "run_idnn",
    "train_idnn",
]

ACTIVATIONS: tuple[str, ...] = ("tanh", "relu")
ESTIMATORS: tuple[str, ...] = ("binning", "kt", "kde")
IDNN_HIDDEN: tuple[int, ...] = (10, 7, 5, 4, 3)


def log_spaced_epochs(n_epochs: int, n_points: int) -> np.ndarray:
    """Epoch 0 plus ``unique(round(logspace(0, log10(n_epochs), n_points)))``, sorted.

    The IDNN reference logs ``unique(logspace(...)) − 1``; here epoch 0 is the initialisation and
    the last logged epoch is ``n_epochs``. At most ``n_points + 1`` values (fewer after rounding).
    """
    n_epochs = check_int(n_epochs, "n_epochs", low=1)
    n_points = check_int(n_points, "n_points", low=1)
    grid = np.round(np.logspace(0.0, math.log10(n_epochs), n_points)).astype(np.int64)
    return np.unique(np.concatenate([[0], grid, [n_epochs]]))


class IDNNConfig(FrozenConfig):
    """Settings of one IDNN experiment (all seeds share them).

    Attributes:
        activation: hidden-unit nonlinearity, ``"tanh"`` (Shwartz-Ziv & Tishby) or ``"relu"``.
        epochs: passes over the training set (IDNNs: 8,000; Saxe et al.: 10,000).
        seeds: one network per seed (the paper averaged 50).
        hidden: hidden-layer widths (IDNNs ``[10, 7, 5, 4, 3]``); the output has 2 units.
        learning_rate: Adam step size (IDNNs: 4e-4).
        batch_size: minibatch size (IDNNs 512, Saxe 256); None trains full batch.
        train_fraction: share of the 4,096 patterns used for training (IDNNs: 0.8).
        log_points: requested log-spaced logging epochs (IDNNs: 400 before de-duplication).
    """

    activation: str = "tanh"
    epochs: int = 8000
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    hidden: tuple[int, ...] = IDNN_HIDDEN
    learning_rate: float = 4e-4
    batch_size: int | None = 512
    train_fraction: float = 0.8
    log_points: int = 400

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> dict[str, Any]:
        values = with_defaults(cls, data)
        check_choice(values["activation"], "activation", ACTIVATIONS)
        values["epochs"] = check_int(values["epochs"], "epochs", low=1)
        seeds = tuple(check_sequence_of_int(list(values["seeds"]), "seeds", low=0))
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct, got {seeds}")
        values["seeds"] = seeds
        values["hidden"] = tuple(check_sequence_of_int(list(values["hidden"]), "hidden", low=1))
        values["learning_rate"] = check_float(
            values["learning_rate"], "learning_rate", low=0.0, low_open=True
        )
        if values["batch_size"] is not None:
            values["batch_size"] = check_int(values["batch_size"], "batch_size", low=1)
        values["train_fraction"] = check_float(
            values["train_fraction"],
            "train_fraction",
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
        )
        values["log_points"] = check_int(values["log_points"], "log_points", low=1)
        return values

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Input, hidden and output widths, e.g. (12, 10, 7, 5, 4, 3, 2)."""
        return (12, *self.hidden, 2)

    @property
    def layer_names(self) -> tuple[str, ...]:
        """Names of the recorded layers: hidden ``"h1"``… then ``"softmax"``."""
        return (*(f"h{i + 1}" for i in range(len(self.hidden))), "softmax")


# ----------------------------------------------------------------------------- the network
def _truncated_normal(
    shape: tuple[int, ...], std: float, generator: torch.Generator
) -> torch.Tensor:
    """N(0, std²) truncated to ±2 std, by inverse-CDF sampling (no rejection loop)."""
    low = 0.5 * (1.0 + math.erf(-2.0 / math.sqrt(2.0)))
    u = low + (1.0 - 2.0 * low) * torch.rand(shape, generator=generator, dtype=torch.float64)
    return (std * torch.special.ndtri(u)).float()


def _init_parameters(
    sizes: Sequence[int], seeds: Sequence[int], generators: list[torch.Generator]
) -> list[torch.Tensor]:
    """Per-layer weights (S, fan_in, fan_out) and biases (S, 1, fan_out), one slice per seed."""
    params: list[torch.Tensor] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        weight = torch.stack(
            [_truncated_normal((fan_in, fan_out), 1.0 / math.sqrt(fan_in), g) for g in generators]
        )
        params += [weight, torch.zeros(len(seeds), 1, fan_out)]
    return [p.requires_grad_(True) for p in params]


def _forward(
    params: Sequence[torch.Tensor], x: torch.Tensor, activation: str
) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Activations of every layer (hidden, then softmax) and the output logits, for x (S, B, 12)."""
    act = torch.tanh if activation == "tanh" else torch.relu
    layers = []
    h = x
    n_layers = len(params) // 2
    for i in range(n_layers):
        z = torch.baddbmm(params[2 * i + 1], h, params[2 * i])
        h = act(z) if i < n_layers - 1 else torch.softmax(z, dim=-1)
        layers.append(h)
    return layers, z


def _checked_data(data: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` as float32 (n, d) and int64 (n,) labels 0..C−1 with C ≥ 2; ValueError else."""
    x = np.asarray(data[0], dtype=np.float32)
    y = np.asarray(data[1])
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y) or len(x) < 2:
        raise ValueError(f"data must be x (n, d) and y (n,) with n >= 2, got {x.shape}, {y.shape}")
    if not np.isfinite(x).all():
        raise ValueError("data x must be finite")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() < 1:
        raise ValueError("data y must be integer class labels 0..C-1 with at least two classes")
    return x, y.astype(np.int64)


def _checked_train_index(index: np.ndarray, n_seeds: int, n: int) -> np.ndarray:
    """``(S, n_train)`` distinct row indices per seed, all in [0, n); ValueError else."""
    idx = np.asarray(index)
    if idx.ndim != 2 or idx.shape[0] != n_seeds or idx.shape[1] < 1:
        raise ValueError(f"train_index must have shape ({n_seeds}, n_train), got {idx.shape}")
    if not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"train_index must hold integer row indices in [0, {n})")
    if (np.diff(np.sort(idx, axis=1), axis=1) == 0).any():
        raise ValueError("train_index repeats a row within a seed")
    return idx.astype(np.int64)


@dataclass
class IDNNTraining:
    """A finished training run: parameter snapshots at the logged epochs plus accuracy curves.

    Attributes:
        config: the settings.
        epochs: logged epochs (E,).
        snapshots: for each logged epoch, the parameter tensors (weights and biases per layer,
            each with a leading seed axis).
        train_mask: (S, 4096) bool, the training patterns of each seed.
        train_loss, train_accuracy, test_accuracy: (S, E) arrays at the logged epochs.
        seconds: wall-clock training time.
    """

    config: IDNNConfig
    epochs: np.ndarray
    snapshots: list[list[torch.Tensor]]
    train_mask: np.ndarray
    train_loss: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    seconds: float

    def predictions(self, x: np.ndarray) -> np.ndarray:
        """Predicted classes (E, S, n) of every seed's network on ``x`` at every logged epoch."""
        xs = torch.as_tensor(x, dtype=torch.float32).expand(len(self.config.seeds), -1, -1)
        with torch.no_grad():
            return np.stack(
                [
                    _forward(params, xs, self.config.activation)[1].argmax(dim=-1).numpy()
                    for params in self.snapshots
                ]
            )

    def activations(self, epoch_index: int, x: np.ndarray | None = None) -> list[np.ndarray]:
        """Activations (S, n, width) of every recorded layer at logged epoch ``epoch_index``."""
        if x is None:
            x = load_idnn_task()[0]
        xs = torch.as_tensor(x, dtype=torch.float32).expand(len(self.config.seeds), -1, -1)
        with torch.no_grad():
            layers, _ = _forward(self.snapshots[epoch_index], xs, self.config.activation)
        return [layer.numpy() for layer in layers]


def train_idnn(
    config: IDNNConfig,
    *,
    progress: Callable[[int, int], None] | None = None,
    data: tuple[np.ndarray, np.ndarray] | None = None,
    train_index: np.ndarray | None = None,
) -> IDNNTraining:
    """Train one network per seed on the 12-bit task and snapshot the logged epochs.

    ``data`` = (x (n, d) floats, y (n,) class labels 0..C−1) replaces the 12-bit task (the
    network becomes d-hidden…-C); ``train_index`` (S, n_train) fixes the training rows of each
    seed instead of a random ``train_fraction`` split (the supersample protocol of
    :mod:`infossl.analysis.cmi_bound` uses both). ``progress(epoch, n_epochs)`` is called after
    every epoch when given. Cost: about epochs × ⌈n_train / batch⌉ Adam steps of the batched
    ensemble; the seeds add little.
    """
    import time

    start = time.perf_counter()
    x_np, y_np = load_idnn_task() if data is None else _checked_data(data)
    x_all = torch.as_tensor(x_np, dtype=torch.float32)
    y_all = torch.as_tensor(y_np)
    n = len(x_all)
    n_seeds = len(config.seeds)
    generators = [torch.Generator().manual_seed(int(s)) for s in config.seeds]
    sizes = (x_np.shape[1], *config.hidden, int(y_np.max()) + 1)
    params = _init_parameters(sizes, config.seeds, generators)
    if train_index is None:
        n_train = round(config.train_fraction * n)
        train_idx = torch.stack([torch.randperm(n, generator=g)[:n_train] for g in generators])
    else:
        train_idx = torch.as_tensor(_checked_train_index(train_index, n_seeds, n))
        n_train = train_idx.shape[1]
    train_mask = torch.zeros(n_seeds, n, dtype=torch.bool)
    train_mask.scatter_(1, train_idx, True)
    x_train, y_train = x_all[train_idx], y_all[train_idx]  # (S, n_train, 12), (S, n_train)
    seed_axis = torch.arange(n_seeds)[:, None]
    batch = n_train if config.batch_size is None else min(config.batch_size, n_train)
    optimiser = torch.optim.Adam(params, lr=config.learning_rate)
    log_epochs = log_spaced_epochs(config.epochs, config.log_points)
    snapshots: list[list[torch.Tensor]] = []
    curves = np.zeros((3, n_seeds, len(log_epochs)))
    x_eval = x_all.expand(n_seeds, -1, -1)
    mask_np = train_mask.numpy()

    def record(column: int) -> None:
        snapshots.append([p.detach().clone() for p in params])
        with torch.no_grad():
            _, logits = _forward(params, x_eval, config.activation)
            losses = F.cross_entropy(
                logits.transpose(1, 2), y_all.expand(n_seeds, -1), reduction="none"
            ).numpy()
            correct = (logits.argmax(dim=-1) == y_all).numpy()
        curves[0, :, column] = (losses * mask_np).sum(1) / mask_np.sum(1)
        curves[1, :, column] = (correct * mask_np).sum(1) / mask_np.sum(1)
        with np.errstate(invalid="ignore"):  # NaN when a seed trains on every row
            curves[2, :, column] = (correct * ~mask_np).sum(1) / (~mask_np).sum(1)

    column = 0
    if log_epochs[0] == 0:
        record(0)
        column = 1
    steps = itertools.count()
    for epoch in range(1, config.epochs + 1):
        order = torch.stack([torch.randperm(n_train, generator=g) for g in generators])
        for lo in range(0, n_train, batch):
            idx = order[:, lo : lo + batch]
            _, logits = _forward(params, x_train[seed_axis, idx], config.activation)
            loss = (
                F.cross_entropy(
                    logits.flatten(0, 1), y_train[seed_axis, idx].reshape(-1), reduction="sum"
                )
                / idx.shape[1]
            )
            optimisation_step(loss, optimiser, step=next(steps))
        if column < len(log_epochs) and epoch == log_epochs[column]:
            record(column)
            column += 1
        if progress is not None:
            progress(epoch, config.epochs)
    return IDNNTraining(
        config=config,
        epochs=log_epochs,
        snapshots=snapshots,
        train_mask=mask_np,
        train_loss=curves[0],
        train_accuracy=curves[1],
        test_accuracy=curves[2],
        seconds=time.perf_counter() - start,
    )


# ----------------------------------------------------------------------------- information
@dataclass
class InformationPlane:
    """Information-plane coordinates of every (seed, logged epoch, layer), in bits.

    Attributes:
        config: the training settings.
        epochs: logged epochs (E,).
        layers: layer names (L,).
        i_xt, i_ty: (S, E, L) point estimates (binning) or upper bounds (kt) of I(X;T), I(T;Y).
        i_xt_lower, i_ty_lower: (S, E, L) lower-bound companions (kt only, else None).
        estimator: ``"binning"`` or ``"kt"``; estimator_params: everything that defines the
            quantity (bins, ranges, σ², samples used).
        h_x, h_y, i_xy: entropies of the evaluation set (bits); I(X;Y) = H(Y) here.
        train_accuracy, test_accuracy, train_loss: (S, E).
        unit: always ``"bits"``.
    """

    config: IDNNConfig
    epochs: np.ndarray
    layers: tuple[str, ...]
    i_xt: np.ndarray
    i_ty: np.ndarray
    estimator: str
    estimator_params: dict[str, Any]
    h_x: float
    h_y: float
    i_xy: float
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    train_loss: np.ndarray
    i_xt_lower: np.ndarray | None = None
    i_ty_lower: np.ndarray | None = None
    unit: str = "bits"
    seconds: dict[str, float] = field(default_factory=dict)

    def compression(self) -> np.ndarray:
        """Seed-averaged drop max_epoch I(X;T) − I(X;T) at the last epoch, per layer (L,), bits."""
        mean = self.i_xt.mean(axis=0)
        return mean.max(axis=0) - mean[-1]

    def rows(self) -> list[dict[str, Any]]:
        """One flat record per (seed, epoch, layer), for CSV output."""
        out = []
        for s, seed in enumerate(self.config.seeds):
            for e, epoch in enumerate(self.epochs):
                for layer_index, name in enumerate(self.layers):
                    row = {
                        "seed": int(seed),
                        "epoch": int(epoch),
                        "layer": name,
                        "I_XT_bits": float(self.i_xt[s, e, layer_index]),
                        "I_TY_bits": float(self.i_ty[s, e, layer_index]),
                    }
                    if self.i_xt_lower is not None and self.i_ty_lower is not None:
                        row["I_XT_lower_bits"] = float(self.i_xt_lower[s, e, layer_index])
                        row["I_TY_lower_bits"] = float(self.i_ty_lower[s, e, layer_index])
                    row["train_accuracy"] = float(self.train_accuracy[s, e])
                    row["test_accuracy"] = float(self.test_accuracy[s, e])
                    out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary and all arrays (nested lists, seed × epoch × layer)."""

        def listed(a: np.ndarray | None) -> Any:
            return None if a is None else np.asarray(a).tolist()

        return {
            "experiment": "idnn",
            "unit": self.unit,
            "config": {
                k: (list(v) if isinstance(v, tuple) else v)
                for k, v in self.config.model_dump().items()
            },
            "estimator": self.estimator,
            "estimator_params": self.estimator_params,
            "H_X_bits": self.h_x,
            "H_Y_bits": self.h_y,
            "I_XY_bits": self.i_xy,
            "epochs": self.epochs.tolist(),
            "layers": list(self.layers),
            "seeds": list(self.config.seeds),
            "I_XT_bits": listed(self.i_xt),
            "I_TY_bits": listed(self.i_ty),
            "I_XT_lower_bits": listed(self.i_xt_lower),
            "I_TY_lower_bits": listed(self.i_ty_lower),
            "compression_bits": self.compression().tolist(),
            "train_accuracy": listed(self.train_accuracy),
            "test_accuracy": listed(self.test_accuracy),
            "train_loss": listed(self.train_loss),
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InformationPlane:
        """Rebuild a plane from :meth:`to_dict` output (e.g. a saved ``infoplane.json``)."""
        if not isinstance(data, dict) or data.get("experiment") != "idnn":
            raise ValueError("data must be the to_dict() output of an IDNN information plane")
        cfg = dict(data["config"])
        for key in ("seeds", "hidden"):
            cfg[key] = tuple(cfg[key])

        def array(key: str) -> np.ndarray | None:
            return None if data.get(key) is None else np.asarray(data[key], dtype=np.float64)

        return cls(
            config=IDNNConfig(**cfg),
            epochs=np.asarray(data["epochs"], dtype=np.int64),
            layers=tuple(data["layers"]),
            i_xt=array("I_XT_bits"),  # type: ignore[arg-type]
            i_ty=array("I_TY_bits"),  # type: ignore[arg-type]
            estimator=data["estimator"],
            estimator_params=dict(data["estimator_params"]),
            h_x=float(data["H_X_bits"]),
            h_y=float(data["H_Y_bits"]),
            i_xy=float(data["I_XY_bits"]),
            train_accuracy=array("train_accuracy"),  # type: ignore[arg-type]
            test_accuracy=array("test_accuracy"),  # type: ignore[arg-type]
            train_loss=array("train_loss"),  # type: ignore[arg-type]
            i_xt_lower=array("I_XT_lower_bits"),
            i_ty_lower=array("I_TY_lower_bits"),
            seconds=dict(data.get("seconds", {})),
        )


def _bits(estimate: Any) -> float:
    return float(estimate.to("bits").value)


def _layer_ranges(training: IDNNTraining, x: np.ndarray) -> np.ndarray:
    """(S, L, 2) smallest and largest activity of each layer over all logged epochs."""
    n_layers = len(training.config.layer_names)
    ranges = np.empty((len(training.config.seeds), n_layers, 2))
    ranges[..., 0], ranges[..., 1] = np.inf, -np.inf
    for e in range(len(training.epochs)):
        for i, layer in enumerate(training.activations(e, x)):
            ranges[:, i, 0] = np.minimum(ranges[:, i, 0], layer.min(axis=(1, 2)))
            ranges[:, i, 1] = np.maximum(ranges[:, i, 1], layer.max(axis=(1, 2)))
    return ranges


def information_plane(
    training: IDNNTraining,
    estimator: str = "binning",
    *,
    bins: int | None = None,
    noise_variance: float = 0.1,
    max_samples: int | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> InformationPlane:
    """I(X;T) and I(T;Y) in bits for every seed, logged epoch and layer of a training run.

    ``estimator="binning"``: ``bins`` = 30 IDNN edges on [−1, 1] for tanh, 100 equal-width bins
    over the layer's range across all logged epochs for ReLU (see the module docstring).
    ``estimator="kt"`` (or ``"kde"``): Kolchinsky–Tracey upper and lower bounds with noise
    variance ``noise_variance`` (σ²; Saxe et al.'s paper uses 0.1, their notebook 1e-3).
    ``max_samples``: evaluate on a random subset of that many patterns (drawn with ``seed``,
    the same for every epoch and network); None uses all 4,096. ``progress(done, total)`` is
    called after each logged epoch.
    """
    check_choice(estimator, "estimator", ESTIMATORS)
    kind = "kt" if estimator in ("kt", "kde") else "binning"
    noise_variance = check_float(noise_variance, "noise_variance", low=0.0, low_open=True)
    x_all, y_all = load_idnn_task()
    n_all = len(x_all)
    if max_samples is not None:
        max_samples = check_int(max_samples, "max_samples", low=2, high=n_all)
        subset = np.sort(np.random.default_rng(seed).choice(n_all, max_samples, replace=False))
    else:
        subset = np.arange(n_all)
    x, y = x_all[subset], y_all[subset]
    pattern = subset[:, None]  # X is identified by its pattern index (all patterns distinct)
    config = training.config
    n_seeds, n_epochs = len(config.seeds), len(training.epochs)
    n_layers = len(config.layer_names)
    shape = (n_seeds, n_epochs, n_layers)
    i_xt, i_ty = np.zeros(shape), np.zeros(shape)
    lower_xt = np.zeros(shape) if kind == "kt" else None
    lower_ty = np.zeros(shape) if kind == "kt" else None
    mi_class = {"binned": get_estimator_class("mi", "binned")}
    params: dict[str, Any] = {
        "n_samples": len(subset),
        "subset_seed": seed if max_samples is not None else None,
    }
    ranges = None
    if kind == "binning":
        if config.activation == "tanh":
            n_bins = 30 if bins is None else check_int(bins, "bins", low=2)
            params.update(strategy="idnn", bins=n_bins, value_range=[-1.0, 1.0])
        else:
            n_bins = 100 if bins is None else check_int(bins, "bins", low=1)
            ranges = _layer_ranges(training, x)
            params.update(
                strategy="uniform",
                bins=n_bins,
                value_range="per seed and layer: [min, max] over all logged epochs",
                ranges=ranges.tolist(),
            )
    else:
        mi_class["kt-upper"] = get_estimator_class("mi", "kt-upper")
        mi_class["kt-lower"] = get_estimator_class("mi", "kt-lower")
        params.update(noise_variance=noise_variance)

    for e in range(n_epochs):
        layers = training.activations(e, x)
        for s in range(n_seeds):
            for li, acts in enumerate(layers):
                t = acts[s].astype(np.float64)
                if kind == "binning":
                    if ranges is None:
                        rng_kw = {"strategy": "idnn", "value_range": (-1.0, 1.0)}
                    else:
                        lo, hi = ranges[s, li]
                        rng_kw = {"strategy": "uniform", "value_range": (lo, max(hi, lo + 1e-12))}
                    est_xt = mi_class["binned"](bins=params["bins"], x_discrete=True, **rng_kw)
                    est_ty = mi_class["binned"](bins=params["bins"], y_discrete=True, **rng_kw)
                    i_xt[s, e, li] = _bits(est_xt.estimate(pattern, t))
                    i_ty[s, e, li] = _bits(est_ty.estimate(t, y))
                else:
                    upper = mi_class["kt-upper"](noise_variance=noise_variance)
                    lower = mi_class["kt-lower"](noise_variance=noise_variance)
                    i_xt[s, e, li] = _bits(upper.estimate(pattern, t))
                    i_ty[s, e, li] = _bits(upper.estimate(y, t))
                    lower_xt[s, e, li] = _bits(lower.estimate(pattern, t))  # type: ignore[index]
                    lower_ty[s, e, li] = _bits(lower.estimate(y, t))  # type: ignore[index]
        if progress is not None:
            progress(e + 1, n_epochs)
    p1 = float(y.mean())
    h_y = 0.0 if p1 in (0.0, 1.0) else -(p1 * math.log2(p1) + (1 - p1) * math.log2(1 - p1))
    return InformationPlane(
        config=config,
        epochs=training.epochs,
        layers=config.layer_names,
        i_xt=i_xt,
        i_ty=i_ty,
        estimator=kind,
        estimator_params=params,
        h_x=math.log2(len(subset)),
        h_y=h_y,
        i_xy=h_y,
        train_accuracy=training.train_accuracy,
        test_accuracy=training.test_accuracy,
        train_loss=training.train_loss,
        i_xt_lower=lower_xt,
        i_ty_lower=lower_ty,
    )


def run_idnn(
    config: IDNNConfig,
    estimator: str = "binning",
    **estimator_options: Any,
) -> InformationPlane:
    """Train (:func:`train_idnn`) and measure (:func:`information_plane`) in one call."""
    import time

    training = train_idnn(config)
    start = time.perf_counter()
    plane = information_plane(training, estimator, **estimator_options)
    plane.seconds = {"training": training.seconds, "information": time.perf_counter() - start}
    return plane

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
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import model_validator
from torch import nn

from infossl._checks import check_choice, check_float, check_int, check_sequence_of_int
from infossl._config import FrozenConfig, with_defaults
from infossl._optimisation import optimisation_step
from infossl.analysis.infoplane import InformationPlane
from infossl.data.idnn import load_idnn_task

__all__ = [
    "ACTIVATIONS",
    "ESTIMATORS",
    "IDNNConfig",
    "IDNNTraining",
    "information_plane",
    "log_spaced_epochs",
    "run_idnn",
    "seed_network",
    "train_idnn",
]

ACTIVATIONS: tuple[str, ...] = ("tanh", "relu")
ESTIMATORS: tuple[str, ...] = ("binning", "kt", "kde", "noisy")
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
        noise_beta: β of the noisy network of Goldfeld et al. (2019): N(0, β²I) is added to
            every hidden layer's output in training (and in the ``"noisy"`` measurement, which
            needs β > 0); 0 (default) trains the deterministic network. The noise comes from one
            generator for the whole ensemble, seeded from ``seeds``; the accuracy curves are of
            the noiseless forward pass.
    """

    activation: str = "tanh"
    epochs: int = 8000
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    hidden: tuple[int, ...] = IDNN_HIDDEN
    learning_rate: float = 4e-4
    batch_size: int | None = 512
    train_fraction: float = 0.8
    log_points: int = 400
    noise_beta: float = 0.0

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
        values["noise_beta"] = check_float(values["noise_beta"], "noise_beta", low=0.0)
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
    params: Sequence[torch.Tensor],
    x: torch.Tensor,
    activation: str,
    noise: tuple[float, torch.Generator] | None = None,
) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Activations of every layer (hidden, then softmax) and the output logits, for x (S, B, 12).

    ``noise = (β, generator)`` adds N(0, β²) to every hidden unit (the noisy network)."""
    act = torch.tanh if activation == "tanh" else torch.relu
    layers = []
    h = x
    n_layers = len(params) // 2
    for i in range(n_layers):
        z = torch.baddbmm(params[2 * i + 1], h, params[2 * i])
        h = act(z) if i < n_layers - 1 else torch.softmax(z, dim=-1)
        if noise is not None and i < n_layers - 1:
            h = h + noise[0] * torch.randn(h.shape, generator=noise[1])
        layers.append(h)
    return layers, z


def seed_network(training: IDNNTraining, epoch_index: int, seed_index: int) -> nn.Sequential:
    """The network of one seed at one logged epoch as ``nn.Sequential`` (Linear layers h1…,
    softmax, each hidden one followed by its activation module ``h1_act``…; the last Linear
    gives logits). Same computation as the batched ensemble's noiseless forward."""
    params = training.snapshots[epoch_index]
    activation = nn.Tanh if training.config.activation == "tanh" else nn.ReLU
    modules: list[tuple[str, nn.Module]] = []
    names = training.config.layer_names
    for i, name in enumerate(names):
        modules.append((name, nn.Linear(params[2 * i].shape[1], params[2 * i].shape[2])))
        if i < len(names) - 1:
            modules.append((f"{name}_act", activation()))
    network = nn.Sequential(OrderedDict(modules))
    load_seed_weights(network, training, epoch_index, seed_index)
    return network


def load_seed_weights(
    network: nn.Module, training: IDNNTraining, epoch_index: int, seed_index: int
) -> None:
    """Copy one seed's weights at one logged epoch into a :func:`seed_network` (in place)."""
    params = training.snapshots[epoch_index]
    with torch.no_grad():
        for i, name in enumerate(training.config.layer_names):
            linear = network.get_submodule(name)
            linear.weight.copy_(params[2 * i][seed_index].T)
            linear.bias.copy_(params[2 * i + 1][seed_index, 0])


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
    noise = None
    if config.noise_beta > 0:
        state = np.random.SeedSequence([*config.seeds, 0x6E6F697365]).generate_state(1)[0]
        noise = (config.noise_beta, torch.Generator().manual_seed(int(state)))
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
            _, logits = _forward(params, x_train[seed_axis, idx], config.activation, noise)
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
def _recorder_settings(
    activation: str, estimator: str, bins: int | None, noise_variance: float
) -> tuple[str, dict[str, Any]]:
    """The engine's estimator and options for an IDNN measurement (see the module docstring)."""
    if estimator in ("kt", "kde"):
        return "kde", {"noise_variance": noise_variance}
    if activation == "tanh":  # the IDNN convention: 30 edges on [-1, 1]
        return "idnn", {"bins": bins, "value_range": (-1.0, 1.0)}
    return "binning", {"bins": 100 if bins is None else bins, "value_range": "global"}


def _deterministic_plane(
    training: IDNNTraining,
    x: np.ndarray,
    y: np.ndarray,
    estimator: str,
    bins: int | None,
    noise_variance: float,
    progress: Callable[[int, int], None] | None,
) -> InformationPlane:
    """One recorder per seed, fed the batched ensemble's activations at every logged epoch."""
    from infossl.analysis.infoplane import InformationPlaneRecorder

    config = training.config
    kind, options = _recorder_settings(config.activation, estimator, bins, noise_variance)
    names = config.layer_names
    recorders = [InformationPlaneRecorder(None, names, kind, **options) for _ in config.seeds]
    x_tensor = torch.as_tensor(x)
    for e, epoch in enumerate(training.epochs):
        layers = training.activations(e, x)
        for s, recorder in enumerate(recorders):
            acts = {name: layer[s] for name, layer in zip(names, layers, strict=True)}
            recorder.record_activations(int(epoch), acts, x_tensor, y)
        if progress is not None:
            progress(e + 1, len(training.epochs))
    return InformationPlane.stack([r.results() for r in recorders], config.seeds)


def _noisy_plane(
    training: IDNNTraining,
    x: np.ndarray,
    y: np.ndarray,
    n_conditional: int,
    n_mc: int,
    seed: int,
    progress: Callable[[int, int], None] | None,
) -> InformationPlane:
    """One noisy recorder per seed on :func:`seed_network`, reloaded at every logged epoch."""
    from infossl.analysis.infoplane import GaussianNoiseInjection, InformationPlaneRecorder

    config = training.config
    if config.noise_beta <= 0:
        raise ValueError(
            "estimator='noisy' measures a noisy network: train with IDNNConfig(noise_beta > 0)"
        )
    hidden = [f"{name}_act" for name in config.layer_names[:-1]]
    networks = [seed_network(training, 0, s) for s in range(len(config.seeds))]
    recorders = [
        InformationPlaneRecorder(
            net,
            hidden,
            "noisy",
            noise=GaussianNoiseInjection(net, hidden, config.noise_beta, seed=seed + 7919 * s),
            n_conditional=n_conditional,
            n_mc=n_mc,
            seed=seed + 7919 * s,
        )
        for s, net in enumerate(networks)
    ]
    x_tensor = torch.as_tensor(x, dtype=torch.float32)
    for e, epoch in enumerate(training.epochs):
        for s, (net, recorder) in enumerate(zip(networks, recorders, strict=True)):
            load_seed_weights(net, training, e, s)
            recorder.record(int(epoch), x_tensor, y)
        if progress is not None:
            progress(e + 1, len(training.epochs))
    plane = InformationPlane.stack([r.results() for r in recorders], config.seeds)
    plane.layers = config.layer_names[:-1]
    return plane


def information_plane(
    training: IDNNTraining,
    estimator: str = "binning",
    *,
    bins: int | None = None,
    noise_variance: float = 0.1,
    max_samples: int | None = None,
    seed: int = 0,
    n_conditional: int = 16,
    n_mc: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> InformationPlane:
    """I(X;T) and I(T;Y) in bits for every seed, logged epoch and layer of a training run.

    One :class:`~infossl.analysis.infoplane.InformationPlaneRecorder` per seed, fed the batched
    network's activations. ``estimator="binning"``: ``bins`` = 30 IDNN edges on [−1, 1] for tanh
    (engine estimator ``"idnn"``), 100 equal-width bins over the layer's range across all logged
    epochs for ReLU (``"binning"``, ``value_range="global"``). ``estimator="kt"`` (or ``"kde"``):
    Kolchinsky–Tracey upper and lower bounds with noise variance ``noise_variance`` (σ²; Saxe et
    al.'s paper uses 0.1, their notebook 1e-3). ``max_samples``: evaluate on a random subset of
    that many patterns (drawn with ``seed``, the same for every epoch and network); None uses
    all 4,096. ``estimator="noisy"`` (a run trained with ``noise_beta`` > 0): the true
    I(X;T_ℓ) of the noisy network by Goldfeld et al.'s sample-propagation estimator, hidden
    layers only, ``n_conditional`` noisy passes per input and ``n_mc`` Monte Carlo draws per
    centre (:mod:`infossl.analysis.infoplane`); O(m² · n_mc) per layer for m patterns, so use
    ``max_samples``. ``progress(done, total)`` is called after each logged epoch.
    """
    check_choice(estimator, "estimator", ESTIMATORS)
    noise_variance = check_float(noise_variance, "noise_variance", low=0.0, low_open=True)
    x_all, y_all = load_idnn_task()
    n_all = len(x_all)
    if max_samples is not None:
        max_samples = check_int(max_samples, "max_samples", low=2, high=n_all)
        subset = np.sort(np.random.default_rng(seed).choice(n_all, max_samples, replace=False))
    else:
        subset = np.arange(n_all)
    x, y = x_all[subset], y_all[subset]
    config = training.config
    if estimator == "noisy":
        plane = _noisy_plane(training, x, y, n_conditional, n_mc, seed, progress)
    else:
        plane = _deterministic_plane(training, x, y, estimator, bins, noise_variance, progress)
    names = config.layer_names
    params = plane.estimator_params
    if "ranges" in params:  # per seed {layer: [low, high]} -> (S, L, 2)
        params["ranges"] = [[r[name] for name in names] for r in params["ranges"]]
    params.update(n_samples=len(subset), subset_seed=seed if max_samples is not None else None)
    plane.config = config
    plane.train_accuracy = training.train_accuracy
    plane.test_accuracy = training.test_accuracy
    plane.train_loss = training.train_loss
    return plane


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

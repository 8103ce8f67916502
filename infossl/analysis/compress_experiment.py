"""The "to compress or not to compress" experiment on the multi-view testbed.

Shwartz-Ziv & LeCun (2024, §4.2–4.3) predict: when the MultiView assumption holds
(``I(Y;X1|X2) ≤ ε_info`` small, the label lives in the shared latent ``S``), objectives that
compress view-specific information (MIB, CEB) keep ``I(Z;S)``, drop ``I(Z;U1)`` and lose nothing
downstream; when it fails (``Y = h(S, U1)``), compressing throws label information away and an
objective that maximises ``I(X_i;Z_i)`` as well (their Eq. 9: SSL + reconstruction) does better.

This module trains each objective of the catalogue by name (several seeds, a β sweep), then
measures the learned ``Z1`` in both regimes:

* **regimes**: ``"holds"``: ``Y = w·S + noise`` (``label="shared"``); ``"violated"``: ``Y = w·S +
  κ v·U1 + noise`` with κ solved for the requested ``eps_info`` (nats). The objectives never
  see the label and both regimes draw the same views, so each model is trained once and
  measured against each regime's label.
* **training**: Adam on mini-batches that are fresh draws of the testbed at every step
  (``train_size=None``, the population objective) or random rows of a fixed training set;
  per-view encoders for vectors (linear or two-layer MLP), one shared convnet for images
  (:mod:`infossl.analysis.compress_models`). The loss acts on ``Z`` itself (no projection head),
  so the measured ``Z`` is what each objective shapes. A β sweep for MIB and CEB, with β warmed
  up linearly over the first ``beta_warmup`` fraction of the steps.
* **measurement** (:func:`~infossl.analysis.multiview_measure.measure_representation`) on a
  held-out sample: closed forms when a linear encoder meets linear-Gaussian views (``method =
  "closed-form"``); otherwise kNN estimators (``ksg1``, ``frenzel-pompe``, ``ross``), which
  under-estimate large values, so ``dim_z`` is kept small; for vector views also the Gaussian
  (linear-decodable) value of ``I(Z1;S)``, ``I(Z1;U1)``, ``I(Z1;Y)``, a *lower bound* because
  ``S``, ``U1`` and ``Y`` are Gaussian: ``h(S|Z) ≤ h(S − LZ)`` for the best linear ``L``.
  Stochastic codes are measured as drawn (one sample per input); a logistic-regression probe on
  ``Y_class`` is fitted on ``probe_labels`` held-out rows and tested on the others, on the code
  and on the encoder mean.
* **sweeps** (optional): ``eps_sweep`` measures the violated regime at several ``ε_info``
  values besides ``eps_info`` (the label never enters training, so one trained model serves
  every ε); ``label_sweep`` fits the probe on several label counts drawn from the
  ``probe_labels`` pool and tests every count on the same remaining rows. Summaries with
  t-intervals over seeds: :mod:`infossl.analysis.compress_sweep`.

Cost: ``O(runs · steps · B · (network + B·d_z))`` for training (runs = seeds × (non-swept
objectives + β values × swept ones)) plus one measurement per run and regime (kNN:
``O(n log n · d)``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
from pydantic import Field, model_validator

from infossl._checks import check_choice, check_float, check_int
from infossl._config import FrozenConfig, with_defaults
from infossl._optimisation import Diverged, fit
from infossl.analysis.compress_models import (
    DECODERS,
    OBJECTIVE_KINDS,
    STOCHASTIC_OBJECTIVES,
    TwoViewModel,
    objective_loss,
)
from infossl.analysis.multiview_measure import (
    estimate_measurement,
    linear_probe_accuracy,
    measure_representation,
)
from infossl.framework import LinearWarmup
from infossl.objectives import get_method_spec, get_objective
from infossl.tasks.multiview import (
    LinearEncoder,
    LinearGaussianMultiView,
    MultiViewSample,
    NonlinearMultiView,
)
from infossl.tasks.multiview_shapes import ShapesMultiView

REGIMES: tuple[str, ...] = ("holds", "violated")
VIEWS: tuple[str, ...] = ("auto", "linear", "nonlinear")
DEFAULT_OBJECTIVES: tuple[str, ...] = ("simclr", "vicreg", "mib", "ceb", "dont_compress")
DEFAULT_BETAS: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0)
#: Information columns of a result row (nats; NaN where not measured, ``inf`` where infinite).
INFO_COLUMNS: tuple[str, ...] = (
    "i_z1_s",
    "i_z1_u1",
    "i_z1_y",
    "i_z1_u1_given_s",
    "i_z1_x1_given_x2",
    "i_z1_z2",
    "i_z1_x1",
    "h_z1_given_x2",
    "i_mean1_s",
    "i_mean1_u1",
    "i_z1_s_lb",
    "i_z1_u1_lb",
    "i_z1_y_lb",
)
#: Every column of a result row, in CSV order.
ROW_COLUMNS: tuple[str, ...] = (
    "regime",
    "eps_info",
    "objective",
    "beta",
    "seed",
    "encoder",
    "views",
    "dim_z",
    "steps",
    "status",
    "method",
    "view_method",
    *INFO_COLUMNS,
    "probe_accuracy",
    "probe_accuracy_of_mean",
    "bayes_accuracy",
    "final_loss",
    "train_seconds",
    "measure_seconds",
)
#: Numeric columns averaged over seeds by :func:`summarise`.
SUMMARY_COLUMNS: tuple[str, ...] = (
    *INFO_COLUMNS,
    "probe_accuracy",
    "probe_accuracy_of_mean",
    "bayes_accuracy",
    "final_loss",
    "train_seconds",
)


def _as_tuple(value: Any, name: str, *, allow_empty: bool = False) -> tuple:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a sequence, got {type(value).__name__} {value!r}")
    if not value and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    return tuple(value)


def supported_objectives() -> list[str]:
    """Registry names this experiment can train (their aliases are accepted too)."""
    return sorted(OBJECTIVE_KINDS)


def resolve_objective(name: Any) -> str:
    """The canonical registry name of ``name``; ``ValueError`` listing the supported ones."""
    if not isinstance(name, str):
        raise TypeError(f"objective names must be strings, got {type(name).__name__} {name!r}")
    valid = ", ".join(supported_objectives())
    try:
        canonical = get_method_spec(name).name
    except ValueError:
        raise ValueError(f"unknown objective {name!r}; valid objectives: {valid}") from None
    if canonical not in OBJECTIVE_KINDS:
        raise ValueError(
            f"objective {name!r} is in the catalogue but not supported by this experiment; "
            f"valid objectives: {valid}"
        )
    return canonical


class CompressConfig(FrozenConfig):
    """Settings of :func:`run_compress_experiment` (validated on construction).

    Attributes:
        objectives: registry names (or aliases), see :func:`supported_objectives`.
        regimes: ``"holds"`` and/or ``"violated"``.
        seeds: training seeds (network initialisation, batches, held-out sample).
        betas: β values swept for MIB and CEB (each > 0).
        steps, batch_size, learning_rate: Adam training.
        encoder: ``"mlp"`` (two ReLU layers of width ``hidden``) or ``"linear"``; image views
            always use the shared convnet.
        views: ``"linear"`` (linear-Gaussian), ``"nonlinear"`` (through random invertible MLPs)
            or ``"auto"`` (linear for a linear encoder, nonlinear for an MLP).
        images: use :class:`~infossl.tasks.multiview_shapes.ShapesMultiView` renders.
        image_size: side of the renders (16 or 32).
        dim_z: width of the representation (small, so the kNN estimates stay usable).
        hidden: MLP width.
        eps_info: ``ε_info`` of the violated regime, nats.
        task_seed: seed of the testbed's mixing matrices (the same task for every run).
        task_params: extra arguments of the vector testbed (``dim_s``, ``dim_u``, ``dim_x``,
            ``noise``, ``label_noise``).
        train_size: rows of a fixed training set; None draws a fresh batch at every step.
        n_eval: held-out rows for the measurement and the probe.
        probe_labels: of those, the rows the probe is fitted on (the rest test it).
        probe_regularization: the probe's inverse L2 strength ``C`` (on standardised codes);
            weak by default, since a few-dimensional code with hundreds of labels does not
            overfit, while ``C = 1`` fell 4 points short of the Bayes accuracy on some codes.
        channel_noise: σ of the noisy channel of the ``I(Z̃1;·|·)`` terms.
        rec_weight: λ of the reconstruction terms of Eq. 9.
        eq9_ssl: the SSL loss wrapped by Eq. 9 (a ``"pair"`` objective).
        eq9_decoder: Eq. 9's decoders ``Q(X_i|Z_i)``: ``"linear"``, ``"mlp"`` or ``"auto"``
            (the kind of the encoder; MLP for images).
        beta_warmup: fraction of the steps over which β rises linearly from 0 (0: constant).
        mi_method, cmi_method, k: estimators of the non-exact measurement.
        objective_params: extra constructor arguments per objective name.
        eps_sweep: further ``ε_info`` values (nats) at which the violated regime is measured,
            besides ``eps_info``; each trained model is measured once per value.
        label_sweep: probe label counts (each ``2 ≤ n ≤ probe_labels``, ascending); each count
            is drawn from the ``probe_labels`` pool and tested on the same remaining rows.
        label_draws: label subsets drawn per count and seed (their accuracies are averaged;
            a subset holding one class is redrawn, since a probe needs two).
    """

    objectives: tuple[str, ...] = DEFAULT_OBJECTIVES
    regimes: tuple[str, ...] = REGIMES
    seeds: tuple[int, ...] = (0, 1, 2)
    betas: tuple[float, ...] = DEFAULT_BETAS
    steps: int = 1000
    batch_size: int = 256
    learning_rate: float = 3e-3
    encoder: str = "mlp"
    views: str = "auto"
    images: bool = False
    image_size: int = 16
    dim_z: int = 4
    hidden: int = 64
    eps_info: float = 0.5
    task_seed: int = 0
    task_params: Mapping[str, Any] = Field(default_factory=dict)
    train_size: int | None = None
    n_eval: int = 4000
    probe_labels: int = 1000
    probe_regularization: float = 100.0
    channel_noise: float = 0.1
    rec_weight: float = 1.0
    eq9_ssl: str = "simclr"
    eq9_decoder: str = "auto"
    beta_warmup: float = 0.3
    mi_method: str = "ksg1"
    cmi_method: str = "frenzel-pompe"
    k: int = 3
    objective_params: Mapping[str, Mapping[str, Any]] = Field(default_factory=dict)
    eps_sweep: tuple[float, ...] = ()
    label_sweep: tuple[int, ...] = ()
    label_draws: int = 5

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> dict[str, Any]:
        values = with_defaults(cls, data)
        cfg = SimpleNamespace(**values)  # the fields as attributes, as checked so far

        def put(name: str, value: Any) -> None:
            values[name] = value
            setattr(cfg, name, value)

        objectives = tuple(resolve_objective(o) for o in _as_tuple(cfg.objectives, "objectives"))
        if len(set(objectives)) != len(objectives):
            raise ValueError(f"objectives lists a method twice: {list(objectives)}")
        put("objectives", objectives)
        regimes = _as_tuple(cfg.regimes, "regimes")
        for r in regimes:
            check_choice(r, "regime", REGIMES)
        if len(set(regimes)) != len(regimes):
            raise ValueError(f"regimes lists a regime twice: {list(regimes)}")
        put("regimes", regimes)
        seeds = tuple(
            check_int(s, f"seeds[{i}]", low=0) for i, s in enumerate(_as_tuple(cfg.seeds, "seeds"))
        )
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct, got {list(seeds)}")
        put("seeds", seeds)
        put(
            "betas",
            tuple(
                check_float(b, f"betas[{i}]", low=0.0, low_open=True)
                for i, b in enumerate(_as_tuple(cfg.betas, "betas"))
            ),
        )
        put("steps", check_int(cfg.steps, "steps", low=1))
        put("batch_size", check_int(cfg.batch_size, "batch_size", low=4))
        put(
            "learning_rate", check_float(cfg.learning_rate, "learning_rate", low=0.0, low_open=True)
        )
        check_choice(cfg.encoder, "encoder", ("mlp", "linear"))
        check_choice(cfg.views, "views", VIEWS)
        if not isinstance(cfg.images, bool):
            raise TypeError(f"images must be a bool, got {cfg.images!r}")
        check_choice(cfg.image_size, "image_size", (16, 32))
        put("dim_z", check_int(cfg.dim_z, "dim_z", low=1))
        put("hidden", check_int(cfg.hidden, "hidden", low=1))
        put("eps_info", check_float(cfg.eps_info, "eps_info", low=0.0, low_open=True))
        put("task_seed", check_int(cfg.task_seed, "task_seed", low=0))
        if not isinstance(cfg.task_params, Mapping):
            raise TypeError("task_params must be a mapping of testbed arguments")
        if "seed" in cfg.task_params or "label" in cfg.task_params:
            raise ValueError("task_params cannot set seed or label (use task_seed and regimes)")
        if cfg.train_size is not None:
            put("train_size", check_int(cfg.train_size, "train_size", low=cfg.batch_size))
        put("n_eval", check_int(cfg.n_eval, "n_eval", low=40))
        put(
            "probe_labels",
            check_int(cfg.probe_labels, "probe_labels", low=10, high=cfg.n_eval - 10),
        )
        put(
            "probe_regularization",
            check_float(cfg.probe_regularization, "probe_regularization", low=0.0, low_open=True),
        )
        put("channel_noise", check_float(cfg.channel_noise, "channel_noise", low=0.0))
        put("rec_weight", check_float(cfg.rec_weight, "rec_weight", low=0.0))
        ssl = resolve_objective(cfg.eq9_ssl)
        if OBJECTIVE_KINDS[ssl] != "pair":
            pairs = sorted(n for n, k in OBJECTIVE_KINDS.items() if k == "pair")
            raise ValueError(f"eq9_ssl must be one of {pairs}, got {cfg.eq9_ssl!r}")
        put("eq9_ssl", ssl)
        check_choice(cfg.eq9_decoder, "eq9_decoder", DECODERS)
        put("beta_warmup", check_float(cfg.beta_warmup, "beta_warmup", low=0.0, high=1.0))
        for name in ("mi_method", "cmi_method"):
            if not isinstance(getattr(cfg, name), str):
                raise TypeError(f"{name} must be an estimator registry name")
        put("k", check_int(cfg.k, "k", low=1))
        if not isinstance(cfg.objective_params, Mapping):
            raise TypeError("objective_params must map objective names to argument dicts")
        put(
            "objective_params",
            {resolve_objective(n): dict(p) for n, p in cfg.objective_params.items()},
        )
        if cfg.images and cfg.eps_info > math.log(2.0):
            raise ValueError(
                f"eps_info must be <= ln 2 = {math.log(2.0):.4f} nats for the image "
                f"task (a binary view-specific bit), got {cfg.eps_info}"
            )
        put("eps_sweep", _check_eps_sweep(cfg.eps_sweep, cfg.regimes, cfg.images))
        put("label_sweep", _check_label_sweep(cfg.label_sweep, cfg.probe_labels))
        put("label_draws", check_int(cfg.label_draws, "label_draws", low=1))
        return values

    @property
    def resolved_views(self) -> str:
        """``"images"``, ``"linear"`` or ``"nonlinear"``."""
        if self.images:
            return "images"
        if self.views != "auto":
            return self.views
        return "linear" if self.encoder == "linear" else "nonlinear"

    @property
    def resolved_encoder(self) -> str:
        return "convnet" if self.images else self.encoder

    def points(self) -> list[tuple[str, float | None]]:
        """Every measured ``(regime, ε_info target)``: ``("holds", None)`` (the floor), then
        ``("violated", eps_info)`` and ``("violated", ε)`` for each further ``eps_sweep`` value."""
        out: list[tuple[str, float | None]] = []
        for regime in self.regimes:
            if regime == "holds":
                out.append(("holds", None))
                continue
            out.append(("violated", self.eps_info))
            out.extend(("violated", e) for e in self.eps_sweep if e != self.eps_info)
        return out

    def runs(self) -> list[tuple[str, float | None, int]]:
        """Every trained ``(objective, beta, seed)``, in order (each is measured per regime)."""
        out = []
        for objective in self.objectives:
            betas = self.betas if objective in STOCHASTIC_OBJECTIVES else (None,)
            for beta in betas:
                out.extend((objective, beta, seed) for seed in self.seeds)
        return out

    def to_dict(self) -> dict[str, Any]:
        out = self.model_dump()
        out["views"] = self.resolved_views
        out["encoder"] = self.resolved_encoder
        return out


def _check_eps_sweep(value: Any, regimes: tuple[str, ...], images: bool) -> tuple[float, ...]:
    """``eps_sweep`` as distinct positive floats; it needs the violated regime."""
    values = tuple(
        check_float(e, f"eps_sweep[{i}]", low=0.0, low_open=True)
        for i, e in enumerate(_as_tuple(value, "eps_sweep", allow_empty=True))
    )
    if len(set(values)) != len(values):
        raise ValueError(f"eps_sweep lists a value twice: {list(values)}")
    if values and "violated" not in regimes:
        raise ValueError("eps_sweep needs the 'violated' regime in regimes")
    if images and any(e > math.log(2.0) for e in values):
        raise ValueError(f"eps_sweep values must be <= ln 2 nats for the image task: {values}")
    return values


def _check_label_sweep(value: Any, pool: int) -> tuple[int, ...]:
    """``label_sweep`` as distinct ascending counts in ``[2, pool]``."""
    counts = tuple(
        check_int(n, f"label_sweep[{i}]", low=2, high=pool)
        for i, n in enumerate(_as_tuple(value, "label_sweep", allow_empty=True))
    )
    if list(counts) != sorted(set(counts)):
        raise ValueError(f"label_sweep must be distinct and ascending, got {list(counts)}")
    return counts


# ---------------------------------------------------------------------------------- tasks
def point_key(config: CompressConfig, regime: str, eps: float | None) -> str:
    """Name of a measured point: the regime, or ``"violated ε=0.25"`` for an extra ε value."""
    if regime == "holds" or eps is None or eps == config.eps_info:
        return regime
    return f"{regime} ε={eps:g}"


def build_task(config: CompressConfig, regime: str, eps: float | None = None) -> Any:
    """The testbed of ``regime``: the same matrices (``task_seed``) in both regimes.

    ``eps`` (nats) overrides ``config.eps_info`` for the violated regime (κ solved for it).
    """
    check_choice(regime, "regime", REGIMES)
    target = config.eps_info if eps is None else eps
    views = config.resolved_views
    if views == "images":
        if regime == "holds":
            return ShapesMultiView(size=config.image_size, label="shared")
        knob = ShapesMultiView.solve_knob_for_eps(target)
        return ShapesMultiView(size=config.image_size, label="view-specific", eps_knob=knob)
    params = dict(config.task_params)
    base = LinearGaussianMultiView(seed=config.task_seed, **params)
    knob = 0.0
    if regime == "violated":
        try:
            knob = base.solve_knob_for_eps(target)
        except ValueError as err:
            name = "eps_info" if eps is None or eps == config.eps_info else "eps_sweep value"
            raise ValueError(f"{name}={target:g}: {err}") from None
    label = "shared" if knob == 0.0 else "view-specific"
    if views == "linear":
        return base.with_knob(knob)
    return NonlinearMultiView(
        seed=config.task_seed, label=label, eps_knob=knob if knob else None, **params
    )


def _linear_part(task: Any) -> LinearGaussianMultiView | None:
    if isinstance(task, NonlinearMultiView):
        return task.linear
    return task if isinstance(task, LinearGaussianMultiView) else None


def task_references(task: Any) -> dict[str, float]:
    """What the data allow (nats and accuracies): ``eps_info``, ``I(Y;X1)``, ``I(Y;S)``, and for
    vector views the Bayes accuracy of ``Y_class`` from ``X1`` (keep everything), ``S`` (ideal
    compression) and ``X2``.

    Also, for vector views, the **minimal sufficient code** ``Z* = E[S|X1] = K X1`` with
    ``K = A1ᵀ Σ_X1⁻¹`` (linear-Gaussian: ``X2`` depends on ``X1`` only through ``E[S|X1]``, so
    ``Z*`` keeps all of ``I(X1;X2)`` and nothing else): ``I(Y;Z*)`` and its Bayes accuracy
    (``bayes_accuracy_sufficient``). The review's bound says ``I(Y;X1) − I(Y;Z*) ≤
    I(Y;X1|X2) = ε_info``; ``bayes_accuracy_x1 − bayes_accuracy_sufficient`` is that loss in
    accuracy."""
    linear = _linear_part(task)
    if linear is None:
        return {k: float(v) for k, v in task.known_information().items()}
    known = linear.known_information()
    out = {
        key: float(known[key])
        for key in (
            "eps_info",
            "I(Y;X1)",
            "I(Y;X2)",
            "I(Y;X1|X2)",
            "I(X1;S)",
            "I(X1;U1)",
            "I(Y;U1)",
        )
    }
    out["I(Y;S)"] = float(linear.information("y", "s"))
    out["bayes_accuracy_x1"] = float(linear.bayes_accuracy("x1"))
    out["bayes_accuracy_s"] = float(linear.bayes_accuracy("s"))
    out["bayes_accuracy_x2"] = float(linear.bayes_accuracy("x2"))
    sufficient = sufficient_encoder(linear)
    out["I(Y;Z*)"] = float(linear.information("z1", "y", encoder1=sufficient))
    out["bayes_accuracy_sufficient"] = float(linear.bayes_accuracy("z1", encoder1=sufficient))
    return out


def sufficient_encoder(task: LinearGaussianMultiView) -> LinearEncoder:
    """``Z* = E[S|X1] = A1ᵀ (A1 A1ᵀ + B1 B1ᵀ + σ² I)⁻¹ X1``, the minimal sufficient statistic
    of ``X1`` for ``X2`` (latents standard normal and independent)."""
    cov_x = task.a1 @ task.a1.T + task.b1 @ task.b1.T + task.noise**2 * np.eye(task.dim_x)
    return LinearEncoder(np.linalg.solve(cov_x, task.a1).T, 0.0)


# ---------------------------------------------------------------------------------- training
def _to_tensor(x: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32)


def build_objective(config: CompressConfig, objective: str, beta: float | None) -> Any:
    """The loss module of ``objective`` (β warmed up for MIB/CEB; Eq. 9 wraps ``eq9_ssl``)."""
    params = dict(config.objective_params.get(objective, {}))
    if objective in STOCHASTIC_OBJECTIVES:
        if beta is None:
            raise ValueError(f"{objective} needs a beta")
        warm = round(config.beta_warmup * config.steps)
        params["beta"] = LinearWarmup(beta, warm) if warm > 0 else beta
    if objective == "dont_compress":
        params.setdefault("ssl", config.eq9_ssl)
        params.setdefault("rec_weight", config.rec_weight)
        params.setdefault("ssl_params", dict(config.objective_params.get(config.eq9_ssl, {})))
    return get_objective(objective, **params)


@dataclass
class TrainedRun:
    """A trained model and how training went."""

    model: TwoViewModel
    status: str
    final_loss: float
    final_terms: dict[str, float]
    seconds: float


class _Batches:
    """Mini-batches: fresh draws of the testbed, or random rows of a fixed training set."""

    def __init__(
        self, task: Any, config: CompressConfig, seed: int, train: MultiViewSample | None
    ) -> None:
        self.task, self.batch = task, config.batch_size
        self.rng = np.random.default_rng([seed, 1])
        self.train = train

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.train is None:
            data = self.task.sample(self.batch, self.rng)
            return _to_tensor(data.x1), _to_tensor(data.x2)
        idx = self.rng.integers(0, len(self.train), size=self.batch)
        return _to_tensor(self.train.x1[idx]), _to_tensor(self.train.x2[idx])


def train_run(
    task: Any,
    config: CompressConfig,
    objective: str,
    beta: float | None,
    seed: int,
    train: MultiViewSample | None = None,
) -> TrainedRun:
    """Train both encoders with ``objective`` (Adam, ``config.steps`` steps).

    The initialisation uses torch's generator re-seeded with ``seed`` inside
    ``torch.random.fork_rng`` (global state restored after); batches and encoder noise use their
    own seeded generators. A step whose loss or gradient norm is not finite stops the run with
    ``status = "diverged at step …"``; gradients are clipped to norm 10.
    """
    objective = resolve_objective(objective)
    kind = OBJECTIVE_KINDS[objective]
    loss_fn = build_objective(config, objective, beta)
    example = task.sample(1, 0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = TwoViewModel(
            config.resolved_encoder,
            tuple(example.x1.shape[1:]),
            config.dim_z,
            stochastic=objective in STOCHASTIC_OBJECTIVES,
            decoders=kind == "eq9",
            hidden=config.hidden,
            decoder=config.eq9_decoder,
        )
    params = [p for p in model.parameters() if p.requires_grad] + list(loss_fn.parameters())
    generator = torch.Generator().manual_seed(seed)
    batches = _Batches(task, config, seed, train)
    tail = max(1, config.steps // 10)
    losses: list[float] = []
    terms: dict[str, float] = {}

    def batch_loss(step: int) -> torch.Tensor:
        loss_fn.set_step(step)
        out = objective_loss(kind, loss_fn, model, *batches(), generator)
        if step >= config.steps - tail:  # kept only if the run ends "ok"
            losses.append(float(out.loss.detach()))
            for name, value in out.terms.items():
                terms[name] = terms.get(name, 0.0) + float(value.value) / tail
        return out.loss

    optimiser = torch.optim.Adam(params, lr=config.learning_rate)
    status = "ok"
    start = time.perf_counter()
    try:
        fit(model, batch_loss, optimiser, config.steps, clip_norm=10.0)
    except Diverged as err:
        status = f"diverged at step {err.step}: {err.quantity} is not finite"
    final = float(np.mean(losses)) if losses and status == "ok" else float("nan")
    return TrainedRun(
        model, status, final, terms if status == "ok" else {}, time.perf_counter() - start
    )


# ---------------------------------------------------------------------------------- measuring
def _encode(
    model: TwoViewModel, data: MultiViewSample, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    generator = torch.Generator().manual_seed(seed + 1_000_003)
    with torch.no_grad():
        z1, m1 = model.enc1.encode(_to_tensor(data.x1), generator)
        z2, _ = model.enc2.encode(_to_tensor(data.x2), generator)
    return z1.double().numpy(), m1.double().numpy(), z2.double().numpy()


def _value_or_nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def measure_run(
    task: Any, model: TwoViewModel, data: MultiViewSample, config: CompressConfig, seed: int
) -> dict[str, Any]:
    """Information terms (nats) and probe accuracies of a trained model on held-out ``data``."""
    z1, m1, z2 = _encode(model, data, seed)
    row: dict[str, Any] = {c: float("nan") for c in INFO_COLUMNS}
    exact = isinstance(task, LinearGaussianMultiView) and model.enc1.is_linear
    rng = np.random.default_rng([seed, 2])
    if exact:
        e1, e2 = model.enc1.as_linear_encoder(), model.enc2.as_linear_encoder()
        closed_form = partial(
            measure_representation,
            task,
            data,
            z1,
            z2,
            encoder1=e1,
            encoder2=e2,
            channel_noise=config.channel_noise,
            probe=False,
        )
        views = closed_form(conditioning="views")
        latents = closed_form(conditioning="latents")
        info = task.encoder_information(e1, e2)
        mean_enc = model.enc1.as_linear_encoder(mean=True)
        row.update(
            i_mean1_s=task.information("z1", "s", encoder1=mean_enc),
            i_mean1_u1=task.information("z1", "u1", encoder1=mean_enc),
        )
        row.update(
            i_z1_x1_given_x2=views.superfluous_view.value,
            i_z1_x1=info["I(Z1;X1)"],
            h_z1_given_x2=info["H(Z1|X2)"],
            bayes_accuracy=views.bayes_accuracy,
            method="closed-form",
            view_method="closed-form",
        )
        main = latents
    else:
        params = {
            name: {"k": config.k}
            for name in (config.mi_method, config.cmi_method, "ross")
            if name != "gaussian"
        }
        by_knn = partial(
            measure_representation,
            task,
            data,
            channel_noise=config.channel_noise,
            seed=rng,
            mi_method=config.mi_method,
            cmi_method=config.cmi_method,
            conditioning="latents",
            method_params=params,
            probe=False,
            max_samples=None,
        )
        main = by_knn(z1, z2)
        row.update(
            method=f"{main.sufficiency_s.method} (k={config.k})",
            view_method=f"{main.superfluous_view.method} (k={config.k})",
            bayes_accuracy=float("nan"),
        )
        if model.enc1.stochastic:
            of_mean = by_knn(m1)
            row.update(
                i_mean1_s=of_mean.sufficiency_s.value, i_mean1_u1=of_mean.superfluous_u.value
            )
        if _linear_part(task) is not None:
            gauss = estimate_measurement(
                data,
                z1,
                channel_noise=config.channel_noise,
                seed=rng,
                mi_method="gaussian",
                cmi_method="gaussian",
                probe=False,
                max_samples=None,
            )
            row.update(
                i_z1_s_lb=gauss.sufficiency_s.value,
                i_z1_u1_lb=gauss.superfluous_u.value,
                i_z1_y_lb=gauss.sufficiency_y.value,
            )
    row.update(
        i_z1_s=main.sufficiency_s.value,
        i_z1_u1=main.superfluous_u.value,
        i_z1_y=main.sufficiency_y.value,
        i_z1_u1_given_s=main.superfluous_view.value,
        i_z1_z2=_value_or_nan(main.shared.value if main.shared is not None else None),
    )
    if not model.enc1.stochastic:
        row.update(i_mean1_s=row["i_z1_s"], i_mean1_u1=row["i_z1_u1"])
    labels, n_fit, c = data.y_class, config.probe_labels, config.probe_regularization
    row["probe_accuracy"] = linear_probe_accuracy(
        z1[:n_fit], labels[:n_fit], z1[n_fit:], labels[n_fit:], regularization=c
    )
    row["probe_accuracy_of_mean"] = linear_probe_accuracy(
        m1[:n_fit], labels[:n_fit], m1[n_fit:], labels[n_fit:], regularization=c
    )
    if config.label_sweep:
        row["label_sweep"] = label_sweep_accuracies(
            {"probe_accuracy": z1, "probe_accuracy_of_mean": m1}, labels, config, seed
        )
    return row


def label_subsets(labels: np.ndarray, count: int, draws: int, seed: int) -> list[np.ndarray]:
    """``draws`` seeded subsets of ``count`` rows of the pool ``labels`` (without replacement),
    each holding both classes (a one-class subset is redrawn, up to 1000 times); the whole pool
    once when ``count`` is its size. The same ``(labels, count, seed)`` give the same subsets,
    so every objective of a seed is probed on the same labelled rows (paired comparison)."""
    pool = len(labels)
    if count >= pool:
        return [np.arange(pool)]
    rng = np.random.default_rng([seed, 5, count])
    out = []
    for _ in range(draws):
        for _attempt in range(1000):
            idx = rng.choice(pool, size=count, replace=False)
            if len(np.unique(labels[idx])) > 1:
                out.append(idx)
                break
        else:
            raise ValueError(f"no subset of {count} labels holds two classes")
    return out


def label_sweep_accuracies(
    features: Mapping[str, np.ndarray], labels: np.ndarray, config: CompressConfig, seed: int
) -> list[dict[str, Any]]:
    """Probe accuracy per label count of ``config.label_sweep``, for each named feature array.

    The first ``probe_labels`` rows are the pool the labelled subsets are drawn from
    (:func:`label_subsets`); the remaining rows are the one test set of every count. Each value
    is the mean over the ``label_draws`` subsets: ``{"labels": n, name: accuracy, ...}``.
    """
    pool, c = config.probe_labels, config.probe_regularization
    out = []
    for count in config.label_sweep:
        subsets = label_subsets(labels[:pool], count, config.label_draws, seed)
        entry: dict[str, Any] = {"labels": count}
        for name, z in features.items():
            entry[name] = float(
                np.mean(
                    [
                        linear_probe_accuracy(
                            z[idx], labels[idx], z[pool:], labels[pool:], regularization=c
                        )
                        for idx in subsets
                    ]
                )
            )
        out.append(entry)
    return out


def oracle_label_sweep(
    data: MultiViewSample, config: CompressConfig, seed: int
) -> list[dict[str, Any]]:
    """The label sweep of probes on the true shared latent ``S`` (``oracle_s``: the ideally
    compressed code) and, for vector views, on the whole view ``X1`` (``oracle_x1``: keep
    everything); NaN for ``X1`` of image views. The same subsets as the trained codes'."""
    features = {"oracle_s": np.asarray(data.s, dtype=float)}
    if not config.images:
        features["oracle_x1"] = np.asarray(data.x1, dtype=float)
    out = label_sweep_accuracies(features, data.y_class, config, seed)
    for entry in out:
        entry.setdefault("oracle_x1", float("nan"))
    return out


# ---------------------------------------------------------------------------------- the run
@dataclass
class CompressResult:
    """Everything the experiment produced.

    Attributes:
        config: the settings.
        rows: one dict per (measured point, objective, β, seed) with :data:`ROW_COLUMNS`
            (+ ``terms``, the final loss terms, and with a label sweep ``label_sweep``, a list
            of per-count probe accuracies incl. the oracle probes); the rows of one
            ``(objective, β, seed)`` share one trained model (and its ``train_seconds``).
        summary: mean and standard deviation over seeds per (regime, ε_info, objective, β).
        references: per measured point (:func:`point_key`: ``"holds"``, ``"violated"``,
            ``"violated ε=0.25"``, ...), what the data allow (:func:`task_references`).
        seconds: wall-clock time of the whole run.
    """

    config: CompressConfig
    rows: list[dict[str, Any]]
    summary: list[dict[str, Any]]
    references: dict[str, dict[str, float]]
    seconds: float

    def main_summary(self) -> list[dict[str, Any]]:
        """The summary rows of the holds regime and of the violated one at ``eps_info`` (the
        rows of further ``eps_sweep`` values left out)."""
        return [
            e
            for e in self.summary
            if e["regime"] == "holds"
            or math.isclose(e["eps_info"], self.config.eps_info, abs_tol=1e-6)
        ]

    def main_references(self) -> dict[str, dict[str, float]]:
        """The references of the holds regime and of the violated one at ``eps_info``."""
        return {k: v for k, v in self.references.items() if k in REGIMES}

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.to_dict(),
            "references": self.references,
            "rows": self.rows,
            "summary": self.summary,
            "seconds": self.seconds,
            "unit": "nats",
        }


def _same_views(tasks: Mapping[str, Any]) -> None:
    """Guard: the regimes must differ only in the label (the views drive training)."""
    samples = [task.sample(4, 0) for task in tasks.values()]
    for sample in samples[1:]:
        if not (
            np.array_equal(sample.x1, samples[0].x1) and np.array_equal(sample.x2, samples[0].x2)
        ):
            raise RuntimeError(
                "the regimes' testbeds draw different views for one seed; "
                "a representation cannot be shared between them"
            )


def run_compress_experiment(
    config: CompressConfig | None = None,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
) -> CompressResult:
    """Train every ``(objective, β, seed)`` of ``config`` and measure it at every point
    (:meth:`CompressConfig.points`: each regime, and each further ``eps_sweep`` value).

    The objectives never see the label and the regimes differ only in the label (same views,
    same matrices), so each representation is trained once, on the views, and measured against
    each regime's label: the question is which representation to learn before the downstream
    task is known. ``progress(done, total, row)`` is called after each measured row. The same
    config gives the same rows (apart from the timing columns).
    """
    config = CompressConfig() if config is None else config
    if not isinstance(config, CompressConfig):
        raise TypeError(f"config must be a CompressConfig, got {type(config).__name__}")
    start = time.perf_counter()
    points = {point_key(config, r, e): (r, e) for r, e in config.points()}
    tasks = {key: build_task(config, r, e) for key, (r, e) in points.items()}
    _same_views(tasks)
    references = {key: task_references(task) for key, task in tasks.items()}
    train_task = tasks[next(iter(tasks))]
    held_out: dict[tuple[str, int], MultiViewSample] = {}
    oracles: dict[tuple[str, int], list[dict[str, Any]]] = {}
    train_sets: dict[int, MultiViewSample | None] = {}
    runs = config.runs()
    total = len(runs) * len(points)
    rows: list[dict[str, Any]] = []
    for objective, beta, seed in runs:
        if seed not in train_sets:
            train_sets[seed] = (
                None
                if config.train_size is None
                else train_task.sample(config.train_size, np.random.default_rng([seed, 4]))
            )
        trained = train_run(train_task, config, objective, beta, seed, train_sets[seed])
        for key, (regime, _) in points.items():
            task = tasks[key]
            if (key, seed) not in held_out:
                held_out[(key, seed)] = task.sample(config.n_eval, np.random.default_rng([seed, 3]))
                if config.label_sweep:
                    oracles[(key, seed)] = oracle_label_sweep(held_out[(key, seed)], config, seed)
            row: dict[str, Any] = {
                "regime": regime,
                "eps_info": references[key]["eps_info"],
                "objective": objective,
                "beta": float("nan") if beta is None else beta,
                "seed": seed,
                "encoder": config.resolved_encoder,
                "views": config.resolved_views,
                "dim_z": config.dim_z,
                "steps": config.steps,
                "status": trained.status,
                "method": "",
                "view_method": "",
            }
            tic = time.perf_counter()
            if trained.status == "ok":
                row.update(measure_run(task, trained.model, held_out[(key, seed)], config, seed))
                for entry, oracle in zip(
                    row.get("label_sweep", []), oracles.get((key, seed), []), strict=True
                ):
                    entry.update(oracle)
            else:
                row.update(
                    {
                        c: float("nan")
                        for c in (
                            *INFO_COLUMNS,
                            "probe_accuracy",
                            "probe_accuracy_of_mean",
                            "bayes_accuracy",
                        )
                    }
                )
            row.update(
                final_loss=trained.final_loss,
                train_seconds=trained.seconds,
                measure_seconds=time.perf_counter() - tic,
                terms=trained.final_terms,
            )
            rows.append(row)
            if progress is not None:
                progress(len(rows), total, row)
    return CompressResult(config, rows, summarise(rows), references, time.perf_counter() - start)


def summarise(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Mean and sample standard deviation over seeds per ``(regime, ε_info, objective, beta)``.

    Rows whose status is not ``"ok"`` are left out and counted in ``n_failed``.
    """
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for row in rows:
        beta = row["beta"]
        key = (
            row["regime"],
            round(float(row["eps_info"]), 9),
            row["objective"],
            None if _isnan(beta) else float(beta),
        )
        groups.setdefault(key, []).append(row)
    out = []
    for (regime, _, objective, beta), members in groups.items():
        ok = [m for m in members if m["status"] == "ok"]
        entry: dict[str, Any] = {
            "regime": regime,
            "objective": objective,
            "beta": float("nan") if beta is None else beta,
            "eps_info": members[0]["eps_info"],
            "n": len(ok),
            "n_failed": len(members) - len(ok),
            "method": ok[0]["method"] if ok else "",
        }
        for col in SUMMARY_COLUMNS:
            values = np.array([float(m[col]) for m in ok], dtype=float)
            finite = values[~np.isnan(values)]
            if finite.size == 0:
                mean, std = float("nan"), float("nan")
            elif not np.isfinite(finite).all():  # e.g. I(Z1;X1) = inf, deterministic codes
                mean, std = float(finite.mean()), float("nan")
            else:
                mean = float(finite.mean())
                std = float(finite.std(ddof=1)) if finite.size > 1 else 0.0
            entry[f"{col}_mean"], entry[f"{col}_std"] = mean, std
        out.append(entry)
    regimes = list(dict.fromkeys(row["regime"] for row in rows))
    objectives = list(dict.fromkeys(row["objective"] for row in rows))
    return sorted(
        out,
        key=lambda e: (
            regimes.index(e["regime"]),
            e["eps_info"],
            objectives.index(e["objective"]),
            -math.inf if _isnan(e["beta"]) else e["beta"],
        ),
    )


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def label_of(objective: str, beta: float) -> str:
    """``"mib β=0.01"`` for swept objectives, the name otherwise."""
    return objective if _isnan(beta) else f"{objective} β={beta:g}"


__all__ = [
    "DEFAULT_BETAS",
    "DEFAULT_OBJECTIVES",
    "INFO_COLUMNS",
    "REGIMES",
    "ROW_COLUMNS",
    "SUMMARY_COLUMNS",
    "CompressConfig",
    "CompressResult",
    "TrainedRun",
    "build_objective",
    "build_task",
    "label_of",
    "label_subsets",
    "label_sweep_accuracies",
    "measure_run",
    "oracle_label_sweep",
    "point_key",
    "resolve_objective",
    "run_compress_experiment",
    "sufficient_encoder",
    "summarise",
    "supported_objectives",
    "task_references",
    "train_run",
]

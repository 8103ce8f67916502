"""Self-consistency checks of MI estimators (Song & Ermon, *Understanding the Limitations of
Variational Mutual Information Estimators*, ICLR 2020).

Each check draws inputs from a task, runs an estimator on them and returns the statistic whose
ideal value is known whatever the true MI:

* independence: Î(X; Y') / Î(X; Y) with Y' drawn independently of X — ideally 0;
* data processing: Î([X, f(X)]; Y) / Î(X; Y) — ideally 1, since [X, f(X)] carries no more
  information about Y than X does;
* additivity: Î([X₁, X₂]; [Y₁, Y₂]) / Î(X₁; Y₁) for independent copies — ideally 2.

``estimate`` is any callable ``estimate(x, y)`` returning a number or an object with
``float()`` (an :class:`~infossl.estimate.Estimate`), e.g.
``lambda x, y: infossl.estimate_mi(x, y, method="ksg1")``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import SupportsFloat

import numpy as np

from infossl._checks import check_int
from infossl.tasks._base import Task, TaskSeed, rng_from_seed

Estimator = Callable[[np.ndarray, np.ndarray], SupportsFloat]


@dataclass(frozen=True)
class ConsistencyResult:
    """One self-consistency check.

    Attributes:
        check: ``"independence"``, ``"data-processing"`` or ``"additivity"``.
        ratio: the statistic; compare with ``expected``.
        expected: its ideal value (0, 1 or 2).
        estimates: the raw estimates behind the ratio (nats), by name.
        n: samples per estimate.
    """

    check: str
    ratio: float
    expected: float
    estimates: dict[str, float] = field(default_factory=dict)
    n: int = 0

    @property
    def error(self) -> float:
        """|ratio − expected|."""
        return abs(self.ratio - self.expected)


def _draw(task: Task, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(task, Task):
        raise TypeError(f"task must be a Task, got {type(task).__name__}")
    if task.x_kind != "continuous" or task.y_kind != "continuous":
        raise ValueError(f"task {task.id!r} must have continuous X and Y for these checks")
    return task.sample(n, rng)


def independence_inputs(task: Task, n: int, seed: TaskSeed) -> dict[str, np.ndarray]:
    """``x, y`` (a joint draw) and ``y_independent`` (Y from a second, independent draw)."""
    n = check_int(n, "n", low=2)
    rng = rng_from_seed(seed)
    x, y = _draw(task, n, rng)
    _, y_indep = _draw(task, n, rng)
    return {"x": x, "y": y, "y_independent": y_indep}


def data_processing_inputs(
    task: Task, n: int, seed: TaskSeed, fn: Callable[[np.ndarray], np.ndarray] = np.tanh
) -> dict[str, np.ndarray]:
    """``x, y`` and ``x_augmented = [x, fn(x)]`` (fn any function of x, default tanh)."""
    n = check_int(n, "n", low=2)
    x, y = _draw(task, n, rng_from_seed(seed))
    fx = np.asarray(fn(x), dtype=np.float64)
    if fx.ndim == 1:
        fx = fx[:, None]
    if fx.ndim != 2 or fx.shape[0] != n or not np.isfinite(fx).all():
        raise ValueError(f"fn(x) must return finite values with {n} rows, got shape {fx.shape}")
    return {"x": x, "y": y, "x_augmented": np.hstack([x, fx])}


def additivity_inputs(task: Task, n: int, seed: TaskSeed) -> dict[str, np.ndarray]:
    """``x, y`` (one draw), ``x_pair = [x, x₂]`` and ``y_pair = [y, y₂]``, (x₂, y₂) independent."""
    n = check_int(n, "n", low=2)
    rng = rng_from_seed(seed)
    x, y = _draw(task, n, rng)
    x2, y2 = _draw(task, n, rng)
    return {"x": x, "y": y, "x_pair": np.hstack([x, x2]), "y_pair": np.hstack([y, y2])}


def _run(estimate: Estimator, x: np.ndarray, y: np.ndarray, what: str) -> float:
    if not callable(estimate):
        raise TypeError(
            f"estimate must be a callable estimate(x, y), got {type(estimate).__name__}"
        )
    value = float(estimate(x, y))
    if not math.isfinite(value):
        raise ValueError(f"the estimator returned {value} for {what}")
    return value


def _reference(estimate: Estimator, x: np.ndarray, y: np.ndarray) -> float:
    ref = _run(estimate, x, y, "I(X;Y)")
    if ref <= 1e-6:
        raise ValueError(
            f"the reference estimate I(X;Y) = {ref:.3g} nats is not positive; the ratio is "
            "undefined (use a task with clearly positive MI, or more samples)"
        )
    return ref


def _ratio(
    estimate: Estimator,
    d: dict[str, np.ndarray],
    x_key: str,
    y_key: str,
    what: str,
    check: str,
    ideal: float,
) -> ConsistencyResult:
    """Î(d[x_key]; d[y_key]) / Î(d["x"]; d["y"]) as the result of ``check`` (reference first)."""
    ref = _reference(estimate, d["x"], d["y"])
    value = _run(estimate, d[x_key], d[y_key], what)
    return ConsistencyResult(check, value / ref, ideal, {"I(X;Y)": ref, what: value}, len(d["x"]))


def check_independence(
    estimate: Estimator, task: Task, n: int, seed: TaskSeed
) -> ConsistencyResult:
    """Î(X; Y') / Î(X; Y) with Y' independent of X (ideal 0)."""
    d = independence_inputs(task, n, seed)
    return _ratio(estimate, d, "x", "y_independent", "I(X;Y')", "independence", 0.0)


def check_data_processing(
    estimate: Estimator,
    task: Task,
    n: int,
    seed: TaskSeed,
    fn: Callable[[np.ndarray], np.ndarray] = np.tanh,
) -> ConsistencyResult:
    """Î([X, f(X)]; Y) / Î(X; Y) (ideal 1)."""
    d = data_processing_inputs(task, n, seed, fn)
    return _ratio(estimate, d, "x_augmented", "y", "I([X,f(X)];Y)", "data-processing", 1.0)


def check_additivity(estimate: Estimator, task: Task, n: int, seed: TaskSeed) -> ConsistencyResult:
    """Î([X₁, X₂]; [Y₁, Y₂]) / Î(X₁; Y₁) for independent copies (ideal 2)."""
    d = additivity_inputs(task, n, seed)
    return _ratio(estimate, d, "x_pair", "y_pair", "I([X1,X2];[Y1,Y2])", "additivity", 2.0)


def self_consistency(
    estimate: Estimator, task: Task, n: int, seed: TaskSeed
) -> list[ConsistencyResult]:
    """All three checks on the same task (seeds derived from ``seed``)."""
    rng = rng_from_seed(seed)
    seeds = rng.integers(0, 2**31 - 1, size=3).tolist()
    return [
        check_independence(estimate, task, n, seeds[0]),
        check_data_processing(estimate, task, n, seeds[1]),
        check_additivity(estimate, task, n, seeds[2]),
    ]

"""The `Task` contract: a distribution of (X, Y) whose mutual information is known.

A task has an ``id``, dimensions ``dim_x`` and ``dim_y``, its true ``mutual_information`` in nats
(exact, by numerical integration, or by Monte Carlo with its standard error ``mi_stderr``),
``sample(n, seed)`` and the pointwise log density ratio ``log p(x, y) / (p(x) p(y))`` whose mean
under the joint is the mutual information. The design follows the task objects of Czyż et al.,
*Beyond Normal: On the Evaluation of Mutual Information Estimators* (NeurIPS 2023).
"""

from __future__ import annotations

import abc
import numbers
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from infossl._checks import as_samples, check_int, check_same_length, check_seed

#: How a task's ``mutual_information`` is known.
GROUND_TRUTHS: tuple[str, ...] = ("exact", "numerical", "monte-carlo")
#: What a variable holds: real vectors or integer symbols.
VARIABLE_KINDS: tuple[str, ...] = ("continuous", "discrete")


#: A task's seed: an int >= 0 or a numpy Generator (never None: draws must repeat).
TaskSeed = int | np.random.Generator


def rng_from_seed(seed: TaskSeed, name: str = "seed") -> np.random.Generator:
    """A Generator from an int >= 0 or a Generator; ``None`` is refused (draws must repeat)."""
    if seed is None:
        raise TypeError(f"{name} must be a non-negative int or a numpy Generator, got None")
    return check_seed(seed, name)


class Task(abc.ABC):
    """A joint distribution of (X, Y) with known mutual information (in nats).

    Attributes:
        id: unique identifier, e.g. ``"multinormal-sparse-5-5-2-2.0"``.
        name: a human-readable description.
        dim_x, dim_y: dimensions of X and Y.
        x_kind, y_kind: ``"continuous"`` (float samples) or ``"discrete"`` (integer symbols).
        ground_truth: ``"exact"`` (closed form), ``"numerical"`` (quadrature, accurate to ~1e-8)
            or ``"monte-carlo"`` (mean of the log density ratio; see ``mi_stderr``).
        params: the parameters that define the distribution.
    """

    ground_truth: str = "exact"

    def __init__(
        self,
        task_id: str,
        name: str,
        dim_x: int,
        dim_y: int,
        *,
        params: Mapping[str, Any] | None = None,
        x_kind: str = "continuous",
        y_kind: str = "continuous",
    ) -> None:
        if not isinstance(task_id, str) or not task_id or any(c.isspace() for c in task_id):
            raise ValueError(f"task_id must be a non-empty string without spaces, got {task_id!r}")
        if x_kind not in VARIABLE_KINDS or y_kind not in VARIABLE_KINDS:
            raise ValueError(
                f"x_kind and y_kind must be one of {list(VARIABLE_KINDS)}, "
                f"got {x_kind!r}, {y_kind!r}"
            )
        self._id = task_id
        self._name = str(name)
        self._dim_x = check_int(dim_x, "dim_x", low=1)
        self._dim_y = check_int(dim_y, "dim_y", low=1)
        self._params = dict(params or {})
        self._x_kind = x_kind
        self._y_kind = y_kind

    # ------------------------------------------------------------------ description
    @property
    def id(self) -> str:
        return self._id

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim_x(self) -> int:
        return self._dim_x

    @property
    def dim_y(self) -> int:
        return self._dim_y

    @property
    def x_kind(self) -> str:
        return self._x_kind

    @property
    def y_kind(self) -> str:
        return self._y_kind

    @property
    def params(self) -> Mapping[str, Any]:
        """The defining parameters (read-only view)."""
        return MappingProxyType(self._params)

    @property
    def mutual_information(self) -> float:
        """The true I(X;Y) in nats."""
        return float(self._mutual_information())

    @property
    def mi_stderr(self) -> float | None:
        """Standard error of ``mutual_information`` (Monte Carlo tasks), else None."""
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable description (computes a Monte Carlo ground truth if needed)."""
        return {
            "id": self.id,
            "name": self.name,
            "dim_x": self.dim_x,
            "dim_y": self.dim_y,
            "x_kind": self.x_kind,
            "y_kind": self.y_kind,
            "mutual_information": self.mutual_information,
            "mi_stderr": self.mi_stderr,
            "ground_truth": self.ground_truth,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, dims={self.dim_x}x{self.dim_y})"

    # ------------------------------------------------------------------ sampling and density
    def sample(self, n: int, seed: int | np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` joint samples; returns ``(x, y)`` of shapes ``(n, dim_x)``, ``(n, dim_y)``.

        Continuous variables are float64, discrete ones int64. The same seed gives the same
        arrays.
        """
        n = check_int(n, "n", low=1)
        rng = rng_from_seed(seed)
        x, y = self._sample(n, rng)
        return self._as_output(x, self.x_kind), self._as_output(y, self.y_kind)

    def log_density_ratio(self, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        """Pointwise ``log p(x, y) - log p(x) - log p(y)`` in nats, shape ``(n,)``.

        Its mean under the joint distribution is I(X;Y). Points outside the support of the
        joint (but inside the support of the marginals) give ``-inf``.
        """
        x = self._check_variable(x, "x", self.dim_x, self.x_kind)
        y = self._check_variable(y, "y", self.dim_y, self.y_kind)
        check_same_length(x=x, y=y)
        return self._log_density_ratio(x, y)

    @abc.abstractmethod
    def _mutual_information(self) -> float:
        """The ground truth in nats."""

    @abc.abstractmethod
    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw n samples with ``rng`` (inputs already validated)."""

    @abc.abstractmethod
    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The log density ratio at validated 2-D inputs."""

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _as_output(a: np.ndarray, kind: str) -> np.ndarray:
        a = np.asarray(a)
        if a.ndim == 1:
            a = a.reshape(-1, 1)
        dtype = np.int64 if kind == "discrete" else np.float64
        return np.ascontiguousarray(a, dtype=dtype)

    @staticmethod
    def _check_variable(a: npt.ArrayLike, name: str, dim: int, kind: str) -> np.ndarray:
        arr = as_samples(a, name)
        if arr.shape[1] != dim:
            raise ValueError(f"{name} must have {dim} column(s), got shape {arr.shape}")
        if kind == "discrete":
            if not np.all(arr == np.round(arr)):
                raise ValueError(f"{name} holds discrete symbols and must be integer-valued")
            return arr.astype(np.int64)
        return arr


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)

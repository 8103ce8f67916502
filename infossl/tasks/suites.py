"""Named suites of tasks and the registry (``get_task``, ``list_tasks``, ``get_suite``).

* ``beyond-normal``: the 40 tasks of Czyż et al., *Beyond Normal: On the Evaluation of Mutual
  Information Estimators* (NeurIPS 2023), with the same ids.
* ``high-mi``: 2 correlated pairs in 3 × 3 with ρ solved for 0–10 nats, plain, spiralled and
  half-cubed.
* ``sparsity``: 10 × 10 at 1 nat spread over 1 to 10 interacting pairs, and the dense
  equicorrelated extreme.
* ``tails``: power maps sign(x)|x|^α (α from 1 to 5) of the 2-pair 3 × 3 Gaussian, and the 2-pair
  Student-t with 1 to 19 degrees of freedom.
* ``mixtures``: Gaussian mixtures with Monte Carlo ground truth (X shape, inliers, concentric
  Gaussians, galaxy).
* ``discrete``: discrete and mixed tasks with exact (or quadrature) ground truth.

Suites are built on first use and their task objects are kept, so a Monte Carlo ground truth is
computed at most once per process (and cached on disk).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from infossl.tasks._base import Task
from infossl.tasks.discrete import (
    BinaryInputGaussianTask,
    DiscreteTask,
    InjectiveDiscreteTask,
    QuantizedUniformTask,
    binary_symmetric_channel,
    independent_discrete,
)
from infossl.tasks.gaussian import (
    bivariate_normal,
    dense_normal,
    dense_normal_for_mi,
    pairs_normal,
    sparse_normal,
)
from infossl.tasks.geometric import Spiral, SwissRoll, so_generator
from infossl.tasks.mixtures import concentric_gaussians, galaxy, sparse_with_inliers, x_mixture
from infossl.tasks.student import student_identity, student_sparse
from infossl.tasks.transformed import TransformedTask
from infossl.tasks.transforms import (
    Asinh,
    GaussianToMixture,
    HalfCube,
    NormalCDF,
    Power,
    Wiggly,
)
from infossl.tasks.uniform import AdditiveUniformTask

HIGH_MI_TARGETS: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
TAIL_POWERS: tuple[float, ...] = tuple(round(float(a), 2) for a in np.linspace(1.0, 5.0, 10))
TAIL_DOFS: tuple[int, ...] = tuple(range(1, 20, 2))


def spiral_task(base: Task, speed: float = 1.0) -> TransformedTask:
    """Spiral X in the (0, 1) plane and Y in the (1, 2) plane (Y needs 3 dimensions)."""
    return TransformedTask(
        base,
        Spiral(base.dim_x, so_generator(base.dim_x, 0, 1), speed=speed),
        Spiral(base.dim_y, so_generator(base.dim_y, 1, 2), speed=speed),
    )


def _both(base: Task, make: Callable[[], object]) -> TransformedTask:
    return TransformedTask(base, make(), make())  # type: ignore[arg-type]


def beyond_normal_tasks() -> list[Task]:
    """The 40 "Beyond Normal" tasks, in the order of the benchmark's task list."""
    normal = bivariate_normal(0.75)
    uniform_margins = _both(normal, NormalCDF)
    student_1d = student_identity(1, 1, 1)
    tasks: list[Task] = [
        normal,
        uniform_margins,
        AdditiveUniformTask(0.1),
        AdditiveUniformTask(0.75),
        TransformedTask(
            normal,
            GaussianToMixture([0.3, 0.7], [0.0, 5.0], [1.0, 1.0]),
            GaussianToMixture([0.5, 0.5], [-1.0, 3.0], [1.0, 1.0]),
            task_id="1v1-bimodal-0.75",
            name="Bimodal 1 × 1",
        ),
        TransformedTask(normal, Wiggly.for_x(), Wiggly.for_y(), prefix="wiggly"),
        _both(normal, HalfCube),
        student_1d,
        _both(student_1d, Asinh),
        TransformedTask(uniform_margins, SwissRoll(), None),
    ]
    tasks += [dense_normal(d, d, 0.5) for d in (2, 3, 5, 25, 50)]
    tasks += [sparse_normal(d, d, 2, 2.0) for d in (2, 3, 5, 25)]
    tasks += [
        student_identity(dx, dx, df) for dx, df in ((2, 1), (2, 2), (3, 2), (3, 3), (5, 2), (5, 3))
    ]
    sparse = [sparse_normal(d, d, 2, 2.0) for d in (3, 5, 25)]
    tasks += [_both(t, NormalCDF) for t in sparse]
    tasks += [_both(t, HalfCube) for t in sparse]
    tasks += [spiral_task(t) for t in sparse]
    tasks += [spiral_task(_both(t, NormalCDF)) for t in sparse]
    tasks += [_both(student_identity(d, d, df), Asinh) for d, df in ((2, 1), (3, 2), (5, 2))]
    return tasks


def high_mi_tasks() -> list[Task]:
    """2 pairs in 3 × 3, ρ = √(1 − e^{−I}) for I in HIGH_MI_TARGETS: plain, spiral, half-cube."""
    tasks: list[Task] = []
    for mi in HIGH_MI_TARGETS:
        base = pairs_normal(3, 3, 2, mi)
        tasks += [base, spiral_task(base), _both(base, HalfCube)]
    return tasks


def sparsity_tasks() -> list[Task]:
    """10 × 10 at 1 nat: 1 to 10 interacting pairs, then every coordinate (dense)."""
    tasks: list[Task] = [pairs_normal(10, 10, k, 1.0) for k in range(1, 11)]
    tasks.append(dense_normal_for_mi(10, 10, 1.0))
    return tasks


def tails_tasks() -> list[Task]:
    """Power maps of the 2-pair 3 × 3 Gaussian, and the 2-pair Student-t for several dofs."""
    base = sparse_normal(3, 3, 2, 2.0)
    tasks: list[Task] = [_both(base, functools.partial(Power, a)) for a in TAIL_POWERS]
    tasks += [student_sparse(3, 3, df) for df in TAIL_DOFS]
    return tasks


def mixture_tasks() -> list[Task]:
    """Gaussian mixtures (Monte Carlo ground truth)."""
    tasks: list[Task] = [x_mixture(0.9)]
    tasks += [sparse_with_inliers(d, d, f) for d in (5, 25) for f in (0.2, 0.5)]
    tasks += [concentric_gaussians(d, k) for d, k in ((3, 5), (3, 10), (5, 5), (5, 10), (25, 5))]
    tasks.append(galaxy(0.5, 3.0))
    return tasks


def discrete_tasks() -> list[Task]:
    """Discrete (pmf, injective maps) and mixed (quantisation, binary input in noise) tasks."""
    table = [[0.10, 0.05, 0.05], [0.05, 0.15, 0.05], [0.02, 0.03, 0.20], [0.10, 0.10, 0.10]]
    tasks: list[Task] = [
        binary_symmetric_channel(0.1),
        DiscreteTask(table, task_id="discrete-table-4x3", name="Discrete 4 × 3 table"),
        independent_discrete(
            [0.1, 0.2, 0.3, 0.4], [0.5, 0.3, 0.2], task_id="discrete-independent-4x3"
        ),
    ]
    tasks += [InjectiveDiscreteTask(n) for n in (2, 16, 256, 4096)]
    tasks += [QuantizedUniformTask(k) for k in (2, 10)]
    tasks += [BinaryInputGaussianTask(s) for s in (0.5, 1.0)]
    return tasks


@dataclass(frozen=True)
class Suite:
    """A named list of tasks: ``build()`` makes them."""

    name: str
    description: str
    build: Callable[[], list[Task]]


SUITES: Mapping[str, Suite] = MappingProxyType(
    {
        s.name: s
        for s in (
            Suite(
                "beyond-normal", "the 40 tasks of Czyż et al. (2023), same ids", beyond_normal_tasks
            ),
            Suite(
                "high-mi", "2 pairs in 3×3 at 0–10 nats: plain, spiral, half-cube", high_mi_tasks
            ),
            Suite("sparsity", "1 nat in 10×10 over 1–10 pairs, and dense", sparsity_tasks),
            Suite("tails", "power maps α∈[1,5]; Student-t with 1–19 dof", tails_tasks),
            Suite("mixtures", "Gaussian mixtures, Monte Carlo ground truth", mixture_tasks),
            Suite("discrete", "discrete and mixed tasks (pmfs, injective maps)", discrete_tasks),
        )
    }
)


@functools.cache
def _suite(name: str) -> tuple[Task, ...]:
    return tuple(SUITES[name].build())


@functools.cache
def _by_id() -> dict[str, Task]:
    out: dict[str, Task] = {}
    for name in SUITES:
        for task in _suite(name):
            out.setdefault(task.id, task)
    return out


def get_suite(name: str) -> list[Task]:
    """The tasks of suite ``name`` (see ``SUITES``); ``ValueError`` listing the valid names."""
    if not isinstance(name, str) or name not in SUITES:
        raise ValueError(f"unknown suite {name!r}; valid suites: {list(SUITES)}")
    return list(_suite(name))


def list_tasks(suite: str | None = None) -> list[str]:
    """Ids of every registered task, or of one suite."""
    if suite is not None:
        return [t.id for t in get_suite(suite)]
    return list(_by_id())


def get_task(task_id: str) -> Task:
    """The registered task with this id; ``ValueError`` with close matches and every valid id."""
    tasks = _by_id()
    if isinstance(task_id, str) and task_id in tasks:
        return tasks[task_id]
    close = difflib.get_close_matches(str(task_id), list(tasks), n=3)
    hint = f" Did you mean {close}?" if close else ""
    raise ValueError(
        f"unknown task id {task_id!r}.{hint} Valid ids ({len(tasks)}): {', '.join(tasks)}"
    )

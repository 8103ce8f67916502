"""The ``infossl demo``: estimators checked against known truth, then SSL with diagnostics.

Part 1 runs several estimators on built-in tasks whose mutual information is known exactly and
prints truth next to estimate, so a reader sees where each method is accurate and where it is
biased (high dimension, non-Gaussian marginals, discrete data).
"""

from __future__ import annotations

from dataclasses import dataclass

from infossl.estimate import Estimate

#: (task id, methods) pairs of the estimator showcase.
SHOWCASE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1v1-normal-0.75", ("ksg1", "ksg2", "gaussian", "binned")),
    ("half_cube-1v1-normal-0.75", ("ksg1", "gaussian")),
    ("multinormal-sparse-5-5-2-2.0", ("ksg1", "ksg2", "gaussian")),
    ("multinormal-dense-25-25-0.5", ("ksg1", "gaussian")),
    ("discrete-bsc-0.1", ("auto",)),
)


@dataclass(frozen=True)
class ShowcaseRow:
    task: str
    truth: float
    estimate: Estimate
    seconds: float


def estimator_showcase(n: int = 5000, seed: int = 0) -> list[ShowcaseRow]:
    """Run the showcase estimators on their tasks; return one row per (task, method)."""
    import time

    from infossl.api import estimate_mi
    from infossl.tasks import get_task

    rows = []
    for task_id, methods in SHOWCASE:
        task = get_task(task_id)
        x, y = task.sample(n, seed=seed)
        for method in methods:
            start = time.perf_counter()
            est = estimate_mi(x, y, method=method)
            rows.append(ShowcaseRow(task_id, task.mutual_information, est,
                                    time.perf_counter() - start))
    return rows

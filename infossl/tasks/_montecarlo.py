"""Monte Carlo estimate of I(X;Y) as the mean log density ratio under the joint."""

from __future__ import annotations

import math

import numpy as np

from infossl._checks import check_int
from infossl.tasks._base import Task, TaskSeed, rng_from_seed


def monte_carlo_mi(
    task: Task, n: int = 200_000, seed: TaskSeed = 0, *, chunk: int = 50_000
) -> tuple[float, float]:
    """``(mean, stderr)`` of the log density ratio over ``n`` joint samples of ``task``.

    I = E_p[ln p(x,y)/(p(x)p(y))]; the standard error is sd/√n. Samples are drawn in chunks of
    ``chunk`` rows from one generator (memory O(chunk · d)). Raises ``ValueError`` if the ratio is
    not finite on the samples (a broken density).
    """
    n = check_int(n, "n", low=2)
    chunk = check_int(chunk, "chunk", low=1)
    rng = rng_from_seed(seed)
    total, total_sq, done = 0.0, 0.0, 0
    shift: float | None = None  # centre the sums for a numerically stable variance
    while done < n:
        m = min(chunk, n - done)
        x, y = task.sample(m, rng)
        r = task.log_density_ratio(x, y)
        if not np.isfinite(r).all():
            raise ValueError(
                f"task {task.id!r}: the log density ratio is not finite on its samples"
            )
        if shift is None:
            shift = float(r.mean())
        c = r - shift
        total += float(c.sum())
        total_sq += float((c**2).sum())
        done += m
    mean_c = total / n
    var = max(total_sq / n - mean_c**2, 0.0) * n / (n - 1)
    return shift + mean_c, math.sqrt(var / n)  # type: ignore[operator]

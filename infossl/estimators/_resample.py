"""Confidence intervals by resampling rows (bootstrap or subsampling), seeded.

Both schemes draw ``B`` replicate estimates θ_b on resampled rows and report

    stderr = c · std(θ_b),    CI = θ̂ + c · [q_{(1-level)/2}, q_{(1+level)/2}] of (θ_b − mean θ_b)

with c = 1 for the bootstrap (rows drawn with replacement, size n) and c = sqrt(m / n) for
subsampling (m = n // 2 rows drawn without replacement; Politis & Romano 1994 rate for √n-consistent
estimators). kNN estimators must use subsampling: duplicated rows create zero distances that
break them. Centring the replicates makes the interval describe *sampling variability only*: it
does not include the estimator's bias, which for kNN and plug-in estimators can be far larger
(check against the task suite before trusting an interval).

Cost: B estimator calls (B = ``n_resamples``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from infossl._checks import SeedLike, check_ci_level, check_int, check_seed

SCHEMES = ("bootstrap", "subsample")


def resample_ci(
    estimate_fn: Callable[..., float],
    arrays: Sequence[np.ndarray],
    point: float,
    *,
    level: float,
    n_resamples: int = 100,
    scheme: str = "bootstrap",
    seed: SeedLike = 0,
    min_rows: int = 2,
) -> tuple[tuple[float, float], float]:
    """Return ``((low, high), stderr)`` for the statistic ``estimate_fn(*arrays)``.

    Args:
        estimate_fn: maps row-resampled arrays to a float.
        arrays: the inputs, all with the same number of rows n.
        point: the estimate on the full data (the interval is centred on it).
        level: coverage in (0, 1).
        n_resamples: number of replicates B (>= 10).
        scheme: ``"bootstrap"`` or ``"subsample"``.
        seed: seed of the row draws.
        min_rows: the smallest subsample the estimator accepts.
    """
    level = check_ci_level(level)
    n_resamples = check_int(n_resamples, "n_resamples", low=10)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {list(SCHEMES)}, got {scheme!r}")
    rng = check_seed(seed)
    n = len(arrays[0])
    draw: Callable[[], np.ndarray]
    if scheme == "bootstrap":
        m, scale = n, 1.0
        draw = lambda: rng.integers(0, n, size=n)  # noqa: E731
    else:
        m = max(n // 2, min_rows)
        if m >= n:
            raise ValueError(f"subsampling needs more samples: n={n}, subsample size {m}")
        scale = float(np.sqrt(m / n))
        draw = lambda: rng.choice(n, size=m, replace=False)  # noqa: E731
    replicates = np.empty(n_resamples)
    for b in range(n_resamples):  # loop over replicates, not samples: each call is vectorised
        idx = draw()
        replicates[b] = estimate_fn(*(a[idx] for a in arrays))
    centred = replicates - replicates.mean()
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(centred, [alpha, 1.0 - alpha])
    stderr = float(scale * replicates.std(ddof=1))
    return (float(point + scale * lo), float(point + scale * hi)), stderr

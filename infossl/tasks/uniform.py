"""Additive uniform noise: X ~ U(0, 1), Y = X + N with N ~ U(−ε, ε), independent.

Ground truth (exact): I = h(Y) − h(Y|X) = h(Y) − ln 2ε, and the density of Y is a trapezoid,
so I = ε − ln 2ε for ε ≤ ½ and I = 1/(4ε) for ε > ½ (the "Uniform" tasks of Czyż et al. 2023).
"""

from __future__ import annotations

import math

import numpy as np

from infossl._checks import check_float
from infossl.tasks._base import Task


def additive_uniform_mi(epsilon: float) -> float:
    """I(X; X + U(−ε, ε)) for X ~ U(0, 1), in nats."""
    eps = check_float(epsilon, "epsilon", low=0.0, low_open=True)
    return eps - math.log(2.0 * eps) if eps <= 0.5 else 1.0 / (4.0 * eps)


class AdditiveUniformTask(Task):
    """X ~ U(0, 1), Y = X + U(−ε, ε). Id ``1v1-additive-{ε}``.

    Log density ratio: p(y|x) = 1/(2ε) on |y − x| ≤ ε and p(y) = |[0, 1] ∩ [y − ε, y + ε]| / 2ε,
    so the ratio is −ln |[0, 1] ∩ [y − ε, y + ε]| on the support (−inf off it). O(n).
    """

    def __init__(self, epsilon: float) -> None:
        self._eps = check_float(epsilon, "epsilon", low=0.0, low_open=True)
        super().__init__(
            f"1v1-additive-{float(self._eps)}",
            f"Uniform 1 × 1 (additive noise={self._eps:g})",
            1,
            1,
            params={"epsilon": self._eps},
        )

    def _mutual_information(self) -> float:
        return additive_uniform_mi(self._eps)

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(0.0, 1.0, size=(n, 1))
        y = x + rng.uniform(-self._eps, self._eps, size=(n, 1))
        return x, y

    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x, y = x[:, 0], y[:, 0]
        overlap = np.minimum(1.0, y + self._eps) - np.maximum(0.0, y - self._eps)
        inside = (np.abs(y - x) <= self._eps) & (x >= 0.0) & (x <= 1.0) & (overlap > 0)
        out = np.full(x.shape, -np.inf)
        out[inside] = -np.log(overlap[inside])
        return out

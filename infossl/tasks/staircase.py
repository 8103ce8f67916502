"""The MI "staircase" of Poole et al., *On Variational Bounds of Mutual Information* (ICML 2019).

A stream of batches of d correlated Gaussian pairs, x ~ N(0, I_d), y = ρ x + √(1 − ρ²) ε, whose
true MI I = −(d/2) ln(1 − ρ²) steps through ``levels`` (2, 4, 6, 8, 10 nats by default), each held
for ``steps_per_level`` steps. It shows how a neural bound tracks a changing target (and where
InfoNCE saturates at ln batch). The original schedule rounds a linspace and so starts with a step
at 0 nats; here every level lasts exactly ``steps_per_level`` steps.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from infossl._checks import check_float, check_int
from infossl.tasks._linalg import pair_correlation_for_mi
from infossl.tasks.gaussian import GaussianTask, pairs_normal
from infossl.tasks.transformed import TransformedTask
from infossl.tasks.transforms import Power


class Staircase:
    """Batches ``(x, y)`` of shape ``(batch_size, dim)`` whose true MI follows a staircase.

    Step ``s`` uses level ``levels[s // steps_per_level]``; its batch is drawn from a generator
    seeded by ``(seed, s)``, so any step can be regenerated alone (:meth:`batch`) and iteration is
    reproducible. With ``cubic=True`` y is replaced by y³ (an invertible map: same MI).

    Example::

        stairs = Staircase(steps_per_level=4000, batch_size=64)
        for step, (x, y) in enumerate(stairs):
            loss = ...; target = stairs.true_mi(step)
    """

    def __init__(
        self,
        dim: int = 20,
        levels: Sequence[float] = (2.0, 4.0, 6.0, 8.0, 10.0),
        steps_per_level: int = 4000,
        batch_size: int = 64,
        *,
        cubic: bool = False,
        seed: int = 0,
    ) -> None:
        self.dim = check_int(dim, "dim", low=1)
        if isinstance(levels, (str, bytes)) or not isinstance(levels, Sequence) or not levels:
            raise TypeError(
                f"levels must be a non-empty sequence of MI values (nats), got {levels!r}"
            )
        # 2I/d <= 20 keeps 1 - ρ² = e^{-2I/d} >= 2e-9 (accurate in double precision)
        self.levels = tuple(
            check_float(v, f"levels[{i}]", low=0.0, high=10.0 * self.dim)
            for i, v in enumerate(levels)
        )
        self.steps_per_level = check_int(steps_per_level, "steps_per_level", low=1)
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        self.cubic = bool(cubic)
        self.seed = check_int(seed, "seed", low=0)
        self._rhos = tuple(pair_correlation_for_mi(v, self.dim) for v in self.levels)

    @property
    def n_steps(self) -> int:
        return len(self.levels) * self.steps_per_level

    def __len__(self) -> int:
        return self.n_steps

    def _level(self, step: int) -> int:
        step = check_int(step, "step", low=0, high=self.n_steps - 1)
        return step // self.steps_per_level

    def true_mi(self, step: int) -> float:
        """The true I(X;Y) in nats at ``step``."""
        return self.levels[self._level(step)]

    def rho(self, step: int) -> float:
        """The per-pair correlation ρ = √(1 − e^{−2I/d}) at ``step``."""
        return self._rhos[self._level(step)]

    def true_mi_array(self) -> np.ndarray:
        """The true MI of every step, shape ``(n_steps,)``."""
        return np.repeat(np.asarray(self.levels), self.steps_per_level)

    def batch(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """The batch of ``step`` (the same arrays every time)."""
        rho = self.rho(step)
        rng = np.random.default_rng([self.seed, step])
        x = rng.standard_normal((self.batch_size, self.dim))
        eps = rng.standard_normal((self.batch_size, self.dim))
        y = rho * x + np.sqrt(1.0 - rho**2) * eps
        return x, (y**3 if self.cubic else y)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for step in range(self.n_steps):
            yield self.batch(step)

    def task(self, step: int) -> GaussianTask | TransformedTask:
        """The distribution of ``step`` as a :class:`Task` (for log density ratios, checks)."""
        level = self.levels[self._level(step)]
        base = pairs_normal(self.dim, self.dim, self.dim, level)
        return TransformedTask(base, None, Power(3.0)) if self.cubic else base

    def __repr__(self) -> str:
        return (
            f"Staircase(dim={self.dim}, levels={self.levels}, "
            f"steps_per_level={self.steps_per_level}, batch_size={self.batch_size}, "
            f"cubic={self.cubic}, seed={self.seed})"
        )

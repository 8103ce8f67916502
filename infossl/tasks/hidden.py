"""A discrete variable hidden in a direction of several Gaussian-looking columns.

X and Y in d dimensions share B, uniform on {0, …, K − 1}, along the unit direction
e = (1, …, 1)/√d, with independent isotropic Gaussian spread (standard deviation ``spread``) in
the other d − 1 directions:

    X = B e + σ Z_X,  Y = B e + σ Z_Y,  Z_X, Z_Y ~ N(0, I − e eᵀ) independent.

X determines B (B = e·X) and so does Y; given B, X and Y are independent, so
I(X;Y) = H(B) = ln K exactly. With a large spread every column looks Gaussian (B adds K
equal lumps of width 1/√d to a Gaussian of sd σ√(1 − 1/d)), while e·X is discrete: the
normal scores of X and Y are then almost perfectly correlated along e with only ln K nats of
information, and the Gaussian-copula MI (``gcmi``) overshoots far (2.4 nats for ln 2 at
d = 2, σ = 4, n = 5000; ``benchmarks/estimators.md``). A test case for estimators that trust
a Gaussian copula in several dimensions.
"""

from __future__ import annotations

import math

import numpy as np

from infossl._checks import check_float, check_int
from infossl.tasks._base import Task


class HiddenDiscreteTask(Task):
    """X, Y sharing a K-valued B along (1, …, 1)/√d. Id ``hidden-discrete-{d}-{d}-{K}-{σ}``.

    Exact MI ln K. The distribution is singular (X lies on K parallel hyperplanes e·x = b),
    so its log density ratio is taken with respect to that support: ln K where e·x and e·y
    round to the same level (always, for a sample of this task), −inf elsewhere. O(n d).
    """

    def __init__(self, dim: int, levels: int = 2, spread: float = 4.0) -> None:
        self._d = check_int(dim, "dim", low=2)
        self._k = check_int(levels, "levels", low=2)
        self._spread = check_float(spread, "spread", low=0.0, low_open=True)
        super().__init__(
            f"hidden-discrete-{self._d}-{self._d}-{self._k}-{float(self._spread)}",
            f"{self._k} levels hidden along (1, …, 1) in {self._d} × {self._d} "
            f"(spread {self._spread:g})",
            self._d,
            self._d,
            params={"dim": self._d, "levels": self._k, "spread": self._spread},
        )
        e = np.full((self._d, 1), 1.0 / math.sqrt(self._d))
        # an orthonormal basis of the complement of e (its choice does not change the law)
        q = np.linalg.qr(np.hstack([e, np.eye(self._d)[:, : self._d - 1]]))[0]
        self._e, self._complement = e[:, 0], q[:, 1:]

    def _mutual_information(self) -> float:
        return math.log(self._k)

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        b = rng.integers(0, self._k, n).astype(np.float64)

        def side() -> np.ndarray:
            spread = rng.standard_normal((n, self._d - 1)) @ self._complement.T
            out: np.ndarray = self._spread * spread + b[:, None] * self._e
            return out

        x = side()
        return x, side()

    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        bx, by = np.rint(x @ self._e), np.rint(y @ self._e)
        return np.where(bx == by, math.log(self._k), -np.inf)

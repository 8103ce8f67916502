"""Discrete and mixed (discrete–continuous) tasks with known MI.

Discrete symbols are returned as int64 arrays of shape ``(n, 1)`` (``x_kind``/``y_kind`` =
``"discrete"``). Ground truths: I = Σ p(x,y) ln p(x,y)/(p(x)p(y)) for a joint pmf; ln N for a
deterministic injective map on N equiprobable points; ln K for the quantisation of a uniform
variable into K equal cells; a one-dimensional quadrature for a binary input in Gaussian noise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from infossl._checks import check_float, check_int
from infossl.tasks._base import Task


def pmf_mutual_information(pmf: np.ndarray) -> float:
    """I = Σ_{p>0} p(x,y) ln[p(x,y) / (p(x) p(y))] for a 2-D joint pmf (exact)."""
    px = pmf.sum(axis=1, keepdims=True)
    py = pmf.sum(axis=0, keepdims=True)
    mask = pmf > 0
    return float(max(np.sum(pmf[mask] * np.log(pmf[mask] / (px * py)[mask])), 0.0))


def _check_codes(a: np.ndarray, name: str, size: int) -> np.ndarray:
    codes = a[:, 0]
    if codes.min() < 0 or codes.max() >= size:
        raise ValueError(
            f"{name} must hold symbols in 0..{size - 1}, got values in "
            f"[{codes.min()}, {codes.max()}]"
        )
    return codes


class DiscreteTask(Task):
    """X, Y discrete with the joint pmf ``pmf[i, j] = P(X = i, Y = j)`` (exact MI).

    Every row and column must carry probability (unused symbols are not allowed).
    Sampling is O(n log(n_x n_y)), the log ratio O(n).
    """

    def __init__(
        self,
        pmf: npt.ArrayLike,
        *,
        task_id: str,
        name: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        p = np.asarray(pmf, dtype=np.float64)
        if p.ndim != 2 or p.size < 2:
            raise ValueError(f"pmf must be a 2-D table with at least 2 cells, got shape {p.shape}")
        if not np.isfinite(p).all() or np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
            raise ValueError("pmf must be non-negative, finite and sum to 1")
        p = p / p.sum()
        if np.any(p.sum(axis=1) == 0) or np.any(p.sum(axis=0) == 0):
            raise ValueError("pmf has a row or column of zeros: drop unused symbols")
        self._pmf = p
        self._log_pmf = np.log(np.where(p > 0, p, 1.0)) + np.where(p > 0, 0.0, -np.inf)
        self._log_px = np.log(p.sum(axis=1))
        self._log_py = np.log(p.sum(axis=0))
        full = {"pmf": p}
        full.update(params or {})
        super().__init__(
            task_id,
            name or f"Discrete {p.shape[0]} × {p.shape[1]}",
            1,
            1,
            params=full,
            x_kind="discrete",
            y_kind="discrete",
        )

    @property
    def pmf(self) -> np.ndarray:
        out: np.ndarray = self._pmf.copy()
        return out

    def _mutual_information(self) -> float:
        return pmf_mutual_information(self._pmf)

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        flat = rng.choice(self._pmf.size, size=n, p=self._pmf.reshape(-1))
        x, y = np.divmod(flat, self._pmf.shape[1])
        return x[:, None], y[:, None]

    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        i = _check_codes(x, "x", self._pmf.shape[0])
        j = _check_codes(y, "y", self._pmf.shape[1])
        out: np.ndarray = self._log_pmf[i, j] - self._log_px[i] - self._log_py[j]
        return out


def binary_symmetric_channel(crossover: float = 0.1) -> DiscreteTask:
    """X ~ Bernoulli(½), Y = X flipped with probability q: I = ln 2 − H_b(q).

    Id ``discrete-bsc-{q}``.
    """
    q = check_float(crossover, "crossover", low=0.0, high=1.0, low_open=True, high_open=True)
    pmf = 0.5 * np.array([[1.0 - q, q], [q, 1.0 - q]])
    return DiscreteTask(
        pmf,
        task_id=f"discrete-bsc-{float(q)}",
        name=f"Binary symmetric channel (q={q:g})",
        params={"crossover": q},
    )


def independent_discrete(px: npt.ArrayLike, py: npt.ArrayLike, *, task_id: str) -> DiscreteTask:
    """X and Y independent with marginals ``px`` and ``py``: I = 0."""
    px = np.asarray(px, dtype=np.float64).reshape(-1)
    py = np.asarray(py, dtype=np.float64).reshape(-1)
    return DiscreteTask(
        np.outer(px, py), task_id=task_id, name=f"Independent discrete {px.size} × {py.size}"
    )


class InjectiveDiscreteTask(Task):
    """X uniform on {0, …, N−1}, Y = (a·X + b) mod N with gcd(a, N) = 1: a bijection, so
    I = H(X) = ln N exactly. Id ``discrete-injective-{N}``. O(n).
    """

    def __init__(self, n_points: int, multiplier: int = 7, offset: int = 3) -> None:
        self._n_points = check_int(n_points, "n_points", low=2)
        self._a = check_int(multiplier, "multiplier", low=1)
        self._b = check_int(offset, "offset", low=0)
        if math.gcd(self._a, self._n_points) != 1:
            raise ValueError(f"multiplier={self._a} must be coprime with n_points={self._n_points}")
        super().__init__(
            f"discrete-injective-{self._n_points}",
            f"Injective map on {self._n_points} points",
            1,
            1,
            params={"n_points": self._n_points, "multiplier": self._a, "offset": self._b},
            x_kind="discrete",
            y_kind="discrete",
        )

    def _map(self, x: np.ndarray) -> np.ndarray:
        return (self._a * x + self._b) % self._n_points

    def _mutual_information(self) -> float:
        return math.log(self._n_points)

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.integers(0, self._n_points, size=(n, 1))
        return x, self._map(x)

    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        i = _check_codes(x, "x", self._n_points)
        j = _check_codes(y, "y", self._n_points)
        return np.where(self._map(i) == j, math.log(self._n_points), -np.inf)


class QuantizedUniformTask(Task):
    """Mixed: X ~ U(0, 1) (continuous), Y = ⌊K X⌋ (discrete, K cells). Y is a function of X with
    K equiprobable values, so I = H(Y) = ln K exactly. Id ``mixed-quantized-uniform-{K}``. O(n).
    """

    def __init__(self, n_levels: int) -> None:
        self._k = check_int(n_levels, "n_levels", low=2)
        super().__init__(
            f"mixed-quantized-uniform-{self._k}",
            f"Uniform quantised into {self._k} cells",
            1,
            1,
            params={"n_levels": self._k},
            x_kind="continuous",
            y_kind="discrete",
        )

    def _mutual_information(self) -> float:
        return math.log(self._k)

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(0.0, 1.0, size=(n, 1))
        return x, np.minimum(np.floor(self._k * x), self._k - 1).astype(np.int64)

    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        j = _check_codes(y, "y", self._k)
        cell = np.minimum(np.floor(self._k * x[:, 0]), self._k - 1)
        inside = (x[:, 0] >= 0.0) & (x[:, 0] <= 1.0) & (cell == j)
        return np.where(inside, math.log(self._k), -np.inf)


class BinaryInputGaussianTask(Task):
    """Mixed: X ∈ {0, 1} equiprobable, Y = (2X − 1) + σ Z with Z ~ N(0, 1).

    log ratio at (x, y) with s = 2x − 1: ln 2 − ln(1 + e^{−2 s y / σ²}). Ground truth
    (numerical): I = ln 2 − E[ln(1 + e^{−2(1 + σT)/σ²})], T ~ N(0, 1), by adaptive quadrature
    (absolute error below 1e-10). Id ``mixed-binary-gaussian-{σ}``.
    """

    ground_truth = "numerical"

    def __init__(self, sigma: float = 1.0) -> None:
        self._sigma = check_float(sigma, "sigma", low=0.0, low_open=True)
        super().__init__(
            f"mixed-binary-gaussian-{float(self._sigma)}",
            f"Binary input in Gaussian noise (σ={self._sigma:g})",
            1,
            1,
            params={"sigma": self._sigma},
            x_kind="discrete",
            y_kind="continuous",
        )
        self._mi: float | None = None

    def _mutual_information(self) -> float:
        if self._mi is None:
            from scipy import integrate  # deferred: a heavy import used once

            s2 = self._sigma**2

            def integrand(t: float) -> float:
                value: float = (
                    math.exp(-0.5 * t * t)
                    / math.sqrt(2 * math.pi)
                    * np.logaddexp(0.0, -2.0 * (1.0 + self._sigma * t) / s2)
                )
                return value

            value, _ = integrate.quad(integrand, -np.inf, np.inf, epsabs=1e-12, epsrel=1e-12)
            self._mi = max(math.log(2.0) - value, 0.0)
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.integers(0, 2, size=(n, 1))
        return x, (2 * x - 1) + self._sigma * rng.standard_normal((n, 1))

    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        s = 2 * _check_codes(x, "x", 2) - 1
        out: np.ndarray = math.log(2.0) - np.logaddexp(0.0, -2.0 * s * y[:, 0] / self._sigma**2)
        return out

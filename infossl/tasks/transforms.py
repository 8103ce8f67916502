"""Invertible maps that keep mutual information: I(f(X); g(Y)) = I(X; Y) for injective f, g.

Each transform has ``forward``, ``inverse`` and ``log_abs_det_jacobian`` (the log volume factor
½ ln det(JᵀJ), which is ln |det J| for square maps), so that transformed densities are available
by change of variables. ``name`` is the prefix a transformed task puts before its base id
(``"half_cube-multinormal-sparse-3-3-2-2.0"``), as in the "Beyond Normal" benchmark
(Czyż et al. 2023). Transforms compose with :class:`Compose` (or ``g @ f`` = g after f).
"""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri

from infossl._checks import as_samples, check_float
from infossl.tasks._linalg import as_matrix
from infossl.tasks._monotone import solve_increasing

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class Transform(abc.ABC):
    """An injective map from R^d_in (or a subset) to R^d_out."""

    #: The id prefix of tasks built with this transform.
    name: str = "transform"

    def output_dim(self, input_dim: int) -> int:
        """Dimension of f(x) for ``input_dim`` input columns (``ValueError`` if not allowed)."""
        return input_dim

    def forward(self, x: npt.ArrayLike) -> np.ndarray:
        """f(x) for every row of ``x`` (shape ``(n, d_in)`` → ``(n, d_out)``)."""
        x = as_samples(x, "x")
        self.output_dim(x.shape[1])
        return self._forward(x)

    def inverse(self, y: npt.ArrayLike) -> np.ndarray:
        """f⁻¹(y) for every row of ``y`` (points off the image are projected where defined)."""
        y = as_samples(y, "y")
        return self._inverse(y)

    def log_abs_det_jacobian(self, x: npt.ArrayLike) -> np.ndarray:
        """½ ln det(J(x)ᵀ J(x)) per row (= ln |det J(x)| when d_in = d_out), shape ``(n,)``."""
        x = as_samples(x, "x")
        self.output_dim(x.shape[1])
        return self._log_abs_det_jacobian(x)

    __call__ = forward

    def __matmul__(self, other: Transform) -> Compose:
        """``g @ f`` is g after f."""
        return Compose([other, self])

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @abc.abstractmethod
    def _forward(self, x: np.ndarray) -> np.ndarray: ...

    @abc.abstractmethod
    def _inverse(self, y: np.ndarray) -> np.ndarray: ...

    @abc.abstractmethod
    def _log_abs_det_jacobian(self, x: np.ndarray) -> np.ndarray: ...


class Compose(Transform):
    """Apply ``transforms[0]`` first, then ``transforms[1]``, ...; its name lists the last first."""

    def __init__(self, transforms: Sequence[Transform]) -> None:
        transforms = list(transforms)
        if not transforms or not all(isinstance(t, Transform) for t in transforms):
            raise TypeError("transforms must be a non-empty sequence of Transform objects")
        self.transforms = transforms
        self.name = "-".join(t.name for t in reversed(transforms))

    def output_dim(self, input_dim: int) -> int:
        for t in self.transforms:
            input_dim = t.output_dim(input_dim)
        return input_dim

    def _forward(self, x: np.ndarray) -> np.ndarray:
        for t in self.transforms:
            x = t._forward(x)
        return x

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        for t in reversed(self.transforms):
            y = t._inverse(y)
        return y

    def _log_abs_det_jacobian(self, x: np.ndarray) -> np.ndarray:
        total = np.zeros(x.shape[0])
        for t in self.transforms:
            total = total + t._log_abs_det_jacobian(x)
            x = t._forward(x)
        return total

    def __repr__(self) -> str:
        return f"Compose({self.transforms!r})"


class Linear(Transform):
    """x ↦ A x + b with A square and invertible; ln |det J| = ln |det A|."""

    name = "linear"

    def __init__(self, matrix: npt.ArrayLike, shift: npt.ArrayLike | None = None) -> None:
        a = np.atleast_2d(np.asarray(matrix, dtype=np.float64))
        a = as_matrix(a, "matrix", (a.shape[0], a.shape[0]))
        sign, logdet = np.linalg.slogdet(a)
        if sign == 0 or not np.isfinite(logdet) or np.linalg.cond(a) > 1e12:
            raise ValueError("matrix must be invertible (and not nearly singular)")
        self.matrix = a
        self.shift = (
            np.zeros(a.shape[0])
            if shift is None
            else np.asarray(shift, dtype=np.float64).reshape(-1)
        )
        if self.shift.shape != (a.shape[0],) or not np.isfinite(self.shift).all():
            raise ValueError(f"shift must be {a.shape[0]} finite numbers")
        self._logdet = float(logdet)

    def output_dim(self, input_dim: int) -> int:
        if input_dim != self.matrix.shape[0]:
            raise ValueError(f"Linear expects {self.matrix.shape[0]} columns, got {input_dim}")
        return input_dim

    def _forward(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = x @ self.matrix.T + self.shift
        return out

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        self.output_dim(y.shape[1])
        out: np.ndarray = np.linalg.solve(self.matrix, (y - self.shift).T).T
        return out

    def _log_abs_det_jacobian(self, x: np.ndarray) -> np.ndarray:
        return np.full(x.shape[0], self._logdet)

    def __repr__(self) -> str:
        return f"Linear(matrix={self.matrix.tolist()!r}, shift={self.shift.tolist()!r})"


class Elementwise(Transform):
    """A strictly increasing map applied to every coordinate; ln |det J| = Σᵢ ln f'(xᵢ)."""

    def _log_abs_det_jacobian(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            out: np.ndarray = self._log_derivative(x).sum(axis=1)
            return out

    @abc.abstractmethod
    def _log_derivative(self, x: np.ndarray) -> np.ndarray: ...


class NormalCDF(Elementwise):
    """x ↦ Φ(x), onto (0, 1): Gaussian marginals become uniform. Inverse Φ⁻¹ (accurate while
    Φ(x) < 1 − 1e-12 or so, i.e. x ≲ 7; beyond that Φ(x) rounds to 1)."""

    name = "normal_cdf"

    def _forward(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = ndtr(x)
        return out

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        if np.any((y <= 0.0) | (y >= 1.0)):
            raise ValueError("normal_cdf inverse needs values strictly inside (0, 1)")
        out: np.ndarray = ndtri(y)
        return out

    def _log_derivative(self, x: np.ndarray) -> np.ndarray:
        return -0.5 * x**2 - _HALF_LOG_2PI


class Power(Elementwise):
    """x ↦ sign(x) |x|^α (α > 0): α > 1 lengthens the tails, α < 1 shortens them.

    α = 1.5 is the "half-cube" t ↦ t √|t| of the benchmark (name ``half_cube``); other powers are
    named ``power_{α}``.
    """

    def __init__(self, alpha: float) -> None:
        self.alpha = check_float(alpha, "alpha", low=0.0, low_open=True)
        self.name = "half_cube" if self.alpha == 1.5 else f"power_{self.alpha:g}"

    def _forward(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.sign(x) * np.abs(x) ** self.alpha
        return out

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.sign(y) * np.abs(y) ** (1.0 / self.alpha)
        return out

    def _log_derivative(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            out: np.ndarray = math.log(self.alpha) + (self.alpha - 1.0) * np.log(np.abs(x))
            return out

    def __repr__(self) -> str:
        return f"Power(alpha={self.alpha!r})"


class HalfCube(Power):
    """The half-cube map t ↦ t √|t| (``Power(1.5)``, name ``half_cube``)."""

    def __init__(self) -> None:
        super().__init__(1.5)

    def __repr__(self) -> str:
        return "HalfCube()"


class Asinh(Elementwise):
    """x ↦ arcsinh(x) = ln(x + √(x² + 1)): shortens heavy tails to logarithmic ones."""

    name = "asinh"

    def _forward(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.arcsinh(x)
        return out

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.sinh(y)
        return out

    def _log_derivative(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = -0.5 * np.log1p(x**2)
        return out


class Wiggly(Elementwise):
    """x ↦ x + Σₖ aₖ sin(bₖ x + cₖ), strictly increasing when Σₖ |aₖ bₖ| < 1.

    The presets :meth:`for_x` and :meth:`for_y` are the benchmark's two wiggly maps. The inverse
    is found by safeguarded Newton in the bracket [y − Σ|aₖ|, y + Σ|aₖ|].
    """

    name = "wiggly"

    def __init__(
        self, amplitudes: Sequence[float], frequencies: Sequence[float], phases: Sequence[float]
    ) -> None:
        a, b, c = (
            np.asarray(v, dtype=np.float64).reshape(-1) for v in (amplitudes, frequencies, phases)
        )
        if not (a.size == b.size == c.size) or a.size == 0:
            raise ValueError(
                "amplitudes, frequencies and phases must be non-empty and equally long"
            )
        if not all(np.isfinite(v).all() for v in (a, b, c)):
            raise ValueError("amplitudes, frequencies and phases must be finite")
        if np.sum(np.abs(a * b)) >= 1.0:
            raise ValueError(
                f"sum |amplitude·frequency| = {np.sum(np.abs(a * b)):.3g} must be < 1 for the map "
                "to be increasing (invertible)"
            )
        self.amplitudes, self.frequencies, self.phases = a, b, c

    @classmethod
    def for_x(cls) -> Wiggly:
        """x + 0.4 sin x + 0.2 sin(1.7x + 1) + 0.03 sin(3.3x − 2.5)."""
        return cls([0.4, 0.2, 0.03], [1.0, 1.7, 3.3], [0.0, 1.0, -2.5])

    @classmethod
    def for_y(cls) -> Wiggly:
        """y − 0.4 sin(0.4y) + 0.17 sin(1.3y + 3.5) + 0.02 sin(4.3y − 2.5)."""
        return cls([-0.4, 0.17, 0.02], [0.4, 1.3, 4.3], [0.0, 3.5, -2.5])

    def _forward(self, x: np.ndarray) -> np.ndarray:
        arg = x[..., None] * self.frequencies + self.phases
        out: np.ndarray = x + np.sum(self.amplitudes * np.sin(arg), axis=-1)
        return out

    def _derivative(self, x: np.ndarray) -> np.ndarray:
        arg = x[..., None] * self.frequencies + self.phases
        out: np.ndarray = 1.0 + np.sum(self.amplitudes * self.frequencies * np.cos(arg), axis=-1)
        return out

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        reach = float(np.sum(np.abs(self.amplitudes)))
        return solve_increasing(
            lambda x: self._forward(x) - y, self._derivative, y - reach, y + reach
        )

    def _log_derivative(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.log(self._derivative(x))
        return out

    def __repr__(self) -> str:
        return (
            f"Wiggly(amplitudes={self.amplitudes.tolist()}, "
            f"frequencies={self.frequencies.tolist()}, phases={self.phases.tolist()})"
        )


class GaussianToMixture(Elementwise):
    """x ↦ F⁻¹(Φ(x)) with F the CDF of a 1-D Gaussian mixture Σₖ wₖ N(mₖ, sₖ²).

    A standard normal coordinate becomes mixture-distributed (bimodal for two separated
    components) while the copula, hence the MI, is kept. The root of F(z) = Φ(x) is bracketed by
    minₖ(mₖ + sₖx) ≤ z ≤ maxₖ(mₖ + sₖx); the upper tail is solved through survival functions so
    the round trip stays accurate for |x| up to ~30. ln f'(x) = ln φ(x) − ln p_mix(z).
    """

    name = "mixture_quantile"

    def __init__(self, weights: Sequence[float], means: Sequence[float], stds: Sequence[float]):
        w, m, s = (np.asarray(v, dtype=np.float64).reshape(-1) for v in (weights, means, stds))
        if not (w.size == m.size == s.size) or w.size == 0:
            raise ValueError("weights, means and stds must be non-empty and equally long")
        if not all(np.isfinite(v).all() for v in (w, m, s)):
            raise ValueError("weights, means and stds must be finite")
        if np.any(w <= 0) or abs(w.sum() - 1.0) > 1e-9:
            raise ValueError(f"weights must be positive and sum to 1, got {w.tolist()}")
        if np.any(s <= 0):
            raise ValueError(f"stds must be positive, got {s.tolist()}")
        self.weights, self.means, self.stds = w / w.sum(), m, s

    def _standardised(self, z: np.ndarray) -> np.ndarray:
        return (z[..., None] - self.means) / self.stds

    def cdf(self, z: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.sum(self.weights * ndtr(self._standardised(z)), axis=-1)
        return out

    def sf(self, z: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.sum(self.weights * ndtr(-self._standardised(z)), axis=-1)
        return out

    def pdf(self, z: np.ndarray) -> np.ndarray:
        u = self._standardised(z)
        out: np.ndarray = np.sum(
            self.weights / self.stds * np.exp(-0.5 * u**2), axis=-1
        ) / math.sqrt(2.0 * math.pi)
        return out

    def _forward(self, x: np.ndarray) -> np.ndarray:
        lower = x <= 0
        target = ndtr(np.where(lower, x, -x))  # P(X ≤ x) below 0, P(X > x) above

        def g(z: np.ndarray) -> np.ndarray:
            out: np.ndarray = np.where(lower, self.cdf(z) - target, target - self.sf(z))
            return out

        lo = np.min(self.means + self.stds * x[..., None], axis=-1)
        hi = np.max(self.means + self.stds * x[..., None], axis=-1)
        return solve_increasing(g, self.pdf, lo, hi)

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        cdf, sf = self.cdf(y), self.sf(y)
        with np.errstate(divide="ignore"):
            out: np.ndarray = np.where(cdf <= 0.5, ndtri(cdf), -ndtri(sf))
            return out

    def _log_derivative(self, x: np.ndarray) -> np.ndarray:
        z = self._forward(x)
        out: np.ndarray = -0.5 * x**2 - _HALF_LOG_2PI - np.log(self.pdf(z))
        return out

    def __repr__(self) -> str:
        return (
            f"GaussianToMixture(weights={self.weights.tolist()}, means={self.means.tolist()}, "
            f"stds={self.stds.tolist()})"
        )

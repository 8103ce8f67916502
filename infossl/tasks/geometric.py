"""Geometric invertible maps: the spiral (a norm-dependent rotation) and the Swiss-roll embedding.

Both come from the "Beyond Normal" benchmark (Czyż et al. 2023).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from infossl._checks import check_float, check_int
from infossl.tasks._linalg import as_matrix
from infossl.tasks.transforms import Transform


def so_generator(dim: int, i: int = 0, j: int = 1) -> np.ndarray:
    """The generator of rotations in the (i, j) plane of R^dim: A[i, j] = −1, A[j, i] = +1."""
    dim = check_int(dim, "dim", low=2)
    i = check_int(i, "i", low=0, high=dim - 1)
    j = check_int(j, "j", low=0, high=dim - 1)
    if i == j:
        raise ValueError(f"i and j must differ, got i = j = {i}")
    a = np.zeros((dim, dim))
    a[i, j], a[j, i] = -1.0, 1.0
    return a


class Spiral(Transform):
    """x ↦ exp(s · ‖x‖² · A) x, a rotation whose angle grows with the squared norm.

    A is skew-symmetric, so exp(θA) is a rotation and ‖f(x)‖ = ‖x‖; the inverse rotates back by
    the angle read from ‖f(x)‖. The Jacobian is R(I + 2s A x xᵀ) with determinant
    1 + 2s xᵀ A x = 1, so the map preserves volume (ln |det J| = 0).

    The rotation is computed for every sample at once through the eigendecomposition of the
    Hermitian matrix iA = U diag(μ) Uᴴ: exp(θA) = U diag(e^{−iθμ}) Uᴴ. O(n d²).

    Args:
        dim: dimension of the inputs.
        generator: a skew-symmetric dim × dim matrix; default the (0, 1)-plane generator.
        speed: s, or s · dim when ``normalize_speed`` (the benchmark's default: s = 1/dim).
    """

    name = "spiral"

    def __init__(
        self,
        dim: int,
        generator: npt.ArrayLike | None = None,
        speed: float = 1.0,
        normalize_speed: bool = True,
    ) -> None:
        self.dim = check_int(dim, "dim", low=2)
        a = (
            so_generator(self.dim)
            if generator is None
            else as_matrix(generator, "generator", (self.dim, self.dim))
        )
        if not np.allclose(a, -a.T, atol=1e-12):
            raise ValueError("generator must be skew-symmetric (A = −Aᵀ)")
        self.generator = a
        self.speed = check_float(speed, "speed")
        self.normalize_speed = bool(normalize_speed)
        self.rate = self.speed / self.dim if self.normalize_speed else self.speed
        mu, u = np.linalg.eigh(1j * a)
        self._mu, self._u = mu, u

    def output_dim(self, input_dim: int) -> int:
        if input_dim != self.dim:
            raise ValueError(f"this spiral acts on {self.dim} columns, got {input_dim}")
        return input_dim

    def _rotate(self, x: np.ndarray, angle: np.ndarray) -> np.ndarray:
        coeffs = (x @ self._u.conj()) * np.exp(-1j * angle[:, None] * self._mu)
        return np.real(coeffs @ self._u.T)

    def _forward(self, x: np.ndarray) -> np.ndarray:
        return self._rotate(x, self.rate * np.einsum("ij,ij->i", x, x))

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        self.output_dim(y.shape[1])
        return self._rotate(y, -self.rate * np.einsum("ij,ij->i", y, y))

    def _log_abs_det_jacobian(self, x: np.ndarray) -> np.ndarray:
        return np.zeros(x.shape[0])

    def __repr__(self) -> str:
        return f"Spiral(dim={self.dim}, speed={self.speed!r}, rate={self.rate!r})"


class SwissRoll(Transform):
    """Embed u ∈ (0, 1) in the plane: t = 1.5π(1 + 2u), u ↦ (t cos t, t sin t) / 21.

    The radius t/21 grows strictly with u, so the map is injective and u = (21‖p‖/(1.5π) − 1)/2;
    the inverse reads only the radius (points off the roll are projected along it). Its volume
    factor is |d p / d u| = (3π/21) √(1 + t²).
    """

    name = "swissroll"
    _SCALE = 21.0

    def output_dim(self, input_dim: int) -> int:
        if input_dim != 1:
            raise ValueError(f"the Swiss roll embeds 1 column into 2, got {input_dim} columns")
        return 2

    def _forward(self, x: np.ndarray) -> np.ndarray:
        if np.any((x <= 0.0) | (x >= 1.0)):
            raise ValueError(
                "the Swiss roll needs inputs strictly inside (0, 1); apply NormalCDF first"
            )
        t = 1.5 * math.pi * (1.0 + 2.0 * x[:, 0])
        return np.column_stack([t * np.cos(t), t * np.sin(t)]) / self._SCALE

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        if y.shape[1] != 2:
            raise ValueError(f"the Swiss roll inverse needs 2 columns, got {y.shape[1]}")
        t = self._SCALE * np.hypot(y[:, 0], y[:, 1])
        out: np.ndarray = ((t / (1.5 * math.pi) - 1.0) / 2.0)[:, None]
        return out

    def _log_abs_det_jacobian(self, x: np.ndarray) -> np.ndarray:
        t = 1.5 * math.pi * (1.0 + 2.0 * x[:, 0])
        return math.log(3.0 * math.pi / self._SCALE) + 0.5 * np.log1p(t**2)

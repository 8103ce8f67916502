"""A random invertible MLP: affine layers with invertible square weights and leaky-ReLU.

    f(x) = W_L σ(… σ(W_1 x + b_1) …) + b_L,      σ(a) = a if a > 0 else slope · a  (0 < slope ≤ 1),

with ``W_l = Q_l diag(s_l) P_lᵀ`` (``Q_l, P_l`` Haar-random orthogonal, singular values ``s_l``
uniform in ``[s_min, s_max]``), so every layer is a bijection of ``R^d`` with condition number at
most ``s_max / s_min`` (times ``1/slope`` for the activation). The inverse undoes each layer:
``σ⁻¹(a) = a if a > 0 else a / slope`` and ``W_l⁻¹ = P_l diag(1/s_l) Q_lᵀ``. The Jacobian
log-determinant is ``Σ_l Σ_i log s_{l,i} + (log slope) · #{negative pre-activations}``.

Mutual information is invariant under such a bijection applied to one variable, while differential
entropy changes by ``E log|det J|``: that is what makes it a useful nonlinear test map.

Cost: ``O(n d² L)`` for forward, inverse and log-determinant.
"""

from __future__ import annotations

import numpy as np

from infossl._checks import SeedLike, as_samples, check_float, check_int, check_seed


def random_orthogonal(dim: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-distributed orthogonal matrix (QR of a Gaussian matrix with the sign fix)."""
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    return q * np.sign(np.diag(r))


class InvertibleMLP:
    """Random invertible leaky-ReLU MLP on ``R^dim`` (see the module docstring).

    Args:
        dim: input and output dimension.
        depth: number of affine layers (``depth - 1`` activations between them).
        slope: negative-side slope of the leaky ReLU, in ``(0, 1]``.
        singular_values: ``(s_min, s_max)`` range of each layer's singular values.
        bias_scale: standard deviation of the random biases.
        seed: seed of the random weights.
    """

    def __init__(
        self,
        dim: int,
        depth: int = 3,
        slope: float = 0.3,
        singular_values: tuple[float, float] = (0.7, 1.4),
        bias_scale: float = 0.5,
        seed: SeedLike = 0,
    ) -> None:
        self.dim = check_int(dim, "dim", low=1)
        self.depth = check_int(depth, "depth", low=1)
        self.slope = check_float(slope, "slope", low=0.0, high=1.0, low_open=True)
        if not isinstance(singular_values, (tuple, list)) or len(singular_values) != 2:
            raise TypeError(
                f"singular_values must be a pair (s_min, s_max), got {singular_values!r}"
            )
        s_min = check_float(singular_values[0], "singular_values[0]", low=0.0, low_open=True)
        s_max = check_float(singular_values[1], "singular_values[1]", low=s_min)
        self.singular_values = (s_min, s_max)
        self.bias_scale = check_float(bias_scale, "bias_scale", low=0.0)
        self.seed = seed
        rng = check_seed(seed)
        self._weights: list[np.ndarray] = []
        self._inverses: list[np.ndarray] = []
        self._logdets: list[float] = []
        self._biases: list[np.ndarray] = []
        for _ in range(self.depth):
            q, p = random_orthogonal(self.dim, rng), random_orthogonal(self.dim, rng)
            s = rng.uniform(s_min, s_max, size=self.dim)
            self._weights.append((q * s) @ p.T)
            self._inverses.append((p / s) @ q.T)
            self._logdets.append(float(np.sum(np.log(s))))
            self._biases.append(self.bias_scale * rng.standard_normal(self.dim))

    def _input(self, x: np.ndarray, name: str) -> np.ndarray:
        arr = as_samples(x, name)
        if arr.shape[1] != self.dim:
            raise ValueError(f"{name} must have {self.dim} columns, got shape {arr.shape}")
        return arr

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``f(x)`` for rows of ``x`` (shape ``(n, dim)``)."""
        h = self._input(x, "x")
        for layer, (w, b) in enumerate(zip(self._weights, self._biases, strict=True)):
            h = h @ w.T + b
            if layer < self.depth - 1:
                h = np.where(h > 0, h, self.slope * h)
        return h

    __call__ = forward

    def inverse(self, y: np.ndarray) -> np.ndarray:
        """``f⁻¹(y)`` for rows of ``y``."""
        h = self._input(y, "y")
        for layer in range(self.depth - 1, -1, -1):
            if layer < self.depth - 1:
                h = np.where(h > 0, h, h / self.slope)
            h = (h - self._biases[layer]) @ self._inverses[layer].T
        return h

    def log_abs_det_jacobian(self, x: np.ndarray) -> np.ndarray:
        """``log |det ∂f/∂x|`` at each row of ``x`` (shape ``(n,)``)."""
        h = self._input(x, "x")
        total = np.full(h.shape[0], float(sum(self._logdets)))
        log_slope = np.log(self.slope)
        for layer, (w, b) in enumerate(zip(self._weights, self._biases, strict=True)):
            h = h @ w.T + b
            if layer < self.depth - 1:
                negative = h <= 0
                total += log_slope * negative.sum(axis=1)
                h = np.where(negative, self.slope * h, h)
        return total

    def __repr__(self) -> str:
        return (
            f"InvertibleMLP(dim={self.dim}, depth={self.depth}, slope={self.slope}, "
            f"singular_values={self.singular_values}, bias_scale={self.bias_scale}, "
            f"seed={self.seed!r})"
        )

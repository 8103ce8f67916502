"""Named jointly Gaussian variables with exact entropies, mutual and conditional information.

Every variable ``V`` is a linear map of one standard normal latent vector ``L ~ N(0, I_D)`` plus,
optionally, private isotropic noise of its own:

    V = M_V L + diag(p_V)^½ ξ_V,     ξ_V ~ N(0, I) independent of L and of every other ξ,

so ``Cov(V, W) = M_V M_Wᵀ + [V is W] diag(p_V)``. For a set of variables ``A``, ``B``, ``C``:

    I(A;B|C) = ½ [log pdet R_AA + log pdet R_BB − log pdet R]   if rank R = rank R_AA + rank R_BB,
             = +∞                                                 otherwise,

where ``R = Σ_{AB,AB} − Σ_{AB,C} Σ_CC⁺ Σ_{C,AB}`` is the residual covariance of ``(A, B)`` after
linear regression on ``C`` (exact for Gaussians, also when covariances are singular) and
``pdet`` is the pseudo-determinant. Differential entropy: ``h(A|C) = ½ log((2πe)^d det R_AA)``
(−∞ when ``R_AA`` is singular).

The sign of a scalar Gaussian ``Y`` (a binary label ``1[Y > 0]``) is handled exactly up to a 1-D
quadrature: with ``σ² = Var(Y|C)`` and ``m = E[Y|C] ~ N(0, Var Y − σ²)``,

    H(1[Y>0] | C) = E_m[h_b(Φ(m/σ))],      h_b(p) = −p ln p − (1−p) ln(1−p),

and the Bayes accuracy of predicting ``1[Y>0]`` from ``C`` is ``½ + arcsin(ρ)/π`` with
``ρ² = 1 − σ²/Var Y`` (the bivariate-normal orthant probability; Sheppard 1899).

Cost: one symmetric eigendecomposition per call, ``O(d³)`` in the total dimension involved.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from scipy import integrate, special

#: Relative eigenvalue threshold below which a covariance direction counts as degenerate.
RANK_RTOL = 1e-9

Names = str | Sequence[str]


def _names(value: Names | None, argname: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        names = list(value)
        if not all(isinstance(v, str) for v in names):
            raise TypeError(f"{argname} must be a variable name or a sequence of names")
        return names
    raise TypeError(f"{argname} must be a variable name or a sequence of names, got {value!r}")


def _eigvalsh(matrix: np.ndarray) -> np.ndarray:
    if matrix.size == 0:
        return np.zeros(0)
    return np.linalg.eigvalsh(0.5 * (matrix + matrix.T))


def _rank_logpdet(matrix: np.ndarray, tol: float) -> tuple[int, float]:
    """Numerical rank and log pseudo-determinant of a symmetric PSD matrix."""
    eig = _eigvalsh(matrix)
    kept = eig[eig > tol]
    return int(kept.size), float(np.sum(np.log(kept)))


def _binary_entropy_of_probit(ratio: float) -> float:
    """E_t[h_b(Φ(ratio · t))] for t ~ N(0, 1), in nats (1-D adaptive quadrature)."""
    if ratio <= 0.0:
        return math.log(2.0)

    def integrand(t: float) -> float:
        a = ratio * t
        log_p, log_q = special.log_ndtr(a), special.log_ndtr(-a)
        h = -(math.exp(log_p) * log_p + math.exp(log_q) * log_q)
        value: float = h * math.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi)
        return value

    # The integrand is even in t; it is negligible once t > 40 (through φ(t)) or
    # ratio·t > 40 (h_b(Φ(a)) decays like a·φ(a)), so [0, min(40, 40/ratio)] suffices.
    upper = min(40.0, 40.0 / ratio)
    value, _ = integrate.quad(integrand, 0.0, upper, limit=200, epsabs=1e-12, epsrel=1e-10)
    return float(min(max(2.0 * value, 0.0), math.log(2.0)))


class JointGaussian:
    """A collection of named, zero-mean, jointly Gaussian variables (see the module docstring).

    Args:
        latent_dim: dimension ``D`` of the shared standard normal latent ``L``.
    """

    def __init__(self, latent_dim: int) -> None:
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, (int, np.integer)):
            raise TypeError(f"latent_dim must be an integer, got {latent_dim!r}")
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be >= 1, got {latent_dim}")
        self.latent_dim = int(latent_dim)
        self._loading: dict[str, np.ndarray] = {}
        self._private: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ building
    def add(self, name: str, loading: np.ndarray, private_variance: npt.ArrayLike = 0.0) -> None:
        """Add ``name = loading @ L + private noise`` (``loading``: ``(d, D)``).

        ``private_variance`` is the variance of the private noise: one number (isotropic) or one
        per coordinate (length ``d``, diagonal covariance).
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string, got {name!r}")
        if name in self._loading:
            raise ValueError(f"variable {name!r} is already defined")
        matrix = np.asarray(loading, dtype=np.float64)
        if matrix.ndim == 1:
            matrix = matrix.reshape(1, -1)
        if matrix.ndim != 2 or matrix.shape[1] != self.latent_dim or matrix.shape[0] == 0:
            raise ValueError(
                f"loading of {name!r} must have shape (d, {self.latent_dim}), got {matrix.shape}"
            )
        if not np.isfinite(matrix).all():
            raise ValueError(f"loading of {name!r} contains NaN or infinite values")
        variance = np.asarray(private_variance, dtype=np.float64)
        if variance.ndim == 0:
            variance = np.full(matrix.shape[0], float(variance))
        if variance.shape != (matrix.shape[0],):
            raise ValueError(
                f"private_variance of {name!r} must be a number or have {matrix.shape[0]} entries, "
                f"got shape {variance.shape}"
            )
        if not np.isfinite(variance).all() or (variance < 0).any():
            raise ValueError(f"private_variance of {name!r} must be finite and >= 0")
        self._loading[name] = matrix
        self._private[name] = variance

    def copy(self) -> JointGaussian:
        """An independent copy (new variables added to it do not affect this one)."""
        other = JointGaussian(self.latent_dim)
        other._loading = dict(self._loading)
        other._private = dict(self._private)
        return other

    @property
    def names(self) -> list[str]:
        return list(self._loading)

    def dim(self, name: str) -> int:
        """Dimension of one variable."""
        self._check_known([name], "name")
        return int(self._loading[name].shape[0])

    def loading(self, name: str) -> np.ndarray:
        """The matrix ``M_V`` of ``V = M_V L + private noise`` (a copy)."""
        self._check_known([name], "name")
        out: np.ndarray = self._loading[name].copy()
        return out

    def _check_known(self, names: list[str], argname: str) -> None:
        unknown = [n for n in names if n not in self._loading]
        if unknown:
            raise ValueError(
                f"{argname}: unknown variable(s) {unknown}; defined: {sorted(self._loading)}"
            )

    # ------------------------------------------------------------------ covariances
    def covariance(self, a: Names, b: Names | None = None) -> np.ndarray:
        """``Cov(A, B)`` (``Cov(A, A)`` when ``b`` is None) of the stacked variables."""
        names_a = _names(a, "a")
        names_b = names_a if b is None else _names(b, "b")
        self._check_known(names_a, "a")
        self._check_known(names_b, "b")
        ma = np.vstack([self._loading[n] for n in names_a])
        mb = np.vstack([self._loading[n] for n in names_b])
        cov = ma @ mb.T
        rows = np.cumsum([0] + [self._loading[n].shape[0] for n in names_a])
        cols = np.cumsum([0] + [self._loading[n].shape[0] for n in names_b])
        for i, na in enumerate(names_a):
            for j, nb in enumerate(names_b):
                if na == nb and self._private[na].any():
                    block = cov[rows[i] : rows[i + 1], cols[j] : cols[j + 1]]
                    block += np.diag(self._private[na])
        out: np.ndarray = cov
        return out

    def _tolerance(self, names: list[str]) -> float:
        scale = max(float(np.max(np.diag(self.covariance(names)))), 1e-300)
        return RANK_RTOL * scale

    def residual_covariance(self, a: Names, given: Names | None = None) -> np.ndarray:
        """``Cov(A | C) = Σ_AA − Σ_AC Σ_CC⁺ Σ_CA`` (pseudo-inverse: exact for singular Σ_CC)."""
        names_a, names_c = _names(a, "a"), _names(given, "given")
        cov_aa = self.covariance(names_a)
        if not names_c:
            return cov_aa
        cov_cc = self.covariance(names_c)
        cov_ac = self.covariance(names_a, names_c)
        tol = self._tolerance(names_a + names_c)
        eig, vec = np.linalg.eigh(0.5 * (cov_cc + cov_cc.T))
        keep = eig > tol
        root = vec[:, keep] / np.sqrt(eig[keep])
        projected = cov_ac @ root
        resid = cov_aa - projected @ projected.T
        out: np.ndarray = 0.5 * (resid + resid.T)
        return out

    # ------------------------------------------------------------------ information
    def mutual_information(self, a: Names, b: Names, given: Names | None = None) -> float:
        """Exact ``I(A;B|C)`` in nats (``+inf`` when a linear function of A is one of B given C)."""
        names_a, names_b, names_c = _names(a, "a"), _names(b, "b"), _names(given, "given")
        if not names_a or not names_b:
            raise ValueError("a and b must each name at least one variable")
        self._check_known(names_a + names_b + names_c, "variables")
        da = sum(self.dim(n) for n in names_a)
        resid = self.residual_covariance(names_a + names_b, names_c)
        tol = self._tolerance(names_a + names_b + names_c)
        rank_a, log_a = _rank_logpdet(resid[:da, :da], tol)
        rank_b, log_b = _rank_logpdet(resid[da:, da:], tol)
        rank_ab, log_ab = _rank_logpdet(resid, tol)
        if rank_ab < rank_a + rank_b:
            return math.inf
        return max(0.5 * (log_a + log_b - log_ab), 0.0)

    def entropy(self, a: Names, given: Names | None = None) -> float:
        """Exact differential entropy ``h(A|C)`` in nats (``-inf`` if degenerate given C)."""
        names_a = _names(a, "a")
        self._check_known(names_a + _names(given, "given"), "variables")
        resid = self.residual_covariance(names_a, given)
        tol = self._tolerance(names_a + _names(given, "given"))
        rank, logdet = _rank_logpdet(resid, tol)
        d = resid.shape[0]
        if rank < d:
            return -math.inf
        value: float = 0.5 * (d * math.log(2.0 * math.pi * math.e) + logdet)
        return value

    def _sign_split(self, name: str, given: list[str]) -> tuple[float, float]:
        """``(Var E[Y|C], Var(Y|C))`` for a scalar variable ``Y``."""
        if self.dim(name) != 1:
            raise ValueError(f"{name!r} must be scalar to define the label 1[{name} > 0]")
        total = float(self.covariance(name)[0, 0])
        residual = float(self.residual_covariance(name, given)[0, 0]) if given else total
        residual = min(max(residual, 0.0), total)
        return total - residual, residual

    def sign_entropy(self, name: str, given: Names | None = None) -> float:
        """Exact ``H(1[Y>0] | C)`` in nats for a scalar ``Y`` (1-D quadrature, error < 1e-9)."""
        names_c = _names(given, "given")
        self._check_known([name, *names_c], "variables")
        explained, residual = self._sign_split(name, names_c)
        total = explained + residual
        if total <= 0.0:
            raise ValueError(f"{name!r} has zero variance; its sign is not a random label")
        if residual <= RANK_RTOL * total:
            return 0.0
        return _binary_entropy_of_probit(math.sqrt(explained / residual))

    def sign_information(self, name: str, b: Names, given: Names | None = None) -> float:
        """Exact ``I(1[Y>0]; B | C) = H(1[Y>0]|C) − H(1[Y>0]|B,C)`` in nats."""
        names_b, names_c = _names(b, "b"), _names(given, "given")
        if not names_b:
            raise ValueError("b must name at least one variable")
        before = self.sign_entropy(name, names_c)
        after = self.sign_entropy(name, names_b + names_c)
        return max(before - after, 0.0)

    def sign_bayes_accuracy(self, name: str, given: Names) -> float:
        """Accuracy of the Bayes classifier of ``1[Y>0]`` from ``C``: ``½ + arcsin(ρ)/π``.

        ``ρ = corr(Y, E[Y|C])``. The Bayes rule thresholds the linear function ``E[Y|C]`` at 0,
        so a linear probe can reach this accuracy.
        """
        names_c = _names(given, "given")
        if not names_c:
            raise ValueError("given must name at least one variable")
        self._check_known([name, *names_c], "variables")
        explained, residual = self._sign_split(name, names_c)
        total = explained + residual
        if total <= 0.0:
            raise ValueError(f"{name!r} has zero variance; its sign is not a random label")
        rho = math.sqrt(max(explained / total, 0.0))
        return 0.5 + math.asin(min(rho, 1.0)) / math.pi

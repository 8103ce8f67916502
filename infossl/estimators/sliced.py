"""Sliced mutual information (Goldfeld & Greenewald 2021).

SI(X;Y) = E_{θ,φ}[ I(θᵀX; φᵀY) ], with θ and φ uniform on the unit spheres S^{d_x−1} and
S^{d_y−1}. It is zero iff X and Y are independent, keeps a chain rule and a data-processing
inequality, and can be estimated at the parametric rate in any dimension because every term is
a 1-D MI. It is a different quantity from I(X;Y) (SI ≤ I; for jointly Gaussian data
SI = E[−½ ln(1 − ρ(θ,φ)²)] with ρ(θ,φ) = θᵀΣ_xyφ / √(θᵀΣ_xθ · φᵀΣ_yφ)).

With ``paired=True`` the estimator instead averages I(WᵀX; WᵀY) over random d×k matrices W with
orthonormal columns shared by both variables (X and Y of the same dimension d, coordinates that
correspond, e.g. two views of one embedding). Each term is ≤ I(X;Y) by the data-processing
inequality, so the average is a lower bound on I(X;Y).

Reference: Goldfeld & Greenewald, "Sliced Mutual Information: A Scalable Measure of Statistical
Dependence", NeurIPS 2021.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from infossl._checks import (
    SeedLike,
    check_bool,
    check_int,
    check_seed,
    dims_of,
)
from infossl.estimate import Estimate
from infossl.estimators._base import (
    MIEstimator,
    get_estimator_class,
    paired_samples,
    register,
)


def random_directions(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """n directions drawn uniformly on the unit sphere S^{d−1} (normalised Gaussians), (n, d)."""
    v = rng.standard_normal((n, d))
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    while np.any(norms == 0):  # probability zero; keeps the output well defined
        bad = norms[:, 0] == 0
        v[bad] = rng.standard_normal((int(bad.sum()), d))
        norms = np.linalg.norm(v, axis=1, keepdims=True)
    out: np.ndarray = v / norms
    return out


def random_orthonormal_frames(
    count: int, d: int, dims: int, rng: np.random.Generator
) -> np.ndarray:
    """``count`` random d×dims matrices with orthonormal columns, shape ``(count, d, dims)``.

    The Q factor of the QR decomposition of a standard Gaussian matrix, with the signs fixed so
    that R has a positive diagonal: uniform (Haar) on the Stiefel manifold. Draws
    ``rng.standard_normal((count, d, dims))``.
    """
    g = rng.standard_normal((count, d, dims))
    q, r = np.linalg.qr(g)
    out: np.ndarray = q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]
    return out


def sliced_mi_gaussian(
    cov: npt.ArrayLike, dim_x: int, n_projections: int = 100_000, seed: SeedLike = 0
) -> tuple[float, float]:
    """Sliced MI (nats) of a zero-mean Gaussian with joint covariance ``cov``, X = first dim_x.

    Monte Carlo over projections with the exact per-projection correlation ρ(θ, φ); returns
    (value, Monte Carlo standard error). O(n_projections · d²).
    """
    cov = np.asarray(cov, dtype=np.float64)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"cov must be a square matrix, got shape {cov.shape}")
    d = cov.shape[0]
    dim_x = check_int(dim_x, "dim_x", low=1, high=d - 1)
    n_projections = check_int(n_projections, "n_projections", low=2)
    rng = check_seed(seed)
    theta = random_directions(n_projections, dim_x, rng)
    phi = random_directions(n_projections, d - dim_x, rng)
    sxx, syy, sxy = cov[:dim_x, :dim_x], cov[dim_x:, dim_x:], cov[:dim_x, dim_x:]
    num = np.einsum("mi,ij,mj->m", theta, sxy, phi)
    var_x = np.einsum("mi,ij,mj->m", theta, sxx, theta)
    var_y = np.einsum("mi,ij,mj->m", phi, syy, phi)
    rho2 = np.clip(num**2 / (var_x * var_y), 0.0, 1.0 - 1e-15)
    terms = -0.5 * np.log1p(-rho2)
    return float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(n_projections))


@register
class SlicedMI(MIEstimator):
    """Sliced MI: the average over random projections of a low-dimensional MI estimate.

    Default (``paired=False``, ``dims=1``): ŜI = (1/M) Σ_m Î(θ_mᵀX; φ_mᵀY), θ_m and φ_m drawn
    independently and uniformly on the unit spheres, M = ``n_projections``. The quantity is
    SI(X;Y), not I(X;Y); the kind is that of the 1-D estimator (``"point"`` for ksg1 or gaussian).

    Paired (``paired=True``, X and Y of the same dimension d, ``1 <= dims <= d``):
    Î = (1/M) Σ_m Î(W_mᵀX; W_mᵀY), the same random d×``dims`` matrix W_m with orthonormal
    columns (:func:`random_orthonormal_frames`) projecting both variables. Each term is
    ≤ I(X;Y) (data processing), so the quantity is a lower bound on I(X;Y): the kind is
    ``"lower"`` when the inner estimator is a point estimate or a lower bound of the projected MI
    (its own estimation bias aside), ``"proxy"`` otherwise. For isotropic Gaussians with
    correlation ρ per coordinate pair, every term is −(dims/2)·ln(1 − ρ²).

    The inner estimator is any registered MI method (``estimator``, default ``"ksg1"``, with
    ``estimator_params``); for ``dims > 1`` it must accept multivariate inputs. ``stderr`` = std
    over projections / √M: the Monte Carlo error of the projection average for this sample (it
    does not include the sampling error of the data).

    Assumptions: those of the inner estimator on each projection. Complexity: M times the inner
    estimator (ksg1: O(M n log n) for small ``dims``), plus O(n M (d_x + d_y) dims).
    Reference: Goldfeld & Greenewald (NeurIPS 2021); Kraskov, Stögbauer & Grassberger (2004).
    """

    name: ClassVar[str] = "sliced"
    kind: ClassVar[str] = "point"
    accepts: ClassVar[str] = "continuous"
    summary: ClassVar[str] = "sliced MI: mean 1-D MI over random projections (SI, not I)"
    resampling: ClassVar[str] = "subsample"  # the default 1-D estimator is kNN-based

    def __init__(
        self,
        n_projections: int = 128,
        estimator: str = "ksg1",
        estimator_params: dict[str, Any] | None = None,
        seed: SeedLike = 0,
        paired: bool = False,
        dims: int = 1,
    ) -> None:
        self.n_projections = check_int(n_projections, "n_projections", low=1)
        if not isinstance(estimator, str):
            raise TypeError(f"estimator must be a registered MI method name, got {estimator!r}")
        if estimator == self.name:
            raise ValueError("estimator must be a 1-D MI method other than 'sliced'")
        if estimator_params is not None and not isinstance(estimator_params, dict):
            raise TypeError(f"estimator_params must be a dict or None, got {estimator_params!r}")
        self.estimator = estimator
        self.estimator_params = estimator_params
        self._inner_class = get_estimator_class("mi", estimator)
        self._inner_class(**(self.estimator_params or {}))  # validates the parameters now
        check_seed(seed)  # type check only; draws happen in estimate()
        self.seed = seed
        self.paired = check_bool(paired, "paired")
        self.dims = check_int(dims, "dims", low=1)
        if self.dims > 1 and not self.paired:
            raise ValueError(
                f"dims={self.dims} needs paired=True (the unpaired slices are 1-D directions)"
            )

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, n = paired_samples(x, y, min_n=2)
        dx, dy = dims_of(x, y)
        rng = check_seed(self.seed)
        m_all = range(self.n_projections)
        if self.paired:
            if dx != dy:
                raise ValueError(
                    f"paired=True needs x and y of the same dimension, got {dx} and {dy}"
                )
            if self.dims > dx:
                raise ValueError(
                    f"dims must be <= the dimension of x and y ({dx}), got {self.dims}"
                )
            w = random_orthonormal_frames(self.n_projections, dx, self.dims, rng)
            pairs = ((x @ w[m], y @ w[m]) for m in m_all)
        else:
            theta = random_directions(self.n_projections, dx, rng)
            phi = random_directions(self.n_projections, dy, rng)
            proj_x, proj_y = x @ theta.T, y @ phi.T
            pairs = ((proj_x[:, m], proj_y[:, m]) for m in m_all)
        inner = self._inner_class(**(self.estimator_params or {}))
        results = [inner.estimate(a, b) for a, b in pairs]
        values = np.array([r.value for r in results])
        stderr = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else None
        if self.paired:
            kind = "lower" if results[0].kind in ("point", "lower") else "proxy"
            quantity = "I(X;Y)"
            note = (
                f"mean of I(W'X; W'Y) over {self.n_projections} shared random {self.dims}-D "
                "orthonormal projections W: <= I(X;Y) by data processing (the inner "
                "estimate has its own bias); stderr is the Monte Carlo error over "
                "projections only"
            )
        else:
            kind, quantity = results[0].kind, "SI(X;Y)"
            note = (
                "sliced MI is a different quantity from I(X;Y) (SI <= I); stderr is the "
                "Monte Carlo error over projections only"
            )
        return self._make(
            float(values.mean()),
            n,
            (dx, dy),
            stderr=stderr,
            quantity=quantity,
            kind=kind,
            ceiling=results[0].ceiling,
            notes=(note,),
        )

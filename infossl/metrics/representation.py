"""Label-free (and one label-based) quality and collapse metrics of embedding matrices.

Every function takes an embedding matrix ``z`` of shape ``(n, k)`` (rows are samples) as a numpy
array or a torch tensor (any device; it is copied to the CPU), computes in float64 and returns
Python floats or numpy arrays. Conventions that differ between published implementations
(singular values vs covariance eigenvalues, centred or not, normalised rows or not) are fixed
here and stated in each docstring.

References: Roy & Vetterli 2007 (effective rank); Garrido et al. 2023 (RankMe); Thilak et al. 2024
(LiDAR); Agrawal et al. 2022 (α-ReQ); Wang & Isola 2020 (alignment, uniformity); Jing et al. 2022
(dimensional collapse spectrum); Chen & He 2021 (std of normalised embeddings); Papyan, Han &
Donoho 2020 (NC1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import logsumexp

from infossl._checks import (
    as_labels,
    as_samples,
    check_choice,
    check_float,
    check_int,
    check_same_length,
)

__all__ = [
    "PowerLawFit",
    "alignment",
    "alpha_req",
    "collapsed_dimensions",
    "covariance_spectrum",
    "effective_rank",
    "embedding_std",
    "lidar",
    "nc1",
    "power_law_fit",
    "rankme",
    "representation_metrics",
    "uniformity",
]


# ----------------------------------------------------------------------------- input helpers
def _to_numpy(x: npt.ArrayLike) -> Any:
    """A torch tensor becomes a CPU numpy array (float tensors as float64); anything else as is."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu()
        if x.is_floating_point():
            x = x.double()
        return x.numpy()
    return x


def _matrix(z: npt.ArrayLike, name: str, *, min_n: int = 1) -> np.ndarray:
    """Validate an embedding matrix: finite, 2-D ``(n, k)``, float64."""
    return as_samples(_to_numpy(z), name, min_n=min_n, allow_1d=False)


def _unit_rows(z: np.ndarray, name: str) -> np.ndarray:
    """Rows divided by their L2 norm; a zero row is an error (its direction is undefined)."""
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    if np.any(norms == 0):
        bad = int(np.sum(norms == 0))
        raise ValueError(f"{name} has {bad} row(s) of zero norm; they cannot be L2-normalised")
    return z / norms


def _entropy_exp(p: np.ndarray) -> float:
    """exp(−Σ p ln p) with 0 ln 0 = 0."""
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


# ----------------------------------------------------------------------------- rank measures
def rankme(z: npt.ArrayLike, *, eps: float = 1e-7, center: bool = False) -> float:
    """RankMe (Garrido, Balestriero, Najman & LeCun, ICML 2023).

    ``RankMe(Z) = exp(−Σ_k p_k ln p_k)`` with ``p_k = σ_k / ‖σ‖₁ + ε`` over the ``min(n, k)``
    singular values σ_k of the (by default uncentred) embedding matrix. It lies in
    ``[1, min(n, k)]`` up to the ε terms, which add about ``(K − r)·ε·|ln ε|`` nats when
    ``K − r`` singular values are zero (``ε = 1e-7``: RankMe of a rank-1, K = 2048 matrix is
    1.003; ``ε = 1e-5`` would give 1.27). Use ``n ≫ k`` (the paper uses n = 25 600); a small batch
    caps the value at ``n``. ``center=True`` removes the column means first (a common offset adds
    a dominant singular value and lowers RankMe). Cost: one SVD, O(n·k·min(n, k)).
    """
    eps = check_float(eps, "eps", low=0.0)
    z = _matrix(z, "z")
    if center:
        z = z - z.mean(axis=0)
    sv = np.linalg.svd(z, compute_uv=False)
    total = sv.sum()
    if total <= 0:
        raise ValueError("z has no non-zero singular value (all entries zero); RankMe is undefined")
    p = sv / total + eps
    return float(np.exp(-np.sum(p * np.log(p))))


def effective_rank(z: npt.ArrayLike, *, variant: str = "sv") -> float:
    """Effective rank (Roy & Vetterli, EUSIPCO 2007): ``exp(−Σ p_k ln p_k)``, 0 ln 0 = 0.

    ``variant="sv"``: ``p_k = σ_k / Σ σ_j`` (singular values, the paper's definition);
    ``variant="eig"``: ``p_k = σ_k² / Σ σ_j²`` (eigenvalues of ``ZᵀZ``, the "von Neumann"
    variant some code uses). The matrix is not centred. ``1 ≤ erank ≤ rank(Z)``; invariant to
    scaling and to orthogonal transforms on either side. Cost: one SVD.
    """
    check_choice(variant, "variant", ("sv", "eig"))
    z = _matrix(z, "z")
    sv = np.linalg.svd(z, compute_uv=False)
    weights = sv if variant == "sv" else sv**2
    total = weights.sum()
    if total <= 0:
        raise ValueError("z has no non-zero singular value (all entries zero); erank is undefined")
    return _entropy_exp(weights / total)


def _grouped_views(z: npt.ArrayLike, labels: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray, int]:
    """Return (embeddings (N, K), group codes (N,), number of groups) from either input form."""
    arr = _to_numpy(z)
    if labels is None:
        arr = np.asarray(arr)
        if arr.ndim != 3:
            raise ValueError(
                "z must be 3-D (n_samples, n_views, dim) when labels is None, got shape "
                f"{arr.shape}; for a 2-D (N, dim) matrix pass labels= (source-sample id per row)"
            )
        n, q, k = arr.shape
        flat = as_samples(arr.reshape(n * q, k), "z", allow_1d=False)
        return flat, np.repeat(np.arange(n), q), n
    flat = _matrix(z, "z")
    codes = as_labels(labels, "labels")
    check_same_length(z=flat, labels=codes)
    return flat, codes, int(codes.max()) + 1


def lidar(
    z: npt.ArrayLike, labels: npt.ArrayLike | None = None, *, delta: float = 1e-4, eps: float = 1e-8
) -> float:
    """LiDAR (Thilak et al., ICLR 2024): the effective rank of the LDA matrix of surrogate classes.

    Each source sample x is a class whose members are its augmented views. Give either a 3-D
    ``z`` of shape ``(n, q, K)`` (q views of each of n samples) or a 2-D ``(N, K)`` matrix with
    ``labels`` holding each row's source-sample id. With ``μ_x`` the mean of x's views and ``μ``
    the mean of the ``μ_x``::

        Σ_b = 1/(n−1) Σ_x (μ_x − μ)(μ_x − μ)ᵀ
        Σ_w = 1/(N−n) Σ_x Σ_i (z_xi − μ_x)(z_xi − μ_x)ᵀ + δ I      (= 1/(n(q−1)) Σ for equal q)
        Σ_LiDAR = Σ_w^{-1/2} Σ_b Σ_w^{-1/2}
        LiDAR = exp(−Σ_k p_k ln p_k),  p_k = (λ_k + ε) / Σ_j (λ_j + ε)

    over the eigenvalues λ_k of Σ_LiDAR. With δ = 0 it is invariant to any invertible linear map
    of the embeddings. Directions without sample signal get eigenvalues ≈ 1/q (the view noise
    left in μ_x), so compare models at equal q and K, with n > K. Views must be grouped by their
    true source sample: random grouping makes Σ_b ≈ Σ_w / q and LiDAR silently *inflates*
    towards min(K, n − 1). Cost: O(N·K² + K³).
    """
    delta = check_float(delta, "delta", low=0.0)
    eps = check_float(eps, "eps", low=0.0)
    flat, codes, n_groups = _grouped_views(z, labels)
    counts = np.bincount(codes, minlength=n_groups)
    if n_groups < 2:
        raise ValueError(f"LiDAR needs at least 2 source samples, got {n_groups}")
    n_total = flat.shape[0]
    if n_total - n_groups < 1:
        raise ValueError("LiDAR needs at least one source sample with 2 or more views")
    k = flat.shape[1]
    sums = np.zeros((n_groups, k))
    np.add.at(sums, codes, flat)
    means = sums / counts[:, None]
    within = flat - means[codes]
    sigma_w = within.T @ within / (n_total - n_groups) + delta * np.eye(k)
    centred_means = means - means.mean(axis=0)
    sigma_b = centred_means.T @ centred_means / (n_groups - 1)
    w_eig, w_vec = np.linalg.eigh(sigma_w)
    scale = max(float(np.var(flat, axis=0).sum()), float(w_eig.max()))
    if scale <= 0 or w_eig.min() <= 1e-12 * scale:
        raise ValueError(
            "the within-sample covariance is singular (views of a sample do not vary in some "
            "direction); use delta > 0"
        )
    whiten = (w_vec / np.sqrt(w_eig)) @ w_vec.T
    lam = np.clip(np.linalg.eigvalsh(whiten @ sigma_b @ whiten), 0.0, None)
    weights = lam + eps
    if weights.sum() <= 0:
        raise ValueError("all LiDAR eigenvalues are zero (identical sample means); use eps > 0")
    return _entropy_exp(weights / weights.sum())


# ----------------------------------------------------------------------------- spectra
def covariance_spectrum(z: npt.ArrayLike, *, normalize: bool = True) -> np.ndarray:
    """Eigenvalues of the embedding covariance, in descending order (Jing et al., ICLR 2022).

    With ``normalize=True`` each row is first L2-normalised, as in Jing et al.'s dimensional
    collapse plots. The covariance is centred with the 1/(n−1) denominator (``np.cov``);
    round-off negatives are clipped to 0. Plot ``log`` of the values against their index: collapsed
    directions show as a cliff to numerical zero. Cost: O(n·k² + k³).
    """
    z = _matrix(z, "z", min_n=2)
    if normalize:
        z = _unit_rows(z, "z")
    centred = z - z.mean(axis=0)
    cov = centred.T @ centred / (z.shape[0] - 1)
    return np.clip(np.linalg.eigvalsh(cov)[::-1], 0.0, None)


def collapsed_dimensions(eigenvalues: npt.ArrayLike, *, rel_tol: float = 1e-6) -> int:
    """Number of eigenvalues below ``rel_tol · λ_max`` (collapsed directions of a spectrum)."""
    rel_tol = check_float(rel_tol, "rel_tol", low=0.0)
    lam = as_samples(_to_numpy(eigenvalues), "eigenvalues")[:, 0]
    if np.any(lam < 0):
        raise ValueError("eigenvalues must be non-negative")
    if lam.max() == 0:
        return int(lam.size)
    return int(np.sum(lam < rel_tol * lam.max()))


@dataclass(frozen=True)
class PowerLawFit:
    """Result of fitting ``λ_i ≈ b · i^{−α}`` to a spectrum (α-ReQ).

    Attributes:
        alpha: the decay exponent α (positive for a decaying spectrum).
        log_intercept: ``ln b``.
        r2: coefficient of determination of the (weighted) log-log fit; report it with α, since
            a spectrum that is not a power law still yields an α.
        ranks: the 1-based ranks i used in the fit.
        weighted: whether the least squares used weights 1/i.
    """

    alpha: float
    log_intercept: float
    r2: float
    ranks: tuple[int, int]
    weighted: bool

    def predict(self, ranks: npt.ArrayLike) -> np.ndarray:
        """The fitted spectrum ``b · i^{−α}`` at the given 1-based ranks."""
        i = np.asarray(ranks, dtype=np.float64)
        return np.exp(self.log_intercept - self.alpha * np.log(i))


def _check_fit_range(fit_range: Any) -> tuple[int, int]:
    if not isinstance(fit_range, (tuple, list)) or len(fit_range) != 2:
        raise TypeError(f"fit_range must be a pair (first_rank, stop_rank), got {fit_range!r}")
    start = check_int(fit_range[0], "fit_range[0]", low=1)
    stop = check_int(fit_range[1], "fit_range[1]", low=start + 2)
    return start, stop


def power_law_fit(
    eigenvalues: npt.ArrayLike, *, fit_range: tuple[int, int] = (10, 100), weighted: bool = True
) -> PowerLawFit:
    """Fit ``ln λ_i = ln b − α ln i`` over ranks ``i ∈ [start, stop)`` (1-based, descending λ).

    The spectrum is sorted in descending order first. The range is cut at the last strictly
    positive eigenvalue; at least 3 ranks must remain. ``weighted=True`` uses weights 1/i
    (Agrawal et al. 2022, after Stringer et al. 2019), giving the well-sampled head more say;
    ``r2`` is the R² of the same weighted fit. An exact spectrum ``λ_i = i^{−α₀}`` returns α₀ to
    rounding error. Cost: O(k log k).
    """
    start, stop = _check_fit_range(fit_range)
    lam = as_samples(_to_numpy(eigenvalues), "eigenvalues")[:, 0]
    if np.any(lam < 0):
        raise ValueError("eigenvalues must be non-negative")
    lam = np.sort(lam)[::-1]
    stop = min(stop, int(np.sum(lam > 0)) + 1)
    if stop - start < 3:
        raise ValueError(
            f"fit_range {fit_range} leaves {max(stop - start, 0)} positive eigenvalues to fit; "
            "need at least 3 (use more dimensions or a lower first rank)"
        )
    ranks = np.arange(start, stop, dtype=np.float64)
    x = np.log(ranks)
    y = np.log(lam[start - 1 : stop - 1])
    w = 1.0 / ranks if weighted else np.ones_like(ranks)
    w = w / w.sum()
    x_mean, y_mean = float(w @ x), float(w @ y)
    slope = float(w @ ((x - x_mean) * (y - y_mean)) / (w @ (x - x_mean) ** 2))
    intercept = y_mean - slope * x_mean
    resid = y - (intercept + slope * x)
    total = float(w @ (y - y_mean) ** 2)
    r2 = 1.0 - float(w @ resid**2) / total if total > 0 else 1.0
    return PowerLawFit(
        alpha=-slope, log_intercept=intercept, r2=r2, ranks=(start, stop), weighted=weighted
    )


def alpha_req(
    z: npt.ArrayLike, *, fit_range: tuple[int, int] = (10, 100), weighted: bool = True
) -> PowerLawFit:
    """α-ReQ (Agrawal, Mondal, Ghosh & Richards, NeurIPS 2022): power-law decay of the spectrum.

    Eigenvalues of the centred covariance of the raw (not row-normalised) embeddings, fitted by
    :func:`power_law_fit`. Small α: flat, high-dimensional spectrum; large α: fast decay towards
    collapse; the paper finds α near 1 tracks good downstream accuracy. The value depends on the
    fit range and on n/k (finite n flattens the tail), so compare at equal settings and report R².
    """
    return power_law_fit(
        covariance_spectrum(z, normalize=False), fit_range=fit_range, weighted=weighted
    )


def embedding_std(z: npt.ArrayLike, *, per_dimension: bool = False) -> float | np.ndarray:
    """Std over samples of each dimension of the L2-normalised embeddings (Chen & He, 2021).

    A collapse indicator: for embeddings spread isotropically over the sphere in k dimensions each
    dimension has std ≈ 1/√k; a collapsed representation (all rows pointing one way) gives 0.
    Uses the 1/n (population) std. Returns the mean over dimensions, or the per-dimension vector
    with ``per_dimension=True``.
    """
    z = _unit_rows(_matrix(z, "z", min_n=2), "z")
    std = z.std(axis=0)
    return std if per_dimension else float(std.mean())


# ----------------------------------------------------------------------------- hypersphere
def alignment(
    x: npt.ArrayLike, y: npt.ArrayLike, *, alpha: float = 2.0, normalize: bool = True
) -> float:
    """Alignment (Wang & Isola, ICML 2020): ``E ‖f(x) − f(y)‖₂^α`` over positive pairs.

    Row i of ``x`` and row i of ``y`` are two views of one sample. Rows are L2-normalised first
    unless ``normalize=False``. Identical views give 0; independent uniform directions give 2
    (α = 2). Lower is better. Cost: O(n·k).
    """
    alpha = check_float(alpha, "alpha", low=0.0, low_open=True)
    x = _matrix(x, "x")
    y = _matrix(y, "y")
    check_same_length(x=x, y=y)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same dimension, got {x.shape[1]} and {y.shape[1]}")
    if normalize:
        x, y = _unit_rows(x, "x"), _unit_rows(y, "y")
    return float(np.mean(np.linalg.norm(x - y, axis=1) ** alpha))


def uniformity(
    x: npt.ArrayLike, *, t: float = 2.0, normalize: bool = True, block_size: int = 2048
) -> float:
    """Uniformity (Wang & Isola, ICML 2020): ``ln E exp(−t ‖f(x) − f(x')‖₂²)`` over pairs i ≠ j.

    Rows are L2-normalised first unless ``normalize=False``. Computed over all n(n−1) ordered
    pairs with a log-sum-exp, in blocks of ``block_size`` rows (memory O(block·n), time O(n²·k)).
    Values lie in ``[−4t, 0]``: 0 when all points coincide (the maximum); for points uniform
    on the circle ``−2t + ln I₀(2t)`` (−1.5750 at t = 2), on S² ``−2t + ln(sinh(2t)/(2t))``
    (−2.0798), and about ``−2t + 2t²/k`` in high dimension k. Lower is more uniform.
    """
    t = check_float(t, "t", low=0.0, low_open=True)
    block_size = check_int(block_size, "block_size", low=1)
    x = _matrix(x, "x", min_n=2)
    if normalize:
        x = _unit_rows(x, "x")
    n = x.shape[0]
    sq_norms = np.einsum("ij,ij->i", x, x)
    parts = []
    for start in range(0, n, block_size):
        stop = min(start + block_size, n)
        block = x[start:stop]
        sq_dist = sq_norms[start:stop, None] + sq_norms[None, :] - 2.0 * block @ x.T
        logits = -t * np.clip(sq_dist, 0.0, None)
        rows = np.arange(stop - start)
        logits[rows, start + rows] = -np.inf
        parts.append(logsumexp(logits))
    return float(logsumexp(parts) - np.log(n * (n - 1.0)))


# ----------------------------------------------------------------------------- neural collapse
def nc1(features: npt.ArrayLike, labels: npt.ArrayLike, *, rcond: float = 1e-10) -> float:
    """NC1 within-class variability collapse (Papyan, Han & Donoho, PNAS 2020).

    ``NC1 = tr(Σ_W Σ_B⁺) / C`` with ``Σ_W = (1/N) Σ_i (h_i − μ_{y_i})(h_i − μ_{y_i})ᵀ`` (total
    count, so unbalanced classes are allowed) and ``Σ_B = (1/C) Σ_c (μ_c − μ̄)(μ_c − μ̄)ᵀ``,
    where μ̄ is the mean of the class means (the global mean for balanced classes). ``Σ_B⁺`` is
    the pseudo-inverse keeping eigenvalues above ``rcond · λ_max`` (Σ_B has rank ≤ C − 1).
    Features equal to their class means give 0; a simplex ETF plus isotropic noise σ² (D = C)
    gives σ²(C − 1)²/C. Compute on the training set and record which layer. Cost: O(N·D² + D³).
    """
    rcond = check_float(rcond, "rcond", low=0.0, high=1.0, high_open=True)
    h = _matrix(features, "features")
    codes = as_labels(_to_numpy(labels), "labels")
    check_same_length(features=h, labels=codes)
    n_classes = int(codes.max()) + 1
    if n_classes < 2:
        raise ValueError("labels must contain at least 2 classes for NC1")
    counts = np.bincount(codes, minlength=n_classes)
    sums = np.zeros((n_classes, h.shape[1]))
    np.add.at(sums, codes, h)
    means = sums / counts[:, None]
    within = h - means[codes]
    sigma_w = within.T @ within / h.shape[0]
    centred_means = means - means.mean(axis=0)
    sigma_b = centred_means.T @ centred_means / n_classes
    lam, vec = np.linalg.eigh(sigma_b)
    if lam.max() <= 0:
        raise ValueError("all class means of features are equal; NC1 is undefined")
    keep = lam > rcond * lam.max()
    projected = np.einsum("ij,ik,kj->j", vec[:, keep], sigma_w, vec[:, keep])
    return float(np.sum(projected / lam[keep]) / n_classes)


# ----------------------------------------------------------------------------- summary
def representation_metrics(z: npt.ArrayLike) -> dict[str, float]:
    """The label-free metrics of one embedding matrix, for logging.

    Keys: ``rankme``, ``effective_rank``, ``embedding_std`` (with ``embedding_std_isotropic``
    = 1/√k for reference) and ``alpha_req`` / ``alpha_req_r2``, fitted over ranks [10, 100) when
    the spectrum has at least 13 positive eigenvalues, else over [1, 100) (omitted below 3).
    """
    z = _matrix(z, "z", min_n=2)
    k = z.shape[1]
    out = {
        "rankme": rankme(z),
        "effective_rank": effective_rank(z),
        "embedding_std": float(embedding_std(z)),
        "embedding_std_isotropic": 1.0 / np.sqrt(k),
    }
    spectrum = covariance_spectrum(z, normalize=False)
    positive = int(np.sum(spectrum > 0))
    start = 10 if positive >= 13 else 1
    if positive - start + 1 >= 3:
        fit = power_law_fit(spectrum, fit_range=(start, 100))
        out["alpha_req"] = fit.alpha
        out["alpha_req_r2"] = fit.r2
    return out

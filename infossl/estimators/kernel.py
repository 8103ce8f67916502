"""Kernel estimators: KDE entropy/MI, Kolchinsky–Tracey pairwise-distance bounds, matrix Rényi.

* **KDE** (``"kde"``): leave-one-out resubstitution with a Gaussian kernel,
  Ĥ = −(1/n) Σᵢ ln f̂₋ᵢ(xᵢ); MI = Ĥ(X) + Ĥ(Y) − Ĥ(X,Y). Computed in row blocks so memory stays
  O(block·n), never O(n²).
* **Kolchinsky–Tracey** (``"kt-upper"``, ``"kt-lower"``): for T = h(X) + N(0, σ²I) with X uniform
  over the n samples, bounds on H(T) and I(X;T) from the noiseless values hᵢ alone:
  Î_up = −(1/n) Σᵢ ln (1/n) Σⱼ exp(−‖hᵢ − hⱼ‖²/(2σ²)) (KL distance) and Î_low the same with
  8σ² (Bhattacharyya distance); both lie in [0, ln n].
* **Matrix-based Rényi α-entropy** (``"matrix-renyi"``): a functional of the eigenvalues of the
  trace-normalised Gram matrix, S_α(A) = ln tr(A^α)/(1 − α) (nats here; papers use log₂);
  joint entropy from the Hadamard product; not a Shannon quantity (kind ``"proxy"``).

References: Beirlant et al. (1997) for resubstitution KDE entropy; Scott (1992) and Silverman
(1986) for bandwidth rules; Kolchinsky & Tracey, *Entropy* 19:361 (2017); Kolchinsky, Tracey &
Van Kuyk (2019); Saxe et al. (ICLR 2018); Sánchez Giraldo, Rao & Príncipe, *IEEE TIT* 61(1) (2015).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from infossl._checks import (
    as_samples,
    check_choice,
    check_float,
    check_int,
    check_not_constant,
    dims_of,
)
from infossl.estimate import Estimate
from infossl.estimators._base import (
    EntropyEstimator,
    MIEstimator,
    paired_samples,
    register,
    with_params,
)
from infossl.estimators.binning import entropy_of_codes, row_codes

#: Upper limit on block_rows × n entries of a pairwise block (16 MB of float64 each).
_BLOCK_ENTRIES = 1 << 21
BANDWIDTH_RULES: tuple[str, ...] = ("scott", "silverman")
SIGMA_RULES: tuple[str, ...] = ("tapia-estevez", "median")
#: γ of the Tapia–Estévez (2020) rule σ = γ √d n^{−1/(4+d)} on standardised data.
TAPIA_ESTEVEZ_GAMMA = 0.8
#: Largest spread of the data in units of the kernel width (squares stay far below overflow).
_MAX_KERNEL_RATIO = 2.0**400
#: Fraction of the KDE MI ceiling (:func:`kde_mi_ceiling`) above which a note says the estimate
#: is held down by the kernel (Gaussian 1+1, n = 2000: the estimate is 43% of it at rho = 0.9,
#: 9% low; 56% at 0.95, 15% low; at most about 80% however large the true MI).
HIGH_MI_NOTE_FRACTION = 0.5


# ------------------------------------------------------------------------------ blocked sums
def _row_blocks(n: int) -> list[np.ndarray]:
    """Consecutive row-index blocks with at most ``_BLOCK_ENTRIES`` pairwise entries each."""
    step = max(1, min(n, _BLOCK_ENTRIES // max(n, 1)))
    return [np.arange(start, min(n, start + step)) for start in range(0, n, step)]


def logsumexp_rows(a: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
    """ln Σⱼ exp(a_ij) for every row, stable (max-shifted); rows may contain −inf entries.

    With ``overwrite`` the input is used as scratch space (saves a copy in the blocked loops).
    """
    m = a.max(axis=1)
    m = np.where(np.isfinite(m), m, 0.0)
    work = a if overwrite else a.copy()
    work -= m[:, None]
    np.exp(work, out=work)
    out: np.ndarray = m + np.log(work.sum(axis=1))
    return out


def _sq_dists(a: np.ndarray, b: np.ndarray, b_sq: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between rows of a (m, d) and b (n, d), clipped at 0."""
    d2 = a @ b.T
    d2 *= -2.0
    d2 += (a**2).sum(axis=1)[:, None]
    d2 += b_sq[None, :]
    out: np.ndarray = np.maximum(d2, 0.0, out=d2)
    return out


def pairwise_logsumexp(z: np.ndarray, scale: float, *, exclude_self: bool = False) -> np.ndarray:
    """For every row i, ln Σⱼ exp(−‖zᵢ − zⱼ‖²/scale) (over j ≠ i with ``exclude_self``).

    Blocked over rows: O(n² d) time, O(block·n) memory. The rows are centred first: the
    distances are unchanged, and the expansion ‖a‖² + ‖b‖² − 2a·b loses no precision to an offset.
    """
    z = z - z.mean(axis=0)
    z_sq = (z**2).sum(axis=1)
    out = np.empty(len(z))
    for rows in _row_blocks(len(z)):
        logk = _sq_dists(z[rows], z, z_sq)
        logk *= -1.0 / scale
        if exclude_self:
            logk[np.arange(len(rows)), rows] = -np.inf
        out[rows] = logsumexp_rows(logk, overwrite=True)
    return out


def grouped_pairwise_logsumexp(
    z: np.ndarray, scale: float, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`pairwise_logsumexp` (self included), over all j and over j in i's group."""
    z = z - z.mean(axis=0)
    z_sq = (z**2).sum(axis=1)
    total, within = np.empty(len(z)), np.empty(len(z))
    for rows in _row_blocks(len(z)):
        logk = _sq_dists(z[rows], z, z_sq)
        logk *= -1.0 / scale
        total[rows] = logsumexp_rows(logk)
        logk[groups[rows][:, None] != groups[None, :]] = -np.inf
        within[rows] = logsumexp_rows(logk, overwrite=True)
    return total, within


# ------------------------------------------------------------------------------ KDE
def kde_bandwidth(x: np.ndarray, bandwidth: float | str) -> np.ndarray:
    """Per-dimension Gaussian-kernel standard deviations for a rule or a fixed value.

    Scott: hⱼ = σⱼ n^{−1/(d+4)}; Silverman: hⱼ = σⱼ (4/(d+2))^{1/(d+4)} n^{−1/(d+4)}, with σⱼ the
    sample standard deviation of column j; a float is used for every dimension (data units).
    """
    n, d = x.shape
    if isinstance(bandwidth, str):
        check_not_constant(x, "x")
        sigma = x.std(axis=0, ddof=1)
        factor = n ** (-1.0 / (d + 4))
        if bandwidth == "silverman":
            factor *= (4.0 / (d + 2)) ** (1.0 / (d + 4))
        out: np.ndarray = sigma * factor
        return out
    return np.full(d, float(bandwidth))


def kde_loo_log_density(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Leave-one-out Gaussian-KDE log density ln f̂₋ᵢ(xᵢ) at every sample (n ≥ 2), blocked."""
    n, d = x.shape
    z = x / h
    _check_kernel_ratio(z, "bandwidth")
    lse = pairwise_logsumexp(z, 2.0, exclude_self=True)
    out: np.ndarray = (
        lse - math.log(n - 1) - float(np.log(h).sum()) - 0.5 * d * math.log(2.0 * math.pi)
    )
    return out


def _check_kernel_ratio(z: np.ndarray, width_name: str) -> None:
    """Raise a ValueError naming ``width_name`` when data in kernel-width units ``z`` are so spread
    that squared distances would overflow (the kernel is far narrower than the data)."""
    spread = np.abs(z - z.mean(axis=0)).max() if np.isfinite(z).all() else np.inf
    if not spread <= _MAX_KERNEL_RATIO:
        raise ValueError(
            f"{width_name} is too small for the spread of the data (ratio beyond "
            f"{_MAX_KERNEL_RATIO:.3g}): squared distances in kernel units would overflow; "
            f"use a larger {width_name} or a rule"
        )


def _check_rule_or_width(value: object, name: str, rules: tuple[str, ...]) -> float | str:
    """A rule's name from ``rules``, or a positive float (a kernel width in data units)."""
    if isinstance(value, str):
        return check_choice(value, name, rules)
    return check_float(value, name, low=0.0, low_open=True)


class _KernelSums:
    """Class attributes shared by the estimators built on Gaussian kernel sums."""

    accepts: ClassVar[str] = "continuous"
    resampling: ClassVar[str] = "subsample"  # duplicated rows distort kernel sums


class _KDEBase(_KernelSums):
    """Shared parameters of the Gaussian-KDE estimators."""

    kind: ClassVar[str] = "point"

    def __init__(self, bandwidth: float | str = "scott") -> None:
        self.bandwidth = _check_rule_or_width(bandwidth, "bandwidth", BANDWIDTH_RULES)

    def _for_scaled_inputs(self, exponents: tuple[int, ...]) -> Any:
        bandwidth = _scaled_width(self.bandwidth, exponents)
        if bandwidth is None:
            return None
        return self if bandwidth == self.bandwidth else with_params(self, bandwidth=bandwidth)


@register
class KDEEntropy(_KDEBase, EntropyEstimator):
    """Leave-one-out Gaussian-KDE (resubstitution) entropy: Ĥ = −(1/n) Σᵢ ln f̂₋ᵢ(xᵢ).

    f̂₋ᵢ(x) = 1/(n − 1) Σ_{j≠i} N(x; xⱼ, diag(h²)); h from Scott's or Silverman's rule on each
    column's standard deviation, or a float (same h for every dimension, in data units).
    Assumptions: a smooth density; the bandwidth dominates the bias, and accuracy decays
    quickly with dimension (d ≲ 5). Complexity: O(n² d) time, O(n·block) memory (blocked).
    Reference: Beirlant, Dudewicz, Györfi & van der Meulen (1997); Silverman (1986); Scott (1992).
    """

    name: ClassVar[str] = "kde"
    summary: ClassVar[str] = "leave-one-out Gaussian KDE entropy (Scott/Silverman/fixed bandwidth)"

    def estimate(self, x: npt.ArrayLike) -> Estimate:
        x = as_samples(x, "x", min_n=2)
        n, d = x.shape
        h = kde_bandwidth(x, self.bandwidth)
        value = -float(kde_loo_log_density(x, h).mean())
        return self._make(
            value,
            n,
            (d,),
            notes=_kde_notes(d) + _wide_kernel_notes(x, h),
            extra_params={"bandwidth_used": tuple(float(v) for v in h)},
        )


def _kde_notes(d: int) -> tuple[str, ...]:
    if d > 5:
        return (f"KDE in {d} dimensions: strongly bandwidth-dependent, expect large bias",)
    return ()


def thinnest_spread(x: np.ndarray, h: np.ndarray) -> tuple[float, float]:
    """(standard deviation of ``x`` along its thinnest principal direction, the kernel's along it).

    The kernel has per-dimension standard deviations ``h``; along a unit vector v its standard
    deviation is √(Σⱼ hⱼ² vⱼ²). O(n d² + d³).
    """
    cov = np.atleast_2d(np.cov(x, rowvar=False))
    eigvals, eigvecs = np.linalg.eigh(cov)
    thin = eigvecs[:, 0]
    return math.sqrt(max(float(eigvals[0]), 0.0)), math.sqrt(float((h**2 * thin**2).sum()))


def _wide_kernel_notes(x: np.ndarray, h: np.ndarray) -> tuple[str, ...]:
    """A note when the kernel is wider than the data along their thinnest direction.

    The KDE then spreads mass where the data have none and over-estimates the entropy (the
    density is smoothed to about the data's covariance plus the kernel's); strongly correlated
    or nearly low-rank data are the usual case. Linear: data concentrated near a curved set are
    not detected.
    """
    spread, width = thinnest_spread(x, h)
    if width <= spread:
        return ()
    return (
        f"the kernel is wider than the data along their thinnest direction (standard deviation "
        f"{width:.3g} against {spread:.3g}): KDE over-estimates the entropy of such concentrated "
        "data (use a smaller bandwidth or a kNN method)",
    )


@register
class KDEMI(_KDEBase, MIEstimator):
    """KDE MI: Î = Ĥ(X) + Ĥ(Y) − Ĥ(X,Y), each a leave-one-out Gaussian-KDE entropy.

    Each of X, Y and (X, Y) gets its own bandwidth from the rule (or the same float).
    Assumptions and cost as :class:`KDEEntropy` (with d = d_x + d_y); the bias of the three
    entropies only partly cancels. Complexity O(n² (d_x + d_y)) time, O(n·block) memory.
    Reference: Moon, Rajagopalan & Lall (1995), *Phys. Rev. E* 52:2318.
    """

    name: ClassVar[str] = "kde"
    summary: ClassVar[str] = "MI from three leave-one-out Gaussian KDE entropies"
    tail_sensitivity: ClassVar[str] = (
        "sets its bandwidths from standard deviations, which the extreme rows inflate, so the "
        "kernels oversmooth the bulk of the data"
    )

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        x, y, n = paired_samples(x, y, min_n=2)
        xy = np.hstack([x, y])
        h_xy = kde_bandwidth(xy, self.bandwidth)

        def entropy(a: np.ndarray, h: np.ndarray) -> float:
            return -float(kde_loo_log_density(a, h).mean())

        h_x = entropy(x, kde_bandwidth(x, self.bandwidth))
        h_y = entropy(y, kde_bandwidth(y, self.bandwidth))
        value = h_x + h_y - entropy(xy, h_xy)
        ceiling = kde_mi_ceiling(h_x, h_y, h_xy, x.shape[1])
        notes = _kde_notes(xy.shape[1]) + _high_mi_notes(value, ceiling, n)
        return self._make(value, n, dims_of(x, y), notes=notes)


def kde_mi_ceiling(h_x: float, h_y: float, h_xy: np.ndarray, d_x: int) -> float:
    """About the largest KDE MI for marginal entropy estimates ``h_x``, ``h_y`` and joint kernel
    standard deviations ``h_xy`` (the first ``d_x`` for X): min over V ∈ {X, Y} of
    Ĥ(V) − ½ Σ_{j ∈ V} ln(2π h_j²).

    The joint leave-one-out density is at most the X density at the joint kernel's X widths
    times the peak of the Y kernel, so Ĥ(X,Y) ≥ Ĥ(X) + ½ Σ_{j ∈ Y} ln(2π h_j²) and the MI
    estimate cannot exceed Ĥ(Y) − ½ Σ_{j ∈ Y} ln(2π h_j²) (likewise with X and Y swapped),
    whatever the true MI: the joint kernel smooths the dependence away. A strict bound with a
    fixed bandwidth; with a rule Ĥ(X) is taken at X's own bandwidth instead of the joint one
    (0.01 nats apart on Gaussian data). Even Y = X reaches only about 80% of it.
    """
    log_widths = 0.5 * np.log(2.0 * math.pi * h_xy**2)
    return min(h_x - float(log_widths[:d_x].sum()), h_y - float(log_widths[d_x:].sum()))


def _high_mi_notes(value: float, ceiling: float, n: int) -> tuple[str, ...]:
    """A note when the KDE MI is a large fraction of :func:`kde_mi_ceiling`."""
    if ceiling <= 0 or value < HIGH_MI_NOTE_FRACTION * ceiling:
        return ()
    return (
        f"the estimate is {value / ceiling:.0%} of about {ceiling:.3g} nats, the most KDE can "
        f"report at n={n} with these bandwidths even when Y is a function of X: KDE "
        "under-estimates high MI (the joint kernel smooths the density across the dependence); "
        "compare with a kNN or Gaussian estimate",
    )


# ------------------------------------------------------------------------------ Kolchinsky–Tracey
_KT_SCALE = {"upper": 2.0, "lower": 8.0}  # KL: ‖Δ‖²/(2σ²); Bhattacharyya: ‖Δ‖²/(8σ²)


def _check_noise_variance(noise_variance: object) -> float:
    return check_float(noise_variance, "noise_variance", low=0.0, low_open=True)


def mixture_entropy_bound(h: npt.ArrayLike, noise_variance: float, bound: str) -> float:
    """Kolchinsky–Tracey bound on H(T), T = h(X) + N(0, σ²I), X uniform over the rows of h.

    Ĥ = (d/2) ln(2πeσ²) − (1/n) Σᵢ ln (1/n) Σⱼ exp(−‖hᵢ − hⱼ‖²/(c σ²)), c = 2 (``"upper"``,
    KL) or 8 (``"lower"``, Bhattacharyya). O(n² d) time, blocked memory.
    """
    bound = check_choice(bound, "bound", list(_KT_SCALE))
    h = as_samples(h, "h")
    var = _check_noise_variance(noise_variance)
    n, d = h.shape
    lse = pairwise_logsumexp(h, _KT_SCALE[bound] * var)
    value: float = 0.5 * d * math.log(2.0 * math.pi * math.e * var) - float(
        (lse - math.log(n)).mean()
    )
    return value


def _kt_information(codes: np.ndarray, h: np.ndarray, var: float, bound: str) -> float:
    """Ĥ(T) − Σ_g p_g Ĥ(T | X = g) with both entropies from the same pairwise bound."""
    n = len(h)
    sizes = np.bincount(codes)[codes]
    if int(codes.max()) + 1 == n:  # every x distinct: the within-group sum is the self term
        total, within = pairwise_logsumexp(h, _KT_SCALE[bound] * var), np.zeros(n)
    else:
        total, within = grouped_pairwise_logsumexp(h, _KT_SCALE[bound] * var, codes)
    return float((within - np.log(sizes) - total + math.log(n)).mean())


class _KTBase:
    """Shared parameters and computation of the Kolchinsky–Tracey estimators."""

    bound: ClassVar[str] = "upper"

    def __init__(self, noise_variance: float) -> None:
        self.noise_variance = _check_noise_variance(noise_variance)

    def _for_scaled_inputs(self, exponents: tuple[int, ...]) -> Any:
        """σ² in units of h divided by ``2**e``: σ²·4^−e (I(X; c·h + c·N) = I(X; h + N))."""
        e = exponents[-1]  # the continuous values h are the last argument
        if e == 0:
            return self
        var = math.ldexp(self.noise_variance, -2 * e)
        if not 2.0**-800 <= var <= 2.0**800:
            return None
        return with_params(self, noise_variance=var)

    def _information(
        self, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> tuple[float, int, tuple[int, ...], float, bool]:
        xs, h, n = paired_samples(x, y)
        codes = row_codes(xs)
        value = _kt_information(codes, h, self.noise_variance, self.bound)
        ceiling = entropy_of_codes(codes)[0]
        # A bound only if h is constant within every group of x (then H(T|X) is exact).
        n_pairs = int(row_codes(np.hstack([codes[:, None].astype(np.float64), h])).max()) + 1
        exact_conditional = n_pairs == int(codes.max()) + 1
        return max(value, 0.0), n, dims_of(xs, h), ceiling, bool(exact_conditional)


class _KTMI(_KTBase, MIEstimator):
    """The estimate of the two Kolchinsky–Tracey MI bounds (``bound`` picks one)."""

    accepts: ClassVar[str] = "discrete-continuous"

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        value, n, dims, ceiling, is_bound = self._information(x, y)
        notes: tuple[str, ...] = ()
        if not is_bound:
            notes = (
                "y is not a function of x: the value is a difference of two "
                "pairwise-distance bounds, not a bound",
            )
        return self._make(
            value,
            n,
            dims,
            ceiling=ceiling,
            notes=notes,
            kind=self.kind if is_bound else "proxy",
            quantity="I(X;T)",
        )


class _KTEntropy(_KTBase, EntropyEstimator):
    """The estimate of the two Kolchinsky–Tracey entropy bounds (``bound`` picks one)."""

    accepts: ClassVar[str] = "continuous"

    def estimate(self, x: npt.ArrayLike) -> Estimate:
        x = as_samples(x, "x")
        value = mixture_entropy_bound(x, self.noise_variance, self.bound)
        return self._make(value, len(x), dims_of(x), quantity="H(X+N)")


@register
class KolchinskyTraceyUpperMI(_KTMI):
    """Kolchinsky–Tracey KL-distance upper bound on I(X;T), T = y + N(0, σ²I).

    Inputs: ``x`` discrete (each distinct row a value of X, e.g. the input samples themselves or
    class labels) and ``y`` the noiseless values h(x) (n, d). Î = Ĥ(T) − Σ_g p_g Ĥ(T|X=g) with
    Ĥ_KL(T) = H(noise) − (1/n) Σᵢ ln (1/n) Σⱼ exp(−‖hᵢ − hⱼ‖²/(2σ²)). When y is a function of
    x (distinct inputs, or equal activations within a group) H(T|X) is exact and Î ≥ I(X;T)
    (kind ``"upper"``; 0 ≤ Î ≤ ln n, = 0 when all hᵢ coincide, → ln n when they are far apart).
    Otherwise (e.g. x = labels, Saxe et al.'s I(T;Y)) it is a difference of two upper bounds,
    not a bound (kind ``"proxy"``). ``noise_variance`` is σ² and has no default: it defines the
    quantity (I(X; c·h) at c²σ² equals I(X; h) at σ²).

    Complexity: O(n² d) time, O(n·block) memory (blocked). Reference: Kolchinsky & Tracey (2017);
    Kolchinsky, Tracey & Van Kuyk (2019); Saxe et al. (2018), eqs. 7–12.
    """

    name: ClassVar[str] = "kt-upper"
    kind: ClassVar[str] = "upper"
    bound: ClassVar[str] = "upper"
    summary: ClassVar[str] = "pairwise-distance (KL) upper bound on I(X; h(X) + noise)"


@register
class KolchinskyTraceyLowerMI(_KTMI):
    """Kolchinsky–Tracey Bhattacharyya lower bound on I(X;T), T = y + N(0, σ²I).

    As :class:`KolchinskyTraceyUpperMI` with exp(−‖hᵢ − hⱼ‖²/(8σ²)); a lower bound (kind
    ``"lower"``) when y is a function of x, a ``"proxy"`` otherwise. Always ≤ the upper bound
    when y is a function of x. Complexity O(n² d). Reference: Kolchinsky & Tracey (2017).
    """

    name: ClassVar[str] = "kt-lower"
    kind: ClassVar[str] = "lower"
    bound: ClassVar[str] = "lower"
    summary: ClassVar[str] = "pairwise-distance (Bhattacharyya) lower bound on I(X; h(X) + noise)"


@register
class KolchinskyTraceyUpperEntropy(_KTEntropy):
    """Kolchinsky–Tracey KL upper bound on H(T), T = x + N(0, σ²I), X uniform over the rows of x.

    Ĥ = (d/2) ln(2πeσ²) − (1/n) Σᵢ ln (1/n) Σⱼ exp(−‖xᵢ − xⱼ‖²/(2σ²)) ≥ H(T) (exact for n = 1).
    Complexity O(n² d). Reference: Kolchinsky & Tracey (2017).
    """

    name: ClassVar[str] = "kt-upper"
    kind: ClassVar[str] = "upper"
    bound: ClassVar[str] = "upper"
    summary: ClassVar[str] = "KL pairwise-distance upper bound on the entropy of x + noise"


@register
class KolchinskyTraceyLowerEntropy(_KTEntropy):
    """Kolchinsky–Tracey Bhattacharyya lower bound on H(T), T = x + N(0, σ²I).

    Ĥ = (d/2) ln(2πeσ²) − (1/n) Σᵢ ln (1/n) Σⱼ exp(−‖xᵢ − xⱼ‖²/(8σ²)) ≤ H(T).
    Complexity O(n² d). Reference: Kolchinsky & Tracey (2017).
    """

    name: ClassVar[str] = "kt-lower"
    kind: ClassVar[str] = "lower"
    bound: ClassVar[str] = "lower"
    summary: ClassVar[str] = "Bhattacharyya pairwise-distance lower bound on H(x + noise)"


def pairwise_distance_bounds(
    h: npt.ArrayLike, noise_variance: float, labels: npt.ArrayLike | None = None
) -> tuple[Estimate, Estimate]:
    """(lower, upper) Kolchinsky–Tracey estimates from noiseless activations h (n, d) and σ².

    Without ``labels``: bounds on I(X;T), T = h(X) + N(0, σ²I), X uniform over the n samples.
    With ``labels``: Saxe et al.'s nominal bounds on I(T;Y) (kind ``"proxy"`` unless h is constant
    within every class). Values in nats.
    """
    h = as_samples(h, "h")
    x = np.arange(len(h)) if labels is None else labels
    lower = KolchinskyTraceyLowerMI(noise_variance).estimate(x, h)
    upper = KolchinskyTraceyUpperMI(noise_variance).estimate(x, h)
    if labels is not None:
        lower, upper = replace(lower, quantity="I(T;Y)"), replace(upper, quantity="I(T;Y)")
    return lower, upper


# ------------------------------------------------------------------------------ matrix Rényi
def gaussian_gram(x: np.ndarray, sigma: float) -> np.ndarray:
    """K_ij = exp(−‖xᵢ − xⱼ‖²/(2σ²)), the Gaussian Gram matrix. O(n² d) time, O(n²) memory."""
    _check_kernel_ratio(x / sigma, "sigma")
    sq = (x**2).sum(axis=1)
    return np.exp(-_sq_dists(x, x, sq) / (2.0 * sigma**2))


def normalise_gram(gram: np.ndarray) -> np.ndarray:
    """A_ij = K_ij / (n √(K_ii K_jj)), so tr A = 1 (for a Gaussian kernel A = K/n)."""
    diag = np.diag(gram)
    if np.any(diag <= 0):
        raise ValueError("gram must have a strictly positive diagonal")
    scale = np.sqrt(diag)
    out: np.ndarray = gram / (len(gram) * scale[:, None] * scale[None, :])
    return out


def _check_alpha(alpha: object) -> float:
    return check_float(alpha, "alpha", low=0.0, low_open=True)


def matrix_renyi_entropy(gram: npt.ArrayLike, alpha: float = 1.01) -> float:
    """S_α(A) = ln tr(A^α)/(1 − α) in nats, A the normalised ``gram`` (n, n) PSD matrix.

    α = 1 gives the von Neumann entropy −Σ λ ln λ; α = 2 uses −ln ‖A‖²_F (no eigendecomposition).
    Eigenvalues below the numerical rank tolerance (n·eps·λ_max) are dropped and the spectrum
    renormalised. 0 ≤ S_α ≤ ln n;
    S_α(I) = ln n and S_α(11ᵀ) = 0. O(n³) (O(n²) for α = 2).
    Reference: Sánchez Giraldo, Rao & Príncipe (2015).
    """
    alpha = _check_alpha(alpha)
    gram = np.asarray(gram, dtype=np.float64)
    if gram.ndim != 2 or gram.shape[0] != gram.shape[1] or gram.shape[0] == 0:
        raise ValueError(f"gram must be a square (n, n) matrix, got shape {gram.shape}")
    if not np.isfinite(gram).all():
        raise ValueError("gram contains NaN or infinite values")
    if not np.allclose(gram, gram.T, rtol=1e-10, atol=1e-12):
        raise ValueError("gram must be symmetric")
    a = normalise_gram(gram)
    if alpha == 2.0:
        return max(-math.log(float((a**2).sum())), 0.0)
    lam = np.linalg.eigvalsh(a)
    # Eigenvalues below the numerical rank tolerance are rounding noise (they matter for α < 1).
    lam = lam[lam > len(a) * np.finfo(np.float64).eps * lam[-1]]
    lam = lam / lam.sum()
    if alpha == 1.0:
        value = float(-(lam * np.log(lam)).sum())
    else:
        value = float(logsumexp_rows(alpha * np.log(lam)[None, :])[0]) / (1.0 - alpha)
    return min(max(value, 0.0), math.log(len(a)))


def matrix_renyi_mi(gram_x: npt.ArrayLike, gram_y: npt.ArrayLike, alpha: float = 1.01) -> float:
    """I_α = S_α(A) + S_α(B) − S_α(A∘B / tr(A∘B)) in nats (Hadamard-product joint entropy)."""
    kx = np.asarray(gram_x, dtype=np.float64)
    ky = np.asarray(gram_y, dtype=np.float64)
    if kx.shape != ky.shape:
        raise ValueError(
            f"gram_x and gram_y must have the same shape, got {kx.shape} and {ky.shape}"
        )
    return (
        matrix_renyi_entropy(kx, alpha)
        + matrix_renyi_entropy(ky, alpha)
        - matrix_renyi_entropy(kx * ky, alpha)
    )


def kernel_width(x: np.ndarray, sigma: float | str, name: str) -> tuple[np.ndarray, float]:
    """(data the kernel acts on, σ) for a float σ or a rule in :data:`SIGMA_RULES`.

    ``"tapia-estevez"``: standardise every column, σ = 0.8 √d n^{−1/(4+d)} (Tapia & Estévez 2020);
    ``"median"``: σ = median pairwise Euclidean distance of the raw data.
    """
    n, d = x.shape
    if sigma == "tapia-estevez":
        check_not_constant(x, name)
        z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
        return z, TAPIA_ESTEVEZ_GAMMA * math.sqrt(d) * n ** (-1.0 / (4 + d))
    if sigma == "median":
        x = x - x.mean(axis=0)  # distances unchanged; no precision lost to an offset
        sq = (x**2).sum(axis=1)
        dist = np.sqrt(_sq_dists(x, x, sq)[np.triu_indices(n, 1)])
        med = float(np.median(dist)) if dist.size else 0.0
        if med <= 0.0:
            raise ValueError(
                f"{name}: the median pairwise distance is 0 (mostly identical "
                "points); pass a float sigma"
            )
        return x, med
    return x - x.mean(axis=0), float(sigma)


def _scaled_width(width: float | str, exponents: tuple[int, ...]) -> float | str | None:
    """A kernel width in units of data divided by ``2**e``: rules need no change; a float
    follows a common exponent; None when the variables were rescaled differently."""
    used = set(exponents)
    if isinstance(width, str) or used <= {0}:
        return width
    if len(used) != 1:
        return None
    scaled = math.ldexp(width, -used.pop())
    return scaled if 2.0**-400 <= scaled <= 2.0**400 else None


class _MatrixRenyiBase(_KernelSums):
    """Shared parameters of the matrix-based Rényi estimators."""

    kind: ClassVar[str] = "proxy"

    def __init__(
        self, alpha: float = 1.01, sigma: float | str = "tapia-estevez", max_samples: int = 3000
    ) -> None:
        self.alpha = _check_alpha(alpha)
        self.sigma = _check_rule_or_width(sigma, "sigma", SIGMA_RULES)
        self.max_samples = check_int(max_samples, "max_samples", low=2)

    def _shifts_with_scale(self) -> bool:
        return False  # a functional of the Gram spectrum, unchanged when σ follows the data

    def _for_scaled_inputs(self, exponents: tuple[int, ...]) -> Any:
        sigma = _scaled_width(self.sigma, exponents)
        if sigma is None:
            return None
        return self if sigma == self.sigma else with_params(self, sigma=sigma)

    def _gram(self, a: npt.ArrayLike, name: str) -> tuple[np.ndarray, float]:
        a = as_samples(a, name)
        if len(a) > self.max_samples:
            raise ValueError(
                f"{name} has {len(a)} samples; matrix-renyi costs O(n³) and is limited to "
                f"max_samples={self.max_samples} (subsample, or raise max_samples)"
            )
        data, width = kernel_width(a, self.sigma, name)
        return gaussian_gram(data, width), width


_RENYI_NOTE = (
    "matrix-based Rényi α-entropy of the kernel Gram spectrum: not a Shannon quantity; "
    "depends strongly on sigma"
)


@register
class MatrixRenyiEntropy(_MatrixRenyiBase, EntropyEstimator):
    """Matrix-based Rényi α-entropy: S_α = ln tr(A^α)/(1 − α), A = K/n, K Gaussian Gram matrix.

    K_ij = exp(−‖xᵢ − xⱼ‖²/(2σ²)), σ a float (data units) or a rule (``"tapia-estevez"``
    on standardised data, default; ``"median"``). α > 0; α = 1 is the von Neumann limit, α = 2
    the fast Frobenius form. Values in nats (papers often use log₂: ``.to("bits")``);
    0 ≤ S ≤ ln n (ceiling): σ → 0 gives ln n, σ → ∞ gives 0.

    Assumptions: a kernel functional, not a Shannon entropy (kind ``"proxy"``); comparable only
    at equal n, σ and α. Complexity O(n² d + n³) time, O(n²) memory; n ≤ ``max_samples``.
    Reference: Sánchez Giraldo, Rao & Príncipe (2015); Yu & Príncipe (2019).
    """

    name: ClassVar[str] = "matrix-renyi"
    summary: ClassVar[str] = "matrix-based Rényi α-entropy of the Gaussian Gram matrix"

    def estimate(self, x: npt.ArrayLike) -> Estimate:
        xs = as_samples(x, "x")
        gram, width = self._gram(xs, "x")
        n, d = xs.shape
        value = matrix_renyi_entropy(gram, self.alpha)
        return self._make(
            value,
            n,
            (d,),
            ceiling=math.log(n),
            quantity="S_alpha(X)",
            notes=(_RENYI_NOTE,),
            extra_params={"sigma_used": width},
        )


@register
class MatrixRenyiMI(_MatrixRenyiBase, MIEstimator):
    """Matrix-based Rényi α-MI: I_α = S_α(A) + S_α(B) − S_α(A∘B / tr(A∘B)).

    A, B are the normalised Gaussian Gram matrices of x and y (each with its own σ from the
    rule, or the same float σ). 0 ≤ I_α ≤ min(S_α(A), S_α(B)) ≤ ln n (ceiling ln n).
    Assumptions: not Shannon MI (kind ``"proxy"``); use for trends at fixed n, σ, α.
    Complexity O(n² d + n³), O(n²) memory; n ≤ ``max_samples``.
    Reference: Sánchez Giraldo, Rao & Príncipe (2015); Yu et al. (2020); Wickstrøm et al. (2019).
    """

    name: ClassVar[str] = "matrix-renyi"
    summary: ClassVar[str] = "matrix-based Rényi α-MI (Hadamard-product joint Gram)"

    def estimate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Estimate:
        xs, ys, n = paired_samples(x, y)
        kx, wx = self._gram(xs, "x")
        ky, wy = self._gram(ys, "y")
        value = max(matrix_renyi_mi(kx, ky, self.alpha), 0.0)
        return self._make(
            value,
            n,
            dims_of(xs, ys),
            ceiling=math.log(n),
            quantity="I_alpha(X;Y)",
            notes=(_RENYI_NOTE,),
            extra_params={"sigma_used": (wx, wy)},
        )

"""Resampling intervals: their standard errors against closed forms for the sample mean.

For the mean of n rows with ddof=1 variance S², Var(x̄) is estimated by S²/n. Subsampling
by complementary halves gives E d_j² = S²/n exactly (d_j = ½(mean_S − mean_Sᶜ)); independent
subsamples of m rows scaled by c = sqrt(m/(n − m)) give it too; the bootstrap gives S²(n − 1)/n².
Averaged over many data sets the ratio of stderr² to the closed form must be 1; the tolerances
below are about four Monte Carlo standard errors. The old factor sqrt(m/n) gave 1/2.
"""

import math

import numpy as np
import pytest

from infossl.estimators._resample import (
    draw_replicates,
    half_differences,
    interval_from_replicates,
    pairs_interval,
    resample_ci,
    subsample_scale,
    subsample_size,
)


def _mean(x: np.ndarray) -> float:
    return float(x.mean())


def _datasets(count: int, n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(1.0, 2.0, size=(count, n))


def _variance_ratio(estimate_fn, scheme: str, n: int, min_rows: int, target) -> float:
    """Mean over 200 data sets of stderr² / target(x): 1 when the interval's scale is right."""
    ratios = []
    for i, x in enumerate(_datasets(200, n)):
        _, stderr = resample_ci(
            estimate_fn,
            [x],
            estimate_fn(x),
            level=0.95,
            n_resamples=200,
            scheme=scheme,
            seed=i,
            min_rows=min_rows,
        )
        ratios.append(stderr**2 / target(x))
    return float(np.mean(ratios))


def _var_of_mean(x: np.ndarray) -> float:
    return float(x.var(ddof=1) / len(x))


def test_subsample_scale_is_the_finite_population_correction():
    assert subsample_scale(400, 200) == 1.0
    assert subsample_scale(40, 30) == pytest.approx(math.sqrt(3.0))
    with pytest.raises(ValueError, match="0 < m < n"):
        subsample_scale(10, 10)


def test_halves_stderr_of_the_mean_is_sigma_over_root_n():
    ratio = _variance_ratio(_mean, "subsample", 400, 2, _var_of_mean)
    assert ratio == pytest.approx(1.0, abs=0.04)


def test_independent_subsamples_stderr_of_the_mean_is_sigma_over_root_n():
    # min_rows forces m = 3n/4: no complementary half, so c = √3 scales independent draws
    ratio = _variance_ratio(_mean, "subsample", 40, 30, _var_of_mean)
    assert ratio == pytest.approx(1.0, abs=0.04)


def test_halves_keep_noise_that_shrinks_like_one_over_m():
    # θ = mean + fresh noise of variance τ²/rows (the part of a kNN estimate that depends on
    # the neighbourhoods): Var θ̂_n = (σ² + τ²)/n. Halves recover it; c·std of independent
    # subsamples would give (σ² + 2τ²)/n.
    sigma2, tau2 = 4.0, 4.0
    noise = np.random.default_rng(99)

    def noisy_mean(x: np.ndarray) -> float:
        return float(x.mean() + noise.normal(0.0, math.sqrt(tau2 / len(x))))

    ratio = _variance_ratio(noisy_mean, "subsample", 400, 2, lambda x: (sigma2 + tau2) / len(x))
    assert ratio == pytest.approx(1.0, abs=0.05)


def test_bootstrap_stderr_of_the_mean_is_unchanged():
    ratio = _variance_ratio(_mean, "bootstrap", 400, 2, lambda x: x.var(ddof=0) / len(x))
    assert ratio == pytest.approx(1.0, abs=0.04)


def test_subsample_interval_covers_the_mean_at_its_level():
    # 400 data sets: binomial standard error 1.1 points at 95%; the old scale covered ~84%.
    covered = []
    for i, x in enumerate(_datasets(400, 200, seed=1)):
        (low, high), _ = resample_ci(
            _mean, [x], _mean(x), level=0.95, n_resamples=100, scheme="subsample", seed=i
        )
        covered.append(low <= 1.0 <= high)
    assert 0.92 <= np.mean(covered) <= 0.98


def test_halves_are_complementary_and_the_interval_is_t_times_stderr():
    x = _datasets(1, 101)[0]
    seen: list[np.ndarray] = []

    def record(a: np.ndarray) -> float:
        seen.append(a)
        return _mean(a)

    (low, high), stderr = resample_ci(
        record, [x], 0.5, level=0.9, n_resamples=20, scheme="subsample", seed=3
    )
    for first, second in zip(seen[0::2], seen[1::2], strict=True):
        assert (len(first), len(second)) == (50, 51)
        assert np.array_equal(np.sort(np.concatenate([first, second])), np.sort(x))
    reps = np.array([a.mean() for a in seen])
    d = (reps[0::2] - reps[1::2]) * math.sqrt(50 * 51) / 101
    assert stderr == pytest.approx(math.sqrt(np.mean(d**2)))
    t_95_10 = 1.812461  # Student t, 10 degrees of freedom, 95th percentile
    assert (low, high) == pytest.approx((0.5 - t_95_10 * stderr, 0.5 + t_95_10 * stderr))


def test_half_differences_of_even_n_are_half_the_difference():
    reps = np.array([1.0, 3.0, 2.0, 2.0, 7.0])  # the last, unpaired replicate is left out
    assert half_differences(reps, 10, 5) == pytest.approx([-1.0, 0.0])
    (low, high), stderr = pairs_interval(reps, 0.0, n=10, m=5, level=0.5)
    assert stderr == pytest.approx(math.sqrt(0.5))
    assert high == -low > 0


def test_bootstrap_interval_is_the_centred_quantiles():
    x = _datasets(1, 60)[0]
    (low, high), stderr = resample_ci(_mean, [x], 0.5, level=0.8, n_resamples=40, seed=7)
    rng = np.random.default_rng(7)
    reps = np.array([x[rng.integers(0, 60, size=60)].mean() for _ in range(40)])
    q = np.quantile(reps - reps.mean(), [0.1, 0.9])
    assert (low, high) == pytest.approx((0.5 + q[0], 0.5 + q[1]))
    assert stderr == pytest.approx(reps.std(ddof=1))


def test_draw_replicates_resamples_all_arrays_alike():
    x = np.arange(30.0)
    reps, m = draw_replicates(
        lambda a, b: float(np.abs(a - b).max()), [x, x], n_resamples=10, scheme="subsample"
    )
    assert m == 15
    assert np.all(reps == 0.0)  # the same rows of x and y
    _, m_boot = draw_replicates(_mean, [x], n_resamples=10)
    assert m_boot == 30


def test_interval_from_replicates_scales_about_the_point():
    reps = np.linspace(-1.0, 1.0, 101)
    (low, high), stderr = interval_from_replicates(reps, 10.0, level=0.5, scale=2.0)
    assert (low, high) == pytest.approx((9.0, 11.0))
    assert stderr == pytest.approx(2.0 * reps.std(ddof=1))


def test_bad_arguments_raise():
    x = np.zeros(8)
    with pytest.raises(ValueError, match="scheme"):
        resample_ci(_mean, [x], 0.0, level=0.95, scheme="jackknife")
    with pytest.raises(ValueError, match="needs more samples"):
        resample_ci(_mean, [x], 0.0, level=0.95, scheme="subsample", min_rows=8)
    with pytest.raises(ValueError, match="needs more samples"):
        subsample_size(3, min_rows=3)
    assert subsample_size(11) == 5


def test_t_interval_matches_scipy_and_rejects_bad_values():
    from scipy import stats

    from infossl.estimators._resample import t_interval

    values = np.array([0.61, 0.64, 0.58, 0.66, 0.60])
    mean, low, high = t_interval(values, 0.9)
    ref = stats.t.interval(0.9, df=4, loc=values.mean(), scale=stats.sem(values))
    assert mean == pytest.approx(values.mean()) and (low, high) == pytest.approx(ref)
    one = t_interval([0.5])
    assert one[0] == 0.5 and np.isnan(one[1]) and np.isnan(one[2])
    for bad in ([], [0.1, np.nan]):
        with pytest.raises(ValueError, match="at least one value"):
            t_interval(bad)

"""Gaussian / log-det estimators against closed forms (tolerances stated per test)."""

import math

import numpy as np
import pytest

from infossl.estimators import get_estimator_class
from infossl.estimators.gaussian import canonical_correlations, wishart_logdet_bias

GaussMI = get_estimator_class("mi", "gaussian")
GaussH = get_estimator_class("entropy", "gaussian")
GaussCMI = get_estimator_class("cmi", "gaussian")
LDMI = get_estimator_class("mi", "ldmi")


def random_cov(d, rng):
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.3 * np.eye(d)


def gaussian_mi_exact(cov, dx):
    ld = np.linalg.slogdet
    return 0.5 * (ld(cov[:dx, :dx])[1] + ld(cov[dx:, dx:])[1] - ld(cov)[1])


def test_bivariate_mi_matches_closed_form():
    rng = np.random.default_rng(1)
    rho = 0.8
    xy = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=5000)
    est = GaussMI().estimate(xy[:, 0], xy[:, 1])
    truth = -0.5 * math.log(1 - rho**2)
    # sd of the estimate ≈ ρ/√n = 0.011; tolerance ≈ 4 sd
    assert abs(est.value - truth) < 0.045
    assert est.kind == "point" and est.unit == "nats" and est.dims == (1, 1)
    assert abs(est.params["canonical_correlations"][0] - rho) < 0.02


def test_multivariate_mi_and_equicorrelated_closed_form():
    rng = np.random.default_rng(2)
    cov = random_cov(5, rng)
    xy = rng.multivariate_normal(np.zeros(5), cov, size=5000)
    est = GaussMI().estimate(xy[:, :3], xy[:, 3:])
    assert abs(est.value - gaussian_mi_exact(cov, 3)) < 0.05

    d, rho = 3, 0.5  # dense equicorrelated: I = ln(d+1) − ½ ln(2d+1)
    cov = np.full((2 * d, 2 * d), rho) + (1 - rho) * np.eye(2 * d)
    truth = math.log(d + 1) - 0.5 * math.log(2 * d + 1)
    assert abs(gaussian_mi_exact(cov, d) - truth) < 1e-12
    xy = rng.multivariate_normal(np.zeros(2 * d), cov, size=5000)
    assert abs(GaussMI().estimate(xy[:, :d], xy[:, d:]).value - truth) < 0.05


def test_canonical_correlations_reproduce_the_logdet_mi():
    rng = np.random.default_rng(3)
    xy = rng.multivariate_normal(np.zeros(6), random_cov(6, rng), size=800)
    x, y = xy[:, :4], xy[:, 4:]
    rho = canonical_correlations(x, y)
    est = GaussMI().estimate(x, y)
    assert rho.shape == (2,) and np.all(np.diff(rho) <= 0)
    assert abs(-0.5 * np.log1p(-(rho**2)).sum() - est.value) < 1e-10
    assert np.allclose(est.params["canonical_correlations"], rho, atol=1e-12)


def test_entropy_matches_closed_form():
    rng = np.random.default_rng(4)
    cov = random_cov(3, rng)
    x = rng.multivariate_normal(np.zeros(3), cov, size=5000)
    truth = 0.5 * np.linalg.slogdet(2 * np.pi * np.e * cov)[1]
    est = GaussH().estimate(x)
    assert abs(est.value - truth) < 0.05  # sd ≈ √(d/2n) = 0.017
    assert GaussH(assume_gaussian=False).estimate(x).kind == "upper"


def test_bias_correction_is_unbiased_for_gaussian_data():
    rng = np.random.default_rng(5)
    n, reps = 40, 300
    plain, corrected, ent = [], [], []
    for _ in range(reps):
        x = rng.normal(size=(n, 4))
        y = rng.normal(size=(n, 4))
        plain.append(GaussMI().estimate(x, y).value)
        corrected.append(GaussMI(bias_correction=True).estimate(x, y).value)
        ent.append(GaussH(bias_correction=True).estimate(x).value)
    se = np.std(corrected) / math.sqrt(reps)
    assert np.mean(plain) > 0.15  # true MI is 0: the plug-in is biased up
    assert abs(np.mean(corrected)) < 4 * se
    true_h = 0.5 * 4 * math.log(2 * math.pi * math.e)
    assert abs(np.mean(ent) - true_h) < 4 * np.std(ent) / math.sqrt(reps)


def test_wishart_bias_formula_by_simulation():
    rng = np.random.default_rng(6)
    n, d = 12, 3
    lds = [np.linalg.slogdet(np.cov(rng.normal(size=(n, d)), rowvar=False))[1] for _ in range(4000)]
    assert abs(np.mean(lds) - wishart_logdet_bias(d, n)) < 4 * np.std(lds) / math.sqrt(4000)


def test_independent_data_gives_near_zero():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=5000), rng.normal(size=5000)
    # 2n·Î ~ χ²₁ under independence: 99.99% quantile 15.1 → Î < 0.0015
    assert 0 <= GaussMI().estimate(x, y).value < 0.0015


def test_symmetry_permutation_affine_invariance_and_bits():
    rng = np.random.default_rng(8)
    xy = rng.multivariate_normal(np.zeros(4), random_cov(4, rng), size=500)
    x, y = xy[:, :2], xy[:, 2:]
    base = GaussMI().estimate(x, y)
    assert abs(GaussMI().estimate(y, x).value - base.value) < 1e-12
    perm = rng.permutation(500)
    assert abs(GaussMI().estimate(x[perm], y[perm]).value - base.value) < 1e-12
    a = np.array([[2.0, 0.5], [0.0, -3.0]])
    assert abs(GaussMI().estimate(x @ a + 7.0, y * 0.01).value - base.value) < 1e-10
    assert abs(base.to("bits").value - base.value / math.log(2)) < 1e-15


def test_shrinkage_for_few_samples():
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(20, 15)), rng.normal(size=(20, 15))
    with pytest.raises(ValueError, match=r"n=20 <= d=30.*shrinkage"):
        GaussMI().estimate(x, y)
    lw = GaussMI(shrinkage="ledoit-wolf").estimate(x, y)
    assert np.isfinite(lw.value) and 0 < lw.params["shrinkage_used"] <= 1
    assert abs(GaussMI(shrinkage=1.0).estimate(x, y).value) < 1e-12  # R → I: no dependence
    with pytest.raises(ValueError, match="n=10 <= d=15"):
        GaussH().estimate(x[:10])


def test_gaussian_cmi():
    rng = np.random.default_rng(10)
    cov = random_cov(3, rng)
    xyz = rng.multivariate_normal(np.zeros(3), cov, size=5000)
    ld = lambda idx: np.linalg.slogdet(cov[np.ix_(idx, idx)])[1]  # noqa: E731
    truth = 0.5 * (ld([0, 2]) + ld([1, 2]) - ld([2]) - ld([0, 1, 2]))
    est = GaussCMI().estimate(xyz[:, 0], xyz[:, 1], xyz[:, 2])
    assert abs(est.value - truth) < 0.04
    z = rng.normal(size=5000)  # X and Y independent given Z
    est0 = GaussCMI().estimate(z + rng.normal(size=5000), z + rng.normal(size=5000), z)
    assert abs(est0.value) < 0.0015
    corrected = GaussCMI(bias_correction=True).estimate(xyz[:, 0], xyz[:, 1], xyz[:, 2])
    assert abs(corrected.value - truth) < 0.04


def test_ldmi_against_scalar_formula_and_eps_limit():
    rng = np.random.default_rng(11)
    xy = rng.multivariate_normal([0, 0], [[2.0, 1.2], [1.2, 1.5]], size=400)
    x, y = xy[:, 0], xy[:, 1]
    c = np.cov(xy, rowvar=False)
    eps = 0.3
    ix = 0.5 * math.log((c[0, 0] + eps) / (c[0, 0] - c[0, 1] ** 2 / (c[1, 1] + eps) + eps))
    iy = 0.5 * math.log((c[1, 1] + eps) / (c[1, 1] - c[0, 1] ** 2 / (c[0, 0] + eps) + eps))
    assert abs(LDMI(eps=eps, direction="x|y").estimate(x, y).value - ix) < 1e-12
    assert abs(LDMI(eps=eps, direction="y|x").estimate(x, y).value - iy) < 1e-12
    mean = LDMI(eps=eps).estimate(x, y)
    assert abs(mean.value - 0.5 * (ix + iy)) < 1e-12 and mean.kind == "proxy"
    assert abs(LDMI(eps=eps).estimate(y, x).value - mean.value) < 1e-12
    tiny = LDMI(eps=1e-10).estimate(x, y).value
    assert abs(tiny - GaussMI().estimate(x, y).value) < 1e-6
    # n <= d stays finite thanks to eps
    small = LDMI(eps=1e-3).estimate(rng.normal(size=(5, 8)), rng.normal(size=(5, 8)))
    assert np.isfinite(small.value) and small.value > 0


@pytest.mark.parametrize(
    "make, err, match",
    [
        (lambda: GaussMI().estimate([1.0, np.nan, 2.0], [1.0, 2.0, 3.0]), ValueError, "x contains"),
        (lambda: GaussMI().estimate(np.ones(5), np.arange(5.0)), ValueError, "constant"),
        (lambda: GaussMI().estimate(np.arange(5.0), np.arange(6.0)), ValueError, "same number"),
        (lambda: GaussMI(shrinkage=1.5), ValueError, "shrinkage"),
        (lambda: GaussMI(shrinkage="oas"), ValueError, "shrinkage"),
        (lambda: GaussMI(bias_correction=True, shrinkage=0.1), ValueError, "bias_correction"),
        (lambda: GaussMI(assume_gaussian="yes"), TypeError, "assume_gaussian"),
        (lambda: LDMI(eps=0.0), ValueError, "eps"),
        (lambda: LDMI(direction="up"), ValueError, "direction"),
        (lambda: GaussH().estimate([1.0]), ValueError, "at least 2"),
    ],
)
def test_bad_inputs(make, err, match):
    with pytest.raises(err, match=match):
        make()


def test_collinear_columns_are_reported_as_singular():
    rng = np.random.default_rng(12)
    x = rng.normal(size=(100, 2))
    x = np.hstack([x, x[:, :1] + x[:, 1:]])
    with pytest.raises(ValueError, match="singular"):
        GaussH().estimate(x)
    assert np.isfinite(GaussH(shrinkage=0.1).estimate(x).value)

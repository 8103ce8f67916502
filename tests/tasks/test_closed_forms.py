"""Every ground truth of infossl.tasks against an independent calculation.

Two independent routes: a Monte Carlo mean of the log density ratio (computed from the densities,
not from the MI formula) with its standard error, asserting |closed − MC| < 4 SE + 2e-3; or
numerical integration with scipy.integrate.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import gammaln

from infossl.tasks import (
    AdditiveUniformTask,
    BinaryInputGaussianTask,
    GaussianMixtureTask,
    StudentTask,
    additive_uniform_mi,
    bivariate_normal,
    clear_memory_cache,
    concentric_gaussians,
    dense_normal,
    dense_normal_mi,
    gaussian_from_covariance,
    get_suite,
    monte_carlo_mi,
    pairs_normal,
    pmf_mutual_information,
    sparse_normal,
    sparse_with_inliers,
    student_identity,
    student_t_entropy,
    student_t_mi_correction,
    x_mixture,
)

MC_N = 20_000


@pytest.fixture(autouse=True)
def _isolated_cache(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("INFOSSL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "mc-cache"))


def assert_mc_agrees(task, n=MC_N, seed=123, abs_tol=2e-3):
    mean, se = monte_carlo_mi(task, n, seed)
    truth = task.mutual_information
    assert abs(mean - truth) < 4 * se + abs_tol, (task.id, truth, mean, se)
    return mean, se


# -------------------------------------------------------------------- the published values
# "Beyond Normal" (Czyż et al. 2023) ground truths, 4 decimals (mi_estimators.md §2.1).
BEYOND_NORMAL_VALUES = {
    "1v1-normal-0.75": 0.4133,
    "normal_cdf-1v1-normal-0.75": 0.4133,
    "1v1-additive-0.1": 1.7094,
    "1v1-additive-0.75": 0.3333,
    "1v1-bimodal-0.75": 0.4133,
    "wiggly-1v1-normal-0.75": 0.4133,
    "half_cube-1v1-normal-0.75": 0.4133,
    "student-identity-1-1-1": 0.2242,
    "asinh-student-identity-1-1-1": 0.2242,
    "swissroll_x-normal_cdf-1v1-normal-0.75": 0.4133,
    "multinormal-dense-2-2-0.5": 0.2939,
    "multinormal-dense-3-3-0.5": 0.4133,
    "multinormal-dense-5-5-0.5": 0.5928,
    "multinormal-dense-25-25-0.5": 1.2922,
    "multinormal-dense-50-50-0.5": 1.6243,
    "student-identity-2-2-1": 0.4319,
    "student-identity-2-2-2": 0.1931,
    "student-identity-3-3-2": 0.2909,
    "student-identity-3-3-3": 0.1787,
    "student-identity-5-5-2": 0.4482,
    "student-identity-5-5-3": 0.2985,
}


def test_beyond_normal_values_match_the_published_table():
    tasks = {t.id: t for t in get_suite("beyond-normal")}
    for task_id, value in BEYOND_NORMAL_VALUES.items():
        assert tasks[task_id].mutual_information == pytest.approx(value, abs=5e-5), task_id
    for task_id, task in tasks.items():
        if "sparse" in task_id:
            assert task.mutual_information == pytest.approx(-math.log(0.36), abs=1e-12)


@pytest.mark.parametrize("task", get_suite("beyond-normal"), ids=lambda t: t.id)
def test_beyond_normal_closed_form_vs_monte_carlo(task):
    assert task.ground_truth == "exact"
    assert_mc_agrees(task)


@pytest.mark.parametrize("suite", ["high-mi", "sparsity", "tails"])
def test_family_closed_forms_vs_monte_carlo(suite):
    for task in get_suite(suite)[::3]:  # every third task keeps the test fast
        assert_mc_agrees(task, n=10_000)


# -------------------------------------------------------------------- Gaussian
def test_gaussian_mi_equals_canonical_correlation_formula():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((7, 7))
    cov = a @ a.T + 0.5 * np.eye(7)
    task = gaussian_from_covariance(cov, 3)
    sxx, syy, sxy = cov[:3, :3], cov[3:, 3:], cov[:3, 3:]

    def inv_sqrt(m):
        w, v = np.linalg.eigh(m)
        return v @ np.diag(w**-0.5) @ v.T

    rho = np.linalg.svd(inv_sqrt(sxx) @ sxy @ inv_sqrt(syy), compute_uv=False)
    assert task.mutual_information == pytest.approx(-0.5 * np.sum(np.log1p(-(rho**2))), rel=1e-10)
    assert_mc_agrees(task)


def test_gaussian_log_density_ratio_matches_scipy():
    task = sparse_normal(3, 2, 2, 2.0)
    x, y = task.sample(50, seed=1)
    cov = task.covariance
    expected = (
        stats.multivariate_normal(np.zeros(5), cov).logpdf(np.hstack([x, y]))
        - stats.multivariate_normal(np.zeros(3), cov[:3, :3]).logpdf(x)
        - stats.multivariate_normal(np.zeros(2), cov[3:, 3:]).logpdf(y)
    )
    np.testing.assert_allclose(task.log_density_ratio(x, y), expected, rtol=1e-10, atol=1e-10)


def test_gaussian_samples_have_the_declared_covariance():
    task = dense_normal(2, 3, 0.5)
    x, y = task.sample(200_000, seed=2)
    emp = np.cov(np.hstack([x, y]), rowvar=False)
    # sd of a sample covariance entry is at most sqrt(2/n) ≈ 0.0032 here
    np.testing.assert_allclose(emp, task.covariance, atol=0.015)


def test_dense_formula_and_rho_half_special_case():
    for d in (1, 2, 5, 25, 50):
        task = dense_normal(d, d, 0.5)
        assert task.mutual_information == pytest.approx(
            math.log(d + 1) - 0.5 * math.log(2 * d + 1), abs=1e-10
        )
        assert dense_normal_mi(d, d, 0.5) == pytest.approx(task.mutual_information, abs=1e-10)
    assert dense_normal_mi(2, 4, 0.3) == pytest.approx(
        dense_normal(2, 4, 0.3).mutual_information, abs=1e-10
    )


def test_bivariate_normal_by_numerical_integration():
    rho = 0.75
    task = bivariate_normal(rho)
    det = 1 - rho**2

    def integrand(y, x):
        # ln p(x, y) − ln φ(x) − ln φ(y), written out; p(x, y) times it
        log_ratio = (
            -0.5 * math.log(det)
            - (x * x - 2 * rho * x * y + y * y) / (2 * det)
            + 0.5 * (x * x + y * y)
        )
        quad_form = (x * x - 2 * rho * x * y + y * y) / (2 * det)
        p = math.exp(-quad_form) / (2 * math.pi * math.sqrt(det))
        return p * log_ratio

    value, _ = integrate.dblquad(integrand, -9, 9, -9, 9, epsabs=1e-9)
    assert task.mutual_information == pytest.approx(value, abs=1e-6)


def test_pairs_solve_the_target():
    for mi in (0.0, 0.3, 2.0, 10.0):
        task = pairs_normal(4, 3, 3, mi)
        assert task.mutual_information == pytest.approx(mi, abs=1e-9)
        assert task.params["rho"] == pytest.approx(math.sqrt(-math.expm1(-2 * mi / 3)), abs=1e-15)


# -------------------------------------------------------------------- Student-t
def _entropy_by_radial_quadrature(k: int, nu: float) -> float:
    """h = −∫₀^∞ S_k r^{k−1} f(r) ln f(r) dr for the spherically symmetric t_ν(0, I_k)."""
    log_c = gammaln((nu + k) / 2) - gammaln(nu / 2) - 0.5 * k * math.log(nu * math.pi)
    log_area = math.log(2.0) + 0.5 * k * math.log(math.pi) - gammaln(k / 2)

    def integrand(r: float) -> float:
        log_f = log_c - 0.5 * (nu + k) * math.log1p(r * r / nu)
        return -math.exp(log_area + (k - 1) * math.log(r) + log_f) * log_f if r > 0 else 0.0

    value = 0.0
    for lo, hi in ((0, 1), (1, 100), (100, np.inf)):
        part, _ = integrate.quad(integrand, lo, hi, epsabs=1e-11, epsrel=1e-11, limit=400)
        value += part
    return value


@pytest.mark.parametrize("k,nu", [(1, 1.0), (2, 1.0), (3, 2.0), (4, 3.0), (6, 2.0), (10, 5.0)])
def test_student_entropy_by_numerical_integration(k, nu):
    assert student_t_entropy(k, nu) == pytest.approx(_entropy_by_radial_quadrature(k, nu), abs=1e-7)


def test_student_cauchy_and_limits():
    assert student_t_entropy(1, 1) == pytest.approx(math.log(4 * math.pi), abs=1e-12)
    assert student_t_mi_correction(1, 1, 1) == pytest.approx(0.2242, abs=5e-5)
    # c equals the entropy combination, and decays like d_x d_y / (2ν²)
    for nu, dx, dy in ((1.0, 1, 1), (2.5, 2, 3), (19.0, 3, 3)):
        assert student_t_mi_correction(nu, dx, dy) == pytest.approx(
            student_t_entropy(dx, nu) + student_t_entropy(dy, nu) - student_t_entropy(dx + dy, nu),
            abs=1e-13,
        )
    for dx, dy in ((1, 1), (3, 3), (2, 5)):
        assert student_t_mi_correction(1000.0, dx, dy) * 1e6 == pytest.approx(dx * dy / 2, rel=0.02)
    assert 0 <= student_t_mi_correction(1e7, 3, 3) < 1e-9
    dofs = [student_t_mi_correction(nu, 2, 3) for nu in (1, 2, 5, 20)]
    assert all(a > b > 0 for a, b in itertools.pairwise(dofs))


def test_student_log_density_ratio_matches_scipy():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 4))
    disp = a @ a.T + np.eye(4)
    task = StudentTask(disp[:2, :2], disp[2:, 2:], disp[:2, 2:], df=3.5)
    x, y = task.sample(40, seed=4)
    t = stats.multivariate_t
    expected = (
        t(np.zeros(4), disp, df=3.5).logpdf(np.hstack([x, y]))
        - t(np.zeros(2), disp[:2, :2], df=3.5).logpdf(x)
        - t(np.zeros(2), disp[2:, 2:], df=3.5).logpdf(y)
    )
    np.testing.assert_allclose(task.log_density_ratio(x, y), expected, rtol=1e-9, atol=1e-9)
    assert_mc_agrees(task)


def test_student_samples_have_t_marginals():
    task = student_identity(2, 3, 3)
    x, y = task.sample(20_000, seed=5)
    assert stats.kstest(x[:, 0], stats.t(df=3).cdf).pvalue > 1e-3
    # the squared Mahalanobis distance of the joint, over d, is F(d, ν)
    m = np.sum(np.hstack([x, y]) ** 2, axis=1) / 5
    assert stats.kstest(m, stats.f(5, 3).cdf).pvalue > 1e-3


# -------------------------------------------------------------------- additive uniform
@pytest.mark.parametrize("eps", [0.1, 0.3, 0.5, 0.75, 2.0])
def test_additive_uniform_by_numerical_integration(eps):
    def p_y(y: float) -> float:
        return max(min(1.0, y + eps) - max(0.0, y - eps), 0.0) / (2 * eps)

    def integrand(y: float) -> float:
        p = p_y(y)
        return -p * math.log(p) if p > 0 else 0.0

    h_y, _ = integrate.quad(
        integrand, -eps, 1 + eps, points=sorted({eps, 1 - eps, -eps + 1}), epsabs=1e-12, limit=200
    )
    assert additive_uniform_mi(eps) == pytest.approx(h_y - math.log(2 * eps), abs=1e-8)
    assert_mc_agrees(AdditiveUniformTask(eps))


# -------------------------------------------------------------------- discrete and mixed
def test_discrete_closed_forms():
    tasks = {t.id: t for t in get_suite("discrete")}
    q = 0.1
    assert tasks["discrete-bsc-0.1"].mutual_information == pytest.approx(
        math.log(2) + q * math.log(q) + (1 - q) * math.log(1 - q), abs=1e-14
    )
    assert tasks["discrete-independent-4x3"].mutual_information == pytest.approx(0, abs=1e-14)
    for n in (2, 16, 256, 4096):
        assert tasks[f"discrete-injective-{n}"].mutual_information == math.log(n)
    for k in (2, 10):
        assert tasks[f"mixed-quantized-uniform-{k}"].mutual_information == math.log(k)
    # the pmf formula against H(X) + H(Y) − H(X, Y)
    pmf = tasks["discrete-table-4x3"].pmf

    def h(p):
        return -np.sum(p[p > 0] * np.log(p[p > 0]))

    assert pmf_mutual_information(pmf) == pytest.approx(
        h(pmf.sum(1)) + h(pmf.sum(0)) - h(pmf), abs=1e-14
    )


def test_discrete_samples_follow_the_pmf_and_mc_agrees():
    task = {t.id: t for t in get_suite("discrete")}["discrete-table-4x3"]
    x, y = task.sample(100_000, seed=6)
    freq = np.zeros((4, 3))
    np.add.at(freq, (x[:, 0], y[:, 0]), 1)
    freq /= freq.sum()
    np.testing.assert_allclose(freq, task.pmf, atol=0.005)  # sd ≤ 0.0016
    for t in get_suite("discrete"):
        assert_mc_agrees(t, n=50_000)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0])
def test_binary_input_gaussian_by_output_entropy(sigma):
    task = BinaryInputGaussianTask(sigma)
    assert task.ground_truth == "numerical"

    def p(y: float) -> float:
        return 0.5 * (stats.norm.pdf(y, 1, sigma) + stats.norm.pdf(y, -1, sigma))

    h_y, _ = integrate.quad(
        lambda y: -p(y) * math.log(p(y)), -1 - 15 * sigma, 1 + 15 * sigma, epsabs=1e-12, limit=200
    )
    h_noise = 0.5 * math.log(2 * math.pi * math.e * sigma**2)
    assert task.mutual_information == pytest.approx(h_y - h_noise, abs=1e-8)
    assert_mc_agrees(task, n=100_000)


# -------------------------------------------------------------------- mixtures (Monte Carlo)
def test_x_mixture_by_numerical_integration():
    clear_memory_cache()
    task = x_mixture(0.9)
    assert task.ground_truth == "monte-carlo"
    se = task.mi_stderr
    assert se is not None and 0 < se < 0.005
    det = 1 - 0.81

    def integrand(y, x):
        qp = (x * x - 1.8 * x * y + y * y) / (2 * det)
        qm = (x * x + 1.8 * x * y + y * y) / (2 * det)
        p = 0.5 * (math.exp(-qp) + math.exp(-qm)) / (2 * math.pi * math.sqrt(det))
        return p * math.log(p / (math.exp(-0.5 * (x * x + y * y)) / (2 * math.pi)))

    value, _ = integrate.dblquad(integrand, -9, 9, -9, 9, epsabs=1e-8)
    assert abs(task.mutual_information - value) < 4 * se
    x, y = task.sample(100_000, seed=7)
    assert abs(np.corrcoef(x[:, 0], y[:, 0])[0, 1]) < 0.015  # linear correlation 0


def test_mixture_log_density_ratio_matches_scipy():
    rng = np.random.default_rng(8)
    covs = []
    for _ in range(3):
        a = rng.standard_normal((3, 3))
        covs.append(a @ a.T + np.eye(3))
    means = rng.standard_normal((3, 3))
    w = np.array([0.2, 0.3, 0.5])
    task = GaussianMixtureTask(w, means, covs, 2, mc_samples=5000)
    x, y = task.sample(30, seed=9)
    z = np.hstack([x, y])

    def mix(pts, sl):
        return np.log(
            sum(
                wk * stats.multivariate_normal(m[sl], c[sl, sl]).pdf(pts)
                for wk, m, c in zip(w, means, covs, strict=True)
            )
        )

    expected = mix(z, slice(0, 3)) - mix(x, slice(0, 2)) - mix(y, slice(2, 3))
    np.testing.assert_allclose(task.log_density_ratio(x, y), expected, rtol=1e-9, atol=1e-9)


def test_inliers_respect_the_convexity_bound():
    clear_memory_cache()
    for f in (0.2, 0.5):
        task = sparse_with_inliers(5, 5, f, mc_samples=20_000)
        assert task.id == f"mult-sparse-w-inliers-5-5-2-2.0-{f}"
        assert 0 < task.mutual_information < (1 - f) * -math.log(0.36)


def test_concentric_gaussians_below_log_k():
    clear_memory_cache()
    task = concentric_gaussians(3, 5, mc_samples=20_000)
    assert 0 < task.mutual_information < math.log(5)


def test_as_blocks_and_as_matrix_check_shapes():
    from infossl.tasks._linalg import as_blocks, as_matrix

    xx, yy, xy = as_blocks(2.0, [[1.0, 0.0], [0.0, 1.0]], [[0.1, 0.2]], "cov")
    assert (xx.shape, yy.shape, xy.shape) == ((1, 1), (2, 2), (1, 2))
    with pytest.raises(ValueError, match="cov_xy"):
        as_blocks(np.eye(2), np.eye(2), np.zeros((2, 3)), "cov")
    with pytest.raises(ValueError, match="disp_yy"):
        as_blocks(np.eye(2), np.ones((2, 3)), np.zeros((2, 2)), "disp")
    with pytest.raises(ValueError, match="NaN"):
        as_blocks(np.eye(1), np.eye(1), [[np.nan]], "cov")
    assert as_matrix([1.0, 2.0], "w", (2,)).shape == (2,)
    with pytest.raises(ValueError, match=r"w must have shape \(2,\)"):
        as_matrix([[1.0, 2.0]], "w", (2,))

"""KDE, Kolchinsky–Tracey bounds and matrix-based Rényi entropy: limits and closed forms."""

import math

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

from infossl.estimators import get_estimator_class, kernel
from infossl.estimators.kernel import (
    matrix_renyi_entropy,
    matrix_renyi_mi,
    mixture_entropy_bound,
    pairwise_distance_bounds,
)

KDEH = get_estimator_class("entropy", "kde")
KDEMI = get_estimator_class("mi", "kde")
KTUp = get_estimator_class("mi", "kt-upper")
KTLow = get_estimator_class("mi", "kt-lower")
KTUpH = get_estimator_class("entropy", "kt-upper")
KTLowH = get_estimator_class("entropy", "kt-lower")
RenyiH = get_estimator_class("entropy", "matrix-renyi")
RenyiMI = get_estimator_class("mi", "matrix-renyi")


# ------------------------------------------------------------------------------ KDE
def test_kde_entropy_and_mi_of_gaussians():
    rng = np.random.default_rng(0)
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    xy = rng.multivariate_normal([0, 0], cov, size=3000)
    truth_h = 0.5 * np.linalg.slogdet(2 * np.pi * np.e * cov)[1]
    assert abs(KDEH().estimate(xy).value - truth_h) < 0.05
    assert (
        abs(
            KDEH(bandwidth="silverman").estimate(xy[:, 0]).value
            - 0.5 * math.log(2 * math.pi * math.e)
        )
        < 0.05
    )
    truth_mi = -0.5 * math.log(1 - 0.8**2)
    assert abs(KDEMI().estimate(xy[:, 0], xy[:, 1]).value - truth_mi) < 0.05


def test_kde_blocked_equals_dense_reference(monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 2))
    h = 0.4
    d2 = cdist(x, x, "sqeuclidean")
    logk = -d2 / (2 * h**2)
    np.fill_diagonal(logk, -np.inf)
    log_f = logsumexp(logk, axis=1) - math.log(299) - 2 * math.log(h) - math.log(2 * math.pi)
    reference = -log_f.mean()
    monkeypatch.setattr(kernel, "_BLOCK_ENTRIES", 7 * 300)  # 43 blocks of 7 rows
    assert abs(KDEH(bandwidth=h).estimate(x).value - reference) < 1e-10


def gaussian_xy(n, rho, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 1))
    return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, 1))


def test_kde_mi_at_high_mi_says_it_under_estimates_and_why():
    # once: rho = 0.999 read 1.41 nats for a true 3.11, with no note
    x, y = gaussian_xy(2000, 0.999)
    est = KDEMI().estimate(x, y)
    assert est.value < 1.5  # the collapse itself is unchanged
    (note,) = [n for n in est.notes if "under-estimates high MI" in n]
    assert "80% of about 1.77 nats" in note and "n=2000" in note
    # moderate MI (rho = 0.8, true 0.511): no note
    assert KDEMI().estimate(*gaussian_xy(2000, 0.8)).notes == ()


def test_kde_mi_ceiling_bounds_the_estimate_with_a_fixed_bandwidth():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((500, 2))
    for y in (x[:, :1], x[:, :1] ** 3, 0.3 * rng.standard_normal((500, 1))):
        h = 0.3
        value = KDEMI(bandwidth=h).estimate(x, y).value
        ent = [KDEH(bandwidth=h).estimate(a).value for a in (x, y)]
        ceiling = kernel.kde_mi_ceiling(ent[0], ent[1], np.full(3, h), 2)
        assert value <= ceiling
    # Y a function of X: close to it (Y = X at n = 2000 reaches 80%)
    x, y = gaussian_xy(2000, 0.999)
    xy = np.hstack([x, y])
    h_xy = kernel.kde_bandwidth(xy, "scott")
    ent = [KDEH().estimate(a).value for a in (x, y)]
    ceiling = kernel.kde_mi_ceiling(ent[0], ent[1], h_xy, 1)
    assert 0.7 * ceiling < KDEMI().estimate(x, y).value < ceiling


def test_kde_entropy_of_concentrated_data_says_it_over_estimates():
    # the same failure for the entropy: rho = 0.999 reads 1.43 nats for a true -0.27
    x, y = gaussian_xy(2000, 0.999)
    est = KDEH().estimate(np.hstack([x, y]))
    truth = 0.5 * math.log((2 * math.pi * math.e) ** 2 * (1 - 0.999**2))
    assert est.value > truth + 1.5
    assert any("wider than the data" in n and "over-estimates" in n for n in est.notes)
    assert KDEH().estimate(np.hstack(gaussian_xy(2000, 0.8))).notes == ()
    assert KDEH().estimate(x).notes == ()  # 1-D: the rule's width is below the spread
    assert any("wider" in n for n in KDEH(bandwidth=2.0).estimate(x).notes)


# ------------------------------------------------------------------------------ Kolchinsky–Tracey
def test_kt_limits_all_equal_and_far_apart():
    same = np.tile([[0.3, -1.0, 2.0]], (40, 1))
    low, up = pairwise_distance_bounds(same, 0.1)
    assert abs(low.value) < 1e-12 and abs(up.value) < 1e-12
    grid = 20.0 * np.stack(np.meshgrid(np.arange(5), np.arange(6)), -1).reshape(-1, 2)
    low, up = pairwise_distance_bounds(grid * math.sqrt(0.1), 0.1)  # spacing 20σ
    assert abs(low.value - math.log(30)) < 1e-6 and abs(up.value - math.log(30)) < 1e-6
    assert low.kind == "lower" and up.kind == "upper" and abs(up.ceiling - math.log(30)) < 1e-12
    clusters = np.repeat([[0.0], [20.0]], 25, axis=0)
    _, up = pairwise_distance_bounds(clusters, 1.0)
    assert abs(up.value - math.log(2)) < 1e-6


def test_kt_upper_at_least_lower_and_scale_covariance():
    rng = np.random.default_rng(2)
    for var in (1e-3, 0.1, 1.0, 10.0):
        h = rng.normal(size=(200, 4))
        low, up = pairwise_distance_bounds(h, var)
        assert -1e-12 <= low.value <= up.value <= math.log(200) + 1e-12
        c = 3.7
        low_c, up_c = pairwise_distance_bounds(c * h, c**2 * var)
        assert abs(up_c.value - up.value) < 1e-10 and abs(low_c.value - low.value) < 1e-10


def test_kt_matches_direct_formula():
    rng = np.random.default_rng(3)
    h = rng.normal(size=(120, 3))
    var = 0.5
    d2 = cdist(h, h, "sqeuclidean")
    up = -np.mean(np.log(np.mean(np.exp(-d2 / (2 * var)), axis=1)))
    low = -np.mean(np.log(np.mean(np.exp(-d2 / (8 * var)), axis=1)))
    assert abs(KTUp(noise_variance=var).estimate(np.arange(120), h).value - up) < 1e-10
    assert abs(KTLow(noise_variance=var).estimate(np.arange(120), h).value - low) < 1e-10
    noise_h = 1.5 * math.log(2 * math.pi * math.e * var)
    assert abs(KTUpH(noise_variance=var).estimate(h).value - (noise_h + up)) < 1e-10
    assert abs(mixture_entropy_bound(h, var, "lower") - (noise_h + low)) < 1e-10


def test_kt_entropy_single_point_and_gaussian_sandwich():
    var = 0.3
    one = KTUpH(noise_variance=var).estimate(np.array([[1.0, 2.0]]))
    assert abs(one.value - math.log(2 * math.pi * math.e * var)) < 1e-12
    rng = np.random.default_rng(4)
    h = rng.normal(size=3000)  # T = h + N(0, σ²) ≈ N(0, 1 + σ²) for large n
    truth = 0.5 * math.log(2 * math.pi * math.e * (1 + var))
    low = KTLowH(noise_variance=var).estimate(h).value
    up = KTUpH(noise_variance=var).estimate(h).value
    assert low - 0.02 <= truth <= up + 0.02 and up - low > 0.05


def test_kt_with_labels_is_labelled_honestly():
    rng = np.random.default_rng(5)
    labels = np.repeat([0, 1], 50)
    h = rng.normal(size=(100, 2)) + 30.0 * labels[:, None]
    low, up = pairwise_distance_bounds(h, 0.1, labels=labels)
    assert low.kind == up.kind == "proxy" and up.quantity == "I(T;Y)"
    assert any("not a bound" in note for note in up.notes)

    def h_up(a):  # direct KL-bound mixture entropy without the noise constant
        return -np.mean(np.log(np.mean(np.exp(-cdist(a, a, "sqeuclidean") / 0.2), axis=1)))

    direct = h_up(h) - 0.5 * h_up(h[:50]) - 0.5 * h_up(h[50:])
    assert abs(up.value - direct) < 1e-10
    centroids = np.repeat([[0.0, 0.0], [30.0, 30.0]], 50, axis=0)  # h a function of the label
    low, up = pairwise_distance_bounds(centroids, 0.1, labels=labels)
    assert up.kind == "upper" and abs(up.value - math.log(2)) < 1e-9


# ------------------------------------------------------------------------------ matrix Rényi
@pytest.mark.parametrize("alpha", [0.5, 1.0, 1.01, 2.0, 5.0])
def test_matrix_entropy_limits(alpha):
    n = 12
    assert abs(matrix_renyi_entropy(np.eye(n), alpha) - math.log(n)) < 1e-9
    assert abs(matrix_renyi_entropy(np.ones((n, n)), alpha)) < 1e-9
    blocks = np.kron(np.eye(3), np.ones((4, 4)))
    assert abs(matrix_renyi_entropy(blocks, alpha) - math.log(3)) < 1e-9
    assert abs(matrix_renyi_mi(np.eye(n), np.eye(n), alpha) - math.log(n)) < 1e-9
    assert abs(matrix_renyi_mi(np.eye(n), np.ones((n, n)), alpha)) < 1e-9


def test_matrix_entropy_alpha_forms_agree():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(60, 3))
    k = np.exp(-cdist(x, x, "sqeuclidean") / 2.0)
    lam = np.linalg.eigvalsh(k / 60)
    assert abs(matrix_renyi_entropy(k, 2.0) + math.log((lam**2).sum())) < 1e-10
    assert abs(matrix_renyi_entropy(k, 3.0) - math.log((lam**3).sum()) / (1 - 3)) < 1e-10
    vn = matrix_renyi_entropy(k, 1.0)
    assert abs(vn + (lam * np.log(lam)).sum()) < 1e-9
    assert abs(matrix_renyi_entropy(k, 1 + 1e-6) - vn) < 1e-4
    assert abs(matrix_renyi_entropy(k, 1 - 1e-6) - vn) < 1e-4


def test_matrix_renyi_estimators():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(80, 2))
    tiny = RenyiH(sigma=1e-4).estimate(x)
    assert abs(tiny.value - math.log(80)) < 1e-9 and tiny.kind == "proxy"
    assert abs(tiny.to("bits").value - math.log2(80)) < 1e-9
    assert abs(RenyiH(sigma=1.0).estimate(np.ones((30, 2))).value) < 1e-9
    y = x[:, :1] + 0.3 * rng.normal(size=(80, 1))
    mi = RenyiMI(alpha=1.01).estimate(x, y)
    sx = RenyiH(alpha=1.01).estimate(x).value
    sy = RenyiH(alpha=1.01).estimate(y).value
    assert 0 <= mi.value <= min(sx, sy) + 1e-9
    perm = rng.permutation(80)
    q, _ = np.linalg.qr(rng.normal(size=(2, 2)))
    moved = RenyiMI(alpha=1.01, sigma=0.7).estimate(x[perm] @ q + 5.0, y[perm])
    assert abs(moved.value - RenyiMI(alpha=1.01, sigma=0.7).estimate(x, y).value) < 1e-9
    assert (
        abs(
            RenyiH(sigma="median").estimate(x).value
            - matrix_renyi_entropy(
                np.exp(
                    -cdist(x, x, "sqeuclidean")
                    / (2 * np.median(cdist(x, x)[np.triu_indices(80, 1)]) ** 2)
                ),
                1.01,
            )
        )
        < 1e-9
    )


@pytest.mark.parametrize(
    "make, err, match",
    [
        (lambda: KDEH(bandwidth=0.0), ValueError, "bandwidth"),
        (lambda: KDEH(bandwidth="wide"), ValueError, "bandwidth"),
        (lambda: KDEH().estimate(np.ones((10, 2))), ValueError, "constant"),
        (lambda: KDEH().estimate([1.0]), ValueError, "at least 2"),
        (lambda: KTUp(noise_variance=0.0), ValueError, "noise_variance"),
        (lambda: KTLow(noise_variance=-1.0), ValueError, "noise_variance"),
        (
            lambda: KTUp(noise_variance=0.1).estimate(np.arange(3), np.ones((4, 2))),
            ValueError,
            "same number",
        ),
        (lambda: pairwise_distance_bounds(np.array([[np.nan]]), 0.1), ValueError, "h contains"),
        (lambda: RenyiH(alpha=0.0), ValueError, "alpha"),
        (lambda: RenyiH(alpha=-2.0), ValueError, "alpha"),
        (lambda: RenyiH(sigma=0.0), ValueError, "sigma"),
        (lambda: RenyiH(sigma="auto"), ValueError, "sigma"),
        (lambda: RenyiH(max_samples=10).estimate(np.zeros((11, 1))), ValueError, "max_samples"),
        (lambda: RenyiH().estimate(np.ones((10, 2))), ValueError, "constant"),
        (lambda: matrix_renyi_entropy(np.ones((2, 3))), ValueError, "square"),
        (lambda: matrix_renyi_mi(np.eye(2), np.eye(3)), ValueError, "same shape"),
    ],
)
def test_bad_inputs(make, err, match):
    with pytest.raises(err, match=match):
        make()

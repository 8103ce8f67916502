"""Known-answer tests of the representation metrics and probes (infossl.metrics)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.linalg import eigh as generalized_eigh
from scipy.special import i0

from infossl.metrics import (
    alignment,
    alpha_req,
    collapsed_dimensions,
    covariance_spectrum,
    effective_rank,
    embedding_std,
    lidar,
    nc1,
    power_law_fit,
    rankme,
    representation_metrics,
    uniformity,
)
from infossl.metrics.probes import KNN_PRESETS, knn_accuracy, knn_predict, linear_probe


def _orthogonal(k: int, seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((k, k)))
    return q * np.sign(np.diag(r))


def _rankme_closed_form(r: int, k: int, eps: float) -> float:
    """RankMe of a matrix with r equal non-zero and k − r zero singular values."""
    p = 1.0 / r + eps
    return float(np.exp(-r * p * np.log(p) - (k - r) * eps * np.log(eps)))


# ----------------------------------------------------------------------------- RankMe
def test_rankme_isotropic_gaussian_is_close_to_dimension() -> None:
    k = 100
    z = np.random.default_rng(0).standard_normal((25_600, k))
    value = rankme(z)
    # Marchenko–Pastur spread of singular values: K·exp(−(K/N)/8) ≈ 99.95; ε adds < 1e-4·K.
    assert 0.99 * k <= value <= k * (1 + 1e-4)
    assert value == pytest.approx(k * np.exp(-(k / 25_600) / 8), abs=0.03)


@pytest.mark.parametrize(("r", "eps"), [(1, 1e-7), (5, 1e-7), (17, 1e-7), (1, 1e-5)])
def test_rankme_exact_rank_matches_closed_form(r: int, eps: float) -> None:
    k = 256
    singular = np.zeros(k)
    singular[:r] = 3.0
    z = _orthogonal(k, 1)[:, :k] @ np.diag(singular) @ _orthogonal(k, 2)
    expected = _rankme_closed_form(r, k, eps)
    assert rankme(z, eps=eps) == pytest.approx(expected, rel=1e-9)
    if eps == 1e-7:
        assert abs(rankme(z) / r - 1) < 0.005


def test_rankme_eps_inflation_documented_values() -> None:
    # The documented inflation for K = 2048, rank 1: ε = 1e-7 gives 1.003, ε = 1e-5 gives 1.27.
    assert _rankme_closed_form(1, 2048, 1e-7) == pytest.approx(1.0033, abs=1e-4)
    assert _rankme_closed_form(1, 2048, 1e-5) == pytest.approx(1.2657, abs=1e-3)


def test_rankme_offset_lowers_uncentred_value_and_centering_restores_it() -> None:
    z = np.random.default_rng(3).standard_normal((2000, 20))
    shifted = z + 10.0
    assert rankme(shifted) < 0.5 * rankme(z)
    assert rankme(shifted, center=True) == pytest.approx(rankme(z, center=True), rel=1e-9)


def test_rankme_accepts_torch_tensor() -> None:
    z = np.random.default_rng(4).standard_normal((300, 12))
    assert rankme(torch.from_numpy(z)) == pytest.approx(rankme(z), rel=1e-12)
    assert rankme(torch.from_numpy(z).float()) == pytest.approx(rankme(z), rel=1e-5)


@pytest.mark.parametrize(
    ("z", "kwargs", "error", "match"),
    [
        (np.full((5, 3), np.nan), {}, ValueError, "z contains"),
        (np.ones(5), {}, ValueError, "z must be 2-D"),
        (np.zeros((5, 3)), {}, ValueError, "no non-zero singular"),
        (np.ones((5, 3)), {"eps": -1.0}, ValueError, "eps"),
        (np.array([["a", "b"]]), {}, TypeError, "z must hold real numbers"),
    ],
)
def test_rankme_bad_inputs(z: np.ndarray, kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        rankme(z, **kwargs)


# ----------------------------------------------------------------------------- effective rank
def test_effective_rank_known_values() -> None:
    assert effective_rank(np.eye(7)) == pytest.approx(7.0, abs=1e-9)
    assert effective_rank(np.diag([1.0, 0, 0, 0])) == pytest.approx(1.0, abs=1e-9)
    assert effective_rank(np.diag([1.0, 1.0, 0, 0, 0])) == pytest.approx(2.0, abs=1e-9)
    # σ = (2, 1): p = (2/3, 1/3) for "sv", (4/5, 1/5) for "eig".
    z = np.diag([2.0, 1.0])
    h_sv = -(2 / 3 * np.log(2 / 3) + 1 / 3 * np.log(1 / 3))
    h_eig = -(0.8 * np.log(0.8) + 0.2 * np.log(0.2))
    assert effective_rank(z) == pytest.approx(np.exp(h_sv), abs=1e-12)
    assert effective_rank(z, variant="eig") == pytest.approx(np.exp(h_eig), abs=1e-12)


def test_effective_rank_invariant_to_scale_and_rotations() -> None:
    z = np.random.default_rng(5).standard_normal((40, 10)) @ np.diag(np.arange(1, 11.0))
    base = effective_rank(z)
    assert effective_rank(7.5 * z) == pytest.approx(base, rel=1e-10)
    assert effective_rank(_orthogonal(40, 6) @ z @ _orthogonal(10, 7)) == pytest.approx(
        base, rel=1e-10
    )
    with pytest.raises(ValueError, match="variant"):
        effective_rank(z, variant="svd")


# ----------------------------------------------------------------------------- LiDAR
def _lidar_fixture(seed: int, n: int = 2000, q: int = 10, k: int = 64, r: int = 8) -> np.ndarray:
    """Class means isotropic (variance 100) in an r-dim subspace, isotropic view noise 1."""
    rng = np.random.default_rng(seed)
    basis = _orthogonal(k, seed + 1)[:, :r]
    means = (10.0 * rng.standard_normal((n, r))) @ basis.T
    return means[:, None, :] + rng.standard_normal((n, q, k))


def _lidar_reference(views: np.ndarray, delta: float, eps: float) -> float:
    """Generalised eigenvalues of (Σ_b, Σ_w + δI), computed independently with scipy."""
    n, q, k = views.shape
    mu = views.mean(axis=1)
    sb = np.cov(mu.T)
    within = (views - mu[:, None, :]).reshape(-1, k)
    sw = within.T @ within / (n * (q - 1)) + delta * np.eye(k)
    lam = np.clip(generalized_eigh(sb, sw, eigvals_only=True), 0, None)
    p = (lam + eps) / np.sum(lam + eps)
    return float(np.exp(-np.sum(p * np.log(p))))


def test_lidar_known_structure() -> None:
    views = _lidar_fixture(0)
    # Signal eigenvalues ≈ 100 + 1/q (×8), noise ≈ 1/q (×56): exp(H) ≈ 8.45.
    lam = np.r_[np.full(8, 100.1), np.full(56, 0.1)]
    p = lam / lam.sum()
    expected = np.exp(-np.sum(p * np.log(p)))
    assert expected == pytest.approx(8.45, abs=0.01)
    assert lidar(views) == pytest.approx(expected, abs=0.3)


def test_lidar_matches_generalised_eigen_reference() -> None:
    views = _lidar_fixture(1, n=200, q=4, k=16, r=3)
    for delta in (0.0, 1e-4, 0.5):
        assert lidar(views, delta=delta) == pytest.approx(
            _lidar_reference(views, delta, 1e-8), rel=1e-9
        )


def test_lidar_invariant_to_invertible_linear_map_when_delta_is_zero() -> None:
    views = _lidar_fixture(2, n=300, q=5, k=12, r=4)
    a = np.random.default_rng(9).standard_normal((12, 12)) + 3 * np.eye(12)
    assert lidar(views @ a, delta=0.0) == pytest.approx(lidar(views, delta=0.0), rel=1e-6)


def test_lidar_labels_form_equals_3d_form_and_is_bounded() -> None:
    views = _lidar_fixture(3, n=50, q=3, k=80, r=5)
    n, q, k = views.shape
    flat = views.reshape(n * q, k)
    ids = np.repeat(np.arange(n), q)
    order = np.random.default_rng(0).permutation(n * q)
    value = lidar(views)
    assert lidar(flat[order], ids[order]) == pytest.approx(value, rel=1e-9)
    assert value <= min(k, n - 1) + 1e-6


def test_lidar_inflates_when_grouping_is_destroyed() -> None:
    views = _lidar_fixture(4, n=2000, q=10, k=64, r=8)
    n, q, k = views.shape
    flat = views.reshape(n * q, k)
    shuffled = flat[np.random.default_rng(1).permutation(n * q)].reshape(n, q, k)
    assert lidar(shuffled) > 0.9 * k
    assert lidar(views) < 10


def test_lidar_bad_inputs() -> None:
    views = _lidar_fixture(5, n=20, q=3, k=4, r=2)
    with pytest.raises(ValueError, match="3-D"):
        lidar(views[:, 0, :])
    with pytest.raises(ValueError, match="at least one source sample with 2"):
        lidar(views[:, :1, :])
    with pytest.raises(ValueError, match="same number of samples"):
        lidar(views.reshape(60, 4), np.arange(59))
    with pytest.raises(ValueError, match="delta"):
        lidar(views, delta=-1.0)
    degenerate = np.repeat(views[:, :1, :], 3, axis=1)
    with pytest.raises(ValueError, match="singular"):
        lidar(degenerate, delta=0.0)


# ----------------------------------------------------------------------------- α-ReQ
@pytest.mark.parametrize("alpha0", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("weighted", [True, False])
def test_power_law_fit_recovers_exact_exponent(alpha0: float, weighted: bool) -> None:
    spectrum = np.arange(1, 201, dtype=float) ** -alpha0
    fit = power_law_fit(spectrum[::-1], weighted=weighted)
    assert fit.alpha == pytest.approx(alpha0, abs=1e-9)
    assert fit.r2 == pytest.approx(1.0, abs=1e-12)
    assert fit.ranks == (10, 100)
    np.testing.assert_allclose(fit.predict([10, 50]), spectrum[[9, 49]], rtol=1e-9)


@pytest.mark.parametrize("alpha0", [0.5, 1.0, 2.0])
def test_alpha_req_on_gaussian_features(alpha0: float) -> None:
    k = 200
    scale = np.arange(1, k + 1, dtype=float) ** (-alpha0 / 2)
    z = np.random.default_rng(int(alpha0 * 10)).standard_normal((20 * k, k)) * scale
    fit = alpha_req(z)
    # Measured deviation at N = 20·K: ≤ 0.01 (finite-N flattening of the tail).
    assert fit.alpha == pytest.approx(alpha0, abs=0.05)
    assert fit.r2 > 0.99


def test_alpha_req_reports_poor_fit_on_step_spectrum() -> None:
    step = np.where(np.arange(1, 201) <= 50, 1.0, 0.01)
    assert power_law_fit(step).r2 < 0.9


def test_power_law_fit_bad_inputs() -> None:
    with pytest.raises(ValueError, match="need at least 3"):
        power_law_fit(np.ones(11))
    with pytest.raises(TypeError, match="fit_range"):
        power_law_fit(np.ones(50), fit_range=10)
    with pytest.raises(ValueError, match="non-negative"):
        power_law_fit(-np.ones(50))


# ------------------------------------------------------------------------ alignment / uniformity
def test_alignment_identical_views_is_zero_and_random_pairs_give_two() -> None:
    rng = np.random.default_rng(10)
    x = rng.standard_normal((5000, 64))
    assert alignment(x, x) == 0.0
    assert alignment(x, 3 * x) == pytest.approx(0.0, abs=1e-12)
    # E‖x − y‖² = 2 − 2E[x·y] = 2 for independent uniform directions; sd of the mean ≈ 0.0035.
    assert alignment(x, rng.standard_normal((5000, 64))) == pytest.approx(2.0, abs=0.02)
    # α = 1: half-angle chord lengths, checked against a direct computation.
    y = rng.standard_normal((5000, 64))
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    yn = y / np.linalg.norm(y, axis=1, keepdims=True)
    direct = np.mean(np.linalg.norm(xn - yn, axis=1))
    assert alignment(x, y, alpha=1.0) == pytest.approx(direct, rel=1e-12)


def test_uniformity_of_evenly_spaced_circle_points() -> None:
    n, t = 2000, 2.0
    angles = 2 * np.pi * np.arange(n) / n
    x = np.c_[np.cos(angles), np.sin(angles)]
    # Exact for n evenly spaced points: mean over k ≠ 0 of exp(−2t(1 − cos(2πk/n))).
    gaps = 2 * np.pi * np.arange(1, n) / n
    exact = np.log(np.mean(np.exp(-2 * t * (1 - np.cos(gaps)))))
    assert uniformity(x, block_size=300) == pytest.approx(exact, abs=1e-9)
    # Limit n → ∞: −2t + ln I₀(2t) = −1.5750 at t = 2.
    assert uniformity(x) == pytest.approx(-4 + np.log(i0(4.0)), abs=2e-3)
    assert -4 + np.log(i0(4.0)) == pytest.approx(-1.5750, abs=1e-4)


def test_uniformity_of_evenly_spread_sphere_points() -> None:
    n = 3000
    golden = np.pi * (3 - np.sqrt(5))
    zc = 1 - 2 * (np.arange(n) + 0.5) / n
    radius = np.sqrt(1 - zc**2)
    x = np.c_[radius * np.cos(golden * np.arange(n)), radius * np.sin(golden * np.arange(n)), zc]
    assert uniformity(x) == pytest.approx(-4 + np.log(np.sinh(4.0) / 4.0), abs=0.01)
    assert -4 + np.log(np.sinh(4.0) / 4.0) == pytest.approx(-2.0798, abs=1e-4)


def test_uniformity_identical_points_is_zero_and_matches_pairwise_reference() -> None:
    assert uniformity(np.tile([[0.3, 0.4]], (10, 1))) == pytest.approx(0.0, abs=1e-12)
    x = np.random.default_rng(11).standard_normal((257, 16))
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    i, j = np.triu_indices(len(xn), k=1)
    reference = np.log(np.mean(np.exp(-2.0 * np.sum((xn[i] - xn[j]) ** 2, axis=1))))
    assert uniformity(x, block_size=50) == pytest.approx(reference, abs=1e-10)
    assert uniformity(torch.from_numpy(x)) == pytest.approx(reference, abs=1e-10)
    # High dimension: ≈ −2t + 2t²/d = −4 + 8/d.
    d = 512
    g = np.random.default_rng(12).standard_normal((2000, d))
    assert uniformity(g) == pytest.approx(-4 + 8 / d, abs=0.005)


def test_alignment_uniformity_bad_inputs() -> None:
    x = np.ones((4, 3))
    with pytest.raises(ValueError, match="same number of samples"):
        alignment(x, np.ones((5, 3)))
    with pytest.raises(ValueError, match="same dimension"):
        alignment(x, np.ones((4, 2)))
    with pytest.raises(ValueError, match="zero norm"):
        alignment(np.zeros((4, 3)), x)
    with pytest.raises(ValueError, match="alpha"):
        alignment(x, x, alpha=0)
    with pytest.raises(ValueError, match="at least 2"):
        uniformity(np.ones((1, 3)))
    with pytest.raises(ValueError, match="t must be >"):
        uniformity(x, t=0.0)


# ----------------------------------------------------------------------------- spectrum, std
def test_covariance_spectrum_counts_collapsed_dimensions() -> None:
    k, r = 32, 5
    rng = np.random.default_rng(13)
    z = rng.standard_normal((1000, r)) @ rng.standard_normal((r, k))
    spectrum = covariance_spectrum(z)
    assert np.all(np.diff(spectrum) <= 0)
    assert collapsed_dimensions(spectrum, rel_tol=1e-12) == k - r
    raw = covariance_spectrum(z, normalize=False)
    np.testing.assert_allclose(raw, np.sort(np.linalg.eigvalsh(np.cov(z.T)))[::-1], atol=1e-9)


def test_embedding_std_isotropic_and_collapsed() -> None:
    d = 64
    z = np.random.default_rng(14).standard_normal((20_000, d))
    assert embedding_std(z) == pytest.approx(1 / np.sqrt(d), rel=0.02)
    assert embedding_std(np.tile(np.arange(1.0, 5.0), (100, 1))) == pytest.approx(0.0, abs=1e-12)
    assert embedding_std(z, per_dimension=True).shape == (d,)


def test_representation_metrics_keys() -> None:
    z = np.random.default_rng(15).standard_normal((500, 32))
    out = representation_metrics(z)
    assert set(out) == {
        "rankme",
        "effective_rank",
        "embedding_std",
        "embedding_std_isotropic",
        "alpha_req",
        "alpha_req_r2",
    }
    assert out["rankme"] == pytest.approx(rankme(z))


# ----------------------------------------------------------------------------- NC1
def _simplex(c: int) -> np.ndarray:
    return np.sqrt(c / (c - 1)) * (np.eye(c) - np.ones((c, c)) / c)


def test_nc1_of_exact_simplex_is_zero() -> None:
    c, per_class = 6, 20
    means = np.c_[_simplex(c), np.zeros((c, 4))]  # embedded in D = C + 4
    labels = np.repeat(np.arange(c), per_class)
    assert nc1(means[labels], labels) == pytest.approx(0.0, abs=1e-9)


def test_nc1_of_noisy_simplex_matches_limit() -> None:
    c, per_class, sigma2 = 10, 2000, 0.01
    labels = np.repeat(np.arange(c), per_class)
    rng = np.random.default_rng(16)
    h = _simplex(c)[labels] + np.sqrt(sigma2) * rng.standard_normal((c * per_class, c))
    # σ²(C − 1)²/C = 0.081.
    assert nc1(h, labels) == pytest.approx(sigma2 * (c - 1) ** 2 / c, rel=0.05)


def test_nc1_bad_inputs() -> None:
    with pytest.raises(ValueError, match="at least 2 classes"):
        nc1(np.random.default_rng(0).standard_normal((5, 2)), np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="same number of samples"):
        nc1(np.ones((5, 2)), np.arange(4))
    with pytest.raises(ValueError, match="class means"):
        nc1(np.ones((4, 2)), np.array([0, 0, 1, 1]))


# ----------------------------------------------------------------------------- kNN
def _knn_loop_reference(train, train_y, test, k, tau, n_classes):
    """Per-query loop: normalise, take the k most similar, sum exp(s/τ) per class."""
    train = train / np.linalg.norm(train, axis=1, keepdims=True)
    test = test / np.linalg.norm(test, axis=1, keepdims=True)
    predictions = []
    for q in test:
        sims = train @ q
        order = np.argsort(-sims, kind="stable")[:k]
        votes = np.zeros(n_classes)
        for idx in order:
            votes[train_y[idx]] += np.exp(sims[idx] / tau)
        predictions.append(int(np.argmax(votes)))
    return np.array(predictions)


def _blobs(n_per_class: int, n_classes: int, dim: int, spread: float, seed: int):
    rng = np.random.default_rng(seed)
    centres = 10 * rng.standard_normal((n_classes, dim))
    y = np.repeat(np.arange(n_classes), n_per_class)
    return centres[y] + spread * rng.standard_normal((len(y), dim)), y


def test_knn_matches_loop_reference() -> None:
    rng = np.random.default_rng(17)
    train, test = rng.standard_normal((60, 5)), rng.standard_normal((25, 5))
    train_y = rng.integers(0, 4, 60)
    for k, tau in [(7, 0.1), (200, 0.1), (1, 0.07), (20, 0.5)]:
        expected = _knn_loop_reference(train, train_y, test, min(k, 60), tau, 4)
        got = knn_predict(train, train_y, test, k=k, tau=tau, block_size=8).numpy()
        np.testing.assert_array_equal(got, expected)


def test_knn_separable_clusters_and_self_retrieval() -> None:
    x, y = _blobs(100, 5, 16, 0.5, 18)
    test_x, test_y = _blobs(40, 5, 16, 0.5, 18)
    assert knn_accuracy(x, y, test_x, test_y, k=50) == 1.0
    assert knn_accuracy(x, y, x, y, k=1) == 1.0
    assert knn_accuracy(torch.from_numpy(x).float(), torch.from_numpy(y), x, y) == 1.0
    assert KNN_PRESETS["moco"] == (200, 0.1)


def test_knn_random_labels_near_chance() -> None:
    rng = np.random.default_rng(19)
    x, test = rng.standard_normal((2000, 8)), rng.standard_normal((4000, 8))
    acc = knn_accuracy(x, rng.integers(0, 4, 2000), test, rng.integers(0, 4, 4000), k=20)
    assert abs(acc - 0.25) < 3 * np.sqrt(0.25 * 0.75 / 4000)


def test_knn_small_tau_does_not_overflow() -> None:
    x, y = _blobs(30, 3, 4, 1.0, 20)
    pred = knn_predict(torch.from_numpy(x).float(), y, x, k=10, tau=1e-3)
    assert pred.shape == (90,)
    assert knn_accuracy(x, y, x, y, k=10, tau=1e-3) == 1.0


def test_knn_bad_inputs() -> None:
    x, y = _blobs(5, 2, 3, 1.0, 21)
    with pytest.raises(ValueError, match="k must be >= 1"):
        knn_predict(x, y, x, k=0)
    with pytest.raises(ValueError, match="tau must be >"):
        knn_predict(x, y, x, tau=0.0)
    with pytest.raises(ValueError, match="dimension"):
        knn_predict(x, y, x[:, :2])
    with pytest.raises(TypeError, match="train_labels must hold integer"):
        knn_predict(x, y + 0.5, x)
    with pytest.raises(ValueError, match="train_labels has 9"):
        knn_predict(x, y[:9], x)
    with pytest.raises(ValueError, match="NaN"):
        knn_predict(x * np.nan, y, x)
    with pytest.raises(ValueError, match="zero norm"):
        knn_predict(np.zeros_like(x), y, x)
    with pytest.raises(ValueError, match="n_classes must be >= 2"):
        knn_predict(x, y, x, n_classes=1)


# ----------------------------------------------------------------------------- linear probe
@pytest.mark.parametrize("backend", ["sklearn", "torch"])
def test_linear_probe_separable_blobs(backend: str) -> None:
    x, y = _blobs(100, 4, 10, 1.0, 22)
    test_x, test_y = _blobs(50, 4, 10, 1.0, 22)
    result = linear_probe(x, y, test_x, test_y, backend=backend)
    assert result.accuracy >= 0.99
    assert result.train_accuracy >= 0.99
    assert (result.n_train, result.n_test, result.n_classes) == (400, 200, 4)


def test_linear_probe_random_labels_is_chance_on_held_out_data() -> None:
    rng = np.random.default_rng(23)
    x, test = rng.standard_normal((1000, 20)), rng.standard_normal((2000, 20))
    result = linear_probe(x, rng.integers(0, 2, 1000), test, rng.integers(0, 2, 2000))
    assert abs(result.accuracy - 0.5) < 3 * np.sqrt(0.25 / 2000)


def test_linear_probe_backends_agree_and_grid_selects_c() -> None:
    rng = np.random.default_rng(24)
    w = rng.standard_normal((6, 3))
    x, test = rng.standard_normal((600, 6)), rng.standard_normal((600, 6))

    def labels(a: np.ndarray) -> np.ndarray:
        return np.argmax(a @ w + rng.standard_normal((len(a), 3)), axis=1)

    y, test_y = labels(x), labels(test)
    sk = linear_probe(x, y, test, test_y, C=0.1)
    th = linear_probe(torch.from_numpy(x), y, test, test_y, C=0.1, backend="torch")
    assert th.accuracy == pytest.approx(sk.accuracy, abs=0.01)
    grid = linear_probe(x, y, test, test_y, C=[1e-4, 1e-2, 1.0], seed=3)
    assert grid.C in (1e-4, 1e-2, 1.0)
    assert set(grid.val_accuracy) == {1e-4, 1e-2, 1.0}
    assert grid.val_accuracy[1e-4] <= max(grid.val_accuracy.values())
    again = linear_probe(x, y, test, test_y, C=[1e-4, 1e-2, 1.0], seed=3)
    assert again == grid


def test_linear_probe_bad_inputs() -> None:
    x, y = _blobs(10, 2, 3, 1.0, 25)
    with pytest.raises(ValueError, match="backend"):
        linear_probe(x, y, x, y, backend="svm")
    with pytest.raises(ValueError, match="C must be >"):
        linear_probe(x, y, x, y, C=0.0)
    with pytest.raises(ValueError, match="C must be a positive"):
        linear_probe(x, y, x, y, C=[])
    with pytest.raises(ValueError, match="at least 2 classes"):
        linear_probe(x, np.zeros(20, dtype=int), x, y)
    with pytest.raises(ValueError, match="test_labels has 19"):
        linear_probe(x, y, x, y[:19])


# ----------------------------------------------------------------------------- namespace
def test_package_exports_the_representation_metrics() -> None:
    import infossl.metrics as metrics
    from infossl.metrics import representation

    assert metrics.__all__ == representation.__all__
    assert metrics.__all__ is not representation.__all__
    for name in representation.__all__:
        assert getattr(metrics, name) is getattr(representation, name)

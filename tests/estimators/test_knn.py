"""kNN estimators: closed forms, scikit-learn agreement, exact neighbour search, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import digamma

from infossl.estimators import get_estimator_class, method_names
from infossl.estimators._neighbors import (
    _count_sorted_1d,
    _exact_rows,
    _Query,
    choose_algorithm,
    count_within,
    knn_counts,
    knn_counts_over_k,
)
from infossl.estimators.knn import (
    KSG1,
    KSG2,
    FrenzelPompe,
    KozachenkoLeonenko,
    MixedKSG,
    Ross,
    _tie_fraction,
    log_unit_ball_volume,
)

N = 2000


def gaussian_pair(rho: float, n: int = N, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]], size=n)
    return z[:, 0], z[:, 1]


def naive(spaces, k, groups, metric, strict, radius, labels=None):
    """Reference: every row in float64 against all points (the exact fallback path)."""
    n = len(spaces[0])
    k_rows = np.broadcast_to(np.asarray(k), (n,)).astype(np.int64)
    query = _Query(list(spaces), k_rows, list(groups), metric, strict, radius, labels)
    return _exact_rows(np.arange(n), query)


# ------------------------------------------------------------------ exact neighbour machinery
@pytest.mark.parametrize("dims", [(1, 1), (2, 3), (1, 1, 2)])
@pytest.mark.parametrize(
    ("strict", "radius"), [(True, "joint"), (False, "extent"), (False, "joint")]
)
def test_tree_and_brute_equal_naive_max_norm(dims, strict, radius):
    rng = np.random.default_rng(1)
    n = 700  # > 2 * (k + margin) chunks of 32 columns: exercises the two-stage top-k
    spaces = [rng.standard_normal((n, d)) for d in dims]
    spaces[1][:, 0] += spaces[0][:, 0]
    groups = [(0,), (1,)] if len(dims) == 2 else [(0, 2), (1, 2), (2,)]
    eps0, c0 = naive(spaces, 3, groups, "chebyshev", strict, radius)
    for algorithm in ("tree", "brute"):
        res = knn_counts(
            spaces, 3, groups, strict=strict, radius=radius, algorithm=algorithm, block_rows=37
        )
        assert res.algorithm == algorithm
        np.testing.assert_array_equal(res.radius, eps0)
        np.testing.assert_array_equal(res.counts, c0)


@pytest.mark.parametrize(("strict", "radius"), [(True, "joint"), (False, "extent")])
@pytest.mark.parametrize("dims", [(3, 2), (40, 3)])  # coordinate loop; matrix product for 40
def test_brute_equals_naive_euclidean(strict, radius, dims):
    rng = np.random.default_rng(2)
    spaces = [rng.standard_normal((400, d)) for d in dims]
    spaces[1][:, 0] += spaces[0][:, 0]
    eps0, c0 = naive(spaces, 4, [(0,), (1,)], "euclidean", strict, radius)
    res = knn_counts(
        spaces, 4, [(0,), (1,)], metric="euclidean", strict=strict, radius=radius, algorithm="brute"
    )
    np.testing.assert_allclose(res.radius, eps0, rtol=1e-13)
    np.testing.assert_array_equal(res.counts, c0)


@pytest.mark.parametrize(
    ("strict", "radius"), [(True, "joint"), (False, "joint"), (False, "extent")]
)
def test_heavy_ties_take_the_exact_path(strict, radius):
    # many exact ties: the float64 fallback runs, and KSG-2 extents include every point tied
    # with the k-th neighbour, so all back-ends agree whatever order they find ties in
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, (600, 1)).astype(float)
    y = rng.integers(0, 3, (600, 2)).astype(float)
    y[:300] += rng.standard_normal((300, 2))
    groups = [(0,), (1,), (0, 1)]
    eps0, c0 = naive([x, y], 3, groups, "chebyshev", strict, radius)
    for algorithm in ("tree", "brute"):
        res = knn_counts([x, y], 3, groups, strict=strict, radius=radius, algorithm=algorithm)
        np.testing.assert_array_equal(res.radius, eps0)
        np.testing.assert_array_equal(res.counts, c0)


@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
@pytest.mark.parametrize("algorithm", ["brute", "tree", "auto"])
@pytest.mark.parametrize("ties", [False, True])
def test_counts_over_several_k_equal_one_search_per_k(metric, algorithm, ties):
    # the brute force shares one pass (distances, candidates of the largest k) among the ks;
    # with ties a third of the rows are rounded and the exact float64 fallback runs too
    rng = np.random.default_rng(7)
    x = rng.standard_normal((700, 3))
    y = x[:, :2] + rng.standard_normal((700, 2))
    if ties:
        x[::3], y[::3] = np.round(x[::3]), np.round(y[::3])
    groups = [(0,), (1,), (0, 1)]
    ks = (8, 1, 2, 4, 2)  # any order, repeats: the result is per distinct k, ascending
    if algorithm == "tree" and metric == "euclidean":  # refused, as by knn_counts
        with pytest.raises(ValueError, match="needs metric='chebyshev'"):
            knn_counts_over_k([x, y], ks, groups, metric=metric, algorithm=algorithm)
        return
    shared = knn_counts_over_k([x, y], ks, groups, metric=metric, algorithm=algorithm)
    assert len(shared) == 4
    for k, counts in zip((1, 2, 4, 8), shared, strict=True):
        one = knn_counts([x, y], k, groups, metric=metric, algorithm=algorithm).counts
        np.testing.assert_array_equal(counts, one)


@pytest.mark.parametrize("ties", [False, True])
def test_tree_counts_over_k_share_one_joint_query(monkeypatch, ties):
    # 1 + 1 (sorted counts) and 2 + 1 (KD-tree counts): one joint query for all k, the same
    # counts as one knn_counts call per k
    from infossl.estimators import _neighbors

    rng = np.random.default_rng(11)
    x = rng.standard_normal((900, 2))
    y = x[:, :1] + rng.standard_normal((900, 1))
    if ties:
        x[::4], y[::4] = np.round(x[::4], 1), np.round(y[::4], 1)
    calls = []
    query = _neighbors._tree_query
    monkeypatch.setattr(
        _neighbors, "_tree_query", lambda *a, **kw: calls.append(a[1]) or query(*a, **kw)
    )
    for spaces in ([x[:, :1], y], [x, y]):
        calls.clear()
        shared = knn_counts_over_k(spaces, (1, 2, 4, 8), [(0,), (1,)], algorithm="tree")
        assert calls == [[2, 3, 5, 9]]
        for k, counts in zip((1, 2, 4, 8), shared, strict=True):
            one = knn_counts(spaces, k, [(0,), (1,)], algorithm="tree").counts
            np.testing.assert_array_equal(counts, one)


@pytest.mark.parametrize("ks", [(0, 3), (-1, 2), ()])
def test_counts_over_k_reject_counts_below_one(ks):
    rng = np.random.default_rng(10)
    x, y = rng.standard_normal((100, 5)), rng.standard_normal((100, 5))
    for algorithm in ("brute", "tree"):
        with pytest.raises(ValueError, match="ks must hold neighbour counts >= 1"):
            knn_counts_over_k([x, y], ks, [(0,), (1,)], algorithm=algorithm)


def test_counts_over_k_on_the_torch_back_end_equal_numpy():
    pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((300, 2)), rng.standard_normal((300, 2))
    on_torch = knn_counts_over_k([x, y], (1, 3), [(0,), (1,)], device="cpu")
    on_numpy = knn_counts_over_k([x, y], (1, 3), [(0,), (1,)], algorithm="brute")
    for a, b in zip(on_torch, on_numpy, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", [KSG1, KSG2])
def test_estimate_over_k_equals_one_estimate_per_k(cls):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((800, 5))
    y = x + rng.standard_normal((800, 5))  # joint dimension 10: the brute-force path
    over = cls(k=3).estimate_over_k(x, y, (4, 1, 2))
    for k, est in zip((1, 2, 4), over, strict=True):
        single = cls(k=k).estimate(x, y)
        assert est.value == single.value and est.params["k"] == k
        assert est.notes == single.notes and est.ceiling == single.ceiling
    constant = cls().estimate_over_k(np.ones((50, 2)), rng.standard_normal((50, 2)), (1, 2))
    assert [e.value for e in constant] == [0.0, 0.0]
    with pytest.raises(ValueError, match="k=60 needs more samples"):
        cls().estimate_over_k(x[:50], y[:50], (1, 60))


def random_space(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return rng.standard_normal((n, d))
    if kind == 1:  # offset and scale far from 1
        return rng.standard_normal((n, d)) * 10 ** rng.uniform(-4, 4) + 10 ** rng.uniform(0, 6)
    if kind == 2:  # discrete
        return rng.integers(0, 3, (n, d)).astype(float)
    return np.round(rng.standard_normal((n, d)), 1)  # rounded: ties and 0.1-steps


def test_random_configurations_are_exact():
    # offsets, mixed scales, rounding, discrete columns, 1-3 variables, both norms
    rng = np.random.default_rng(123)
    for _ in range(30):
        n = int(rng.integers(20, 300))
        dims = [int(d) for d in rng.integers(1, 5, size=rng.integers(1, 4))]
        metric = str(rng.choice(["chebyshev", "euclidean"]))
        spaces = [random_space(rng, n, d) for d in dims]
        k = int(rng.integers(1, 6))
        groups = [tuple(sorted(set(rng.integers(0, len(dims), size=2).tolist())))]
        strict, radius = bool(rng.integers(0, 2)), str(rng.choice(["joint", "extent"]))
        ref_metric = "chebyshev" if all(d == 1 for d in dims) else metric  # same norm in 1-D
        eps0, c0 = naive(spaces, k, groups, ref_metric, strict, radius)
        algorithms = ["brute"] + (["tree"] if metric == "chebyshev" or len(dims) == 1 else [])
        for algorithm in algorithms:
            res = knn_counts(
                spaces,
                k,
                groups,
                metric=metric,
                strict=strict,
                radius=radius,
                algorithm=algorithm,
                block_rows=int(rng.integers(1, 50)),
            )
            np.testing.assert_allclose(res.radius, eps0, rtol=1e-13, atol=0)
            np.testing.assert_array_equal(res.counts, c0)


def test_labels_restrict_the_neighbour_search_only():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, 500)
    labels[:2] = 7  # a class of two points: k = 1 there
    y = rng.standard_normal((500, 2)) + labels[:, None]
    k_rows = np.where(labels == 7, 1, 3)
    eps0, c0 = naive([y], k_rows, [(0,)], "chebyshev", False, "joint", labels)
    for algorithm in ("tree", "brute"):
        res = knn_counts([y], k_rows, [(0,)], strict=False, labels=labels, algorithm=algorithm)
        np.testing.assert_array_equal(res.radius, eps0)
        np.testing.assert_array_equal(res.counts, c0)


@pytest.mark.parametrize("strict", [True, False])
def test_count_within_matches_naive(strict):
    rng = np.random.default_rng(5)
    pts = rng.standard_normal((500, 2))
    radii = rng.uniform(0, 1, 500)
    radii[:5] = 0.0
    expected = (
        np.abs(pts[:, None, :] - pts[None, :, :]).max(axis=2) < radii[:, None]
        if strict
        else np.abs(pts[:, None, :] - pts[None, :, :]).max(axis=2) <= radii[:, None]
    ).sum(axis=1) - (0 if strict else 1)
    if strict:
        expected -= radii > 0  # self at distance 0 < r
    for algorithm in ("tree", "brute"):
        got = count_within(pts, radii, strict=strict, algorithm=algorithm)
        np.testing.assert_array_equal(got, expected)


def test_sorted_1d_counts_are_exact_at_rounding_boundaries():
    # 0.1 + 0.2 != 0.3 in floating point: the counts must follow |fl(v_j - v_i)| exactly
    values = np.array([0.1, 0.3, 0.3, 0.2, 0.7, 0.1, 0.5, 1e6, 1e6 + 0.2])
    diffs = np.abs(values[None, :] - values[:, None])
    for r_source in (diffs[:, 1], diffs[:, 3], np.full(len(values), 0.2)):
        r = np.asarray(r_source, dtype=float)
        for strict in (True, False):
            inside = diffs < r[:, None] if strict else diffs <= r[:, None]
            expected = inside.sum(axis=1) - np.where(strict & (r <= 0), 0, 1)
            np.testing.assert_array_equal(_count_sorted_1d(values, r, strict), expected)


def test_auto_algorithm_rule():
    assert choose_algorithm([1, 1], [(0,), (1,)], "chebyshev", "auto") == "tree"
    assert choose_algorithm([25, 25], [(0,), (1,)], "chebyshev", "auto") == "brute"
    assert choose_algorithm([2, 2], [(0,), (1,)], "euclidean", "auto") == "brute"
    assert choose_algorithm([3], [], "euclidean", "auto") == "tree"
    with pytest.raises(ValueError, match="algorithm='tree' needs metric='chebyshev'"):
        choose_algorithm([2, 2], [(0,), (1,)], "euclidean", "tree")


# ------------------------------------------------------------------ KSG: closed forms
@pytest.mark.parametrize("rho", [0.5, 0.9])
@pytest.mark.parametrize("cls", [KSG1, KSG2])
def test_ksg_bivariate_gaussian(cls, rho):
    # truth -0.5 ln(1 - rho^2); sd of one estimate at n = 2000 is about 0.02 (10 seeds)
    truth = -0.5 * math.log(1 - rho**2)
    values = [cls().estimate(*gaussian_pair(rho, seed=s)).value for s in range(3)]
    assert abs(np.mean(values) - truth) < 0.04


def test_ksg_multivariate_gaussian_two_pairs():
    # x, y in R^2 with corr(x_i, y_i) = 0.8 for both pairs: I = -ln(1 - 0.64) = 1.0217
    rng = np.random.default_rng(6)
    x = rng.standard_normal((N, 2))
    y = 0.8 * x + 0.6 * rng.standard_normal((N, 2))
    est = KSG1().estimate(x, y)
    assert abs(est.value - (-math.log(0.36))) < 0.08
    assert est.dims == (2, 2)
    assert est.ceiling == pytest.approx(digamma(N) - digamma(3))


def test_ksg_independent_is_near_zero():
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((N, 2)), rng.standard_normal((N, 1))
    for cls in (KSG1, KSG2):
        assert abs(cls().estimate(x, y).value) < 0.03


def test_ksg1_matches_sklearn_in_1d():
    from sklearn.feature_selection import mutual_info_regression

    for seed in range(3):
        x, y = gaussian_pair(0.6, n=1000, seed=seed)
        reference = mutual_info_regression(x[:, None], y, n_neighbors=3, random_state=seed)[0]
        for jitter in (1e-10, 0.0):  # tie-free data: the jitter changes no neighbour count
            ours = KSG1(k=3, jitter=jitter, seed=seed).estimate(x, y).value
            assert ours == pytest.approx(reference, abs=1e-9)


def test_ksg_symmetry_and_permutation_invariance():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((600, 2))
    y = x[:, :1] + rng.standard_normal((600, 1))
    perm = rng.permutation(600)
    for cls in (KSG1, KSG2):
        est = cls(jitter=0.0)
        value = est.estimate(x, y).value
        assert est.estimate(y, x).value == pytest.approx(value, abs=1e-12)
        assert est.estimate(x[perm], y[perm]).value == pytest.approx(value, abs=1e-12)


def test_same_seed_same_result():
    x, y = gaussian_pair(0.5, n=500)
    assert KSG1(seed=3).estimate(x, y).value == KSG1(seed=3).estimate(x, y).value


@pytest.mark.parametrize("cls", [KSG1, KSG2, FrenzelPompe, MixedKSG])
def test_tree_and_brute_give_identical_estimates(cls):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((500, 2))
    y = x[:, :1] ** 2 + rng.standard_normal((500, 1))
    args = (x, y, rng.standard_normal((500, 1))) if cls is FrenzelPompe else (x, y)
    tree = cls(algorithm="tree").estimate(*args).value
    brute = cls(algorithm="brute").estimate(*args).value
    assert tree == brute


def test_ross_and_kl_tree_and_brute_agree():
    rng = np.random.default_rng(10)
    labels = rng.integers(0, 3, 400)
    y = rng.standard_normal((400, 2)) + labels[:, None]
    assert (
        Ross(algorithm="tree").estimate(labels, y).value
        == Ross(algorithm="brute").estimate(labels, y).value
    )
    for metric in ("chebyshev", "euclidean"):
        tree = KozachenkoLeonenko(metric=metric, algorithm="tree").estimate(y).value
        brute = KozachenkoLeonenko(metric=metric, algorithm="brute").estimate(y).value
        assert tree == pytest.approx(brute, abs=1e-12)


def test_ksg_euclidean_marginals():
    x, y = gaussian_pair(0.8)
    # in 1-D both norms coincide
    assert KSG1(metric="euclidean").estimate(x, y).value == KSG1().estimate(x, y).value
    rng = np.random.default_rng(11)
    a = rng.standard_normal((N, 2))
    b = 0.8 * a + 0.6 * rng.standard_normal((N, 2))
    assert abs(KSG1(metric="euclidean").estimate(a, b).value + math.log(0.36)) < 0.08


def test_ksg_notes_ties_and_high_dimension():
    rng = np.random.default_rng(12)
    x = rng.integers(0, 5, 500)
    y = x + rng.standard_normal(500)
    assert any("repeated rows" in n for n in KSG1().estimate(x, y).notes)
    a = rng.standard_normal((500, 6))
    notes = KSG1().estimate(a, a + rng.standard_normal((500, 6))).notes
    assert any("joint dimension 12" in n for n in notes)


def test_repeated_row_fraction_equals_a_full_row_comparison():
    """Rows are compared whole only where their first coordinates repeat: the fraction must
    still be that of ``np.unique(axis=0)`` (repeats in later columns only, in all columns,
    none, a constant first column, one row)."""
    rng = np.random.default_rng(4)
    for _ in range(300):
        n, d = int(rng.integers(1, 120)), int(rng.integers(1, 5))
        x = rng.integers(0, int(rng.integers(1, 5)), (n, d)).astype(float)
        if rng.random() < 0.3:
            x = rng.standard_normal((n, d))
        if rng.random() < 0.3:
            x[:, 0] = 1.5
        expected = 1.0 - len(np.unique(x, axis=0)) / n
        assert _tie_fraction(x) == pytest.approx(expected, abs=1e-12)


def test_constant_variable_gives_zero_information():
    # a constant variable carries no information: these estimators return exactly 0 (KSG-2's
    # counts assume both variables continuous, so it would report -1/k + 1/(n-1) there: the
    # constant is detected and 0 returned with a note)
    y = np.random.default_rng(22).standard_normal(300)
    const = np.full(300, 3.0)
    for a, b in ((const, y), (y, const)):
        est = KSG2().estimate(a, b)
        assert est.value == 0.0 and any("constant" in note for note in est.notes)
    for est in (KSG1(), MixedKSG()):
        assert est.estimate(const, y).value == pytest.approx(0.0, abs=1e-12)
    assert Ross().estimate(np.zeros(300, dtype=int), y).value == pytest.approx(0.0, abs=1e-12)


def test_ksg_high_mi_note_and_ceiling():
    x, y = gaussian_pair(0.99999, n=300)
    est = KSG1().estimate(x, y)
    assert est.value <= est.ceiling
    assert any("exp(I)" in n for n in est.notes)


# ------------------------------------------------------------------ entropy
@pytest.mark.parametrize("metric", ["euclidean", "chebyshev"])
def test_kl_entropy_gaussian(metric):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((N, 2)) * [1.0, 3.0]
    truth = math.log(2 * math.pi * math.e) + math.log(3.0)
    est = KozachenkoLeonenko(metric=metric).estimate(x)
    assert est.quantity == "H(X)"
    assert abs(est.value - truth) < 0.05


@pytest.mark.parametrize("metric", ["euclidean", "chebyshev"])
def test_kl_entropy_uniform(metric):
    rng = np.random.default_rng(14)
    # uniform on [0, 2] x [0, 1]: H = ln 2 (boundary effects bias kNN entropy up by ~0.03)
    x = rng.uniform(size=(N, 2)) * [2.0, 1.0]
    assert abs(KozachenkoLeonenko(metric=metric).estimate(x).value - math.log(2)) < 0.06
    # 1-D: both norms are the same, uniform on [0, 1] has H = 0
    u = rng.uniform(size=N)
    assert abs(KozachenkoLeonenko(metric=metric).estimate(u).value) < 0.03


def test_unit_ball_volumes():
    assert math.exp(log_unit_ball_volume(2, "euclidean")) == pytest.approx(math.pi)
    assert math.exp(log_unit_ball_volume(3, "euclidean")) == pytest.approx(4 * math.pi / 3)
    assert math.exp(log_unit_ball_volume(3, "chebyshev")) == pytest.approx(8.0)


def test_kl_rejects_duplicates_without_jitter_and_constant_columns():
    x = np.repeat(np.arange(100.0), 5)
    with pytest.raises(ValueError, match="duplicates"):
        KozachenkoLeonenko(jitter=0.0).estimate(x)
    with pytest.raises(ValueError, match="constant column"):
        KozachenkoLeonenko().estimate(np.c_[np.arange(50.0), np.ones(50)])


# ------------------------------------------------------------------ CMI
def test_frenzel_pompe_gaussian_chain():
    rng = np.random.default_rng(15)
    z = rng.standard_normal(N)
    x = z + rng.standard_normal(N)
    y = x + rng.standard_normal(N)
    # Markov chain z -> x -> y: I(Z;Y|X) = 0; I(X;Y|Z) = I(N1; N1 + N2) = 0.5 ln 2
    est = FrenzelPompe()
    assert abs(est.estimate(z, y, x).value) < 0.03
    assert abs(est.estimate(x, y, z).value - 0.5 * math.log(2)) < 0.05
    assert (
        get_estimator_class("cmi", "ksg")().estimate(x, y, z).value == est.estimate(x, y, z).value
    )


# ------------------------------------------------------------------ discrete / mixed
def mixture_mi(means: list[float]) -> float:
    """I(X;Y) for X uniform over classes and Y | X=c ~ N(mean_c, 1): h(Y) - h(Y|X)."""

    def density(t: float) -> float:
        return float(np.mean([stats.norm.pdf(t, m) for m in means]))

    def integrand(t: float) -> float:
        p = density(t)
        return -p * math.log(p) if p > 0 else 0.0

    h_y = integrate.quad(integrand, min(means) - 12, max(means) + 12, limit=200)[0]
    return h_y - 0.5 * math.log(2 * math.pi * math.e)


def test_ross_on_gaussian_mixture():
    rng = np.random.default_rng(16)
    means = [0.0, 1.5, 3.0]
    labels = rng.integers(0, 3, N)
    y = np.asarray(means)[labels] + rng.standard_normal(N)
    truth = mixture_mi(means)  # numerical integration, about 0.57 nats
    est = Ross().estimate(labels, y)
    assert abs(est.value - truth) < 0.04
    assert est.value <= est.ceiling
    # the discrete variable may come second (detected from the integer dtype)
    assert Ross().estimate(y, labels).value == est.value


def test_ross_matches_sklearn():
    from sklearn.feature_selection import mutual_info_regression

    rng = np.random.default_rng(17)
    labels = rng.integers(0, 4, 1000)
    y = labels + rng.standard_normal(1000)
    reference = mutual_info_regression(
        labels[:, None].astype(float), y, discrete_features=True, n_neighbors=3, random_state=0
    )[0]
    assert Ross(k=3).estimate(labels, y).value == pytest.approx(reference, abs=1e-9)


def test_ross_separable_classes_reach_the_entropy_ceiling():
    rng = np.random.default_rng(23)
    labels = rng.integers(0, 2, 1000)
    y = 20.0 * labels + rng.standard_normal(1000)  # X is a function of Y: I = H(X) = ln 2
    est = Ross().estimate(labels, y)
    assert abs(est.value - math.log(2)) < 0.01
    assert est.ceiling == pytest.approx(math.log(2), abs=0.01)
    assert any("almost a function" in n for n in est.notes)


def test_ross_small_classes():
    rng = np.random.default_rng(18)
    labels = np.r_[rng.integers(0, 2, 300), [5, 5], [9]]
    y = rng.standard_normal(303)
    est = Ross().estimate(labels, y)
    assert est.n == 302
    assert any("left out" in n for n in est.notes)
    assert any("k = count - 1" in n for n in est.notes)
    with pytest.raises(ValueError, match="no value seen at least twice"):
        Ross().estimate(np.arange(10), np.arange(10.0))


def test_mixed_ksg_discrete_discrete_close_to_plugin_and_truth():
    from sklearn.metrics import mutual_info_score

    rng = np.random.default_rng(19)
    a = rng.integers(0, 3, N)
    b = (a + rng.integers(0, 2, N)) % 3
    truth = math.log(3) - math.log(2)  # H(B) - H(B|A) for B uniform, B|A uniform on 2 values
    plugin = mutual_info_score(a, b)
    est = MixedKSG().estimate(a, b)
    # per cell of m points the estimate differs from plug-in by psi(m) - ln m, about -1/(2m)
    assert abs(est.value - plugin) < 0.005
    assert abs(est.value - truth) < 0.03
    assert get_estimator_class("mi", "gao")().estimate(a, b).value == est.value


def test_mixed_ksg_on_mixture_with_atom():
    # with prob 1/2 X = Y = 0 (a joint atom), else X, Y ~ U(1, 2) independent: I = ln 2
    rng = np.random.default_rng(20)
    atom = rng.random(N) < 0.5
    x = np.where(atom, 0.0, rng.uniform(1, 2, N))
    y = np.where(atom, 0.0, rng.uniform(1, 2, N))
    assert abs(MixedKSG().estimate(x, y).value - math.log(2)) < 0.04


def test_mixed_ksg_discrete_x_continuous_y_and_equals_ksg1_without_ties():
    rng = np.random.default_rng(21)
    x = rng.integers(0, 5, N)
    y = x + rng.uniform(0, 2, N)
    truth = math.log(5) - 0.8 * math.log(2)  # Y | X uniform on [X, X + 2]
    assert abs(MixedKSG().estimate(x, y).value - truth) < 0.03
    assert abs(Ross().estimate(x, y).value - truth) < 0.03
    a, b = gaussian_pair(0.7, n=800)
    assert MixedKSG().estimate(a, b).value == pytest.approx(
        KSG1(jitter=0.0).estimate(a, b).value, abs=1e-12
    )


# ------------------------------------------------------------------ registry and results
def test_registry_names_and_estimate_fields():
    for name in ("ksg1", "ksg2", "ross", "mixed-ksg", "gao"):
        assert name in method_names("mi")
    assert "kl" in method_names("entropy")
    assert {"frenzel-pompe", "ksg"} <= set(method_names("cmi"))
    est = get_estimator_class("mi", "ksg1")(k=4).estimate(*gaussian_pair(0.5, n=300))
    assert (est.unit, est.kind, est.method, est.n) == ("nats", "point", "ksg1", 300)
    assert est.params["k"] == 4
    assert get_estimator_class("mi", "ksg1").resampling == "subsample"
    assert est.to("bits").value == pytest.approx(est.value / math.log(2))


# ------------------------------------------------------------------ bad inputs
def test_too_few_samples_names_k_and_n():
    for est, args in (
        (KSG1(k=3), ([1.0, 2, 3], [1.0, 2, 3])),
        (KozachenkoLeonenko(k=5), ([1.0, 2, 3, 4, 5],)),
        (MixedKSG(k=3), ([1.0, 2], [3.0, 4])),
    ):
        with pytest.raises(ValueError, match=r"k=\d+ needs more samples: got n=\d+"):
            est.estimate(*args)


@pytest.mark.parametrize("k", [0, -1])
def test_bad_k(k):
    with pytest.raises(ValueError, match="k must be >= 1"):
        KSG1(k=k)
    with pytest.raises(TypeError, match="k must be an integer"):
        KSG1(k=2.5)


def test_bad_arrays():
    good = np.arange(10.0)
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        KSG1().estimate(np.r_[np.nan, good[1:]], good)
    with pytest.raises(ValueError, match="y contains 1 NaN or infinite"):
        KSG1().estimate(good, np.r_[np.inf, good[1:]])
    with pytest.raises(ValueError, match="x must be 1-D"):
        KSG1().estimate(np.zeros((10, 2, 2)), good)
    with pytest.raises(ValueError, match="same number of samples"):
        KSG1().estimate(good, good[:-1])
    with pytest.raises(ValueError, match="x is empty"):
        KSG1().estimate(np.array([]), np.array([]))
    with pytest.raises(TypeError, match="x must hold real numbers"):
        KSG1().estimate(np.array(list("abcdefghij")), good)
    with pytest.raises(ValueError, match="z contains"):
        FrenzelPompe().estimate(good, good, np.r_[np.nan, good[1:]])


def test_bad_parameters():
    with pytest.raises(ValueError, match="metric must be one of"):
        KSG1(metric="manhattan")
    with pytest.raises(ValueError, match="algorithm must be one of"):
        KSG2(algorithm="faiss")
    with pytest.raises(ValueError, match="jitter must be >= 0"):
        KSG1(jitter=-1.0)
    with pytest.raises(TypeError, match="standardize must be a bool"):
        KSG1(standardize=1)
    with pytest.raises(ValueError, match="workers must be -1"):
        KSG1(workers=0)
    with pytest.raises(TypeError, match="seed"):
        KSG1(seed=1.5)
    with pytest.raises(ValueError, match="discrete must be one of"):
        Ross(discrete="z")
    with pytest.raises(ValueError, match="algorithm='tree' needs metric='chebyshev'"):
        KSG1(metric="euclidean", algorithm="tree").estimate(
            np.ones((10, 2)).cumsum(0), np.arange(10.0)
        )

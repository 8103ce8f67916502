"""Plug-in and binned estimators: exact discrete identities, closed forms, the IDNN convention."""

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from infossl.estimators import get_estimator_class
from infossl.estimators.binning import bin_samples, idnn_digitize, idnn_information

PluginH = get_estimator_class("entropy", "plugin")
PluginMI = get_estimator_class("mi", "plugin")
PluginCMI = get_estimator_class("cmi", "plugin")
BinnedH = get_estimator_class("entropy", "binned")
BinnedMI = get_estimator_class("mi", "binned")

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def counter_entropy(symbols):
    """Independent reference: entropy (nats) of the empirical pmf of hashable symbols."""
    counts = np.array(list(Counter(symbols).values()), dtype=float)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def test_plugin_entropy_is_the_entropy_of_the_empirical_pmf():
    x = np.repeat([3.0, -1.0, 7.5], [5, 3, 2])
    exact = -(0.5 * math.log(0.5) + 0.3 * math.log(0.3) + 0.2 * math.log(0.2))
    est = PluginH().estimate(x)
    assert abs(est.value - exact) < 1e-12
    assert abs(est.ceiling - math.log(10)) < 1e-12
    mm = PluginH(miller_madow=True).estimate(x)
    assert abs(mm.value - (exact + (3 - 1) / (2 * 10))) < 1e-12


def test_plugin_entropy_rows_and_extremes():
    rows = (np.arange(4096)[:, None] >> np.arange(12)) & 1  # every 12-bit pattern once
    assert abs(PluginH().estimate(rows).to("bits").value - 12.0) < 1e-9
    assert PluginH().estimate(np.full((50, 3), 2.0)).value == 0.0
    rng = np.random.default_rng(0)
    r = rng.integers(0, 3, size=(300, 2))
    assert abs(PluginH().estimate(r).value - counter_entropy(map(tuple, r))) < 1e-12


def test_plugin_mi_identities():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, size=1000)
    assert abs(PluginMI().estimate(x, x).value - PluginH().estimate(x).value) < 1e-12
    gx, gy = np.meshgrid(np.arange(4), np.arange(6))  # full product grid: independent
    assert abs(PluginMI().estimate(gx.ravel(), gy.ravel()).value) < 1e-12
    y = (x + rng.integers(0, 2, size=1000)) % 5
    base = PluginMI().estimate(x, y)
    reference = counter_entropy(x) + counter_entropy(y) - counter_entropy(zip(x, y, strict=True))
    assert abs(base.value - reference) < 1e-12
    assert abs(PluginMI().estimate(y, x).value - base.value) < 1e-12
    perm = rng.permutation(1000)
    assert abs(PluginMI().estimate(x[perm], y[perm]).value - base.value) < 1e-12
    assert abs(PluginMI().estimate(10.0 * x - 3, y**2).value - base.value) < 1e-12
    mx, my, mxy = 5, 5, len(set(zip(x, y, strict=True)))
    mm = PluginMI(miller_madow=True).estimate(x, y)
    assert abs(mm.value - base.value - (mx + my - mxy - 1) / 2000) < 1e-12
    assert abs(base.to("bits").value - base.value / math.log(2)) < 1e-15


def test_plugin_cmi():
    g = np.stack(np.meshgrid(np.arange(3), np.arange(4), np.arange(2)), -1).reshape(-1, 3)
    assert abs(PluginCMI().estimate(g[:, 0], g[:, 1], g[:, 2]).value) < 1e-12
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, 500)
    y = (x + rng.integers(0, 2, 500)) % 3
    z0 = np.zeros(500)
    assert abs(PluginCMI().estimate(x, y, z0).value - PluginMI().estimate(x, y).value) < 1e-12
    assert abs(PluginCMI().estimate(x, y, x).value) < 1e-12  # I(X;Y|X) = 0


def test_uniform_entropy_via_binning():
    rng = np.random.default_rng(3)
    u = rng.uniform(0, 3, size=(20000, 2))
    truth = 2 * math.log(3)
    fixed = BinnedH(bins=20, value_range=(0, 3), differential=True, miller_madow=True)
    assert abs(fixed.estimate(u).value - truth) < 0.01
    assert abs(BinnedH(bins=20, differential=True).estimate(u).value - truth) < 0.03
    quant = BinnedH(bins=20, strategy="quantile", differential=True).estimate(u)
    assert abs(quant.value - truth) < 0.03
    # discrete entropy of the bins: uniform over 20² cells → ≈ ln 400
    disc = BinnedH(bins=20, value_range=(0, 3)).estimate(u)
    assert disc.quantity == "H(bin(X))" and abs(disc.value - math.log(400)) < 0.015
    assert abs(disc.ceiling - math.log(400)) < 1e-12


def test_binned_mi_independent_and_dependent():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=20000), rng.normal(size=20000)
    indep = BinnedMI(bins=8, strategy="quantile").estimate(x, y)
    # plug-in bias under independence ≈ (8−1)²/(2n) = 0.0012
    assert 0 <= indep.value < 0.004
    rho = 0.9
    y2 = rho * x + math.sqrt(1 - rho**2) * y
    est = BinnedMI(bins=30, strategy="quantile", miller_madow=True).estimate(x, y2)
    truth = -0.5 * math.log(1 - rho**2)
    assert truth - 0.12 < est.value < truth + 0.02  # binning loses information (DPI)


def _saxe_exact_entropy_bits(w, edges):
    """Exact H(bin(tanh(wX))) for X ~ N(0,1) from the Gaussian CDF (bins between edges)."""
    inner = np.clip(edges[1:-1], -1 + 1e-15, 1 - 1e-15)
    cuts = np.concatenate([[-np.inf], np.arctanh(inner) / w, [np.inf]])
    p = np.diff(norm.cdf(cuts))
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


@pytest.mark.parametrize("w", [0.5, 2.0, 10.0])
def test_saxe_minimal_model_matches_cdf(w):
    rng = np.random.default_rng(5)
    t = np.tanh(w * rng.normal(size=200_000))
    est = BinnedH(bins=30, value_range=(-1, 1)).estimate(t).to("bits")
    exact = _saxe_exact_entropy_bits(w, np.linspace(-1, 1, 31))
    assert abs(est.value - exact) < 0.01


def test_small_weight_limit_depends_on_edges():
    rng = np.random.default_rng(6)
    t = np.tanh(0.01 * rng.normal(size=100_000))
    idnn = BinnedH(strategy="idnn").estimate(t).to("bits").value  # 0 inside a bin
    intervals = BinnedH(bins=30, value_range=(-1, 1)).estimate(t).to("bits").value  # 0 an edge
    assert idnn < 0.01
    assert abs(intervals - 1.0) < 0.01


def test_idnn_digitize_convention():
    t = np.array([[-1.0, -0.99, 0.0, 0.999, 1.0, -1.5]])
    assert idnn_digitize(t).tolist() == [[1, 1, 15, 29, 30, 30]]
    assert bin_samples(t.T, strategy="idnn").ravel().tolist() == [1, 1, 15, 29, 30, 30]


def test_idnn_information_on_a_small_network():
    rng = np.random.default_rng(7)
    x = (np.arange(64)[:, None] >> np.arange(6)) & 1  # 6-bit inputs, each once
    w = rng.normal(size=(6, 3))
    t = np.tanh(x @ w)
    y = x.sum(axis=1) % 2
    i_xt, i_ty = idnn_information(x, t, y)
    symbols = [tuple(row) for row in np.digitize(t, np.linspace(-1, 1, 30))]
    h_t = counter_entropy(symbols)
    h_t_given_y = sum(
        np.mean(y == c) * counter_entropy([s for s, yc in zip(symbols, y, strict=True) if yc == c])
        for c in (0, 1)
    )
    assert abs(i_xt.value - h_t) < 1e-12  # I(X;T) = H(T) for a deterministic layer
    assert abs(i_ty.value - (h_t - h_t_given_y)) < 1e-12
    assert i_xt.quantity == "I(X;T)" and i_ty.quantity == "I(T;Y)"
    assert i_xt.value <= math.log(64) + 1e-12


def test_saturation_on_a_wide_layer():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(1000, 20))
    t = np.tanh(x @ rng.normal(size=(20, 1000)))
    i_xt = BinnedMI(strategy="idnn", x_discrete=True).estimate(x, t)
    assert abs(i_xt.value - math.log(1000)) < 1e-9
    assert i_xt.saturated and abs(i_xt.ceiling - math.log(1000)) < 1e-12


@pytest.mark.skipif(not (DATA / "var_u.mat").exists(), reason="../shared/data/var_u.mat absent")
def test_var_u_label_information():
    from scipy.io import loadmat

    mat = loadmat(DATA / "var_u.mat")
    x, y = mat["F"].astype(float), mat["y"].ravel().astype(float)
    # X uniform over 4096 distinct inputs: I(X;Y) = H(Y) exactly
    assert abs(PluginMI().estimate(x, y).value - PluginH().estimate(y).value) < 1e-12
    t = np.tanh(x @ np.random.default_rng(9).normal(size=(12, 10)))
    i_xt, i_ty = idnn_information(x, t, y)
    assert 0 < i_ty.value <= PluginH().estimate(y).value + 1e-12
    assert i_xt.to("bits").value <= 12 + 1e-9


@pytest.mark.parametrize(
    "make, err, match",
    [
        (lambda: BinnedH(bins=0), ValueError, "bins"),
        (lambda: BinnedH(bins=2.5), TypeError, "bins"),
        (lambda: BinnedH(strategy="kmeans"), ValueError, "strategy"),
        (lambda: BinnedH(value_range=(1, 0)), ValueError, "value_range"),
        (lambda: BinnedH(value_range=5), TypeError, "value_range"),
        (lambda: BinnedH(strategy="idnn", differential=True), ValueError, "differential"),
        (lambda: PluginH(miller_madow=1), TypeError, "miller_madow"),
        (lambda: PluginH().estimate([1.0, np.nan]), ValueError, "NaN"),
        (lambda: PluginMI().estimate([1, 2, 3], [1, 2]), ValueError, "same number"),
        (lambda: BinnedH(differential=True).estimate(np.ones((10, 2))), ValueError, "constant"),
    ],
)
def test_bad_inputs(make, err, match):
    with pytest.raises(err, match=match):
        make()


def test_plugin_mi_of_tables_equals_sklearn_per_row_and_corrects_by_miller_madow():
    from sklearn.metrics import mutual_info_score

    from infossl.estimators.binning import plugin_mi_of_tables

    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, size=(6, 25))
    b = (a + rng.integers(0, 2, size=(6, 25))) % 3
    mi = plugin_mi_of_tables(a, b)
    assert np.allclose(mi, [mutual_info_score(x, y) for x, y in zip(a, b, strict=True)], atol=1e-12)
    mm = plugin_mi_of_tables(a, b, miller_madow=True)
    for row, (x, y) in enumerate(zip(a, b, strict=True)):
        cells = len(set(zip(x.tolist(), y.tolist(), strict=True)))
        bias = (cells - len(set(x)) - len(set(y)) + 1) / (2 * 25)
        assert mm[row] == pytest.approx(max(mi[row] - bias, 0.0), abs=1e-12)
    independent = plugin_mi_of_tables(np.zeros((2, 5), int), rng.integers(0, 2, size=(2, 5)))
    assert np.array_equal(independent, [0.0, 0.0])
    with pytest.raises(ValueError, match="same shape"):
        plugin_mi_of_tables(a, b[:, :3])
    with pytest.raises(ValueError, match="non-negative"):
        plugin_mi_of_tables(-a, b)

"""Sliced MI against the closed form for jointly Gaussian data."""

import math

import numpy as np
import pytest

from infossl.estimators import get_estimator_class, method_names
from infossl.estimators.sliced import random_directions, sliced_mi_gaussian

Sliced = get_estimator_class("mi", "sliced")


def gaussian_pair(n, seed):
    """X ~ N(0, Σ_x) in 3-D and Y = B X + 0.5 ε in 3-D: (covariance, samples (n, 6))."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(3, 3))
    sxx = a @ a.T / 3 + 0.2 * np.eye(3)
    b = np.eye(3) + 0.3 * rng.normal(size=(3, 3))
    cov = np.block([[sxx, sxx @ b.T], [b @ sxx, b @ sxx @ b.T + 0.25 * np.eye(3)]])
    return cov, rng.multivariate_normal(np.zeros(6), cov, size=n)


def test_closed_form_reduces_to_bivariate_formula():
    rho = 0.6  # 1-D X and Y: every projection is ±(X, Y), SI = I = −½ ln(1 − ρ²)
    value, se = sliced_mi_gaussian([[1.0, rho], [rho, 1.0]], 1, n_projections=1000)
    assert abs(value + 0.5 * math.log(1 - rho**2)) < 1e-12 and se < 1e-12


def test_directions_are_unit_and_seeded():
    d1 = random_directions(500, 4, np.random.default_rng(0))
    assert np.allclose(np.linalg.norm(d1, axis=1), 1.0)
    assert abs(d1.mean()) < 0.05
    assert np.array_equal(d1, random_directions(500, 4, np.random.default_rng(0)))


def test_sliced_gaussian_pair_matches_closed_form():
    cov, xy = gaussian_pair(5000, 1)
    truth, truth_se = sliced_mi_gaussian(cov, 3, n_projections=100_000, seed=1)
    est = Sliced(n_projections=300, estimator="gaussian", seed=0).estimate(xy[:, :3], xy[:, 3:])
    assert est.quantity == "SI(X;Y)" and est.kind == "point" and est.stderr > 0
    # projection Monte Carlo error (4 stderr) + sampling error of n = 5000 (≈ 0.01)
    assert abs(est.value - truth) < 4 * est.stderr + 0.01 + 4 * truth_se
    full = get_estimator_class("mi", "gaussian")().estimate(xy[:, :3], xy[:, 3:]).value
    assert est.value < full  # SI ≤ I


@pytest.mark.skipif("ksg1" not in method_names("mi"), reason="the ksg1 estimator is not registered")
def test_sliced_with_default_ksg1():
    cov, xy = gaussian_pair(2000, 2)
    truth, _ = sliced_mi_gaussian(cov, 3, n_projections=50_000, seed=2)
    est = Sliced(n_projections=64, seed=0).estimate(xy[:, :3], xy[:, 3:])
    assert abs(est.value - truth) < 4 * est.stderr + 0.03


def test_seeding_symmetry_and_independence():
    _, xy = gaussian_pair(1000, 3)
    x, y = xy[:, :3], xy[:, 3:]
    a = Sliced(n_projections=50, estimator="gaussian", seed=7).estimate(x, y)
    b = Sliced(n_projections=50, estimator="gaussian", seed=7).estimate(x, y)
    c = Sliced(n_projections=50, estimator="gaussian", seed=8).estimate(x, y)
    assert a.value == b.value and a.value != c.value
    swapped = Sliced(n_projections=400, estimator="gaussian", seed=1).estimate(y, x)
    direct = Sliced(n_projections=400, estimator="gaussian", seed=2).estimate(x, y)
    assert abs(swapped.value - direct.value) < 4 * math.hypot(swapped.stderr, direct.stderr)
    rng = np.random.default_rng(4)
    indep = Sliced(n_projections=50, estimator="gaussian").estimate(
        rng.normal(size=(5000, 3)), rng.normal(size=(5000, 2))
    )
    assert 0 <= indep.value < 0.0015
    assert abs(a.to("bits").value - a.value / math.log(2)) < 1e-15


def test_inner_estimator_parameters_pass_through():
    _, xy = gaussian_pair(500, 5)
    binned = Sliced(
        n_projections=20, estimator="binned", estimator_params={"bins": 8, "strategy": "quantile"}
    ).estimate(xy[:, :3], xy[:, 3:])
    assert binned.params["estimator_params"] == {"bins": 8, "strategy": "quantile"}
    assert binned.value > 0


@pytest.mark.parametrize(
    "make, err, match",
    [
        (lambda: Sliced(n_projections=0, estimator="gaussian"), ValueError, "n_projections"),
        (lambda: Sliced(estimator="nope"), ValueError, "valid methods"),
        (lambda: Sliced(estimator="sliced"), ValueError, "sliced"),
        (lambda: Sliced(estimator=3), TypeError, "estimator"),
        (lambda: Sliced(estimator="gaussian", estimator_params={"k": 3}), TypeError, "k"),
        (lambda: Sliced(estimator="gaussian", estimator_params=[1]), TypeError, "estimator_params"),
        (lambda: Sliced(estimator="gaussian", seed=-1), TypeError, "seed"),
        (
            lambda: Sliced(estimator="gaussian").estimate(np.ones((5, 2)), np.ones((4, 2))),
            ValueError,
            "same number",
        ),
        (lambda: sliced_mi_gaussian(np.eye(3), 3), ValueError, "dim_x"),
    ],
)
def test_bad_inputs(make, err, match):
    with pytest.raises(err, match=match):
        make()


# --------------------------------------------------- paired: shared k-D orthonormal projections
def test_orthonormal_frames_are_orthonormal_and_seeded():
    from infossl.estimators.sliced import random_orthonormal_frames

    w = random_orthonormal_frames(50, 5, 3, np.random.default_rng(0))
    assert w.shape == (50, 5, 3)
    assert np.allclose(np.einsum("mij,mik->mjk", w, w), np.eye(3)[None], atol=1e-12)
    assert np.array_equal(w, random_orthonormal_frames(50, 5, 3, np.random.default_rng(0)))


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_paired_projections_of_isotropic_gaussian_pair(dims):
    """Isotropic Gaussians with correlation ρ per coordinate: every orthonormal W gives
    I(WᵀX; WᵀY) = −(dims/2)·ln(1 − ρ²); with the Gaussian inner estimator the mean over
    projections matches it, and stays below I(X;Y) = −(d/2)·ln(1 − ρ²)."""
    rho, d, n = 0.8, 5, 20_000
    rng = np.random.default_rng(4)
    x = rng.standard_normal((n, d))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    truth = -0.5 * dims * math.log(1 - rho**2)
    est = Sliced(n_projections=20, estimator="gaussian", seed=0, paired=True, dims=dims).estimate(
        x, y
    )
    assert est.kind == "lower" and est.quantity == "I(X;Y)"
    assert est.value == pytest.approx(truth, abs=0.02 * dims)
    assert est.value < -0.5 * d * math.log(1 - rho**2)
    assert est.params["paired"] is True and est.params["dims"] == dims


@pytest.mark.skipif("ksg1" not in method_names("mi"), reason="the ksg1 estimator is not registered")
def test_paired_projections_with_default_ksg1():
    rho = 0.6
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2000, 4))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(x.shape)
    est = Sliced(n_projections=6, seed=1, paired=True, dims=2).estimate(x, y)
    assert est.value == pytest.approx(-math.log(1 - rho**2), abs=0.06)
    again = Sliced(n_projections=6, seed=1, paired=True, dims=2).estimate(x, y)
    assert again.value == est.value


@pytest.mark.parametrize(
    ("params", "data", "error", "match"),
    [
        ({"paired": 1}, None, TypeError, "paired must be a bool"),
        ({"dims": 0, "paired": True}, None, ValueError, "dims must be >= 1"),
        ({"dims": 2.0, "paired": True}, None, TypeError, "dims must be an integer"),
        ({"dims": 2}, None, ValueError, "needs paired=True"),
        ({"paired": True}, (3, 2), ValueError, "same dimension"),
        ({"paired": True, "dims": 4}, (3, 3), ValueError, "dims must be <="),
    ],
)
def test_paired_option_validation(params, data, error, match):
    with pytest.raises(error, match=match):
        est = Sliced(estimator="gaussian", **params)
        dx, dy = data
        rng = np.random.default_rng(0)
        est.estimate(rng.standard_normal((50, dx)), rng.standard_normal((50, dy)))

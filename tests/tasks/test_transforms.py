"""Invertible maps of infossl.tasks: round trips, Jacobians, and MI kept after transforming.

The MI-preservation test integrates numerically in the transformed coordinates, with the
transformed density from the change-of-variables formula and marginals summed on the grid, so it
does not assume the invariance it checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from infossl.tasks import (
    Asinh,
    Compose,
    GaussianToMixture,
    HalfCube,
    Linear,
    NormalCDF,
    Power,
    Spiral,
    SwissRoll,
    TransformedTask,
    Wiggly,
    bivariate_normal,
    get_task,
    monte_carlo_mi,
    so_generator,
    sparse_normal,
)

RNG = np.random.default_rng(0)
X1 = RNG.standard_normal((2000, 1)) * 2.0
X3 = RNG.standard_normal((500, 3)) * 1.5


def elementwise_transforms():
    return [
        NormalCDF(),
        HalfCube(),
        Power(0.6),
        Power(4.0),
        Asinh(),
        Wiggly.for_x(),
        Wiggly.for_y(),
        GaussianToMixture([0.3, 0.7], [0.0, 5.0], [1.0, 1.0]),
        GaussianToMixture([0.5, 0.2, 0.3], [-1.0, 3.0, 10.0], [1.0, 0.3, 2.0]),
    ]


@pytest.mark.parametrize("t", elementwise_transforms(), ids=repr)
def test_elementwise_round_trip_and_monotone(t):
    x = X1[np.abs(X1[:, 0]) < 5]  # Φ(x) rounds to 1 beyond ~8
    y = t.forward(x)
    np.testing.assert_allclose(t.inverse(y), x, atol=1e-8, rtol=1e-8)
    order = np.argsort(x[:, 0])
    assert np.all(np.diff(y[order, 0]) > 0)  # strictly increasing: injective


@pytest.mark.parametrize("t", elementwise_transforms(), ids=repr)
def test_elementwise_log_jacobian_by_finite_differences(t):
    x = X1[:300]
    x = x[(np.abs(x[:, 0]) > 1e-2) & (np.abs(x[:, 0]) < 4)]  # power maps: not smooth at 0
    h = 1e-5
    fd = (t.forward(x + h) - t.forward(x - h)) / (2 * h)
    np.testing.assert_allclose(t.log_abs_det_jacobian(x), np.log(fd[:, 0]), atol=1e-5)


def _numerical_log_jacobian(t, x, h=1e-6):
    cols = []
    for j in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[j] = h
        cols.append((t.forward(x + e) - t.forward(x - e)) / (2 * h))
    jac = np.stack(cols, axis=-1)  # (n, d_out, d_in)
    return 0.5 * np.linalg.slogdet(np.einsum("nij,nik->njk", jac, jac))[1]


@pytest.mark.parametrize("speed", [0.3, 1.0, 3.0])
def test_spiral_round_trip_norm_and_volume(speed):
    for dim, plane in ((2, (0, 1)), (3, (1, 2)), (5, (0, 3))):
        t = Spiral(dim, so_generator(dim, *plane), speed=speed)
        x = RNG.standard_normal((400, dim)) * 1.5
        y = t.forward(x)
        np.testing.assert_allclose(t.inverse(y), x, atol=1e-10)
        np.testing.assert_allclose(np.linalg.norm(y, axis=1), np.linalg.norm(x, axis=1), rtol=1e-12)
        np.testing.assert_allclose(_numerical_log_jacobian(t, x[:50]), 0.0, atol=1e-6)
        assert np.max(np.abs(y - x)) > 0.1  # it does move points


def test_spiral_matches_an_explicit_plane_rotation():
    t = Spiral(3, so_generator(3, 0, 1), speed=1.0)  # rate 1/3
    x = RNG.standard_normal((20, 3))
    theta = np.sum(x**2, axis=1) / 3
    expected = np.column_stack(
        [
            np.cos(theta) * x[:, 0] - np.sin(theta) * x[:, 1],
            np.sin(theta) * x[:, 0] + np.cos(theta) * x[:, 1],
            x[:, 2],
        ]
    )
    np.testing.assert_allclose(t.forward(x), expected, atol=1e-12)


def test_general_skew_generator():
    a = RNG.standard_normal((4, 4))
    t = Spiral(4, a - a.T, speed=0.2, normalize_speed=False)
    x = RNG.standard_normal((100, 4))
    np.testing.assert_allclose(t.inverse(t.forward(x)), x, atol=1e-10)
    np.testing.assert_allclose(_numerical_log_jacobian(t, x[:30]), 0.0, atol=1e-6)


def test_swiss_roll_round_trip_and_volume_factor():
    t = SwissRoll()
    u = RNG.uniform(0.01, 0.99, size=(500, 1))
    p = t.forward(u)
    assert p.shape == (500, 2)
    np.testing.assert_allclose(t.inverse(p), u, atol=1e-12)
    np.testing.assert_allclose(
        t.log_abs_det_jacobian(u[:50]), _numerical_log_jacobian(t, u[:50]), atol=1e-6
    )
    with pytest.raises(ValueError, match="inside"):
        t.forward(np.array([[1.5]]))
    with pytest.raises(ValueError, match="columns"):
        t.forward(np.zeros((3, 2)) + 0.5)


def test_linear_and_compose():
    a = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 0.5], [1.0, 0.0, 3.0]])
    lin = Linear(a, shift=[1.0, -2.0, 0.5])
    comp = Compose([NormalCDF(), Spiral(3)])
    assert comp.name == "spiral-normal_cdf"
    assert (Spiral(3) @ NormalCDF()).name == "spiral-normal_cdf"
    for t in (lin, comp, Compose([HalfCube(), lin, Asinh()])):
        y = t.forward(X3)
        np.testing.assert_allclose(t.inverse(y), X3, atol=1e-8)
        np.testing.assert_allclose(
            t.log_abs_det_jacobian(X3[:40]), _numerical_log_jacobian(t, X3[:40]), atol=1e-5
        )
    with pytest.raises(ValueError, match="invertible"):
        Linear([[1.0, 2.0], [2.0, 4.0]])


def test_bad_transform_parameters():
    with pytest.raises(ValueError, match="increasing"):
        Wiggly([0.9], [2.0], [0.0])
    with pytest.raises(ValueError, match="weights"):
        GaussianToMixture([0.5, 0.6], [0, 1], [1, 1])
    with pytest.raises(ValueError, match="stds"):
        GaussianToMixture([0.5, 0.5], [0, 1], [1, 0])
    with pytest.raises(ValueError, match="alpha"):
        Power(0.0)
    with pytest.raises(ValueError, match="skew"):
        Spiral(2, np.eye(2))
    with pytest.raises(ValueError, match="3 columns"):
        Spiral(3).forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="3 columns"):
        Spiral(3).inverse(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="expects 2 columns"):
        Linear(np.eye(2)).inverse(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="inside"):
        NormalCDF().inverse(np.array([[0.0]]))


# ----------------------------------------------------------------- MI after transforming
def _grid_mi(f, g, rho, lo=-7.0, hi=7.0, m=1201):
    """I of (f(X), g(Y)) for the bivariate normal, integrated on a grid in transformed space."""
    u = np.linspace(f.forward([[lo]])[0, 0], f.forward([[hi]])[0, 0], m)
    v = np.linspace(g.forward([[lo]])[0, 0], g.forward([[hi]])[0, 0], m)
    xu = f.inverse(u[:, None])
    yv = g.inverse(v[:, None])
    det = 1 - rho**2
    xx, yy = xu[:, 0][:, None], yv[:, 0][None, :]
    log_p = (
        -(xx**2 - 2 * rho * xx * yy + yy**2) / (2 * det)
        - math.log(2 * math.pi)
        - 0.5 * math.log(det)
    )
    log_p = log_p - f.log_abs_det_jacobian(xu)[:, None] - g.log_abs_det_jacobian(yv)[None, :]
    p = np.exp(log_p)
    du, dv = u[1] - u[0], v[1] - v[0]
    pu = np.trapezoid(p, dx=dv, axis=1)
    pv = np.trapezoid(p, dx=du, axis=0)
    mass = np.trapezoid(np.trapezoid(p, dx=dv, axis=1), dx=du)
    with np.errstate(divide="ignore", invalid="ignore"):
        integrand = np.where(p > 0, p * (log_p - np.log(pu)[:, None] - np.log(pv)[None, :]), 0.0)
    return np.trapezoid(np.trapezoid(integrand, dx=dv, axis=1), dx=du), mass


@pytest.mark.parametrize(
    "f,g",
    [
        (Asinh(), Asinh()),
        (Wiggly.for_x(), Wiggly.for_y()),
        (
            GaussianToMixture([0.3, 0.7], [0.0, 5.0], [1.0, 1.0]),
            GaussianToMixture([0.5, 0.5], [-1.0, 3.0], [1.0, 1.0]),
        ),
    ],
    ids=["asinh", "wiggly", "bimodal"],
)
def test_transformed_density_keeps_mi(f, g):
    rho = 0.75
    mi, mass = _grid_mi(f, g, rho)
    assert mass == pytest.approx(1.0, abs=1e-8)  # the change-of-variables density is right
    assert mi == pytest.approx(-0.5 * math.log(1 - rho**2), abs=1e-6)


def test_bimodal_task_has_the_declared_marginals():
    task = get_task("1v1-bimodal-0.75")
    x, y = task.sample(20_000, seed=1)
    fx = GaussianToMixture([0.3, 0.7], [0.0, 5.0], [1.0, 1.0])
    fy = GaussianToMixture([0.5, 0.5], [-1.0, 3.0], [1.0, 1.0])
    assert stats.kstest(x[:, 0], fx.cdf).pvalue > 1e-3
    assert stats.kstest(y[:, 0], fy.cdf).pvalue > 1e-3
    assert stats.kstest(x[:, 0], stats.norm(2.0, 2.0).cdf).pvalue < 1e-6  # not any distribution


def test_normal_cdf_task_has_uniform_marginals():
    x, y = get_task("normal_cdf-1v1-normal-0.75").sample(20_000, seed=2)
    assert stats.kstest(x[:, 0], "uniform").pvalue > 1e-3
    assert stats.kstest(y[:, 0], "uniform").pvalue > 1e-3


def test_transformed_task_composes_and_keeps_mi_and_ratio():
    base = sparse_normal(3, 3, 2, 2.0)
    once = TransformedTask(base, NormalCDF(), NormalCDF())
    twice = TransformedTask(once, Spiral(3), Spiral(3, so_generator(3, 1, 2)))
    assert twice.id == "spiral-normal_cdf-multinormal-sparse-3-3-2-2.0"
    assert twice.mutual_information == base.mutual_information
    only_y = TransformedTask(base, None, Asinh())
    assert only_y.id == "asinh_y-multinormal-sparse-3-3-2-2.0"
    mixed = TransformedTask(base, HalfCube(), Asinh())
    assert mixed.id == "half_cube_x-asinh_y-multinormal-sparse-3-3-2-2.0"
    # same seed: the transformed samples are the maps of the base samples, with the same ratio
    xb, yb = base.sample(100, seed=3)
    xt, yt = twice.sample(100, seed=3)
    np.testing.assert_allclose(xt, Spiral(3).forward(NormalCDF().forward(xb)), atol=1e-12)
    np.testing.assert_allclose(
        twice.log_density_ratio(xt, yt), base.log_density_ratio(xb, yb), atol=1e-7
    )
    with pytest.raises(ValueError, match="give"):
        TransformedTask(base)
    with pytest.raises(TypeError, match="Transform"):
        TransformedTask(base, np.tanh)


def test_swissroll_task():
    task = get_task("swissroll_x-normal_cdf-1v1-normal-0.75")
    x, y = task.sample(1000, seed=4)
    assert x.shape == (1000, 2) and y.shape == (1000, 1)
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.min() > 1.5 * math.pi / 21 - 1e-12 and r.max() < 4.5 * math.pi / 21 + 1e-12
    mean, se = monte_carlo_mi(task, 20_000, seed=5)
    assert abs(mean - bivariate_normal(0.75).mutual_information) < 4 * se

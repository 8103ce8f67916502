"""Multi-view testbed: closed forms against Monte Carlo, the ε_info knob, invertible maps, renders.

Monte Carlo references use empirical covariances of samples drawn from the structural equations
(an independent path from the loadings behind the closed forms). With n = 200,000 and at most 14
dimensions the plug-in log-det has bias and standard deviation below 1e-3 nats; tolerances are
0.01 nats unless stated.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from infossl.tasks._base import Task
from infossl.tasks.invertible_mlp import InvertibleMLP
from infossl.tasks.joint_gaussian import JointGaussian
from infossl.tasks.multiview import (
    LinearEncoder,
    LinearGaussianMultiView,
    MultiViewSample,
    NonlinearMultiView,
    ViewPairTask,
)
from infossl.tasks.multiview_shapes import ShapesMultiView, render_shapes

N_MC = 200_000
TOL = 0.01


def _cols(*arrays: np.ndarray) -> np.ndarray:
    return np.hstack([a.reshape(len(a), -1) for a in arrays])


def _logdet(data: np.ndarray) -> float:
    return float(np.linalg.slogdet(np.atleast_2d(np.cov(data.T)))[1])


def empirical_mi(a: np.ndarray, b: np.ndarray, c: np.ndarray | None = None) -> float:
    """Plug-in Gaussian I(A;B|C) from sample covariances (independent of the library)."""
    if c is None:
        return 0.5 * (_logdet(_cols(a)) + _logdet(_cols(b)) - _logdet(_cols(a, b)))
    return 0.5 * (
        _logdet(_cols(a, c)) + _logdet(_cols(b, c)) - _logdet(_cols(c)) - _logdet(_cols(a, b, c))
    )


@pytest.fixture(scope="module")
def task() -> LinearGaussianMultiView:
    return LinearGaussianMultiView(dim_s=2, dim_u=2, dim_x=5, noise=0.3, label_noise=0.5, seed=3)


@pytest.fixture(scope="module")
def violated(task: LinearGaussianMultiView) -> LinearGaussianMultiView:
    return task.with_knob(0.8)


@pytest.fixture(scope="module")
def big_sample(violated: LinearGaussianMultiView) -> MultiViewSample:
    return violated.sample(N_MC, seed=11)


# ---------------------------------------------------------------------- JointGaussian basics
def test_joint_gaussian_textbook_values() -> None:
    rho = 0.8
    j = JointGaussian(3)
    j.add("x", [1.0, 0.0, 0.0])
    j.add("y", [rho, math.sqrt(1 - rho**2), 0.0])
    j.add("z", [0.0, 1.0, 0.0], private_variance=0.5)  # z = noisy view of y's own noise
    assert j.mutual_information("x", "y") == pytest.approx(-0.5 * math.log(1 - rho**2), abs=1e-12)
    assert j.mutual_information("x", "x") == math.inf
    assert j.entropy("x") == pytest.approx(0.5 * math.log(2 * math.pi * math.e), abs=1e-12)
    assert j.entropy("x", "x") == -math.inf
    # x ⟂ z, and x − y − z is not a chain, but x ⟂ z | nothing: I(x;z) = 0 exactly.
    assert j.mutual_information("x", "z") == pytest.approx(0.0, abs=1e-12)
    # chain rule: I(x; y, z) = I(x; y) + I(x; z | y)
    total = j.mutual_information("x", ["y", "z"])
    parts = j.mutual_information("x", "y") + j.mutual_information("x", "z", "y")
    assert total == pytest.approx(parts, abs=1e-10)
    # sign of a standard normal: 1 bit of entropy; knowing it exactly leaves none.
    assert j.sign_entropy("x") == pytest.approx(math.log(2), abs=1e-12)
    assert j.sign_entropy("x", "x") == 0.0
    # Bayes accuracy of sign(x) from y is ½ + arcsin(ρ)/π.
    assert j.sign_bayes_accuracy("x", "y") == pytest.approx(0.5 + math.asin(rho) / math.pi)


def test_joint_gaussian_diagonal_private_noise_and_bad_inputs() -> None:
    j = JointGaussian(2)
    j.add("a", np.eye(2), private_variance=[1.0, 3.0])
    # per coordinate: I = ½ ln(1 + 1/p), p the private variance
    expected = 0.5 * (math.log(2.0) + math.log(4.0 / 3.0))
    j.add("b", np.eye(2))
    assert j.mutual_information("a", "b") == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError, match="already defined"):
        j.add("a", np.eye(2))
    with pytest.raises(ValueError, match="shape"):
        j.add("c", np.eye(3))
    with pytest.raises(ValueError, match="private_variance"):
        j.add("c", np.eye(2), private_variance=[1.0, -1.0])
    with pytest.raises(ValueError, match="unknown variable"):
        j.mutual_information("a", "q")
    with pytest.raises(ValueError, match="scalar"):
        j.sign_entropy("a")


# ---------------------------------------------------------------------- closed forms vs MC
def test_view_information_matches_monte_carlo(violated, big_sample) -> None:
    d, t = big_sample, violated
    pairs = {
        ("x1", "x2", None): empirical_mi(d.x1, d.x2),
        ("x1", "s", None): empirical_mi(d.x1, d.s),
        ("x2", "s", None): empirical_mi(d.x2, d.s),
        ("x1", "u1", None): empirical_mi(d.x1, d.u1),
        ("y", "x1", None): empirical_mi(d.y, d.x1),
        ("y", "x2", None): empirical_mi(d.y, d.x2),
        ("y", "x1", "x2"): empirical_mi(d.y, d.x1, d.x2),
        ("y", "x2", "x1"): empirical_mi(d.y, d.x2, d.x1),
        ("y", "u1", None): empirical_mi(d.y, d.u1),
    }
    for (a, b, c), mc in pairs.items():
        exact = t.information(a, b, c)
        assert exact == pytest.approx(mc, abs=TOL), (a, b, c)
    assert t.mutual_information == pytest.approx(pairs[("x1", "x2", None)], abs=TOL)
    assert t.eps_info == pytest.approx(
        max(pairs[("y", "x1", "x2")], pairs[("y", "x2", "x1")]), abs=TOL
    )
    # the violated label carries view-1-specific information
    assert t.information("y", "x1", "x2") > 0.2


def test_binary_label_information_matches_monte_carlo(violated, big_sample) -> None:
    """I(1[Y>0]; X) = ln 2 − E h_b(P(Y>0|X)), P from a sample regression of y on x."""
    d = big_sample
    for given, names in ((d.x1, "x1"), (_cols(d.x1, d.x2), ["x1", "x2"])):
        design = _cols(given, np.ones(len(d)))
        coef, *_ = np.linalg.lstsq(design, d.y, rcond=None)
        resid_sd = np.std(d.y - design @ coef)
        p = stats.norm.cdf(design @ coef / resid_sd)
        hb = -(p * np.log(np.clip(p, 1e-300, 1)) + (1 - p) * np.log(np.clip(1 - p, 1e-300, 1)))
        mc = math.log(2) - hb.mean()
        assert violated.information("y_class", names) == pytest.approx(mc, abs=TOL)
    assert violated.information("y_class", "y_class") == pytest.approx(math.log(2), abs=1e-9)


def test_bayes_accuracy_is_reached_by_a_linear_probe(task) -> None:
    from sklearn.linear_model import LogisticRegression

    train, test = task.sample(20_000, seed=1), task.sample(20_000, seed=2)
    probe = LogisticRegression(max_iter=1000).fit(train.x1, train.y_class)
    accuracy = probe.score(test.x1, test.y_class)
    # standard error of an accuracy on 20,000 test rows is ≤ 0.0036
    assert accuracy == pytest.approx(task.bayes_accuracy("x1"), abs=0.012)


def test_linear_encoder_information_matches_monte_carlo(violated, big_sample) -> None:
    rng = np.random.default_rng(5)
    enc1 = LinearEncoder(rng.standard_normal((2, violated.dim_x)), noise=0.3)
    enc2 = LinearEncoder(rng.standard_normal((3, violated.dim_x)), noise=0.2)
    d = big_sample
    z1, z2 = enc1.encode(d.x1, seed=1), enc2.encode(d.x2, seed=2)
    exact = violated.encoder_information(enc1, enc2)
    mc = {
        "I(Z1;S)": empirical_mi(z1, d.s),
        "I(Z1;Y)": empirical_mi(z1, d.y),
        "I(Z1;U1)": empirical_mi(z1, d.u1),
        "I(Z1;X1|X2)": empirical_mi(z1, d.x1, d.x2),
        "I(Z1;X1)": empirical_mi(z1, d.x1),
        "I(Z1;X2)": empirical_mi(z1, d.x2),
        "I(Z2;S)": empirical_mi(z2, d.s),
        "I(Z1;Z2)": empirical_mi(z1, z2),
        "H(Z1|X2)": 0.5 * (_logdet(_cols(z1, d.x2)) - _logdet(d.x2))
        + 0.5 * z1.shape[1] * math.log(2 * math.pi * math.e),
    }
    for key, value in mc.items():
        assert exact[key] == pytest.approx(value, abs=TOL), key
    # data processing: Z1 keeps no more about S than X1 does
    assert exact["I(Z1;S)"] <= violated.information("x1", "s") + 1e-12


def test_deterministic_encoder_has_infinite_view_specific_information(task) -> None:
    enc = LinearEncoder(np.eye(task.dim_x)[:2])
    info = task.encoder_information(enc)
    assert info["I(Z1;X1|X2)"] == math.inf
    assert math.isfinite(info["H(Z1|X2)"])
    assert math.isfinite(info["I(Z1;S)"])


# ---------------------------------------------------------------------- ε_info and the knob
def test_eps_info_is_zero_for_noiseless_injective_views() -> None:
    t = LinearGaussianMultiView(dim_s=2, dim_u=2, dim_x=4, noise=0.0, seed=1)
    assert t.eps_info == pytest.approx(0.0, abs=1e-10)
    assert t.information("y_class", "x2", "x1") == pytest.approx(0.0, abs=1e-10)
    assert t.mutual_information == math.inf  # S is a function of either view
    assert t.information("y", "x1") == pytest.approx(t.information("y", "s"), abs=1e-10)
    # the same matrices with the view-specific label break the assumption
    assert t.with_knob(1.0).eps_info > 0.3


def test_eps_floor_shrinks_with_view_noise() -> None:
    floors = [
        LinearGaussianMultiView(noise=noise, seed=0).eps_info for noise in (0.4, 0.2, 0.1, 0.05)
    ]
    assert all(a > b for a, b in itertools.pairwise(floors))
    assert floors[-1] < 0.01


@pytest.mark.parametrize("label_kind", ["y", "y_class"])
@pytest.mark.parametrize("above_floor", [0.05, 0.15])
def test_knob_solves_to_target_eps(task, label_kind: str, above_floor: float) -> None:
    target = task.eps_at_knob(0.0, label_kind=label_kind) + above_floor
    knob = task.solve_knob_for_eps(target, label_kind=label_kind)
    assert knob > 0
    assert task.eps_at_knob(knob, label_kind=label_kind) == pytest.approx(target, abs=1e-8)
    if label_kind == "y":
        assert task.with_eps(target).eps_info == pytest.approx(target, abs=1e-8)


def test_knob_targets_out_of_range_are_refused(task) -> None:
    with pytest.raises(ValueError, match="below this task's floor"):
        LinearGaussianMultiView(noise=0.5).solve_knob_for_eps(1e-4)
    with pytest.raises(ValueError, match="out of reach"):
        task.solve_knob_for_eps(50.0)


# ---------------------------------------------------------------------- sampling
def test_sample_is_deterministic_and_shaped(task) -> None:
    a, b, c = task.sample(100, seed=7), task.sample(100, seed=7), task.sample(100, seed=8)
    for key, value in a.as_dict().items():
        np.testing.assert_array_equal(value, getattr(b, key))
    assert not np.array_equal(a.x1, c.x1)
    assert a.x1.shape == (100, task.dim_x) and a.s.shape == (100, task.dim_s)
    assert a.u1.shape == (100, task.dim_u) and a.y.shape == (100,)
    np.testing.assert_array_equal(a.y_class, (a.y > 0).astype(np.int64))
    assert len(a.take(slice(0, 10))) == 10


# ---------------------------------------------------------------------- nonlinear version
def test_invertible_mlp_round_trip_and_log_det() -> None:
    f = InvertibleMLP(4, depth=3, slope=0.3, seed=2)
    x = np.random.default_rng(0).standard_normal((500, 4)) * 2
    np.testing.assert_allclose(f.inverse(f.forward(x)), x, atol=1e-10)
    np.testing.assert_allclose(f.forward(f.inverse(x)), x, atol=1e-10)
    # log|det J| against central finite differences at a few points
    eps = 1e-6
    for point in x[:5]:
        jac = np.stack(
            [
                (f.forward((point + eps * e)[None])[0] - f.forward((point - eps * e)[None])[0])
                / (2 * eps)
                for e in np.eye(4)
            ],
            axis=1,
        )
        expected = np.linalg.slogdet(jac)[1]
        assert f.log_abs_det_jacobian(point[None])[0] == pytest.approx(expected, abs=1e-5)
    assert np.ptp(f.log_abs_det_jacobian(x)) > 0  # really nonlinear: the Jacobian varies


def test_nonlinear_views_keep_the_linear_information() -> None:
    nl = NonlinearMultiView(depth=3, dim_x=5, noise=0.3, seed=4)
    lin = nl.linear.sample(300, seed=9)
    data = nl.sample(300, seed=9)
    np.testing.assert_allclose(data.x1, nl.f1.forward(lin.x1))
    np.testing.assert_allclose(nl.preimage(data.x2, 2), lin.x2, atol=1e-10)
    assert nl.information("y", "x2", "x1") == nl.linear.information("y", "x2", "x1")
    assert nl.known_information() == nl.linear.known_information()
    with pytest.raises(ValueError, match="no closed form"):
        nl.information("z1", "s")
    # the views are not linear-Gaussian any more
    assert abs(stats.skew(data.x1[:, 0])) + abs(stats.skew(data.x1[:, 1])) > 0.05


def test_view_pair_task_log_ratio_averages_to_the_mutual_information() -> None:
    for source in (
        LinearGaussianMultiView(dim_x=4, noise=0.5, seed=1),
        NonlinearMultiView(dim_x=4, noise=0.5, seed=1),
    ):
        pair = source.as_task()
        assert isinstance(pair, Task) and isinstance(pair, ViewPairTask)
        x1, x2 = pair.sample(40_000, seed=3)
        ratio = pair.log_density_ratio(x1, x2)
        stderr = ratio.std() / math.sqrt(len(ratio))
        assert ratio.mean() == pytest.approx(pair.mutual_information, abs=4 * stderr + 1e-3)
    with pytest.raises(ValueError, match="infinite"):
        LinearGaussianMultiView(dim_x=4, noise=0.0).as_task()


# ---------------------------------------------------------------------- image version
def test_shapes_are_deterministic_and_shaped() -> None:
    small = ShapesMultiView()
    a, b = small.sample(64, seed=5), small.sample(64, seed=5)
    np.testing.assert_array_equal(a.x1, b.x1)
    np.testing.assert_array_equal(a.x2, b.x2)
    assert a.x1.shape == (64, 1, 16, 16) and a.x1.dtype == np.float32
    assert a.s.shape == (64, 4) and a.u1.shape == (64, 5)
    np.testing.assert_array_equal(a.y, a.s[:, 0].astype(int))  # shared label: Y = class
    big = ShapesMultiView(size=32, channels=3).sample(8, seed=0)
    assert big.x1.shape == (8, 3, 32, 32) and big.u1.shape == (8, 6)
    assert not np.array_equal(a.x1, a.x2)  # the views differ in their nuisances


def test_render_parameters_are_recoverable_from_the_mask() -> None:
    t = ShapesMultiView(size=32)
    d = t.sample(600, seed=2)
    images, masks = render_shapes(
        d.s[:, 0].astype(int),
        d.s[:, 1],
        d.s[:, 2],
        d.s[:, 3],
        d.u1[:, 2],
        d.u1[:, 0],
        d.u1[:, 1],
        d.u1[:, 3],
        d.u1[:, 4],
        size=32,
        return_mask=True,
    )
    np.testing.assert_array_equal(images, d.x1)
    grid = (np.arange(32) + 0.5) / 32
    area = masks.sum(axis=(1, 2))
    cx = (masks * grid[None, None, :]).sum(axis=(1, 2)) / area
    cy = (masks * grid[None, :, None]).sum(axis=(1, 2)) / area
    # centroid within a tenth of a pixel; area within 5% of π r² (equal-area shapes)
    np.testing.assert_allclose(cx, d.s[:, 1], atol=0.1 / 32)
    np.testing.assert_allclose(cy, d.s[:, 2], atol=0.1 / 32)
    np.testing.assert_allclose(area / 32**2, np.pi * d.s[:, 3] ** 2, rtol=0.05)
    # without texture a pixel is bg + (fg − bg) · coverage exactly
    flat = render_shapes(
        d.s[:, 0].astype(int),
        d.s[:, 1],
        d.s[:, 2],
        d.s[:, 3],
        d.u1[:, 2],
        d.u1[:, 0],
        d.u1[:, 1],
        d.u1[:, 3],
        d.u1[:, 4],
        size=32,
        texture=0.0,
    )
    expected = d.u1[:, 1, None, None] + (d.u1[:, 0] - d.u1[:, 1])[:, None, None] * masks
    np.testing.assert_allclose(flat[:, 0], expected, atol=1e-6)


def test_shapes_view_specific_label_and_knob() -> None:
    target = 0.4
    q = ShapesMultiView.solve_knob_for_eps(target)
    t = ShapesMultiView(label="view-specific", eps_knob=q)
    assert t.eps_info == pytest.approx(target, abs=1e-12)
    d = t.sample(20_000, seed=1)
    bit = d.y % 2
    np.testing.assert_array_equal(d.y // 2, d.s[:, 0].astype(int))
    np.testing.assert_array_equal(bit, (d.u1[:, 0] > t.fg_threshold).astype(int))
    assert bit.mean() == pytest.approx(q, abs=0.015)  # binomial sd ≈ 0.003
    known = t.known_information()
    assert known["H(Y)"] == pytest.approx(math.log(3) + target)
    assert ShapesMultiView().known_information()["eps_info"] == 0.0


# ---------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"label": "both"}, "label"),
        ({"eps_knob": 0.5}, "eps_knob"),
        ({"label": "view-specific", "eps_knob": 0.0}, "eps_knob"),
        ({"noise": -0.1}, "noise"),
        ({"dim_s": 0}, "dim_s"),
        ({"mixing": (np.zeros((2, 2)),) * 4}, "mixing"),
        ({"label_weights": (np.zeros(2), np.zeros(2)), "label_noise": 0.0}, "constant"),
    ],
)
def test_linear_task_bad_inputs(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LinearGaussianMultiView(**kwargs)


def test_information_bad_inputs(task) -> None:
    with pytest.raises(ValueError, match="a entry"):
        task.information("w", "s")
    with pytest.raises(ValueError, match="y_class"):
        task.information("s", "x1", "y_class")
    with pytest.raises(ValueError, match="encoder1"):
        task.information("z1", "s")
    with pytest.raises(ValueError, match="takes 3 inputs"):
        task.information("z1", "s", encoder1=LinearEncoder(np.ones((1, 3))))
    with pytest.raises(TypeError, match="LinearEncoder"):
        task.encoder_information(np.ones((1, task.dim_x)))
    with pytest.raises(ValueError, match="noise"):
        LinearEncoder(np.ones((1, 3)), noise=-1.0)
    with pytest.raises(ValueError, match="NaN"):
        LinearEncoder(np.array([[np.nan, 1.0]]))
    with pytest.raises(TypeError, match="seed"):
        task.sample(10, seed=None)
    with pytest.raises(ValueError, match="n must be"):
        task.sample(0, seed=0)


def test_shapes_and_mlp_bad_inputs() -> None:
    with pytest.raises(ValueError, match="channels"):
        ShapesMultiView(channels=2)
    with pytest.raises(ValueError, match="radius_range"):
        ShapesMultiView(radius_range=(0.1, 0.4))
    with pytest.raises(ValueError, match="radius_range"):
        ShapesMultiView(size=8, radius_range=(0.05, 0.2))
    with pytest.raises(ValueError, match="target_eps"):
        ShapesMultiView.solve_knob_for_eps(1.0)
    with pytest.raises(ValueError, match="eps_knob"):
        ShapesMultiView(label="view-specific", eps_knob=1.0)
    with pytest.raises(ValueError, match="cx has 2 entries"):
        render_shapes([0], [0.5, 0.5], [0.5], [0.2], [0], [1], [0], [0], [0])
    with pytest.raises(ValueError, match="radius contains NaN"):
        render_shapes([0], [0.5], [0.5], [np.nan], [0], [1], [0], [0], [0])
    with pytest.raises(ValueError, match="shape must hold"):
        render_shapes([3], [0.5], [0.5], [0.2], [0], [1], [0], [0], [0])
    with pytest.raises(ValueError, match="slope"):
        InvertibleMLP(3, slope=0.0)
    with pytest.raises(ValueError, match="columns"):
        InvertibleMLP(3).inverse(np.ones((2, 4)))

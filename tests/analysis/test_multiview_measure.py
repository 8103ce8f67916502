"""Measurements of representations on the multi-view testbed.

Exact (closed-form) terms are checked against the library's Gaussian estimators on samples
(n = 20,000; the plug-in log-det has bias and spread below 0.005 nats at these dimensions,
tolerance 0.02 nats), and the kNN path against a semi-analytic mixed discrete/continuous case.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from infossl.analysis.multiview_measure import (
    MultiViewMeasurement,
    estimate_measurement,
    exact_measurement,
    linear_probe_accuracy,
    measure_representation,
)
from infossl.estimators import method_names
from infossl.tasks.multiview import LinearEncoder, LinearGaussianMultiView, MultiViewSample
from infossl.tasks.multiview_shapes import ShapesMultiView

TOL = 0.02


def _needs(quantity: str, *names: str) -> None:
    missing = [n for n in names if n not in method_names(quantity)]
    if missing:
        pytest.skip(f"estimators {missing} are not registered")


@pytest.fixture(scope="module")
def task() -> LinearGaussianMultiView:
    return LinearGaussianMultiView(noise=0.1, seed=0)


def _posterior_encoder(task: LinearGaussianMultiView, view: str) -> LinearEncoder:
    """Z = E[S | X_view]: keeps the shared latent, drops (almost) all of U."""
    joint = task.joint()
    return LinearEncoder(joint.covariance("s", view) @ np.linalg.inv(joint.covariance(view)))


def test_exact_terms_match_gaussian_estimates(task) -> None:
    violated = task.with_knob(1.0)
    rng = np.random.default_rng(1)
    enc1 = LinearEncoder(rng.standard_normal((2, task.dim_x)))
    enc2 = LinearEncoder(rng.standard_normal((3, task.dim_x)), noise=0.2)
    data = violated.sample(20_000, seed=2)
    z1, z2 = enc1.encode(data.x1), enc2.encode(data.x2, seed=3)
    for conditioning in ("views", "latents"):
        exact = exact_measurement(violated, enc1, enc2, conditioning=conditioning)
        est = estimate_measurement(
            data,
            z1,
            z2,
            mi_method="gaussian",
            cmi_method="gaussian",
            max_samples=None,
            conditioning=conditioning,
            seed=4,
        )
        assert exact.mode == "exact" and est.mode == "estimated"
        for key, value in exact.estimates().items():
            other = est.estimates()[key]
            assert value.quantity == other.quantity
            assert other.value == pytest.approx(value.value, abs=TOL), (conditioning, key)
    # the probe reaches the Bayes accuracy of the closed form
    assert est.probe_accuracy == pytest.approx(exact.bayes_accuracy, abs=0.015)


def test_to_compress_or_not_to_compress(task) -> None:
    """Dropping U1 costs nothing when Y = h(S) and costs label information when Y uses U1."""
    compress1, compress2 = _posterior_encoder(task, "x1"), _posterior_encoder(task, "x2")
    keep_all = LinearEncoder(np.eye(task.dim_x))
    for label_task in (task, task.with_knob(1.0)):
        small = exact_measurement(label_task, compress1, compress2)
        big = exact_measurement(label_task, keep_all, compress2)
        # both keep the shared latent; only the compressed one drops the view-specific one
        assert small.sufficiency_s.value == pytest.approx(big.sufficiency_s.value, abs=1e-6)
        assert small.superfluous_u.value < 1e-3 < 4.0 < big.superfluous_u.value
        assert small.superfluous_view.value < big.superfluous_view.value - 3.0
        i_y_x1 = label_task.information("y", "x1")
        assert big.sufficiency_y.value == pytest.approx(i_y_x1, abs=1e-9)
        if label_task.label == "shared":
            assert small.sufficiency_y.value == pytest.approx(i_y_x1, abs=1e-3)
        else:
            assert small.sufficiency_y.value < i_y_x1 - 0.5
            assert small.bayes_accuracy < big.bayes_accuracy - 0.1


def test_measure_representation_dispatch(task) -> None:
    data = task.sample(4000, seed=0)
    enc = _posterior_encoder(task, "x1")
    exact = measure_representation(task, data, encoder1=enc, seed=1)
    assert exact.mode == "exact" and exact.probe_accuracy is not None
    assert exact.probe_accuracy == pytest.approx(exact.bayes_accuracy, abs=0.03)
    again = measure_representation(task, data, encoder1=enc, seed=1)
    assert again.probe_accuracy == exact.probe_accuracy  # seeded split
    est = measure_representation(
        task, data, enc.encode(data.x1), mi_method="gaussian", cmi_method="gaussian", seed=1
    )
    assert est.mode == "estimated"
    assert est.sufficiency_s.value == pytest.approx(exact.sufficiency_s.value, abs=0.03)
    record = est.to_dict()
    assert record["terms"]["sufficiency_s"]["quantity"] == "I(Z1;S)"


def _binary_gaussian_mixture_mi(tau: float) -> float:
    """I(C; C + τ e) for C uniform on {0, 1}: ln 2 − E h_b(posterior), by quadrature."""

    def density(z: float) -> float:
        return 0.5 * (stats.norm.pdf(z, 0, tau) + stats.norm.pdf(z, 1, tau))

    def integrand(z: float) -> float:
        p = 0.5 * stats.norm.pdf(z, 1, tau) / density(z)
        h = -sum(q * math.log(q) for q in (p, 1 - p) if q > 0)
        return density(z) * h

    cond_entropy, _ = integrate.quad(integrand, -10 * tau, 1 + 10 * tau, limit=200)
    return math.log(2) - cond_entropy


def test_discrete_shared_columns_use_the_chain_rule() -> None:
    """S = (class, V); Z = (V + σ e1, class + τ e2): I(Z;S) = ½ ln(1 + 1/σ²) + I(C; C + τ e)."""
    _needs("mi", "ross", "ksg1")
    _needs("cmi", "frenzel-pompe")
    rng = np.random.default_rng(0)
    n, sigma, tau = 3000, 0.5, 0.4
    c = rng.integers(0, 2, n)
    v = rng.standard_normal(n)
    z = np.column_stack([v + sigma * rng.standard_normal(n), c + tau * rng.standard_normal(n)])
    u = rng.standard_normal((n, 2))
    data = MultiViewSample(
        x1=z,
        x2=z,
        s=np.column_stack([c, v]),
        u1=u,
        u2=u,
        y=c,
        y_class=c,
    )
    result = estimate_measurement(data, z, s_discrete_columns=(0,), probe=False, seed=1)
    truth = 0.5 * math.log(1 + 1 / sigma**2) + _binary_gaussian_mixture_mi(tau)
    assert result.sufficiency_s.value == pytest.approx(truth, abs=0.06)
    assert result.sufficiency_y.value == pytest.approx(_binary_gaussian_mixture_mi(tau), abs=0.05)
    assert result.superfluous_u.value == pytest.approx(0.0, abs=0.05)
    assert "ross" in result.sufficiency_s.method


def test_image_task_measurement_runs_on_latent_features() -> None:
    """On renders, a representation holding S (plus noise) is sufficient and not superfluous."""
    _needs("mi", "ross", "ksg1")
    _needs("cmi", "frenzel-pompe")
    shapes = ShapesMultiView(size=16)
    data = shapes.sample(1500, seed=0)
    rng = np.random.default_rng(1)
    good = np.column_stack([np.eye(3)[data.s[:, 0].astype(int)], data.s[:, 1:]])
    good = good + 0.05 * rng.standard_normal(good.shape)
    nuisance = data.u1[:, :3] + 0.05 * rng.standard_normal((len(data), 3))
    m_good = measure_representation(shapes, data, good, seed=2)
    m_bad = measure_representation(shapes, data, nuisance, seed=2)
    assert m_good.params["conditioning"] == "latents"
    assert m_good.sufficiency_y.value > 0.8 * math.log(3)
    assert m_bad.sufficiency_y.value < 0.1
    assert m_good.superfluous_u.value < 0.1 < 1.0 < m_bad.superfluous_u.value
    assert m_bad.superfluous_view.value > m_good.superfluous_view.value + 0.5
    assert m_good.probe_accuracy > 0.95 and m_bad.probe_accuracy < 0.5


def test_probe_accuracy_against_a_known_separation() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 8000)
    z = (2 * y - 1)[:, None] * 1.0 + rng.standard_normal((8000, 1))
    acc = linear_probe_accuracy(z[:4000], y[:4000], z[4000:], y[4000:])
    assert acc == pytest.approx(stats.norm.cdf(1.0), abs=0.015)  # Bayes accuracy Φ(1)


def test_measurement_bad_inputs(task) -> None:
    data = task.sample(200, seed=0)
    z = data.x1[:, :2]
    with pytest.raises(ValueError, match="z1 has 100 rows"):
        estimate_measurement(data, z[:100])
    with pytest.raises(TypeError, match="MultiViewSample"):
        estimate_measurement({"x1": data.x1}, z)
    with pytest.raises(ValueError, match="unknown mi method 'nope'"):
        estimate_measurement(data, z, mi_method="nope", cmi_method="gaussian", probe=False)
    with pytest.raises(ValueError, match="channel_noise"):
        estimate_measurement(data, z, channel_noise=-1.0)
    with pytest.raises(ValueError, match="conditioning"):
        estimate_measurement(data, z, conditioning="both")
    with pytest.raises(ValueError, match="constant column"):
        estimate_measurement(data, np.ones((200, 1)), mi_method="gaussian", cmi_method="gaussian")
    with pytest.raises(ValueError, match="infinite"):
        exact_measurement(task, LinearEncoder(np.eye(task.dim_x)[:2]), channel_noise=0.0)
    with pytest.raises(TypeError, match="LinearGaussianMultiView"):
        exact_measurement(ShapesMultiView(), LinearEncoder(np.eye(2)))
    with pytest.raises(ValueError, match="single class"):
        linear_probe_accuracy(z, np.zeros(200, int), z, np.zeros(200, int))
    with pytest.raises(TypeError, match="integer class labels"):
        linear_probe_accuracy(z, data.y, z, data.y)
    with pytest.raises(ValueError, match="give z1"):
        measure_representation(task, data)
    assert isinstance(
        measure_representation(task, data, encoder1=LinearEncoder(np.eye(task.dim_x)[:2])),
        MultiViewMeasurement,
    )

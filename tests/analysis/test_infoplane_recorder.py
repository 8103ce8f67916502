"""Information-plane recorder, noisy networks, DPI check and gradient SNR: known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from infossl.analysis.infoplane import (
    GaussianNoiseInjection,
    InformationPlaneRecorder,
    check_dpi,
    diffusion_onset,
    gradient_snr,
)
from infossl.analysis.infoplane_plots import plot_information_plane, plot_layer_curves
from infossl.analysis.noisy_network import gaussian_mixture_entropy
from infossl.estimators.binning import idnn_information


def _tanh_net(w: float = 1.0) -> nn.Sequential:
    net = nn.Sequential(nn.Linear(1, 1), nn.Tanh()).double()
    with torch.no_grad():
        net[0].weight.fill_(w)
        net[0].bias.zero_()
    return net


# tanh(x) lands in the 4 equal bins of [-1, 1] as [0, 1, 2, 2, 3, 3, 3, 3]
X = torch.tensor(np.arctanh([-0.9, -0.3, 0.1, 0.2, 0.6, 0.7, 0.8, 0.9]))[:, None]
Y = torch.tensor([0, 1, 0, 1, 0, 0, 1, 1])


def test_binning_known_answer_on_linear_tanh_net():
    rec = InformationPlaneRecorder(_tanh_net(), ["1"], "binning", bins=4, value_range=(-1, 1))
    (point,) = rec.record(0, X, Y)
    # H(T̃) = H(1/8, 1/8, 2/8, 4/8) = 1.75 bits; H(T̃|Y) = 1.5 bits for either label
    assert point.i_xt.value == pytest.approx(1.75, abs=1e-12)
    assert point.i_ty.value == pytest.approx(0.25, abs=1e-12)
    assert point.i_xt.unit == "bits" and point.i_xt.quantity == "I(X;T)"
    hist = rec.results()
    assert hist.h_x == pytest.approx(3.0) and hist.h_y == pytest.approx(1.0)


def test_idnn_mode_equals_the_idnn_estimator():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((300, 1)) * 3)
    y = torch.tensor(rng.integers(0, 2, 300))
    rec = InformationPlaneRecorder(_tanh_net(), ["1"], "idnn", unit="nats")
    (point,) = rec.record(0, x, y)
    ref_xt, ref_ty = idnn_information(np.arange(300)[:, None], np.tanh(x.numpy()), y.numpy())
    assert point.i_xt.value == pytest.approx(ref_xt.value, abs=1e-12)
    assert point.i_ty.value == pytest.approx(ref_ty.value, abs=1e-12)


def test_global_range_is_fixed_across_epochs():
    net = _tanh_net(0.5)
    x = torch.linspace(-3, 3, 64, dtype=torch.float64)[:, None]
    rec = InformationPlaneRecorder(net, ["0"], "binning", bins=4)  # value_range="global"
    assert rec.record(0, x) == []
    with torch.no_grad():
        net[0].weight.fill_(2.0)
    rec.record(1, x)
    hist = rec.results()
    assert hist.estimator_params["ranges"]["0"] == pytest.approx([-6.0, 6.0])
    # bins of width 3 on [-6, 6]: epoch 0 (0.5x in [-1.5, 1.5]) fills 2 of them equally, 1 bit;
    # epoch 1 (2x in [-6, 6]) fills all 4 with 16 points each, 2 bits
    assert hist.i_xt.shape == (1, 2, 1)
    assert hist.i_xt[0, :, 0] == pytest.approx([1.0, 2.0], abs=1e-12)
    assert hist.i_ty is None


def test_first_range_is_kept_and_later_values_clip():
    net = _tanh_net(1.0)
    x = torch.linspace(-1, 1, 16, dtype=torch.float64)[:, None]
    rec = InformationPlaneRecorder(net, ["0"], "binning", bins=2, value_range="first")
    rec.record(0, x)
    with torch.no_grad():
        net[0].weight.fill_(5.0)
    (p1,) = rec.record(1, x)
    assert p1.i_xt.value == pytest.approx(1.0)  # still two bins split at 0
    assert any("outside value_range" in note for note in p1.i_xt.notes)


def test_kde_bounds_limits():
    x = torch.arange(32, dtype=torch.float64)[:, None]
    far = InformationPlaneRecorder(
        nn.Sequential(nn.Linear(1, 1)).double(), ["0"], "kde", noise_variance=1e-4
    )
    with torch.no_grad():
        far.model[0].weight.fill_(10.0)
        far.model[0].bias.zero_()
    (p,) = far.record(0, x)
    assert p.i_xt.value == pytest.approx(5.0, abs=1e-6)  # log2 32: separated centres
    assert p.i_xt_lower.value == pytest.approx(5.0, abs=1e-6)
    with torch.no_grad():
        far.model[0].weight.zero_()
    (q,) = far.record(1, x)
    assert q.i_xt.value == pytest.approx(0.0, abs=1e-12)  # identical centres


def test_matrix_renyi_matches_the_registry_estimator():
    from infossl.estimators import get_estimator_class

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh()).double()
    x = torch.randn(48, 3, dtype=torch.float64)
    y = torch.arange(48) % 3
    rec = InformationPlaneRecorder(net, ["1"], "matrix-renyi", unit="nats")
    (p,) = rec.record(0, x, y)
    t = torch.tanh(net[0](x)).detach().numpy()
    ref = get_estimator_class("mi", "matrix-renyi")().estimate(x.numpy(), t)
    assert p.i_xt.value == pytest.approx(ref.value, abs=1e-10)
    assert 0 <= p.i_ty.value <= math.log(48)


def test_noisy_network_separated_inputs_give_log_m_bits():
    net = nn.Sequential(nn.Linear(1, 1), nn.Tanh(), nn.Linear(1, 1)).double()
    with torch.no_grad():
        net[0].weight.fill_(100.0)
        net[0].bias.zero_()
    noise = GaussianNoiseInjection(net, ["0"], beta=1.0, seed=0)
    x = torch.arange(16, dtype=torch.float64)[:, None]
    rec = InformationPlaneRecorder(net, ["0"], "noisy", noise=noise, n_conditional=4, n_mc=20)
    (p,) = rec.record(0, x, torch.arange(16) % 2)
    # centres 100 apart with β = 1: I(X;T) = log2 16; I(T;Y) = H(Y) = 1 bit (± Monte Carlo)
    assert abs(p.i_xt.value - 4.0) < 3 * p.i_xt.stderr
    assert abs(p.i_ty.value - 1.0) < 3 * p.i_ty.stderr
    assert p.i_xt.stderr < 0.1
    assert p.i_xt.kind == "point" and p.i_xt.params["beta"] == 1.0


def test_noisy_network_downstream_layer_sees_upstream_noise():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2)).double()
    noise = GaussianNoiseInjection(net, ["0", "2"], beta=0.3, seed=0)
    x = torch.randn(64, 2, dtype=torch.float64)
    rec = InformationPlaneRecorder(net, ["0", "2"], "noisy", noise=noise, n_conditional=8, n_mc=8)
    points = rec.record(0, x)
    assert all(0.0 <= p.i_xt.value <= 6.0 + 0.2 for p in points)  # ≤ log2 64 + MC error
    out1, out2 = net(x), net(x)
    assert not torch.equal(out1, out2)  # the network itself is noisy
    noise.enabled = False
    assert torch.equal(net(x), net(x))
    noise.remove()


def test_mixture_entropy_limits():
    beta, d = 0.5, 2
    single = gaussian_mixture_entropy(np.zeros((1, d)), beta, n_mc=4000, seed=0)
    exact = 0.5 * d * math.log(2 * math.pi * math.e * beta**2)
    assert abs(single.value - exact) < 3 * single.stderr + 1e-12
    centres = np.arange(10)[:, None] * np.array([[30.0, 0.0]])
    sep = gaussian_mixture_entropy(centres, beta, n_mc=400, seed=1)
    assert abs(sep.value - (math.log(10) + exact)) < 3 * sep.stderr + 1e-9


# ----------------------------------------------------------------------------- DPI
def test_check_dpi_flags_a_constructed_violation():
    v = check_dpi([3.0, 2.0, 2.5], tolerance=0.1, names=["a", "b", "c"])
    assert [(x.earlier, x.later) for x in v] == [("b", "c")]
    assert v[0].excess == pytest.approx(0.5)
    assert check_dpi([3.0, 2.0, 2.5], tolerance=0.6) == []
    # small rises that add up are caught between non-neighbours
    creep = check_dpi([1.0, 1.08, 1.16], tolerance=0.1)
    assert [(x.earlier, x.later) for x in creep] == [("T1", "T3")]
    rows = check_dpi(np.array([[2.0, 1.0], [1.0, 2.0]]))
    assert [x.row for x in rows] == [1]


def test_recorder_dpi_holds_for_a_deterministic_chain_under_idnn_binning():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2), nn.Tanh()).double()
    x = torch.randn(200, 4, dtype=torch.float64)
    rec = InformationPlaneRecorder(net, ["1", "3"], "idnn")
    rec.record(0, x, (x[:, 0] > 0).long())
    checks = rec.check_dpi(tolerance=1e-9)
    # 2 units in 30 bins cannot resolve more than the 6-unit layer here
    assert checks["I(X;T)"] == []


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: check_dpi([1.0, float("nan")]), "NaN"),
        (lambda: check_dpi([1.0, 2.0], names=["a"]), "names"),
        (lambda: check_dpi([1.0], tolerance=-1), "tolerance"),
        (lambda: InformationPlaneRecorder(_tanh_net(), ["1"], "histogram"), "estimator"),
        (lambda: InformationPlaneRecorder(_tanh_net(), ["1"], "kde"), "noise_variance"),
        (lambda: InformationPlaneRecorder(_tanh_net(), ["9"], "binning"), "no module named"),
        (lambda: InformationPlaneRecorder(_tanh_net(), "1", "binning"), "layers"),
        (lambda: InformationPlaneRecorder(_tanh_net(), ["1"], "noisy"), "GaussianNoiseInjection"),
        (lambda: InformationPlaneRecorder(_tanh_net(), ["1"], value_range=(1, 0)), "low < high"),
        (lambda: InformationPlaneRecorder(_tanh_net(), ["1"]).results(), "nothing recorded"),
        (lambda: InformationPlaneRecorder(_tanh_net(), ["1"]).record(0, X, Y[:3]), "labels"),
        (lambda: InformationPlaneRecorder(None, ["a"]).record(0, X, Y), "no model"),
        (lambda: InformationPlaneRecorder(None, ["a"]).record_activations(0, {"b": X}, X), "map"),
        (
            lambda: InformationPlaneRecorder(None, ["a"]).record_activations(0, {"a": X[:3]}, X),
            "rows",
        ),
        (
            lambda: InformationPlaneRecorder(None, ["a"]).record_activations(
                0, {"a": X * float("nan")}, X
            ),
            "NaN",
        ),
        (lambda: GaussianNoiseInjection(_tanh_net(), ["1"], beta=0.0), "beta"),
    ],
)
def test_bad_inputs(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_recording_an_epoch_twice_is_refused():
    rec = InformationPlaneRecorder(_tanh_net(), ["1"], "binning", value_range=(-1, 1))
    rec.record(3, X, Y)
    with pytest.raises(ValueError, match="already recorded"):
        rec.record(3, X, Y)


def test_one_plotting_module_draws_a_recorder_plane_in_its_unit():
    rec = InformationPlaneRecorder(
        _tanh_net(), ["0", "1"], "binning", value_range=(-3, 3), unit="nats"
    )
    rec.record(0, X, Y)
    rec.record(1, X, Y)
    plane = rec.results()
    ax = plot_information_plane(plane).axes[0]
    assert ax.get_xlabel() == "I(X;T) (nats)" and ax.get_ylabel() == "I(T;Y) (nats)"
    assert "30 bins on [-3, 3]" in ax.get_title()
    assert len(plot_layer_curves(plane).axes) == 2  # no accuracy curves: two panels
    unlabelled = InformationPlaneRecorder(_tanh_net(), ["1"], "binning", value_range=(-1, 1))
    unlabelled.record(0, X)
    with pytest.raises(ValueError, match="no I\\(T;Y\\)"):
        plot_information_plane(unlabelled.results())


def test_supplied_activations_equal_hooked_ones_and_the_plane_round_trips():
    """record_activations (a caller's forward pass) gives the same plane as record (hooks)."""
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2), nn.Tanh()).double()
    x = torch.randn(120, 3, dtype=torch.float64)
    y = (x[:, 0] > 0).long()
    hooked = InformationPlaneRecorder(net, ["1", "3"], "binning", bins=8)
    given = InformationPlaneRecorder(None, ["1", "3"], "binning", bins=8)
    for epoch in (0, 4):
        with torch.no_grad():
            net[0].weight.mul_(1.5)
            hidden = torch.tanh(net[0](x))
            acts = {"1": hidden, "3": torch.tanh(net[2](hidden))}
        hooked.record(epoch, x, y)
        given.record_activations(epoch, acts, x, y)
    a, b = hooked.results(), given.results()
    np.testing.assert_allclose(a.i_xt, b.i_xt, atol=1e-12)
    np.testing.assert_allclose(a.i_ty, b.i_ty, atol=1e-12)
    back = type(a).from_dict(a.to_dict())
    assert back.experiment == "recorder" and back.config is None and back.seeds == (0,)
    np.testing.assert_array_equal(back.i_xt, a.i_xt)
    assert back.h_x == pytest.approx(math.log2(120)) and back.estimator == "binning"
    two = type(a).stack([a, b], seeds=[3, 7])
    assert two.i_xt.shape == (2, 2, 2) and two.seeds == (3, 7)
    assert two.estimator_params["ranges"] == [a.estimator_params["ranges"]] * 2
    assert [r["seed"] for r in two.rows()][::4] == [3, 7]


# ----------------------------------------------------------------------------- gradient SNR
def _regression():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    x = torch.randn(64, 3, dtype=torch.float64)
    y = torch.randint(0, 2, (64,))
    return net, x, y


def test_full_batch_gradient_has_infinite_snr():
    net, x, y = _regression()
    stats = gradient_snr(net, [(x, y)] * 3)
    assert set(stats) == {"0", "2"}
    for s in stats.values():
        assert s.std_norm == 0.0 and math.isinf(s.snr) and s.n_batches == 3


def test_mean_of_equal_batches_is_the_full_gradient_and_small_batches_are_noisier():
    net, x, y = _regression()
    net.zero_grad()
    torch.nn.functional.cross_entropy(net(x), y).backward()
    full = torch.cat([net[0].weight.grad.reshape(-1), net[0].bias.grad.reshape(-1)])
    before = net[0].weight.grad.clone()
    parts = [(x[i::4], y[i::4]) for i in range(4)]
    stats = gradient_snr(net, parts)
    assert stats["0"].mean_norm == pytest.approx(float(full.norm()), rel=1e-10)
    assert torch.equal(net[0].weight.grad, before)  # gradients restored
    # closed form of ||std||: sqrt of the summed per-coordinate sample variance
    grads = []
    for bx, by in parts:
        net.zero_grad()
        torch.nn.functional.cross_entropy(net(bx), by).backward()
        grads.append(torch.cat([net[0].weight.grad.reshape(-1), net[0].bias.grad.reshape(-1)]))
    g = torch.stack(grads)
    assert stats["0"].std_norm == pytest.approx(float(g.var(dim=0).sum().sqrt()), rel=1e-10)
    small = gradient_snr(net, [(x[i::16], y[i::16]) for i in range(16)])
    assert small["0"].snr < stats["0"].snr


def test_gradient_snr_bad_inputs():
    net, x, y = _regression()
    with pytest.raises(ValueError, match="at least 2"):
        gradient_snr(net, [(x, y)])
    with pytest.raises(ValueError, match="own no trainable"):
        gradient_snr(net, [(x, y)] * 2, layers=["1"])


def test_diffusion_onset():
    assert diffusion_onset([1, 2, 3, 4, 5, 6], [5, 3, 0.5, 2, 0.8, 0.4]) == 5
    assert diffusion_onset([1, 2], [3.0, 2.0]) is None
    with pytest.raises(ValueError, match="same length"):
        diffusion_onset([1, 2], [1.0])


def test_a_module_called_twice_per_pass_is_refused():
    act = nn.Tanh()
    net = nn.Sequential(nn.Linear(1, 2), act, nn.Linear(2, 2), act).double()
    rec = InformationPlaneRecorder(net, ["1"], "binning", value_range=(-1, 1))
    with pytest.raises(ValueError, match="once per forward"):
        rec.record(0, X)

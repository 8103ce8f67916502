"""The functional API: dispatch, method="auto", units, confidence intervals, errors."""

import math

import numpy as np
import pytest

import infossl
from infossl.api import choose_method
from infossl.estimators import method_names


def gaussian_pair(n, rho, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)
    return x, y


def test_dispatch_and_units():
    x, y = gaussian_pair(5000, 0.8)
    truth = -0.5 * math.log(1 - 0.64)
    nats = infossl.estimate_mi(x, y, method="gaussian")
    bits = infossl.estimate_mi(x, y, method="gaussian", unit="bits")
    assert nats.unit == "nats" and bits.unit == "bits"
    assert bits.value == pytest.approx(nats.value / math.log(2), rel=1e-12)
    assert nats.value == pytest.approx(truth, abs=0.03)  # n = 5000: SE ≈ 0.01 nats
    assert nats.method == "gaussian" and nats.n == 5000 and nats.dims == (1, 1)


def test_torch_and_list_inputs_agree():
    torch = pytest.importorskip("torch")
    x, y = gaussian_pair(500, 0.5)
    a = infossl.estimate_mi(x, y, method="gaussian").value
    b = infossl.estimate_mi(torch.tensor(x), torch.tensor(y), method="gaussian").value
    c = infossl.estimate_mi(x.tolist(), y.tolist(), method="gaussian").value
    assert a == pytest.approx(b, rel=1e-12) and a == pytest.approx(c, rel=1e-12)


def test_auto_rule():
    rng = np.random.default_rng(0)
    cont = rng.standard_normal((200, 2))
    disc = rng.integers(0, 3, size=200)
    tied = np.round(rng.standard_normal((200, 1)), 0)  # heavy rounding: many atoms
    assert choose_method("mi", cont, cont)[0] == "copula-max"
    big = rng.standard_normal((1000, 3))
    assert choose_method("mi", big[:, :2], big[:, 2:])[0] == "copula-critic-max"
    assert choose_method("mi", big[:999, :2], big[:999, 2:])[0] == "copula-max"  # n < 1000
    assert choose_method("mi", big[:, :1], big[:, 2:])[0] == "copula-max"  # 1 + 1
    assert choose_method("mi", disc.reshape(-1, 1), disc.reshape(-1, 1))[0] == "plugin"
    assert choose_method("mi", disc.reshape(-1, 1), cont)[0] == "ross"
    assert choose_method("mi", tied, cont)[0] == "mixed-ksg"
    assert choose_method("entropy", cont)[0] == "kl"
    assert choose_method("entropy", disc.reshape(-1, 1))[0] == "plugin"
    assert choose_method("cmi", cont, cont, cont)[0] == "frenzel-pompe"
    wide, many = rng.standard_normal((200, 5)), rng.standard_normal((5000, 5))
    # below 1,000 rows the dimension does not change the choice; from there the critic part joins
    assert choose_method("mi", wide, wide)[0] == "copula-max"
    assert choose_method("mi", many, many)[0] == "copula-critic-max"
    # every name the rule can pick is registered
    for q, name in [
        ("mi", "copula-max"),
        ("mi", "copula-critic-max"),
        ("mi", "plugin"),
        ("mi", "ross"),
        ("mi", "mixed-ksg"),
        ("entropy", "kl"),
        ("entropy", "plugin"),
        ("cmi", "plugin"),
        ("cmi", "frenzel-pompe"),
    ]:
        assert name in method_names(q), (q, name)


def test_auto_recovers_a_gaussian_copula_in_high_dimension():
    # 10 + 10, correlation 0.5 per coordinate pair, cubed marginals: I = 10 * 0.144 nats.
    # KSG1 at k = 1-8 loses 43-58 % of it here, 25 % after the extrapolation to k -> 0; the
    # Gaussian-copula part is exact.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5000, 10))
    y = 0.5 * x + np.sqrt(0.75) * rng.standard_normal((5000, 10))
    est = infossl.estimate_mi(x**3, np.exp(y))
    assert est.method == "copula-critic-max" and est.params["used"] == "gcmi"
    assert any("auto: chose copula-critic-max" in note for note in est.notes)
    # the critic's three canonical features hold less than the ten Gaussian pairs
    assert est.params["critic_ksg"] < est.value - 0.2
    # standard error about 0.025 nats (10 pairs, n = 5000): three of them, rounded up
    assert est.value == pytest.approx(-5.0 * np.log(0.75), abs=0.08)
    assert max(est.params["ksg1_by_k"].values()) < est.value - 0.5
    assert est.params["ksg1_copula"] < est.value - 0.1


def test_auto_keeps_the_knn_value_where_a_gaussian_copula_misses_the_dependence():
    # y = x² + noise: no monotone (rank) correlation, so the Gaussian-copula MI is about 0
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3000, 1))
    y = x**2 + 0.3 * rng.standard_normal((3000, 1))
    est = infossl.estimate_mi(x, y)
    assert est.method == "copula-max" and est.params["used"] == "ksg1-copula"
    assert est.params["gcmi"] < 0.05 < 0.8 < est.value


def test_auto_passes_knn_parameters_to_the_copula_estimator():
    x, y = gaussian_pair(1000, 0.5, seed=6)
    assert infossl.estimate_mi(x, y, k=5).params["k"] == 5


def test_auto_on_discrete_is_exact_plugin():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, size=4000)
    y = (x + (rng.random(4000) < 0.1)) % 4  # y = x, flipped to x+1 with probability 0.1
    est = infossl.estimate_mi(x, y)
    assert est.method == "plugin"
    assert any("auto" in note for note in est.notes)
    # plug-in MI equals the MI of the empirical joint pmf, computed here independently
    joint = np.zeros((4, 4))
    np.add.at(joint, (x, y), 1)
    p = joint / joint.sum()
    px, py = p.sum(1, keepdims=True), p.sum(0, keepdims=True)
    nz = p > 0
    exact = float((p[nz] * np.log(p[nz] / (px @ py)[nz])).sum())
    assert est.value == pytest.approx(exact, abs=1e-10)


def test_confidence_interval_is_seeded_and_covers():
    x, y = gaussian_pair(2000, 0.6, seed=3)
    a = infossl.estimate_mi(x, y, method="gaussian", ci=0.95, n_resamples=50, seed=7)
    b = infossl.estimate_mi(x, y, method="gaussian", ci=0.95, n_resamples=50, seed=7)
    assert a.ci == b.ci and a.ci_level == 0.95
    lo, hi = a.ci
    assert lo < a.value < hi
    # the asymptotic SE of the Gaussian MI estimate is ρ/√n (delta method)
    assert a.stderr == pytest.approx(0.6 / math.sqrt(2000), rel=0.35)
    assert a.params["ci_scheme"] == "bootstrap"
    bits = infossl.estimate_mi(
        x, y, method="gaussian", ci=0.95, n_resamples=50, seed=7, unit="bits"
    )
    assert bits.ci[0] == pytest.approx(lo / math.log(2))


def test_entropy_and_cmi_dispatch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, 2))
    h = infossl.estimate_entropy(x, method="gaussian")
    assert h.value == pytest.approx(math.log(2 * math.pi * math.e), abs=0.05)
    assert h.quantity == "H(X)"
    z = rng.standard_normal((3000, 1))
    xx = z + 0.5 * rng.standard_normal((3000, 1))
    yy = z + 0.5 * rng.standard_normal((3000, 1))
    cmi = infossl.estimate_cmi(xx, yy, z, method="gaussian")
    assert cmi.value == pytest.approx(0.0, abs=0.01)  # X ⊥ Y | Z


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"method": "nope"}, ValueError, "valid methods: .*gaussian"),
        ({"unit": "hartley"}, ValueError, "unit"),
        ({"ci": 1.5}, ValueError, "ci"),
        ({"ci": 0.0}, ValueError, "ci"),
        ({"method": 3}, TypeError, "method"),
        ({"n_resamples": 2, "ci": 0.9}, ValueError, "n_resamples"),
    ],
)
def test_bad_arguments(kwargs, err, match):
    x, y = gaussian_pair(100, 0.5)
    kwargs.setdefault("method", "gaussian")
    with pytest.raises(err, match=match):
        infossl.estimate_mi(x, y, **kwargs)


def test_bad_data():
    x, y = gaussian_pair(100, 0.5)
    with pytest.raises(ValueError, match="x has 100, y has 99"):
        infossl.estimate_mi(x, y[:99], method="gaussian")
    with pytest.raises(ValueError, match="y contains 1 NaN"):
        infossl.estimate_mi(x, np.where(np.arange(100) == 5, np.nan, y), method="gaussian")
    with pytest.raises(ValueError, match="3-D"):
        infossl.estimate_mi(np.zeros((4, 2, 2)), y[:4], method="gaussian")
    with pytest.raises(TypeError, match="real numbers"):
        infossl.estimate_mi(np.array(["a"] * 100), y, method="gaussian")
    with pytest.raises(ValueError, match="empty"):
        infossl.estimate_mi([], [], method="gaussian")


def test_low_precision_torch_tensors_are_converted_exactly():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal(300)
    y = x + rng.standard_normal(300)
    for dtype in (torch.bfloat16, torch.float16):
        tx, ty = torch.tensor(x).to(dtype), torch.tensor(y).to(dtype)
        got = infossl.estimate_mi(tx, ty, method="ksg1").value
        exact = infossl.estimate_mi(tx.double().numpy(), ty.double().numpy(), method="ksg1")
        assert got == exact.value
        assert infossl.estimate_mi(tx, ty).method != "plugin"  # floats: not discrete symbols


@pytest.mark.parametrize("call", [infossl.estimate_mi, infossl.estimate_entropy])
def test_ragged_input_names_the_argument(call):
    args = [[[1.0, 2.0], [3.0]], np.zeros(2)][: 2 if call is infossl.estimate_mi else 1]
    with pytest.raises(TypeError, match=r"^x must be a rectangular array-like"):
        call(*args, method="gaussian")


@pytest.mark.parametrize("method", ["kde", "ldmi", "gaussian"])
def test_extreme_magnitudes_give_the_ordinary_value(method):
    rng = np.random.default_rng(8)
    x = np.sign(rng.standard_normal(400))
    y = x + rng.standard_normal(400)
    reference = infossl.estimate_mi(x, y, method=method).value
    # once FloatingPointError or LinAlgError without the argument's name
    got = infossl.estimate_mi(x * 1e300, y, method=method).value
    assert got == pytest.approx(reference, abs=1e-6)


@pytest.mark.parametrize(
    "call, d",
    [
        (lambda x, y: infossl.estimate_mi(x, y, method="ksg1"), 0),
        (lambda x, y: infossl.estimate_mi(np.arange(len(x)) % 3, y, method="ross"), 0),
        (lambda x, y: infossl.estimate_entropy(x, method="kl"), 1),
        (lambda x, y: infossl.estimate_cmi(x, y, x[::-1], method="frenzel-pompe"), 0),
    ],
)
def test_finite_huge_input_gives_the_ordinary_value(call, d):
    # once scipy's "data must be finite" (the standardisation overflowed) or a wrong value
    rng = np.random.default_rng(9)
    x = rng.standard_normal(300)
    y = x + rng.standard_normal(300)
    expected = call(x, y).value + d * math.log(1e300)
    assert call(x * 1e300, y * 1e300).value == pytest.approx(expected, abs=1e-9)


def test_non_finite_result_is_a_value_error_naming_the_arguments():
    from infossl.estimators._base import NonFiniteEstimateError

    est = infossl.estimators.get_estimator_class("mi", "gaussian")()
    with pytest.raises(ValueError, match=r"from x, y") as info:
        est._make(float("nan"), 10, (1, 1))
    assert isinstance(info.value, NonFiniteEstimateError)


def test_translation_leaves_knn_estimates_unchanged():
    rng = np.random.default_rng(10)
    x = rng.standard_normal(500)
    y = x + rng.standard_normal(500)
    # the jitter once scaled with mean|x|: 1.75 vs 1.45 nats, and 0.149 vs 0.338
    h = infossl.estimate_entropy(x, method="kl").value
    assert infossl.estimate_entropy(x + 1e10, method="kl").value == pytest.approx(h, abs=0.01)
    mi = infossl.estimate_mi(x, y, method="ksg1", standardize=False).value
    shifted = infossl.estimate_mi(x + 1e10, y, method="ksg1", standardize=False).value
    assert shifted == pytest.approx(mi, abs=0.01)


# ------------------------------------------------------------------------------ method="auto"
def test_auto_entropy_of_float_data_with_ties_raises_naming_both_quantities():
    # once: the plug-in (discrete) entropy came back under the label H(X) of a differential one
    rng = np.random.default_rng(11)
    rounded = np.round(rng.standard_normal(2000), 1)  # about 60% repeated rows
    with pytest.raises(ValueError, match=r"repeated rows.*method='plugin'.*method='kl'"):
        infossl.estimate_entropy(rounded)
    with pytest.raises(ValueError, match="two different quantities"):
        choose_method("entropy", rounded.reshape(-1, 1))
    # either quantity on request
    assert infossl.estimate_entropy(rounded, method="kl").method == "kl"
    assert infossl.estimate_entropy(rounded, method="plugin").method == "plugin"
    # integer data: the discrete entropy; few ties: the differential one
    assert infossl.estimate_entropy(np.round(rounded * 10).astype(int)).method == "plugin"
    assert infossl.estimate_entropy(rng.standard_normal(2000)).method == "kl"


def test_auto_cmi_with_an_integer_variable_does_not_pick_a_continuous_method():
    # once: frenzel-pompe, whose note then said to use a discrete estimator
    rng = np.random.default_rng(12)
    z = rng.integers(0, 3, 1000)
    x = z + rng.standard_normal(1000)
    y = z + rng.standard_normal(1000)
    with pytest.raises(ValueError, match=r"z integer \(discrete\).*frenzel-pompe.*plugin"):
        infossl.estimate_cmi(x, y, z)
    with pytest.raises(ValueError, match="mixed-ksg"):
        infossl.estimate_cmi(z, y, x)
    every = [z.reshape(-1, 1)] * 3
    assert choose_method("cmi", *every).method == "plugin"
    assert infossl.estimate_cmi(z, z % 2, z // 2).method == "plugin"
    assert infossl.estimate_cmi(x, y, z, method="frenzel-pompe").method == "frenzel-pompe"


@pytest.mark.parametrize(
    "quantity, arrays, method, checked",
    [
        ("mi", ((2000, 2), (2000, 2)), "copula-critic-max", "joint dimension 4, n = 2000 (≥ 3"),
        ("mi", ((999, 2), (999, 2)), "copula-max", "joint dimension 4, n = 999:"),
        ("mi", ((200, 5), (200, 5)), "copula-max", "repeated rows ≤ 5% (at most 0.0%)"),
        ("entropy", ((500, 3),), "kl", "x float (continuous), 0.0% repeated rows ≤ 5%"),
        ("cmi", ((300, 1), (300, 1), (300, 1)), "frenzel-pompe", "x, y, z float (continuous)"),
    ],
)
def test_auto_reason_lists_what_was_checked(quantity, arrays, method, checked):
    rng = np.random.default_rng(13)
    data = [rng.standard_normal(shape) for shape in arrays]
    choice = choose_method(quantity, *data)
    assert choice.method == method and checked in choice.reason
    assert choice == (method, choice.reason)  # still a (method, reason) pair


def test_auto_reason_is_one_note_and_shown_by_repr():
    x, y = gaussian_pair(2000, 0.5, seed=4)
    est = infossl.estimate_mi(x, y, ci=0.9, n_resamples=20)
    auto = [note for note in est.notes if "auto" in note]
    assert auto == [
        "auto: chose copula-max because x, y float (continuous), repeated rows ≤ 5% (at most "
        "0.0%), joint dimension 2, n = 2000: the larger of gcmi and ksg1-copula on the marginal "
        "normal scores"
    ]
    assert est.params["auto"] in auto[0]
    assert "method='copula-max'" in repr(est) and "auto='x, y float (continuous)" in repr(est)
    named = infossl.estimate_mi(x, y, method="copula-max")
    assert "auto" not in named.params and named.value == est.value


def test_auto_reasons_for_discrete_and_tied_data():
    rng = np.random.default_rng(14)
    labels = rng.integers(0, 4, (500, 1))
    cont = rng.standard_normal((500, 1))
    assert choose_method("mi", labels, cont) == (
        "ross",
        "x integer (discrete); y float (continuous): one discrete, one continuous",
    )
    assert choose_method("mi", labels, labels).reason == "x, y integer (discrete): all discrete"
    tied = choose_method("mi", cont, np.round(cont))
    assert tied.method == "mixed-ksg" and "repeated rows in y > 5%" in tied.reason


@pytest.mark.parametrize(
    "call",
    [
        lambda a, b: infossl.estimate_mi(a, b, method="ksg1", ci=0.9, n_resamples=10),
        lambda a, b: infossl.estimate_mi(a, b, method="mixed-ksg"),
        lambda a, b: infossl.estimate_cmi(a[:, 1:], b[:, 1:], np.hstack([a[:, :1], b[:, :1]])),
        lambda a, b: infossl.estimate_entropy(np.hstack([a, b]), method="kl"),
    ],
)
def test_knn_notes_from_joint_dimension_10_say_the_bias_dominates_the_interval(call):
    # once: no note at joint dimension 10 (only above), and none said what an interval covers
    rng = np.random.default_rng(15)
    a = rng.standard_normal((400, 5))
    b = 0.5 * a + rng.standard_normal((400, 5))
    notes = call(a, b).notes
    assert any("dimension 10" in n and "variability only" in n for n in notes), notes
    assert not any("variability only" in n for n in call(a[:, :4], b[:, :4]).notes)


def test_interval_and_stderr_come_from_the_same_resampling():
    """With ``ci``, ``stderr`` is the resampling one (it matches the interval); an estimator's
    own error (sliced: Monte Carlo over projections) moves to ``params["estimator_stderr"]``."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 2))
    y = x + rng.normal(size=(300, 2))
    opts = {"method": "sliced", "n_projections": 8, "seed": 1}
    own = infossl.estimate_mi(x, y, **opts)
    with_ci = infossl.estimate_mi(x, y, ci=0.95, n_resamples=20, **opts)
    assert own.stderr is not None and with_ci.params["estimator_stderr"] == own.stderr
    low, high = with_ci.ci
    half_width = (high - low) / 2
    assert with_ci.stderr is not None and with_ci.stderr != own.stderr
    assert 1.9 < half_width / with_ci.stderr < 2.4  # t quantile of 10 complementary pairs


def test_an_interval_on_too_few_rows_for_the_estimator_says_so_in_the_users_terms():
    """The point estimate fits 300 rows; its subsampling interval needs 150-row subsamples,
    which a batch of 128 cannot use: the error names the interval, m and n, not just 150.
    (The default ``batch_size="auto"`` shrinks to fit and would not fail.)"""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 1))
    y = x + rng.normal(size=(300, 1))
    with pytest.raises(ValueError, match=r"ci=0\.95: .* subsamples of 150 of the 300 rows") as err:
        infossl.estimate_mi(
            x, y, method="infonce", ci=0.95, n_resamples=10, steps=5, hidden=(8,), batch_size=128
        )
    assert "ci=None" in str(err.value)


def test_an_interval_for_a_k_series_takes_its_largest_k_as_the_row_minimum():
    x, y = gaussian_pair(300, 0.5, seed=5)
    est = infossl.estimate_mi(x, y, method="copula-max", k=(1, 2, 4, 8), ci=0.9, n_resamples=10)
    assert est.ci is not None and est.ci[0] <= est.value <= est.ci[1] + 0.05

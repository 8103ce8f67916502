"""Gaussian-copula MI (``gcmi``) and KSG1 on normal scores (``ksg1-copula``)."""

import math

import numpy as np
import pytest

from infossl import estimate_mi
from infossl.estimators import get_estimator_class
from infossl.estimators.copula import (
    EXTRAPOLATION_KS,
    CopulaKSG1,
    CopulaMax,
    GaussianCopulaMI,
    canonical_pair_check,
    copula_normalise,
    extrapolate_to_k0,
)
from infossl.tasks.gaussian import pairs_normal
from infossl.tasks.hidden import HiddenDiscreteTask
from infossl.tasks.suites import spiral_task

N = 5000
RANK_METHODS = ["gcmi", "ksg1-copula"]


def _correlated(rho: float, n: int = N, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = rho * x + math.sqrt(1.0 - rho * rho) * rng.standard_normal(n)
    return x, y


def test_normal_scores_are_ranks_through_the_inverse_normal_cdf():
    a = np.array([[3.0, -1.0], [1.0, -1.0], [2.0, 5.0]])
    scores = copula_normalise(a)
    # column 0: ranks 3, 1, 2 of n = 3 -> Φ⁻¹(0.75), Φ⁻¹(0.25), Φ⁻¹(0.5)
    assert scores[:, 0] == pytest.approx([0.6744897501960817, -0.6744897501960817, 0.0])
    # column 1: the tie shares the average rank 1.5 -> Φ⁻¹(0.375) twice, rank 3 -> Φ⁻¹(0.75)
    assert scores[0, 1] == scores[1, 1] == pytest.approx(-0.3186393639643752)
    assert scores[2, 1] == pytest.approx(0.6744897501960817)


# Tolerances at n = 5000: the standard error of the Gaussian MI is about ρ/√n ≈ 0.015 nats at
# ρ = 0.8; KSG1 adds its own small bias. Three standard errors, rounded up.
@pytest.mark.parametrize(
    ("method", "tol"), [("gcmi", 0.04), ("ksg1-copula", 0.05)], ids=["gcmi", "ksg1-copula"]
)
@pytest.mark.parametrize("rho", [0.0, 0.5, 0.8, 0.95])
def test_bivariate_gaussian_closed_form(method, tol, rho):
    x, y = _correlated(rho)
    truth = -0.5 * math.log(1.0 - rho * rho)
    assert estimate_mi(x, y, method).value == pytest.approx(truth, abs=tol)


def test_gcmi_multivariate_gaussian_closed_form():
    task = pairs_normal(4, 3, 2, 1.5)
    x, y = task.sample(N, seed=1)
    est = estimate_mi(x, y, "gcmi")
    assert est.value == pytest.approx(task.mutual_information, abs=0.05)
    assert est.kind == "proxy" and any("neither a lower nor an upper" in n for n in est.notes)


def test_gcmi_is_a_lower_bound_label_only_with_a_one_dimensional_variable():
    x, y = _correlated(0.5, n=500)
    assert estimate_mi(x, y, "gcmi").kind == "lower"
    noise = np.random.default_rng(1).standard_normal(500)
    assert estimate_mi(np.column_stack([x, noise]), y, "gcmi").kind == "lower"
    assert get_estimator_class("mi", "gcmi").kind == "proxy"


@pytest.mark.parametrize("method", RANK_METHODS)
def test_exactly_invariant_to_strictly_increasing_marginal_maps(method):
    task = pairs_normal(2, 2, 2, 1.0)
    x, y = task.sample(2000, seed=3)
    reference = estimate_mi(x, y, method).value
    mapped_x = np.column_stack([np.exp(x[:, 0]), x[:, 1] ** 3])
    mapped_y = np.column_stack([y[:, 0] ** 3, np.exp(2.0 * y[:, 1]) + 7.0])
    assert estimate_mi(mapped_x, mapped_y, method).value == reference


def test_gcmi_recovers_a_gaussian_copula_under_heavy_marginal_distortion():
    x, y = _correlated(0.8)
    truth = -0.5 * math.log(1.0 - 0.64)
    distorted = estimate_mi(np.sinh(3.0 * x) ** 3, np.exp(np.exp(y)), "gcmi").value
    assert distorted == pytest.approx(truth, abs=0.04)


def test_bias_correction_lowers_the_value_at_independence():
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((60, 3)), rng.standard_normal((60, 3))
    corrected = [estimate_mi(x, y, "gcmi").value]
    plain = [estimate_mi(x, y, "gcmi", bias_correction=False).value]
    assert plain[0] > corrected[0]
    values = []
    for seed in range(200):
        r = np.random.default_rng(seed)
        values.append(
            estimate_mi(r.standard_normal((60, 3)), r.standard_normal((60, 3)), "gcmi").value
        )
    # the plug-in mean is about d_x d_y / (2n) = 0.075 nats; corrected it is near 0
    assert abs(np.mean(values)) < 0.02


@pytest.mark.parametrize("method", RANK_METHODS)
def test_ties_are_handled(method):
    x, y = _correlated(0.8, n=2000, seed=2)
    xr, yr = np.round(x, 1), np.round(y, 1)  # about 60 distinct values each
    truth = -0.5 * math.log(1.0 - 0.64)
    est = estimate_mi(xr, yr, method)
    assert math.isfinite(est.value)
    assert est.value == pytest.approx(truth, abs=0.1)
    # ties share their average rank: the value is a function of the order only
    assert estimate_mi(np.exp(xr), yr**3, method).value == est.value


def test_gcmi_constant_variable_carries_no_information():
    x, y = _correlated(0.5, n=100)
    assert estimate_mi(np.full(100, 2.0), y, "gcmi").value == 0.0
    both = np.column_stack([x, np.full(100, 2.0)])
    assert estimate_mi(both, y, "gcmi").value == estimate_mi(x, y, "gcmi").value


def test_gcmi_collinear_scores_raise_naming_the_variable():
    x, y = _correlated(0.5, n=100)
    with pytest.raises(ValueError, match=r"\bx\b"):
        estimate_mi(np.column_stack([x, 2.0 * x + 1.0]), y, "gcmi")


@pytest.mark.parametrize(
    ("x", "y", "error", "match"),
    [
        (np.zeros((5, 2)), np.zeros((6, 1)), ValueError, "same"),
        (np.array([[1.0, np.nan]] * 5), np.zeros((5, 1)), ValueError, "x"),
        (np.array(["a", "b", "c"]), np.zeros(3), TypeError, "x"),
    ],
)
@pytest.mark.parametrize("method", RANK_METHODS)
def test_bad_inputs_raise_naming_the_argument(method, x, y, error, match):
    with pytest.raises(error, match=match):
        estimate_mi(x, y, method)


def test_gcmi_too_few_rows_for_the_dimension():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="more samples than dimensions"):
        estimate_mi(rng.standard_normal((6, 3)), rng.standard_normal((6, 3)), "gcmi")


def test_bad_parameters():
    with pytest.raises(TypeError, match="bias_correction"):
        GaussianCopulaMI(bias_correction="yes")
    with pytest.raises((TypeError, ValueError), match="k"):
        CopulaKSG1(k=0)


@pytest.mark.parametrize("cls", [GaussianCopulaMI, CopulaKSG1])
def test_sklearn_parameters_round_trip(cls):
    est = cls()
    params = est.get_params()
    assert type(est)(**params).get_params() == params
    assert est.set_params(**params) is est
    doc = cls.__doc__ or ""
    assert "Complexity" in doc and "Reference" in doc and "Assumptions" in doc


def test_ksg1_copula_passes_its_parameters_to_ksg1():
    x, y = _correlated(0.6, n=1000)
    a = estimate_mi(x, y, "ksg1-copula", k=5)
    b = estimate_mi(copula_normalise(x[:, None]), copula_normalise(y[:, None]), "ksg1", k=5)
    assert a.value == pytest.approx(b.value, abs=1e-12)
    assert a.params["k"] == 5 and a.method == "ksg1-copula"


def test_copula_max_is_the_larger_of_its_two_parts():
    task = pairs_normal(3, 3, 2, 2.0)
    x, y = task.sample(2000, seed=5)
    est = estimate_mi(x, y, "copula-max")
    gcmi = estimate_mi(x, y, "gcmi").value
    knn = estimate_mi(x, y, "ksg1-copula", k=EXTRAPOLATION_KS).value
    assert est.value == max(gcmi, knn)
    assert est.params["gcmi"] == gcmi and est.params["ksg1_copula"] == knn
    assert est.params["used"] == ("gcmi" if gcmi > knn else "ksg1-copula")


def test_copula_max_falls_back_to_knn_when_the_gaussian_part_cannot_be_computed():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    est = estimate_mi(x, y, "copula-max", k=3)
    assert est.params["used"] == "ksg1-copula"
    assert est.value == estimate_mi(x, y, "ksg1-copula").value
    assert any("gcmi not computed" in note for note in est.notes)


# ---------------------------------------------------------------- the canonical-pair check
def _hidden_discrete(n: int, d: int, levels: int, spread: float, seed: int):
    """x, y sharing a discrete B hidden along (1, ..., 1): I(X;Y) = ln(levels) exactly."""
    return HiddenDiscreteTask(d, levels, spread).sample(n, seed=seed)


@pytest.mark.parametrize(("d", "levels"), [(2, 2), (3, 2), (4, 3)])
def test_copula_max_sets_aside_a_gaussian_part_the_data_contradict(d, levels):
    x, y = _hidden_discrete(3000, d, levels, spread=4.0, seed=d)
    truth = math.log(levels)
    gcmi = estimate_mi(x, y, "gcmi")
    assert gcmi.value > truth + 0.5  # the Gaussian-copula MI overshoots by far here
    assert any("not Gaussian where the Gaussian-copula MI" in note for note in gcmi.notes)
    est = estimate_mi(x, y, "copula-max")
    p = est.params
    parts = {"gcmi-adjusted": p["gcmi_adjusted"], "pair-ksg": p["pair_ksg"]}
    parts["ksg1-copula"] = p["ksg1_copula"]
    assert p["used"] == max(parts, key=parts.__getitem__)
    assert est.value == max(parts.values()) < p["gcmi"]
    assert p["gcmi_adjusted"] == p["gcmi"] - (p["pair_gaussian"] - p["pair_ksg"])
    assert abs(est.value - truth) < 0.15
    assert p["pair_gaussian"] - p["pair_ksg"] > 0.5
    assert any("gcmi (" in note and "is replaced by" in note for note in est.notes)
    if d == 2:  # every number in the notes follows the unit
        for method in ("gcmi", "copula-max"):
            in_bits = estimate_mi(x, y, method, unit="bits")
            assert not any("nats" in note for note in in_bits.notes)
    assert estimate_mi(x, y).value == est.value  # auto


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("dims", "n"), [((3, 3), 500), ((5, 5), 1000), ((10, 10), 2000)])
def test_the_check_keeps_gcmi_on_gaussian_data(dims, n, seed):
    task = pairs_normal(dims[0], dims[1], 2, 2.0)
    x, y = task.sample(n, seed=seed)
    check = canonical_pair_check(copula_normalise(x), copula_normalise(y))
    assert check.testable and not check.contradicted
    assert abs(check.gaussian - check.ksg) < 0.1  # KSG in 1 + 1 agrees with the Gaussian pair
    est = estimate_mi(x, y, "copula-max")
    assert est.value == max(est.params["gcmi"], est.params["ksg1_copula"])
    if est.params["used"] == "gcmi" and sum(dims) >= 10:  # KSG's high-dimension warning is
        # about the KSG part, not the value returned, and says so
        assert not any(note.startswith("joint dimension") for note in est.notes)
        prefix = "about the ksg1-copula part (not returned): joint dimension"
        assert any(note.startswith(prefix) for note in est.notes)


def test_canonical_pair_check_recovers_the_canonical_correlation():
    rng = np.random.default_rng(3)
    n, rho = 20_000, 0.8
    z = rng.standard_normal((n, 2))
    x = np.column_stack([z[:, 0], rng.standard_normal(n)]) @ rng.standard_normal((2, 2))
    w = rho * z[:, 0] + math.sqrt(1 - rho**2) * z[:, 1]
    y = np.column_stack([w, rng.standard_normal(n), rng.standard_normal(n)])
    check = canonical_pair_check(copula_normalise(x), copula_normalise(y))
    assert check.rho == pytest.approx(rho, abs=0.01)
    assert check.gaussian == pytest.approx(-0.5 * math.log(1 - rho**2), abs=0.02)
    assert check.ksg == pytest.approx(check.gaussian, abs=0.05)
    with pytest.raises(ValueError, match="two multivariate variables"):
        canonical_pair_check(copula_normalise(x[:, :1]), copula_normalise(y))
    with pytest.raises(ValueError, match="at least 500 rows, got 499"):
        canonical_pair_check(copula_normalise(x[:499]), copula_normalise(y[:499]))
    with pytest.raises(ValueError, match="collinear"):
        canonical_pair_check(copula_normalise(np.hstack([x, x[:, :1]])), copula_normalise(y))


@pytest.mark.parametrize(("i_top", "n"), [(7.0, 500), (8.0, 2000)])
def test_no_verdict_where_ksg_cannot_reach_the_pairs_mi(i_top, n):
    # a Gaussian pair at 7-8 nats is beyond what KSG measures on n/2 rows (about ln(n/2) - 3):
    # the check must not call that a contradiction
    rng = np.random.default_rng(0)
    rho = math.sqrt(1 - math.exp(-2 * i_top))
    z = rng.standard_normal((n, 3))
    y = z.copy()
    y[:, 0] = rho * z[:, 0] + math.sqrt(1 - rho**2) * rng.standard_normal(n)
    y[:, 1:] = rng.standard_normal((n, 2))
    check = canonical_pair_check(copula_normalise(z), copula_normalise(y))
    assert not check.testable and not check.contradicted
    est = estimate_mi(z, y, "copula-max")
    assert est.params["used"] == "gcmi" and est.value == est.params["gcmi"]
    assert est.params["pair_testable"] is False
    assert any(n.startswith("gcmi is used unchecked: its top canonical pair") for n in est.notes)


def test_no_check_below_its_minimum_rows_and_a_note_says_so():
    x, y = _hidden_discrete(499, 2, 2, spread=4.0, seed=0)
    est = estimate_mi(x, y, "copula-max")
    assert "pair_ksg" not in est.params
    assert est.value == max(est.params["gcmi"], est.params["ksg1_copula"])
    if est.params["used"] == "gcmi":
        assert "gcmi is used unchecked: the canonical-pair check needs 500 rows, got 499" in (
            est.notes
        )


@pytest.mark.parametrize("row", [0, 1, 2, 3])
def test_a_column_that_varies_on_one_half_only_does_not_switch_the_check_off(row):
    x, y = _hidden_discrete(1000, 3, 2, spread=4.0, seed=1)
    flag = np.zeros((1000, 1))
    flag[row] = 1.0  # varies on one half of the split only
    est = estimate_mi(np.hstack([x, flag]), y, "copula-max")
    assert "pair_ksg" in est.params and est.params["used"] != "gcmi"
    assert abs(est.value - math.log(2)) < 0.1


# ---------------------------------------------------------------------- extrapolation over k
def test_extrapolation_recovers_the_intercept_of_the_power_law():
    ks = (1, 2, 4, 8)
    values = [0.9 - 0.25 * k ** (6.0 / 10) for k in ks]
    a, b = extrapolate_to_k0(values, ks, dim=10, exponent=6.0)
    assert a == pytest.approx(0.9, abs=1e-12) and b == pytest.approx(-0.25, abs=1e-12)
    # the weights on the values sum to one: a constant series extrapolates to itself
    assert extrapolate_to_k0([0.3] * 4, ks, dim=6)[0] == pytest.approx(0.3, abs=1e-12)


def test_ksg1_copula_over_several_k_is_the_extrapolation_of_its_values():
    x, y = pairs_normal(3, 3, 2, 1.0).sample(1500, seed=2)
    est = estimate_mi(x, y, "ksg1-copula", k=(1, 2, 4, 8))
    singles = [estimate_mi(x, y, "ksg1-copula", k=k).value for k in (1, 2, 4, 8)]
    assert est.value == pytest.approx(extrapolate_to_k0(singles, (1, 2, 4, 8), 6)[0], abs=1e-12)
    assert est.params["ksg1_by_k"] == dict(zip((1, 2, 4, 8), singles, strict=True))
    assert est.ceiling is None and any("extrapolated to k → 0" in note for note in est.notes)


def test_extrapolation_removes_most_of_the_knn_bias_on_a_spiral():
    # 5 + 5 Gaussian pairs at I = 1 nat, X and Y spiralled (MI unchanged): KSG1 at k = 3 on the
    # normal scores is about 0.46 nats low at n = 5000 (benchmarks/estimators.md, 3 seeds:
    # 0.517-0.554); extrapolated over k = 1, 2, 4, 8 it is about 0.31 nats low. Closed-form truth.
    task = spiral_task(pairs_normal(5, 5, 2, 1.0))
    x, y = task.sample(5000, seed=0)
    truth = task.mutual_information
    plain = estimate_mi(x, y, "ksg1-copula").value
    extrapolated = estimate_mi(x, y, "ksg1-copula", k=EXTRAPOLATION_KS).value
    assert truth - plain > 0.4
    assert abs(extrapolated - truth) < abs(plain - truth) - 0.1


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"k": (3,)}, ValueError),
        ({"k": (2, 2)}, ValueError),
        ({"k": (0, 1)}, ValueError),
        ({"k": "12"}, TypeError),
        ({"k": (1, 2.5)}, TypeError),
        ({"bias_exponent": 0.0}, ValueError),
        ({"bias_exponent": float("nan")}, ValueError),
        ({"bias_exponent": "4"}, TypeError),
        ({"max_extrapolation_dim": 0}, ValueError),
        ({"max_extrapolation_dim": 2.5}, TypeError),
    ],
)
def test_bad_extrapolation_parameters(params, error):
    name = next(iter(params))
    for cls in (CopulaKSG1, CopulaMax):
        with pytest.raises(error, match=name):
            cls(**params)


def test_copula_max_with_a_k_series_clones():
    from sklearn.base import clone

    est = CopulaMax(k=(1, 3, 9), bias_exponent=3.0)
    copy = clone(est)
    assert copy.get_params() == est.get_params() and copy.k == (1, 3, 9)


def test_above_the_validated_dimension_copula_max_is_the_rule_without_extrapolation():
    x, y = pairs_normal(11, 10, 3, 1.0).sample(600, seed=1)  # joint dimension 21 > 20
    est = estimate_mi(x, y, "copula-max")
    plain = estimate_mi(x, y, "copula-max", k=3)
    assert est.value == plain.value and "ksg1_by_k" not in est.params
    assert any("joint dimension 21 > max_extrapolation_dim=20" in note for note in est.notes)
    lowered = estimate_mi(x, y, "copula-max", max_extrapolation_dim=21)
    assert set(lowered.params["ksg1_by_k"]) == set(EXTRAPOLATION_KS)


def test_extrapolated_notes_describe_the_returned_value_in_its_unit():
    # independent 2 + 2 data, n = 60: seed 0 has a negative KSG1 value at k = 2 but a positive
    # extrapolation, seed 2 the reverse; only the returned value decides the "negative" note
    def estimate(seed, **kw):
        rng = np.random.default_rng(seed)
        x, y = rng.standard_normal((60, 2)), rng.standard_normal((60, 2))
        return estimate_mi(x, y, "ksg1-copula", k=EXTRAPOLATION_KS, **kw)

    positive, negative = estimate(0), estimate(2)
    assert positive.value > 0 > min(positive.params["ksg1_by_k"].values())
    assert not any(note.startswith("negative estimate") for note in positive.notes)
    assert negative.value < 0 < max(negative.params["ksg1_by_k"].values())
    assert any(note.startswith("negative estimate") for note in negative.notes)
    in_bits = estimate(2, unit="bits")
    assert in_bits.value == pytest.approx(negative.value / math.log(2))
    assert not any("nats" in note for note in in_bits.notes)


def test_too_few_rows_for_the_k_series_falls_back_to_k3_with_a_note():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 1)), rng.standard_normal((8, 1))
    est = estimate_mi(x, y, "copula-max")
    assert est.params["ksg1_copula"] == estimate_mi(x, y, "ksg1-copula").value
    assert any("n = 8 rows are too few for k up to 8" in note for note in est.notes)
    with pytest.raises(ValueError, match="k=3 needs more samples"):
        estimate_mi(x[:3], y[:3], "copula-max")


def test_k_series_as_an_array_and_an_ill_posed_exponent():
    x, y = pairs_normal(1, 1, 1, 0.5).sample(500, seed=3)
    listed = estimate_mi(x, y, "ksg1-copula", k=[1, 2, 4, 8]).value
    assert estimate_mi(x, y, "ksg1-copula", k=np.array([1, 2, 4, 8])).value == listed
    with pytest.raises(ValueError, match="bias_exponent"):
        CopulaKSG1(k=(1, 2), bias_exponent=101.0)
    with pytest.raises(ValueError, match="ill-determined"):  # k^(1e-6/2): all abscissae ≈ 1
        estimate_mi(x, y, "ksg1-copula", k=(1, 2, 4, 8), bias_exponent=1e-6)

"""Tests of infossl.framework: information terms, paths, schedules, objectives, loss outputs."""

from __future__ import annotations

import math

import pytest
import torch

from infossl.framework import (
    Constant,
    CosineAnneal,
    ExponentialAnneal,
    InfoTerm,
    LinearAnneal,
    LinearWarmup,
    LossOutput,
    Objective,
    PathStep,
    TermValue,
    WeightedTerm,
    as_schedule,
    combine,
    cross_decoder,
    data,
    direct_decoder,
    divergence,
    encoder,
    entropy,
    format_rows,
    label_decoder,
    mi,
    side_by_side,
    total_correlation,
)

# ------------------------------------------------------------------------------- paths and terms


def test_paper_notation_of_a_cross_decoder_path():
    # the review's example: I_{P(X1),P(Z1|X1),P(Z2|Z1)}(X1;Z2)
    path = [data("X1"), encoder("X1", "Z1"), cross_decoder("Z1", "Z2", symbol="P")]
    term = mi("X1", "Z2", path=path, bound="infonce", kind="lower")
    assert term.notation == "I_{P(X1),P(Z1|X1),P(Z2|Z1)}(X1;Z2)"
    assert term.quantity == "I(X1;Z2)"
    assert term.label == "I(X1;Z2) lower bound [infonce]"
    assert term.symbol == "⌊I(X1;Z2)⌋"


def test_rendering_of_every_measure_and_decoder_role():
    assert entropy("Z1", given="Z2").quantity == "H(Z1|Z2)"
    assert mi(("Z1", "Z2"), "Y").quantity == "I(Z1,Z2;Y)"
    assert mi("X1", "Z1", given="X2").quantity == "I(X1;Z1|X2)"
    assert total_correlation(["Z1", "Z2", "Z3"]).quantity == "TC(Z1;Z2;Z3)"
    assert divergence("P_t", "P_s").quantity == "D(P_t‖P_s)"
    assert label_decoder(["Z1", "Z2"]).render() == "Q(Y|Z1,Z2)"
    assert direct_decoder("Z1", "X1").render() == "Q(X1|Z1)"
    assert data("X1", "X2").render() == "P(X1,X2)"
    pair = mi("Za", "Zb", aggregate="a<b", kind="lower")
    assert pair.quantity == "mean_{a<b} I(Za;Zb)"


def test_same_variables_along_different_paths_are_different_quantities():
    own = mi("X1", "Z1", path=[data("X1"), encoder("X1", "Z1")], bound="kl", kind="upper")
    through_other_view = mi(
        "X1",
        "Z1",
        path=[
            data("X2"),
            encoder("X2", "Z2"),
            cross_decoder("Z2", "Z1"),
            direct_decoder("Z1", "X1"),
        ],
        bound="ba",
        kind="lower",
    )
    assert own != through_other_view
    assert own.same_quantity(through_other_view)
    assert own.notation != through_other_view.notation
    # reported side by side: one group, two rows with distinct path notations
    outs = {
        "A": Objective([WeightedTerm("rate", own)]).evaluate({"rate": torch.tensor(1.0)}),
        "B": Objective([WeightedTerm("ba", through_other_view, -1.0)]).evaluate(
            {"ba": torch.tensor(0.5)}
        ),
    }
    rows = side_by_side(outs)
    assert [r.quantity for r in rows] == ["I(X1;Z1)", "I(X1;Z1)"]
    assert {r.notation for r in rows} == {own.notation, through_other_view.notation}
    table = format_rows(rows)
    assert own.notation in table and through_other_view.notation in table


def test_term_effect_follows_weight_sign_and_proxy_orientation():
    lower = mi("Z1", "Z2", kind="lower")
    assert lower.effect(-1.0) == "maximises a lower bound on I(Z1;Z2)"
    assert mi("X", "Z", kind="upper").effect(0.1) == "minimises an upper bound on I(X;Z)"
    hinge = entropy("Z1", kind="proxy", orientation=-1)
    assert hinge.effect(12.5).startswith("maximises H(Z1)")
    assert entropy("Z1", given="Z2", kind="proxy").effect(25).startswith("minimises H(Z1|Z2)")
    assert "weight 0" in lower.effect(0.0)


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: InfoTerm("X", ("Z",)), "measure"),
        (lambda: mi("Z1", "Z2", kind="maybe"), "kind"),
        (lambda: InfoTerm("I", ("Z1",)), "second variable"),
        (lambda: InfoTerm("H", ("Z1",), ("Z2",)), "no second variable"),
        (lambda: entropy("Z1", kind="lower", orientation=-1), "orientation"),
        (lambda: entropy("Z1;Z2"), "invalid variable name"),
        (lambda: total_correlation(["Z1"]), "at least two"),
        (lambda: PathStep(("Z1",), ("X1",), "critic"), "role"),
    ],
)
def test_bad_terms_raise_value_error(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_bad_term_types_raise_type_error():
    with pytest.raises(TypeError, match="path"):
        InfoTerm("H", ("Z",), path=("P(Z|X)",))
    with pytest.raises(TypeError, match="variable names"):
        entropy(("Z1", 3))


# ------------------------------------------------------------------------------- schedules


def test_schedules_match_closed_forms():
    assert Constant(0.3)(0) == Constant(0.3)(10_000) == 0.3
    warm = LinearWarmup(0.07, 30, start=0.04)
    assert warm(0) == pytest.approx(0.04)
    assert warm(15) == pytest.approx(0.055)
    assert warm(30) == warm(1000) == pytest.approx(0.07)
    lin = LinearAnneal(1.0, 0.0, 10, delay=5)
    assert [lin(s) for s in (0, 5, 10, 15, 20)] == pytest.approx([1, 1, 0.5, 0, 0])
    cos = CosineAnneal(0.996, 1.0, 100)
    assert cos(0) == pytest.approx(0.996)
    assert cos(50) == pytest.approx(0.998)
    assert cos(100) == pytest.approx(1.0)
    # BYOL's form: 1 − (1 − base)(cos(πk/K) + 1)/2
    k = 37
    assert cos(k) == pytest.approx(1 - 0.004 * (math.cos(math.pi * k / 100) + 1) / 2)
    exp = ExponentialAnneal(1e-4, 1.0, 100)
    assert exp(50) == pytest.approx(1e-2)
    assert exp(0) == pytest.approx(1e-4) and exp(200) == pytest.approx(1.0)
    assert "warm-up" in warm.describe()


def test_ramp_schedules_share_validation_description_and_identity():
    ramps = [
        LinearAnneal(0.5, 2.0, 10, delay=3),
        CosineAnneal(0.5, 2.0, 10, delay=3),
        ExponentialAnneal(0.5, 2.0, 10, delay=3),
    ]
    for kind, ramp in zip(("linear", "cosine", "exponential"), ramps, strict=True):
        assert ramp.describe() == f"{kind} 0.5 → 2 over steps 3–13"
        assert ramp(0) == ramp(3) == pytest.approx(0.5) and ramp(13) == pytest.approx(2.0)
        assert repr(ramp).startswith(f"{type(ramp).__name__}(start=0.5, end=2.0, steps=10")
        assert ramp == type(ramp)(0.5, 2.0, 10, delay=3) and hash(ramp) == hash(
            type(ramp)(0.5, 2.0, 10, delay=3)
        )
        with pytest.raises(ValueError, match="delay"):
            type(ramp)(0.5, 2.0, 10, delay=-1)
    assert ramps[0] != LinearAnneal(0.5, 2.0, 10) and ramps[0] != ramps[1]
    assert LinearAnneal(-1.0, 0.0, 5)(5) == 0.0  # only the exponential ramp needs > 0


def test_schedule_bad_inputs():
    with pytest.raises(ValueError, match="step"):
        Constant(1.0)(-1)
    with pytest.raises(TypeError, match="step"):
        Constant(1.0)(1.5)
    with pytest.raises(ValueError, match="start"):
        ExponentialAnneal(0.0, 1.0, 10)
    with pytest.raises(TypeError, match="beta"):
        as_schedule("big", "beta")
    with pytest.raises(ValueError, match="value"):
        Constant(float("nan"))


# ------------------------------------------------------------------------------- objectives


def _mib_like() -> Objective:
    shared = mi("Z1", "Z2", kind="lower", bound="infonce")
    kl1 = mi("Z1", "X1", given="X2", kind="upper", bound="kl")
    kl2 = mi("Z2", "X2", given="X1", kind="upper", bound="kl")
    return Objective(
        [
            WeightedTerm("mi", shared, -1.0),
            WeightedTerm("kl1", kl1, 0.5, "β"),
            WeightedTerm("kl2", kl2, 0.5, "β"),
        ],
        {"β": ExponentialAnneal(1e-4, 1.0, 100)},
        name="MIB",
    )


def test_objective_weights_follow_the_schedule_and_terms_sum_to_the_loss():
    obj = _mib_like()
    assert obj.weights(0) == pytest.approx({"mi": -1.0, "kl1": 0.5e-4, "kl2": 0.5e-4})
    assert obj.weights(100) == pytest.approx({"mi": -1.0, "kl1": 0.5, "kl2": 0.5})
    values = {
        "mi": torch.tensor(2.0, requires_grad=True),
        "kl1": torch.tensor(3.0),
        "kl2": torch.tensor(5.0),
    }
    out = obj.evaluate(values, step=50, constant=0.25)
    expected = -2.0 + 0.5 * 1e-2 * (3.0 + 5.0) + 0.25
    assert float(out.loss.detach()) == pytest.approx(expected, rel=1e-6)
    out.check()
    assert float(out.weighted_sum()) == pytest.approx(expected, rel=1e-6)
    assert not out.terms["mi"].value.requires_grad  # values are detached
    out.loss.backward()
    assert float(values["mi"].grad) == -1.0
    assert out.terms["kl1"].weight == pytest.approx(0.005)
    assert obj.formula() == "L = −⌊I(Z1;Z2)⌋ + 0.5·β·⌈I(Z1;X1|X2)⌉ + 0.5·β·⌈I(Z2;X2|X1)⌉"
    logged = out.to_dict("train/")
    assert set(logged) == {"train/loss", "train/mi", "train/kl1", "train/kl2"}


def test_objective_construction_errors():
    t = entropy("Z")
    with pytest.raises(ValueError, match="duplicate"):
        Objective([WeightedTerm("a", t), WeightedTerm("a", t)])
    with pytest.raises(ValueError, match="without a value"):
        Objective([WeightedTerm("a", t, 1.0, "β")])
    with pytest.raises(ValueError, match="not used"):
        Objective([WeightedTerm("a", t)], {"β": 1.0})
    with pytest.raises(ValueError, match="at least one"):
        Objective([])
    obj = Objective([WeightedTerm("a", t)])
    with pytest.raises(ValueError, match="exactly the keys"):
        obj.evaluate({"b": torch.tensor(1.0)})
    with pytest.raises(ValueError, match="0-dim"):
        obj.evaluate({"a": torch.ones(2)})
    with pytest.raises(ValueError, match="unknown term"):
        obj.weight("zzz")


def test_loss_output_check_detects_a_broken_decomposition():
    term = entropy("Z")
    good = LossOutput(torch.tensor(3.0), {"a": TermValue(torch.tensor(1.5), term, 2.0)})
    good.check()
    bad = LossOutput(torch.tensor(3.5), {"a": TermValue(torch.tensor(1.5), term, 2.0)})
    with pytest.raises(AssertionError, match="do not sum"):
        bad.check()
    with pytest.raises(ValueError, match="0-dim"):
        LossOutput(torch.ones(2), {})
    with pytest.raises(TypeError, match="TermValue"):
        LossOutput(torch.tensor(1.0), {"a": 1.0})
    with pytest.raises(ValueError, match="both as terms and diagnostics"):
        tv = TermValue(torch.tensor(1.0), term)
        LossOutput(torch.tensor(1.0), {"a": tv}, diagnostics={"a": tv})


def test_combine_keeps_the_invariant():
    a = Objective([WeightedTerm("x", entropy("Z"), 2.0)]).evaluate(
        {"x": torch.tensor(1.0)}, constant=0.5
    )
    b = Objective([WeightedTerm("y", mi("X", "Z", kind="upper"), 3.0)]).evaluate(
        {"y": torch.tensor(2.0)}
    )
    c = combine({"ssl": a, "rec": b})
    assert set(c.terms) == {"ssl/x", "rec/y"}
    assert float(c.loss) == pytest.approx(2.0 + 0.5 + 6.0)
    assert c.constant == 0.5
    c.check()

"""The Estimate contract: units, kinds, ceilings, serialisation."""

import json
import math

import pytest

from infossl.estimate import Estimate, convert


def make(**kw):
    base = dict(
        value=1.0,
        unit="nats",
        kind="lower",
        method="infonce",
        n=64,
        dims=(20, 20),
        ceiling=math.log(64),
        stderr=0.1,
        ci=(0.8, 1.2),
        ci_level=0.95,
        params={"k": 3},
    )
    base.update(kw)
    return Estimate(**base)


def test_bits_is_nats_over_ln2():
    e = make().to("bits")
    assert e.unit == "bits"
    assert e.value == pytest.approx(1.0 / math.log(2), rel=1e-12)
    assert e.ceiling == pytest.approx(6.0, rel=1e-12)  # ln 64 nats = 6 bits
    assert e.stderr == pytest.approx(0.1 / math.log(2), rel=1e-12)
    assert e.ci == pytest.approx((0.8 / math.log(2), 1.2 / math.log(2)), rel=1e-12)
    back = e.to("nats")
    assert back.value == pytest.approx(1.0, rel=1e-12)
    assert make().to("nats") is not None


def test_convert_roundtrip():
    assert convert(1.0, "bits", "nats") == pytest.approx(math.log(2))
    assert convert(convert(3.7, "nats", "bits"), "bits", "nats") == pytest.approx(3.7)


def test_saturation_flag():
    assert not make(value=1.0).saturated
    assert make(value=0.95 * math.log(64)).saturated
    assert not make(ceiling=None).saturated
    assert "SATURATED" in str(make(value=4.1))


def test_repr_and_dict():
    e = make()
    text = repr(e)
    assert "infonce" in text and "nats" in text and "lower bound" in text
    d = e.to_dict()
    json.dumps(d)
    assert d["value"] == 1.0 and d["dims"] == [20, 20] and d["params"] == {"k": 3}
    assert float(e) == 1.0


def test_params_are_read_only():
    e = make()
    with pytest.raises(TypeError):
        e.params["k"] = 5  # type: ignore[index]


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"unit": "shannons"}, "unit"),
        ({"kind": "exact"}, "kind"),
        ({"value": float("nan")}, "finite"),
        ({"value": float("inf")}, "finite"),
        ({"ci": (2.0, 1.0)}, "ci"),
    ],
)
def test_bad_fields(kw, match):
    with pytest.raises(ValueError, match=match):
        make(**kw)


def test_bad_unit_in_to():
    with pytest.raises(ValueError, match="unit"):
        make().to("hartleys")

"""Converting an `Estimate` converts the information figures quoted in its notes."""

import math

import numpy as np
import pytest

from infossl.analysis.diagnostics import gaussian_entropy_ridge
from infossl.estimate import Estimate, convert_text


def test_figures_in_notes_follow_the_unit():
    notes = (
        "finite-sample log-det bias about 0.05 nats low",
        "cannot exceed 4.85 nats with batches of 128",
        "ln 128 nats is a formula, kept",
        "n=1000 samples, x2 nats, no figure",
    )
    est = Estimate(1.0, notes=notes)
    bits = est.to("bits")
    assert bits.notes[0] == f"finite-sample log-det bias about {0.05 / math.log(2):.3g} bits low"
    assert bits.notes[0] == "finite-sample log-det bias about 0.0721 bits low"
    assert bits.notes[1] == f"cannot exceed {4.85 / math.log(2):.3g} bits with batches of 128"
    assert bits.notes[2:] == notes[2:]
    assert bits.to("nats").notes[0] == notes[0]  # 0.0721 bits = 0.04998 nats -> "0.05"
    assert est.to("nats") is est


def test_convert_text_handles_signs_exponents_and_bits():
    assert convert_text("-0.3 nats and 2e-3 nats", "bits") == (
        f"{-0.3 / math.log(2):.3g} bits and {2e-3 / math.log(2):.3g} bits"
    )
    assert convert_text("1 bits", "nats") == f"{math.log(2):.3g} nats"
    assert convert_text("0.5 bits", "bits") == "0.5 bits"
    with pytest.raises(ValueError, match="unit must be one of"):
        convert_text("1 nats", "hartleys")


def test_a_real_note_is_converted():
    rng = np.random.default_rng(0)
    n, d = 400, 6
    est = gaussian_entropy_ridge(rng.standard_normal((n, d)))
    bias = d * d / (2 * n)  # the figure the note quotes, in nats
    assert any(f"{bias:.3g} nats" in note for note in est.notes)
    bits = est.to("bits")
    assert any(f"{bias / math.log(2):.3g} bits" in note for note in bits.notes)
    assert not any("nats" in note for note in bits.notes)


def test_information_params_follow_the_unit():
    """copula-max's parts, its pair check and its values per k are converted with the value;
    other params (k, counts, names, flags) are not."""
    import infossl

    rng = np.random.default_rng(3)
    x = rng.standard_normal((600, 2))
    y = x + rng.standard_normal((600, 2))
    nats = infossl.estimate_mi(x, y, method="copula-max")
    bits = nats.to("bits")
    ln2 = math.log(2)
    for key in ("gcmi", "ksg1_copula", "pair_gaussian", "pair_ksg"):
        assert bits.params[key] == pytest.approx(nats.params[key] / ln2, rel=1e-12)
    for k, v in nats.params["ksg1_by_k"].items():
        assert bits.params["ksg1_by_k"][k] == pytest.approx(v / ln2, rel=1e-12)
    assert bits.params["k"] == nats.params["k"]
    assert bits.params["used"] == nats.params["used"]
    assert bits.params["pair_testable"] is nats.params["pair_testable"]
    back = bits.to("nats")
    assert back.params["gcmi"] == pytest.approx(nats.params["gcmi"], rel=1e-12)
    assert infossl.estimate_mi(x, y, method="copula-max", unit="bits").params[
        "gcmi"
    ] == pytest.approx(bits.params["gcmi"], rel=1e-12)

"""CMI generalisation bounds (infossl.analysis.cmi_bound): closed forms for learners whose
conditional MI is known, the bound above the exact gap when every selection is enumerated, and
the supersample experiment end to end at toy size."""

from __future__ import annotations

import math

import numpy as np
import pytest

from infossl.analysis.cmi_bound import (
    CMIBoundConfig,
    draw_supersamples,
    run_cmi_bound,
    supersample_bounds,
)
from infossl.analysis.idnn import IDNNConfig

pytestmark = pytest.mark.usefixtures("one_thread")


def _exhaustive_predictions(learner, labels: np.ndarray, selections: np.ndarray) -> np.ndarray:
    """(1, K2, 1, n, 2) predictions of ``learner(train_mask (n, 2))`` for every selection."""
    out = []
    for u in selections[0]:
        mask = np.zeros(labels.shape[1:], dtype=bool)
        mask[np.arange(len(u)), u] = True
        out.append(learner(mask))
    return np.stack(out)[None, :, None]


def test_memorise_or_constant_learner_matches_the_closed_forms():
    """Predict the true label on training rows and class c elsewhere: Δ_i is a function of U_i,
    so I(Δ_i;U_i) = ln 2 unless both labels equal c (then 0), and the expected gap of pair i is
    ([y_i0 ≠ c] + [y_i1 ≠ c]) / 2."""
    c, n = 1, 6
    labels = np.array([[0, 1], [1, 1], [2, 0], [1, 2], [0, 0], [1, 1]])[None]
    design = draw_supersamples(2 * n, n, 1, 0, seed=3, exhaustive=True)
    assert design.selections.shape == (1, 2**n, n)

    def learner(mask: np.ndarray) -> np.ndarray:
        return np.where(mask, labels[0], c)

    result = supersample_bounds(
        _exhaustive_predictions(learner, labels, design.selections),
        labels,
        design.selections,
        exhaustive=True,
    )
    wrong = labels[0] != c
    informative = wrong.any(axis=1)
    expected_bound = np.mean(np.where(informative, math.sqrt(2 * math.log(2)), 0.0))
    expected_gap = wrong.sum(axis=1).mean() / 2 / 1  # mean over pairs of (w0 + w1)/2
    assert result.ld_cmi[0, 0] == pytest.approx(expected_bound, abs=1e-12)
    assert result.ld_cmi_mm[0, 0] == pytest.approx(expected_bound, abs=1e-12)  # exact: no MM
    assert result.gap.mean() == pytest.approx(expected_gap, abs=1e-12)
    assert result.train_error.max() == 0.0
    # F_i determines Δ_i: f-CMI ≥ ld-CMI; here F_i is also a function of U_i
    assert result.f_cmi[0, 0] >= result.ld_cmi[0, 0] - 1e-12


def test_a_learner_that_ignores_the_data_has_zero_information_and_zero_gap():
    rng = np.random.default_rng(0)
    n = 5
    labels = rng.integers(0, 3, size=(1, n, 2))
    fixed = rng.integers(0, 3, size=(n, 2))
    design = draw_supersamples(2 * n, n, 1, 0, exhaustive=True)
    pred = _exhaustive_predictions(lambda mask: fixed, labels, design.selections)
    result = supersample_bounds(pred, labels, design.selections, exhaustive=True)
    assert np.abs(result.gap.mean()) < 1e-12
    assert result.ld_cmi.max() == 0.0 and result.f_cmi.max() == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_exact_bound_is_above_the_exact_gap_of_a_nearest_neighbour_memoriser(seed):
    """1-NN on random labels over all 2^8 selections: the theorem holds for every supersample,
    and the memoriser's gap is large (about half its test rows are wrong)."""
    rng = np.random.default_rng(seed)
    n = 8
    x = rng.normal(size=(n, 2, 3))
    labels = rng.integers(0, 2, size=(1, n, 2))
    design = draw_supersamples(2 * n, n, 1, 0, exhaustive=True)

    def one_nn(mask: np.ndarray) -> np.ndarray:
        train_x, train_y = x[mask], labels[0][mask]
        d = ((x[:, :, None, :] - train_x[None, None]) ** 2).sum(-1)
        return train_y[d.argmin(axis=-1)]

    pred = _exhaustive_predictions(one_nn, labels, design.selections)
    result = supersample_bounds(pred, labels, design.selections, exhaustive=True)
    gap = result.gap.mean()
    assert result.train_error.max() == 0.0 and gap > 0.2
    assert result.ld_cmi[0, 0] >= gap
    assert result.f_cmi[0, 0] >= result.ld_cmi[0, 0] - 1e-12


def test_sampled_selections_give_plugin_above_miller_madow_above_zero():
    rng = np.random.default_rng(4)
    k1, k2, t, n = 2, 12, 3, 7
    pred = rng.integers(0, 3, size=(k1, k2, t, n, 2))
    labels = rng.integers(0, 3, size=(k1, n, 2))
    sel = rng.integers(0, 2, size=(k1, k2, n))
    result = supersample_bounds(pred, labels, sel, np.array([0, 5, 9]))
    assert (result.ld_cmi >= result.ld_cmi_mm - 1e-12).all() and (result.ld_cmi_mm >= 0).all()
    rows = result.rows()
    assert [r["epoch"] for r in rows] == [0, 5, 9]
    for r in rows:
        assert r["gap_low"] <= r["gap"] <= r["gap_high"]
        assert 0.0 <= r["ld_cmi_bound_low"] <= r["ld_cmi_bound"] <= r["ld_cmi_bound_high"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"predictions": np.zeros((2, 3, 1, 4))}, "predictions must have shape"),
        ({"labels": np.zeros((2, 4, 3), dtype=int)}, "labels must have shape"),
        ({"selections": np.full((2, 3, 4), 2)}, "selections must hold 0 or 1"),
        ({"predictions": -np.ones((2, 3, 1, 4, 2), dtype=int)}, "non-negative integer"),
        ({"predictions": np.zeros((2, 3, 1, 4, 2))}, "non-negative integer"),
    ],
)
def test_bad_inputs_raise(change, message):
    args = {
        "predictions": np.zeros((2, 3, 1, 4, 2), dtype=int),
        "labels": np.zeros((2, 4, 2), dtype=int),
        "selections": np.zeros((2, 3, 4), dtype=int),
    }
    args.update(change)
    with pytest.raises(ValueError, match=message):
        supersample_bounds(**args)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data": "mnist"}, "data must be one of"),
        ({"pairs": 0}, "pairs"),
        ({"pairs": 899}, "pairs must be <= 898"),  # 1,797 digits hold 898 pairs
        ({"data": "idnn", "pairs": 2049}, "pairs must be <= 2048"),
        ({"selections": 1}, "selections"),
        ({"exhaustive": True, "pairs": 20}, "pairs"),
        ({"network": {"hidden": [0]}}, "hidden"),
        ({"typo": 1}, "typo"),
    ],
)
def test_bad_settings_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CMIBoundConfig(**kwargs)


def test_supersamples_use_distinct_rows_and_each_run_trains_on_one_member_per_pair():
    design = draw_supersamples(100, 20, 3, 5, seed=1)
    for j in range(3):
        assert len(np.unique(design.pairs[j])) == 40
        idx = design.train_index(j)
        assert idx.shape == (5, 20) and ((idx // 2) == np.arange(20)).all()
    with pytest.raises(ValueError, match="n_rows"):
        draw_supersamples(30, 20, 1, 5)


def test_digits_run_end_to_end_has_its_bound_above_its_gap():
    small = IDNNConfig(activation="relu", hidden=(32,), learning_rate=1e-3, epochs=8, log_points=3)
    config = CMIBoundConfig(pairs=40, supersamples=2, selections=6, network=small)
    result = run_cmi_bound(config)
    assert result.train_error.shape == (2, 6, len(result.epochs)) and result.epochs[0] == 0
    assert result.n_classes == 10 and result.settings["pool"] == 1797
    final = result.rows()[-1]
    assert final["train_error"] < final["test_error"]  # it learned, and overfits a little
    assert final["ld_cmi_bound"] >= final["gap"]
    again = run_cmi_bound(config)
    assert np.array_equal(again.test_error, result.test_error)  # seeded


def test_idnn_run_with_every_selection_is_exact():
    network = IDNNConfig(hidden=(5,), epochs=3, log_points=2)
    config = CMIBoundConfig(data="idnn", pairs=4, supersamples=1, exhaustive=True, network=network)
    result = run_cmi_bound(config)
    assert result.exhaustive and result.train_error.shape[1] == 16 and result.n_classes == 2
    assert np.array_equal(result.ld_cmi, result.ld_cmi_mm)
    assert (result.ld_cmi[0] >= result.gap.mean(axis=(0, 1)) - 1e-12).all()

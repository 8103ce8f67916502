"""``critic-ksg`` (KSG on a trained critic's held-out canonical features) and
``copula-critic-max`` (its maximum with ``copula-max``, ``method="auto"`` for float MI)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from infossl import estimate_mi
from infossl.estimators.copula import CRITIC_MIN_ROWS, CopulaMax
from infossl.estimators.neural import CriticKSG, critic_features
from infossl.estimators.neural.features import CopulaCriticMax
from infossl.tasks.gaussian import sparse_normal
from infossl.tasks.suites import spiral_task

#: A quick critic: these tests check the construction, not the default protocol's accuracy.
FAST = {"steps": 600, "patience": 5}


def _pairs(n: int, dims: int, rho: float, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """x_i, y_i correlated (rho) for the first two coordinates, independent noise elsewhere;
    I = -ln(1 - rho²) (two pairs)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dims))
    y = rng.standard_normal((n, dims))
    y[:, :2] = rho * x[:, :2] + np.sqrt(1 - rho**2) * y[:, :2]
    return x, y, -np.log(1 - rho**2)


def test_critic_ksg_is_close_below_a_gaussian_truth():
    # 4 + 4, two pairs at rho = 0.8 (1.022 nats), n = 4000: the features keep nearly all of it
    # (measured 0.97-1.0 over seeds); KSG on 2000 held-out rows in 3 + 3 dimensions has a
    # standard deviation of about 0.03 nats, so the window is about 3 of them above the truth.
    x, y, truth = _pairs(4000, 4, 0.8, seed=0)
    est = estimate_mi(x, y, method="critic-ksg", **FAST)
    assert truth - 0.15 < est.value < truth + 0.08
    assert est.kind == "lower" and est.method == "critic-ksg"
    assert est.params["n_test"] == 2000 and len(est.params["canonical_correlations"]) == 3
    assert any("at most I(X;Y)" in note for note in est.notes)


def test_critic_ksg_of_independent_variables_is_near_zero():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3000, 4)), rng.standard_normal((3000, 3))
    # KSG's standard deviation on 1500 independent rows in 3 + 3 dimensions: about 0.02 nats
    assert abs(estimate_mi(x, y, method="critic-ksg", **FAST).value) < 0.06


def test_critic_features_are_canonical_projections_of_the_embeddings():
    x, y, _ = _pairs(2000, 3, 0.8, seed=2)
    est = CriticKSG(pairs=2, embed_dim=4, **FAST)
    trained = est._train(x, y)
    u, v, rho = critic_features(trained, 5)  # capped by the 4 embedding units
    assert u.shape == v.shape == (1000, 4)
    assert np.all(np.diff(rho) <= 1e-12) and 0 <= rho[-1] and rho[0] <= 1
    # fitted to be uncorrelated with unit variance on the training rows, the projections stay
    # nearly so on held-out rows; the first pair carries the dependence (rho = 0.8 pairs)
    corr = np.corrcoef(np.hstack([u, v]), rowvar=False)
    assert np.abs(corr[:4, :4] - np.eye(4)).max() < 0.15
    assert corr[0, 4] > 0.6 and abs(corr[0, 4] - rho[0]) < 0.1


def test_the_critic_part_recovers_a_spiral_that_copula_max_misses():
    # a 3 + 3 two-pair Gaussian at 1.5 nats, both variables spiralled: copula-max reads about
    # 1.1-1.2 nats (Gaussian part ~0.3, KSG part biased low), the critic's features about 1.4
    task = spiral_task(sparse_normal(3, 3, 2, 2.0))
    x, y = task.sample(5000, seed=0)
    est = estimate_mi(x, y, method="copula-critic-max")
    base = estimate_mi(x, y, method="copula-max")
    truth = task.mutual_information
    assert est.params["used"] == "critic-ksg" and est.params["copula_max"] == base.value
    assert abs(est.value - truth) < abs(base.value - truth) - 0.05
    assert est.value < truth + 0.05


def test_copula_critic_max_skips_the_critic_where_it_does_not_apply():
    x, y, _ = _pairs(CRITIC_MIN_ROWS - 1, 2, 0.6, seed=3)
    est = estimate_mi(x, y, method="copula-critic-max")
    assert f"n = {CRITIC_MIN_ROWS - 1} < {CRITIC_MIN_ROWS} rows" in est.notes[-1]
    assert est.value == estimate_mi(x, y, method="copula-max").value
    assert "critic_ksg" not in est.params
    x, y, _ = _pairs(3000, 2, 0.6, seed=3)
    off = estimate_mi(x, y, method="copula-critic-max", critic=False)
    assert off.notes[-1].startswith("critic-ksg part not run (critic=False)")
    assert off.value == estimate_mi(x, y, method="copula-max").value


def test_copula_critic_max_reports_both_parts_in_the_unit_asked():
    x, y, _ = _pairs(2000, 3, 0.7, seed=4)
    est = estimate_mi(x, y, method="copula-critic-max")
    assert est.value == max(est.params["copula_max"], est.params["critic_ksg"])
    bits = est.to("bits")
    for key in ("copula_max", "critic_ksg"):
        assert bits.params[key] == pytest.approx(est.params[key] / np.log(2), rel=1e-12)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"pairs": 0}, ValueError),
        ({"pairs": 1.5}, TypeError),
        ({"critic": "yes"}, ValueError),
        ({"critic": 1}, TypeError),
    ],
)
def test_bad_parameters_are_refused(params, error):
    name = "critic-ksg" if "critic" not in params else "copula-critic-max"
    x, y, _ = _pairs(200, 2, 0.5, seed=5)
    with pytest.raises(error):
        estimate_mi(x, y, method=name, **params)


def test_few_rows_get_a_note_and_too_few_a_clear_error():
    x, y, _ = _pairs(60, 2, 0.5, seed=6)
    est = estimate_mi(x, y, method="critic-ksg", **FAST)
    assert any("fewer than 50 per dimension" in note for note in est.notes)
    with pytest.raises(ValueError, match="too few"):
        estimate_mi(x[:8], y[:8], method="critic-ksg")


def test_auto_runs_the_critic_part_on_the_subsamples_of_an_interval_too():
    # n = 1200 passes auto's rule (>= 1000 rows); its half-size subsamples (600 rows) would not
    # under critic="auto", so auto passes critic=True: every replicate runs the same parts.
    x, y, _ = _pairs(1200, 3, 0.7, seed=7)
    est = estimate_mi(x, y, ci=0.9, n_resamples=10)
    assert est.method == "copula-critic-max" and est.params["critic"] is True
    assert "critic_ksg" in est.params and est.ci is not None
    half = (x[:600], y[:600])
    assert "critic_ksg" in estimate_mi(*half, method="copula-critic-max", critic=True).params
    assert "critic_ksg" not in estimate_mi(*half, method="copula-critic-max").params


def test_notes_for_few_held_out_rows_ties_and_capped_pairs():
    x, y, _ = _pairs(1200, 3, 0.7, seed=8)
    est = estimate_mi(x, y, method="critic-ksg", train_fraction=0.9, embed_dim=2, **FAST)
    assert est.params["pairs_used"] == 2 and est.params["pairs"] == 3
    assert any(note.startswith("only 120 held-out rows for 4 features") for note in est.notes)
    tied = estimate_mi(np.round(x), np.round(y), method="critic-ksg", **FAST)
    assert any("repeated rows" in note and "mixed-ksg" in note for note in tied.notes)


def test_a_failed_critic_part_leaves_copula_max_with_a_note(monkeypatch):
    def fail(self, x, y):
        raise ValueError("the critic's embeddings are constant on the training rows")

    x, y, _ = _pairs(1200, 2, 0.6, seed=9)
    monkeypatch.setattr(CriticKSG, "estimate", fail)
    est = estimate_mi(x, y, method="copula-critic-max")
    assert est.value == estimate_mi(x, y, method="copula-max").value
    assert est.notes[-1].startswith("critic-ksg part failed (the critic's embeddings are constant")


def test_clone_keeps_every_parameter():
    for est in (CriticKSG(pairs=2, steps=50, seed=3), CopulaCriticMax(critic=False, pairs=4)):
        copy = clone(est)
        assert copy.get_params() == est.get_params() and copy is not est
    assert isinstance(CopulaCriticMax(), CopulaMax)

"""The Poole et al. staircase and the Song & Ermon self-consistency checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from infossl.tasks import (
    Staircase,
    check_additivity,
    check_data_processing,
    check_independence,
    data_processing_inputs,
    get_task,
    monte_carlo_mi,
    self_consistency,
)


def gaussian_mi(x, y):
    """Plug-in Gaussian MI ½ ln(det Σ̂_XX det Σ̂_YY / det Σ̂) (exact for Gaussians as n → ∞)."""
    dx = x.shape[1]
    cov = np.cov(np.hstack([x, y]), rowvar=False)
    return 0.5 * (
        np.linalg.slogdet(cov[:dx, :dx])[1]
        + np.linalg.slogdet(cov[dx:, dx:])[1]
        - np.linalg.slogdet(cov)[1]
    )


# ----------------------------------------------------------------- staircase
def test_staircase_schedule_and_correlation():
    stairs = Staircase(steps_per_level=3, batch_size=8)
    assert len(stairs) == stairs.n_steps == 15
    np.testing.assert_array_equal(stairs.true_mi_array(), np.repeat([2.0, 4, 6, 8, 10], 3))
    assert [stairs.true_mi(s) for s in (0, 2, 3, 14)] == [2.0, 2.0, 4.0, 10.0]
    expected_rho = [0.4258, 0.5742, 0.6717, 0.7421, 0.7951]  # √(1 − e^{−2I/20})
    for level, rho in enumerate(expected_rho):
        assert stairs.rho(3 * level) == pytest.approx(rho, abs=5e-5)
        r = stairs.rho(3 * level)
        assert -10 * math.log(1 - r**2) == pytest.approx(stairs.true_mi(3 * level), abs=1e-12)
    batches = list(stairs)
    assert len(batches) == 15
    assert all(x.shape == (8, 20) and y.shape == (8, 20) for x, y in batches)


def test_staircase_batches_are_reproducible_and_correlated():
    stairs = Staircase(steps_per_level=100, batch_size=64, seed=3)
    x, y = stairs.batch(5)
    x2, y2 = Staircase(steps_per_level=100, batch_size=64, seed=3).batch(5)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(x, stairs.batch(6)[0])
    assert not np.array_equal(x, Staircase(steps_per_level=100, seed=4).batch(5)[0])
    for level in range(5):
        xs, ys = zip(*(stairs.batch(100 * level + s) for s in range(100)), strict=True)
        xs, ys = np.concatenate(xs), np.concatenate(ys)  # 6,400 rows per level
        corr = np.mean(xs * ys, axis=0) / np.sqrt(np.mean(xs**2, 0) * np.mean(ys**2, 0))
        assert np.mean(corr) == pytest.approx(stairs.rho(100 * level), abs=0.01)  # SE ≈ 0.002
        # plug-in Gaussian MI: bias ≈ d²/2n = 0.03, SE ≈ 0.05
        assert gaussian_mi(xs, ys) == pytest.approx(stairs.true_mi(100 * level), abs=0.2)


def test_staircase_task_and_cubic():
    stairs = Staircase(steps_per_level=2, batch_size=16, cubic=True, seed=1)
    plain = Staircase(steps_per_level=2, batch_size=16, cubic=False, seed=1)
    x, y = stairs.batch(4)
    xp, yp = plain.batch(4)
    np.testing.assert_array_equal(x, xp)
    np.testing.assert_allclose(y, yp**3)
    task = stairs.task(4)
    assert task.mutual_information == pytest.approx(6.0, abs=1e-9)
    assert task.dim_x == task.dim_y == 20
    mean, se = monte_carlo_mi(task, 20_000, seed=2)
    assert abs(mean - 6.0) < 4 * se + 1e-3


def test_staircase_bad_arguments():
    with pytest.raises(ValueError, match="step"):
        Staircase(steps_per_level=2).true_mi(10)
    with pytest.raises(ValueError, match="batch_size"):
        Staircase(batch_size=0)
    with pytest.raises(TypeError, match="levels"):
        Staircase(levels=[])
    with pytest.raises(ValueError, match=r"levels\[1\]"):
        Staircase(levels=[1.0, -2.0])
    with pytest.raises(TypeError, match="seed"):
        Staircase(seed=1.5)


# ----------------------------------------------------------------- self-consistency
TASK = "multinormal-sparse-3-3-2-2.0"


def test_checks_with_a_consistent_estimator():
    task = get_task(TASK)
    ind = check_independence(gaussian_mi, task, 5000, seed=0)
    assert ind.expected == 0 and abs(ind.ratio) < 0.01
    assert ind.estimates["I(X;Y)"] == pytest.approx(task.mutual_information, abs=0.05)
    dp = check_data_processing(gaussian_mi, task, 5000, seed=1)
    assert dp.expected == 1 and dp.ratio == pytest.approx(1.0, abs=0.02)
    add = check_additivity(gaussian_mi, task, 5000, seed=2)
    assert add.expected == 2 and add.ratio == pytest.approx(2.0, abs=0.06)
    results = self_consistency(gaussian_mi, task, 2000, seed=3)
    assert [r.check for r in results] == ["independence", "data-processing", "additivity"]
    assert all(r.error < 0.1 and r.n == 2000 for r in results)


def test_checks_expose_a_capped_estimator():
    def capped(x, y):  # like a bound saturating at ln K: cannot add up
        return min(gaussian_mi(x, y), 1.1)

    add = check_additivity(capped, get_task(TASK), 3000, seed=0)
    assert add.ratio < 1.2  # far from the ideal 2
    assert add.error > 0.8


def test_check_inputs_and_errors():
    task = get_task(TASK)
    d = data_processing_inputs(task, 100, seed=0, fn=lambda x: x[:, 0] ** 3)
    assert d["x_augmented"].shape == (100, 4)
    np.testing.assert_allclose(d["x_augmented"][:, 3], d["x"][:, 0] ** 3)
    with pytest.raises(ValueError, match="not positive"):
        check_additivity(lambda x, y: 0.0, task, 500, seed=0)
    with pytest.raises(TypeError, match="callable"):
        check_independence("ksg", task, 100, seed=0)
    with pytest.raises(ValueError, match="continuous"):
        check_independence(gaussian_mi, get_task("discrete-bsc-0.1"), 100, seed=0)
    with pytest.raises(ValueError, match="returned nan"):
        check_independence(lambda x, y: float("nan"), task, 100, seed=0)
    with pytest.raises(ValueError, match="n must be"):
        check_additivity(gaussian_mi, task, 1, seed=0)

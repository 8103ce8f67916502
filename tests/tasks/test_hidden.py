"""HiddenDiscreteTask: a K-valued B hidden along (1, ..., 1); I(X;Y) = ln K exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from infossl.tasks import HiddenDiscreteTask


@pytest.mark.parametrize(("d", "levels"), [(2, 2), (3, 4), (8, 3)])
def test_the_hidden_level_is_shared_and_the_mi_is_ln_k(d, levels):
    task = HiddenDiscreteTask(d, levels, spread=4.0)
    assert task.id == f"hidden-discrete-{d}-{d}-{levels}-4.0"
    assert task.mutual_information == pytest.approx(math.log(levels), abs=1e-15)
    x, y = task.sample(3000, seed=1)
    e = np.full(d, 1 / math.sqrt(d))
    bx, by = x @ e, y @ e
    np.testing.assert_allclose(bx, np.rint(bx), atol=1e-9)  # B itself, exactly
    np.testing.assert_array_equal(np.rint(bx), np.rint(by))
    assert set(np.rint(bx).astype(int)) == set(range(levels))
    # the log density ratio averages to the MI; a mismatched pair is off the support
    assert task.log_density_ratio(x, y).mean() == pytest.approx(math.log(levels))
    assert np.isneginf(task.log_density_ratio(x, np.roll(y, 1, axis=0))).any()
    # the spread in the other directions is independent between x and y
    p = np.eye(d) - np.outer(e, e)
    cross = np.corrcoef((x @ p)[:, 0], (y @ p)[:, 0])[0, 1]
    assert abs(cross) < 0.06


def test_every_column_looks_gaussian_with_a_wide_spread():
    x, _ = HiddenDiscreteTask(3, 2, spread=4.0).sample(20_000, seed=0)
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    kurtosis = (z**4).mean(axis=0) - 3
    assert np.all(np.abs(kurtosis) < 0.1)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((1, 2, 4.0), "dim"),
        ((3, 1, 4.0), "levels"),
        ((3, 2, 0.0), "spread"),
        ((3, 2, -1.0), "spread"),
    ],
)
def test_bad_parameters(args, match):
    with pytest.raises(ValueError, match=match):
        HiddenDiscreteTask(*args)

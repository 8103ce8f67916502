"""Shared input validation: each bad input is a clear error naming the argument."""

import numpy as np
import pytest

from infossl import _checks as c


def test_as_samples_shapes():
    assert c.as_samples([1.0, 2.0, 3.0]).shape == (3, 1)
    assert c.as_samples(np.ones((4, 2))).shape == (4, 2)
    assert c.as_samples(np.arange(5)).dtype == np.float64


@pytest.mark.parametrize(
    "value, err, match",
    [
        (np.array([1.0, np.nan]), ValueError, "NaN"),
        (np.array([1.0, np.inf]), ValueError, "NaN or infinite"),
        (np.zeros((2, 2, 2)), ValueError, "3-D"),
        (np.zeros((0, 2)), ValueError, "empty"),
        (np.array([]), ValueError, "empty"),
        (np.array(["a", "b"]), TypeError, "real numbers"),
        (np.array([1 + 1j]), TypeError, "real numbers"),
        (3.0, ValueError, "scalar"),
    ],
)
def test_as_samples_rejects(value, err, match):
    with pytest.raises(err, match=match) as info:
        c.as_samples(value, "xs")
    assert "xs" in str(info.value)


def test_min_n_and_lengths():
    with pytest.raises(ValueError, match="at least 5"):
        c.as_samples(np.ones(3), "x", min_n=5)
    with pytest.raises(ValueError, match="x has 3, y has 4"):
        c.check_same_length(x=np.ones(3), y=np.ones(4))


def test_numbers():
    assert c.check_int(3, "k", low=1) == 3
    with pytest.raises(ValueError, match="k must be >= 1"):
        c.check_int(0, "k", low=1)
    with pytest.raises(TypeError, match="k must be an integer"):
        c.check_int(2.5, "k")
    with pytest.raises(TypeError, match="k must be an integer"):
        c.check_int(True, "k")
    with pytest.raises(ValueError, match="sigma must be > 0"):
        c.check_float(0.0, "sigma", low=0.0, low_open=True)
    with pytest.raises(ValueError, match="finite"):
        c.check_float(float("nan"), "sigma")
    for bad in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(ValueError, match="ci"):
            c.check_ci_level(bad)
    assert c.check_ci_level(0.95) == 0.95


def test_k_versus_n():
    with pytest.raises(ValueError, match="k=5 needs more samples"):
        c.check_k(5, n=5)
    with pytest.raises(ValueError, match="k must be >= 1"):
        c.check_k(0)


def test_labels_and_constant_columns():
    codes = c.as_labels(np.array([[1, 2], [1, 2], [3, 4]]))
    assert codes.tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match=r"constant column\(s\) \[1\]"):
        c.check_not_constant(np.array([[1.0, 2.0], [3.0, 2.0]]), "x")


def test_seed():
    a = c.check_seed(3).standard_normal(3)
    b = c.check_seed(3).standard_normal(3)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="seed"):
        c.check_seed(-1)
    with pytest.raises(ValueError, match="method must be one of"):
        c.check_choice("x", "method", ["a", "b"])

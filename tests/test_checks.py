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


# ------------------------------------------------------------- one check per concept
def test_check_bool_accepts_bools_only():
    from infossl._checks import check_bool

    assert check_bool(True, "flag") is True
    assert check_bool(False, "flag") is False
    for bad in (1, 0, "yes", None, np.bool_(True)):
        with pytest.raises(TypeError, match=r"flag must be a bool, got \w+"):
            check_bool(bad, "flag")


def test_check_value_range():
    from infossl._checks import check_value_range

    assert check_value_range((0, 1)) == (0.0, 1.0)
    assert check_value_range(np.array([-1.0, 2.0]), "r") == (-1.0, 2.0)
    assert check_value_range(None, optional=True) is None
    with pytest.raises(TypeError, match=r"value_range must be a pair \(low, high\)"):
        check_value_range(None)
    with pytest.raises(TypeError, match=r"value_range must be None or a pair \(low, high\)"):
        check_value_range("ab", optional=True)
    with pytest.raises(ValueError, match="value_range must satisfy low < high"):
        check_value_range((1, 1))
    with pytest.raises(ValueError, match=r"value_range\[1\] must be finite"):
        check_value_range((0, np.inf))


def test_check_image_size():
    from infossl._checks import check_image_size

    assert check_image_size(4) == (4, 4)
    assert check_image_size((3, 5), "image_size") == (3, 5)
    assert check_image_size(None, "image_size", optional=True) is None
    with pytest.raises(ValueError, match=r"image_size must be an int or \(H, W\)"):
        check_image_size((1, 2, 3), "image_size")
    with pytest.raises(ValueError, match=r"size\[1\] must be >= 1"):
        check_image_size((2, 0))
    with pytest.raises(TypeError, match="size must be an integer"):
        check_image_size(None)


def test_private_copies_of_the_shared_checks_are_gone():
    """Each check lives once in infossl._checks; the modules that used copies import it."""
    import importlib

    for module in (
        "infossl.estimators.binning",
        "infossl.estimators.gaussian",
        "infossl.estimators.knn",
        "infossl.estimators.neural.estimator",
        "infossl.analysis.infoplane",
        "infossl.data.augment",
        "infossl.data.loading",
    ):
        mod = importlib.import_module(module)
        for name in ("_check_bool", "_check_value_range", "_check_size"):
            assert not hasattr(mod, name), (module, name)


def test_as_numeric_array_names_ragged_and_keeps_dtypes():
    with pytest.raises(TypeError, match=r"^ys must be a rectangular"):
        c.as_numeric_array([[1.0], [2.0, 3.0]], "ys")
    assert c.as_numeric_array(np.arange(3)).dtype == np.int64
    assert c.as_numeric_array(np.ones(3, dtype=np.float32)).dtype == np.float32


def test_magnitude_exponent():
    assert c.magnitude_exponent(np.array([0.0, -3.0])) == 2  # 3 = 0.75 * 2^2
    assert c.magnitude_exponent(np.array([1e300])) == 997
    assert c.magnitude_exponent(np.zeros(4)) is None


def test_safe_scale_exponents():
    ordinary, huge, tiny = np.ones(3), np.full(3, 1e300), np.full(3, 1e-300)
    assert c.safe_scale_exponents([ordinary, 2.0**60 * ordinary]) == (0, 0)
    assert c.safe_scale_exponents([huge, huge / 8]) == (997, 997)  # one common exponent
    assert c.safe_scale_exponents([huge, ordinary]) == (997, 0)  # too far apart: each its own
    assert c.safe_scale_exponents([tiny, ordinary]) == (-996, 0)
    assert c.safe_scale_exponents([np.zeros(3), huge]) == (0, 997)
    scaled = np.ldexp(huge, -997)
    assert np.all(np.abs(scaled) < 1) and np.all(np.abs(scaled) >= 0.5)

"""Registry entries of the Gaussian, binning, kernel and sliced estimators."""

import pytest

from infossl.estimators import get_estimator_class, list_methods

EXPECTED = {
    ("entropy", "gaussian"): "point",
    ("mi", "gaussian"): "point",
    ("cmi", "gaussian"): "point",
    ("mi", "ldmi"): "proxy",
    ("entropy", "plugin"): "point",
    ("mi", "plugin"): "point",
    ("cmi", "plugin"): "point",
    ("entropy", "binned"): "point",
    ("mi", "binned"): "point",
    ("entropy", "kde"): "point",
    ("mi", "kde"): "point",
    ("mi", "kt-upper"): "upper",
    ("mi", "kt-lower"): "lower",
    ("entropy", "kt-upper"): "upper",
    ("entropy", "kt-lower"): "lower",
    ("entropy", "matrix-renyi"): "proxy",
    ("mi", "matrix-renyi"): "proxy",
    ("mi", "sliced"): "point",
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_registered_with_kind_and_documented(key):
    cls = get_estimator_class(*key)
    assert cls.kind == EXPECTED[key]
    doc = cls.__doc__ or ""
    assert "Complexity" in doc and "Reference" in doc, f"{cls.__name__} docstring incomplete"
    assert cls.summary


def test_listed_without_torch():
    rows = {(r.quantity, r.name): r for r in list_methods(include_torch=False)}
    for key in EXPECTED:
        assert key in rows and not rows[key].needs_torch


def test_paired_samples_shapes_and_errors():
    import numpy as np

    from infossl.estimators._base import paired_samples

    x, y, n = paired_samples([1.0, 2.0, 3.0], np.zeros((3, 2)))
    assert (x.shape, y.shape, n) == ((3, 1), (3, 2), 3)
    with pytest.raises(ValueError, match="same"):
        paired_samples(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="y has 1 samples"):
        paired_samples(np.zeros(2), np.zeros(1), min_n=2)


@pytest.mark.parametrize(
    ("quantity", "names", "attrs"),
    [
        ("entropy", ["kde", "matrix-renyi"], {"accepts": "continuous", "resampling": "subsample"}),
        ("mi", ["kde", "matrix-renyi"], {"accepts": "continuous", "resampling": "subsample"}),
        ("mi", ["kt-upper", "kt-lower"], {"accepts": "discrete-continuous"}),
        ("entropy", ["kt-upper", "kt-lower"], {"accepts": "continuous"}),
        ("entropy", ["plugin"], {"accepts": "discrete"}),
        ("mi", ["plugin"], {"accepts": "discrete"}),
        ("cmi", ["plugin"], {"accepts": "discrete"}),
    ],
)
def test_shared_base_class_attributes(quantity, names, attrs):
    for name in names:
        cls = get_estimator_class(quantity, name)
        for attr, value in attrs.items():
            assert getattr(cls, attr) == value, (quantity, name, attr)

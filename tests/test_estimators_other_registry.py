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

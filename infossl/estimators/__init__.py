"""Nonparametric estimators of entropy, mutual information and conditional MI (numpy/scipy).

Each estimator is a class in scikit-learn style (parameters validated in ``__init__``,
``estimate(...)`` does the work) registered under a method name used by
:func:`infossl.estimate_mi`, :func:`infossl.estimate_entropy` and :func:`infossl.estimate_cmi`.
Importing this package registers every numpy estimator; the torch-based neural estimators are
registered lazily.
"""

from infossl.estimators._base import (
    BaseEstimator,
    CMIEstimator,
    EntropyEstimator,
    MethodInfo,
    MIEstimator,
    get_estimator_class,
    list_methods,
    method_names,
    register,
    register_lazy,
)
from infossl.estimators._compiled import compiled_screen_status

__all__ = [
    "BaseEstimator",
    "CMIEstimator",
    "EntropyEstimator",
    "MIEstimator",
    "MethodInfo",
    "compiled_screen_status",
    "get_estimator_class",
    "list_methods",
    "method_names",
    "register",
    "register_lazy",
]

# Estimator modules register themselves on import (one line each, below).
from infossl.estimators import binning  # noqa: F401, I001
from infossl.estimators import copula  # noqa: F401
from infossl.estimators import gaussian  # noqa: F401
from infossl.estimators import kernel  # noqa: F401
from infossl.estimators import sliced  # noqa: F401

for _name in (
    "neural",
    "infonce",
    "nwj",
    "dv",
    "mine",
    "tuba",
    "js",
    "smile",
    "interpolated",
    "club",
    "l1out",
    "doe",
):
    register_lazy("mi", _name, "infossl.estimators.neural.estimator")
for _name in ("critic-ksg", "copula-critic-max"):
    register_lazy("mi", _name, "infossl.estimators.neural.features")
from infossl.estimators import knn  # noqa: E402,F401

"""Every registered estimator follows scikit-learn's parameter protocol.

``get_params`` / ``set_params`` / ``repr`` and ``sklearn.base.clone`` for each class of the
registry (numpy and lazily registered torch ones), with default and with non-default parameters.
A clone must rebuild the same estimator: equal parameters, a distinct object with no state beyond
what ``__init__`` sets, and the same estimate on a fixed seeded dataset (identical computation,
so equal to 1e-12).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone

from infossl.estimators import get_estimator_class, list_methods
from infossl.estimators.gaussian import GaussianMI
from infossl.estimators.knn import KSG1
from infossl.estimators.sliced import SlicedMI

#: Few steps: a clone must repeat the same training, whatever its length.
_NEURAL = {"steps": 5, "batch_size": 32, "hidden": [16], "early_stopping": False, "seed": 1}
_CRITIC = {**_NEURAL, "critic": "concat", "embed_dim": 8, "temperature": 2}

#: Non-default parameters per registry key; lists, ints for floats and numpy scalars are there to
#: exercise the normalisation done by ``__init__``.
CUSTOM: dict[tuple[str, str], dict[str, Any]] = {
    ("cmi", "frenzel-pompe"): {"k": 5, "metric": "euclidean", "jitter": 0, "seed": np.int64(3)},
    ("cmi", "gaussian"): {"shrinkage": 0.1},
    ("cmi", "ksg"): {"k": 4, "standardize": False, "workers": 1},
    ("cmi", "plugin"): {"miller_madow": True},
    ("entropy", "binned"): {"bins": 8, "value_range": [-4, 4], "miller_madow": True},
    ("entropy", "gaussian"): {"bias_correction": True},
    ("entropy", "kde"): {"bandwidth": 0.5},
    ("entropy", "kl"): {"k": 5, "metric": "chebyshev", "algorithm": "brute"},
    ("entropy", "kt-lower"): {"noise_variance": 0.05},
    ("entropy", "kt-upper"): {"noise_variance": 0.2},
    ("entropy", "matrix-renyi"): {"alpha": 2, "sigma": 1.0, "max_samples": 500},
    ("entropy", "plugin"): {"miller_madow": True},
    ("mi", "binned"): {"bins": 6, "strategy": "quantile"},
    ("mi", "club"): dict(_NEURAL),
    ("mi", "doe"): {**_NEURAL, "n_components": 2},
    ("mi", "dv"): dict(_CRITIC),
    ("mi", "copula-max"): {"k": 4, "seed": np.int64(2)},
    ("mi", "copula-critic-max"): {"k": 4, "critic": False, "pairs": 2, "seed": np.int64(2)},
    ("mi", "critic-ksg"): {**_NEURAL, "pairs": 2, "k": 4, "embed_dim": 8},
    ("mi", "gao"): {"k": 4},
    ("mi", "gcmi"): {"bias_correction": False},
    ("mi", "gaussian"): {"shrinkage": "ledoit-wolf", "assume_gaussian": False},
    ("mi", "infonce"): {**_CRITIC, "cosine": True},
    ("mi", "interpolated"): {**_CRITIC, "alpha": 0.5},
    ("mi", "js"): dict(_CRITIC),
    ("mi", "kde"): {"bandwidth": "silverman"},
    ("mi", "ksg1"): {"k": 5, "jitter": 1e-8},
    ("mi", "ksg1-copula"): {"k": 5, "metric": "euclidean", "workers": 1},
    ("mi", "ksg2"): {"k": 2, "metric": "euclidean"},
    ("mi", "kt-lower"): {"noise_variance": 0.05},
    ("mi", "kt-upper"): {"noise_variance": 0.2},
    ("mi", "l1out"): dict(_NEURAL),
    ("mi", "ldmi"): {"eps": 1e-3, "direction": "x|y"},
    ("mi", "matrix-renyi"): {"alpha": 2.0, "sigma": "median"},
    ("mi", "mine"): {**_CRITIC, "momentum": 0.5},
    ("mi", "mixed-ksg"): {"k": 6},
    ("mi", "neural"): {**_NEURAL, "bound": "nwj"},
    ("mi", "nwj"): dict(_CRITIC),
    ("mi", "plugin"): {"miller_madow": True},
    ("mi", "ross"): {"k": 4, "discrete": "x"},
    ("mi", "sliced"): {
        "n_projections": 8,
        "estimator": "gaussian",
        "estimator_params": {"shrinkage": 0.1},
        "seed": 2,
        "paired": True,
        "dims": 2,
    },
    ("mi", "smile"): {**_CRITIC, "tau": 2.0},
    ("mi", "tuba"): dict(_CRITIC),
}
KEYS = sorted(CUSTOM)


def _required(cls: type) -> dict[str, Any]:
    """Values for the parameters without a default (the defining ones, like noise_variance)."""
    missing = [p for p in cls.param_names() if p not in cls.param_defaults()]
    return {p: 0.1 for p in missing}


def _data(quantity: str, accepts: str, n: int = 400) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, n)
    if accepts == "discrete":
        noisy = (labels + rng.integers(0, 2, n)) % 4
        arrays = [labels, noisy, rng.integers(0, 2, n)]
    elif accepts == "discrete-continuous":
        arrays = [labels, labels[:, None] + 0.5 * rng.standard_normal((n, 2))]
    else:
        x = rng.standard_normal((n, 2))
        y = 0.8 * x + 0.6 * rng.standard_normal((n, 2))
        arrays = [x, y, x[:, :1] + rng.standard_normal((n, 1))]
    return tuple(arrays[: {"entropy": 1, "mi": 2, "cmi": 3}[quantity]])


def _build(key: tuple[str, str], variant: str) -> Any:
    cls = get_estimator_class(*key)
    params = CUSTOM[key] if variant == "custom" else _required(cls)
    return cls(**params)


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, np.random.Generator):
        return isinstance(b, np.random.Generator) and (
            a.bit_generator.state == b.bit_generator.state
        )
    return type(a) is type(b) and repr(a) == repr(b)


def test_every_registered_method_is_covered():
    registered = {
        (m.quantity, m.name) for m in list_methods(include_torch=True) if _is_infossl(m)
    }  # other test modules register toy estimators
    assert registered == set(CUSTOM)


def _is_infossl(info) -> bool:
    from infossl.estimators import get_estimator_class

    return get_estimator_class(info.quantity, info.name).__module__.startswith("infossl.")


@pytest.mark.parametrize("variant", ["default", "custom"])
@pytest.mark.parametrize("key", KEYS, ids=["-".join(k) for k in KEYS])
def test_clone_rebuilds_the_same_estimator(key, variant):
    est = _build(key, variant)
    cls = type(est)
    data = _data(cls.quantity, cls.accepts, n=200)
    first = est.estimate(*data)
    copy = clone(est)
    assert copy is not est and type(copy) is cls
    original, cloned = est.get_params(deep=False), copy.get_params(deep=False)
    assert list(cloned) == cls.param_names()
    assert all(_same_value(original[k], cloned[k]) for k in original), (original, cloned)
    # unfitted: exactly the attributes a fresh construction sets, nothing carried over
    assert set(vars(copy)) == set(vars(cls(**original)))
    second = copy.estimate(*data)
    assert second.value == pytest.approx(first.value, rel=1e-12, abs=1e-12)
    assert {**second.to_dict(), "value": 0} == {**first.to_dict(), "value": 0}


def test_clone_copies_mutable_parameters():
    est = SlicedMI(estimator="gaussian", estimator_params={"shrinkage": 0.1})
    copy = clone(est)
    assert copy.estimator_params == {"shrinkage": 0.1}
    assert copy.estimator_params is not est.estimator_params


def test_clone_of_a_generator_seed_gives_the_same_draws():
    x, y = _data("mi", "continuous")
    est = KSG1(jitter=1e-3, seed=np.random.default_rng(7))
    copy = clone(est)
    assert copy.seed is not est.seed
    assert copy.estimate(x, y).value == pytest.approx(est.estimate(x, y).value, rel=1e-12)


@pytest.mark.parametrize("key", KEYS, ids=["-".join(k) for k in KEYS])
def test_set_params_round_trip(key):
    cls = get_estimator_class(*key)
    est = cls(**_required(cls))
    defaults = est.get_params(deep=False)
    assert est.set_params(**CUSTOM[key]) is est
    expected = cls(**CUSTOM[key])
    assert repr(est) == repr(expected)
    assert all(_same_value(v, est.get_params()[k]) for k, v in expected.get_params().items())
    est.set_params(**defaults)
    assert repr(est) == repr(cls(**_required(cls)))
    assert est.get_params(deep=True) == est.get_params(deep=False) == defaults


@pytest.mark.parametrize("key", KEYS, ids=["-".join(k) for k in KEYS])
def test_repr_shows_only_non_default_parameters(key):
    cls = get_estimator_class(*key)
    required = _required(cls)
    plain = cls(**required)
    inner = ", ".join(f"{k}={v!r}" for k, v in required.items())
    assert repr(plain) == f"{cls.__name__}({inner})"
    custom = cls(**CUSTOM[key])
    text = repr(custom)
    changed = {
        k
        for k, v in custom.get_params().items()
        if k not in cls.param_defaults() or v != cls.param_defaults()[k]
    }
    assert {k for k in cls.param_names() if re.search(rf"[(, ]{k}=", text)} == changed
    rebuilt = eval(text, {cls.__name__: cls, "np": np})  # the repr is valid Python
    assert repr(rebuilt) == text


def test_repr_examples():
    assert repr(KSG1()) == "KSG1()"
    assert repr(KSG1(k=5)) == "KSG1(k=5)"
    assert repr(KSG1(k=3, metric="euclidean")) == "KSG1(metric='euclidean')"
    assert repr(GaussianMI(shrinkage=0)) == "GaussianMI()"  # 0 is stored as the default 0.0


def test_set_params_unknown_name_lists_valid_ones():
    est = KSG1()
    with pytest.raises(ValueError, match=r"'bins'.*valid parameters: k, metric, standardize"):
        est.set_params(bins=4)
    club = get_estimator_class("mi", "club")()
    with pytest.raises(ValueError, match="'critic'"):
        club.set_params(critic="concat")  # a parameter of critic bounds only


@pytest.mark.parametrize(
    "est, params, error, message",
    [
        (KSG1(k=4), {"k": 0}, ValueError, "k must be >= 1"),
        (KSG1(k=4), {"k": 2.5}, TypeError, "k must be an integer"),
        (KSG1(k=4), {"metric": "manhattan"}, ValueError, "metric must be one of"),
        (GaussianMI(shrinkage=0.1), {"bias_correction": True}, ValueError, "shrinkage=0.1"),
        (SlicedMI(), {"estimator": "sliced"}, ValueError, "other than 'sliced'"),
        (SlicedMI(), {"dims": 2}, ValueError, "needs paired=True"),
        (SlicedMI(paired=True, dims=2), {"paired": False}, ValueError, "needs paired=True"),
    ],
)
def test_set_params_validates_and_leaves_the_estimator_unchanged(est, params, error, message):
    before = repr(est)
    with pytest.raises(error, match=message):
        est.set_params(**params)
    assert repr(est) == before


def test_set_params_revalidates_derived_state():
    est = SlicedMI(estimator="gaussian")
    est.set_params(estimator="ksg2", estimator_params={"k": 4})
    assert est._inner_class is get_estimator_class("mi", "ksg2")
    with pytest.raises(TypeError):
        est.set_params(estimator_params={"bogus": 1})
    assert est.estimator_params == {"k": 4}

"""Every registered estimator gives the scale-free value at any scale and under translation.

On a Gaussian task with known MI, each method of the registry is run on the data multiplied by
c in ``SCALES`` (1e-300 ... 1e300) and on the data shifted by 1e10. MI and CMI must not move;
a differential entropy must move by exactly d·ln c (none under a shift). Tolerances:

* ``EXACT_TOL`` (1e-9 nats) for every deterministic method at every scale: inputs beyond
  2^±64 are divided by a power of two, exactly, so the arithmetic is that of ordinary data;
* ``LDMI_TOL`` for ``ldmi``, whose regulariser follows the scale in powers of four;
* ``NEURAL_TOL`` for the trained critics (float32 training on data standardised in float64);
* ``SHIFT_TOL`` under a translation by 1e10, which rounds the data to about 2e-6 (1e-6 of
  their spread) before any estimator sees them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from infossl import estimate_cmi, estimate_entropy, estimate_mi
from infossl.estimators import list_methods
from infossl.tasks.gaussian import GaussianTask

SCALES = (1e-300, 1e-30, 1.0, 1e30, 1e155, 1e300)
SHIFT = 1e10
EXACT_TOL = 1e-9
LDMI_TOL = 1e-5
NEURAL_TOL = 0.02
SHIFT_TOL = 0.02
N = 400
#: Point estimators of the Shannon quantity: at ordinary scale within this of the truth.
TRUTH_TOL = 0.15

#: The trained critics: a few steps take every value through the whole training and evaluation
#: path (the check is the agreement across scales, not accuracy; measured gap < 1e-5 nats).
_NEURAL = {"steps": 10, "batch_size": 32, "hidden": [8], "early_stopping": False}
#: Per-method parameters: small budgets, and the required ones.
PARAMS: dict[tuple[str, str], dict[str, Any]] = {
    ("mi", "sliced"): {"n_projections": 8},
    ("mi", "kt-upper"): {"noise_variance": 0.1},
    ("mi", "kt-lower"): {"noise_variance": 0.1},
    ("entropy", "kt-upper"): {"noise_variance": 0.1},
    ("entropy", "kt-lower"): {"noise_variance": 0.1},
    ("entropy", "binned"): {"differential": True},
}
#: Torch methods without training parameters (at N rows ``copula-critic-max`` trains no critic).
NO_TRAINING_PARAMS = {"copula-critic-max"}
#: Methods whose first argument is discrete (labels are never rescaled).
DISCRETE_X = {"ross", "kt-upper", "kt-lower"}
#: Methods of discrete data (given integer symbols; scaling a float copy changes nothing either).
DISCRETE = {"plugin"}
#: A parameter in data units: noise_variance follows the data as c² (when representable).
NOISE_VARIANCE = {"kt-upper", "kt-lower"}
SHANNON_POINT = {
    ("mi", "ksg1"),
    ("mi", "ksg2"),
    ("mi", "mixed-ksg"),
    ("mi", "gao"),
    ("mi", "gaussian"),
    ("mi", "kde"),
    ("mi", "ldmi"),
    ("cmi", "frenzel-pompe"),
    ("cmi", "ksg"),
    ("cmi", "gaussian"),
    ("entropy", "kl"),
    ("entropy", "gaussian"),
    ("entropy", "kde"),
    ("entropy", "binned"),
}


def _methods(quantity: str) -> list[str]:
    return [m.name for m in list_methods(quantity, include_torch=True)]


def _task() -> GaussianTask:
    return GaussianTask([[1.0, 0.3], [0.3, 1.0]], [[1.0]], [[0.7], [0.2]])


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    task = _task()
    x, y = task.sample(N, seed=0)
    z = np.random.default_rng(1).standard_normal((N, 1))
    labels = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5)
    return {"x": x, "y": y, "z": z, "labels": labels, "mi": task.mutual_information}


@pytest.fixture(scope="module")
def references() -> dict[tuple[str, str], float | None]:
    """Values at scale 1 without a shift, by (quantity, method): computed once, read by the
    scale test and the translation test of the same method."""
    return {}


def _reference(refs: dict, quantity: str, name: str, d: dict[str, Any]) -> float | None:
    if (quantity, name) not in refs:
        refs[quantity, name] = {"mi": _mi, "entropy": _entropy}[quantity](name, d, 1.0)
    return refs[quantity, name]


def _params(quantity: str, name: str, scale: float) -> dict[str, Any] | None:
    params = dict(PARAMS.get((quantity, name), {}))
    if name in {m.name for m in list_methods("mi") if m.needs_torch} - NO_TRAINING_PARAMS:
        params.update(_NEURAL)
    if name in NOISE_VARIANCE:
        variance = params["noise_variance"] * scale * scale
        if not (np.isfinite(variance) and variance > 1e-300):
            return None  # the quantity itself cannot be stated at this scale
        params["noise_variance"] = variance
    return params


def _tolerance(name: str) -> float:
    if name == "ldmi":
        return LDMI_TOL
    if name in {m.name for m in list_methods("mi") if m.needs_torch}:
        return NEURAL_TOL
    return EXACT_TOL


def _mi(name: str, d: dict[str, Any], scale: float, shift: float = 0.0) -> float | None:
    params = _params("mi", name, scale)
    if params is None:
        return None
    if name in DISCRETE:
        return estimate_mi(d["labels"], (d["y"] > 0).astype(int), name, **params).value
    x = d["labels"] if name in DISCRETE_X else d["x"] * scale + shift
    return estimate_mi(x, d["y"] * scale + shift, name, **params).value


@pytest.mark.parametrize("name", _methods("mi"))
def test_mi_is_the_same_at_every_scale(name, data, references):
    reference = _reference(references, "mi", name, data)
    assert reference is not None and math.isfinite(reference)
    if ("mi", name) in SHANNON_POINT:
        assert abs(reference - data["mi"]) < TRUTH_TOL
    for scale in SCALES:
        value = _mi(name, data, scale)
        if value is not None:
            assert value == pytest.approx(reference, abs=_tolerance(name)), scale


@pytest.mark.parametrize("name", _methods("mi"))
def test_mi_is_invariant_to_translation(name, data, references):
    shifted = _mi(name, data, 1.0, SHIFT)
    reference = _reference(references, "mi", name, data)
    assert shifted == pytest.approx(reference, abs=max(SHIFT_TOL, _tolerance(name)))


def _entropy(name: str, d: dict[str, Any], scale: float, shift: float = 0.0) -> float | None:
    params = _params("entropy", name, scale)
    if params is None:
        return None
    if name in DISCRETE:
        return estimate_entropy(d["labels"], name, **params).value
    return estimate_entropy(d["x"] * scale + shift, name, **params).value


def _shifts(name: str) -> bool:
    """Differential entropies move by d ln c; discrete and kernel-spectrum ones do not."""
    return name not in DISCRETE and name != "matrix-renyi"


@pytest.mark.parametrize("name", _methods("entropy"))
def test_entropy_moves_by_d_log_c(name, data, references):
    reference = _reference(references, "entropy", name, data)
    assert reference is not None and math.isfinite(reference)
    d = data["x"].shape[1]
    if ("entropy", name) in SHANNON_POINT:
        truth = 0.5 * math.log(np.linalg.det(2 * math.pi * math.e * _task().covariance[:2, :2]))
        assert abs(reference - truth) < TRUTH_TOL
    for scale in SCALES:
        value = _entropy(name, data, scale)
        if value is None:
            continue
        expected = reference + (d * math.log(scale) if _shifts(name) else 0.0)
        assert value == pytest.approx(expected, abs=EXACT_TOL + 1e-14 * abs(expected)), scale


@pytest.mark.parametrize("name", _methods("entropy"))
def test_entropy_is_invariant_to_translation(name, data, references):
    shifted = _entropy(name, data, 1.0, SHIFT)
    reference = _reference(references, "entropy", name, data)
    assert shifted == pytest.approx(reference, abs=SHIFT_TOL)


def _cmi(name: str, d: dict[str, Any], scale: float, shift: float = 0.0) -> float:
    if name in DISCRETE:
        a, b, c = d["labels"], (d["y"] > 0).astype(int), (d["z"] > 0).astype(int)
        return estimate_cmi(a, b, c, name).value
    return estimate_cmi(
        d["x"] * scale + shift, d["y"] * scale + shift, d["z"] * scale + shift, name
    ).value


@pytest.mark.parametrize("name", _methods("cmi"))
def test_cmi_is_the_same_at_every_scale(name, data):
    reference = _cmi(name, data, 1.0)
    if ("cmi", name) in SHANNON_POINT:
        assert abs(reference - data["mi"]) < TRUTH_TOL  # z is independent: I(X;Y|Z) = I(X;Y)
    for scale in SCALES:
        assert _cmi(name, data, scale) == pytest.approx(reference, abs=EXACT_TOL), scale
    assert _cmi(name, data, 1.0, SHIFT) == pytest.approx(reference, abs=SHIFT_TOL)


def test_each_variable_may_have_its_own_extreme_scale(data):
    # x near the top of the float range, y near the bottom: rescaled separately
    x, y = data["x"], data["y"]
    for name in ("ksg1", "gaussian", "kde", "mixed-ksg"):
        reference = estimate_mi(x, y, name).value
        assert estimate_mi(x * 1e300, y * 1e-300, name).value == pytest.approx(reference, abs=1e-9)


def test_a_rescaled_result_says_so_and_keeps_the_callers_parameters(data):
    est = estimate_entropy(data["x"] * 1e200, "kde", bandwidth=1e199)
    assert any("powers of two" in note for note in est.notes)
    assert est.params["bandwidth"] == 1e199
    plain = estimate_entropy(data["x"], "kde", bandwidth=0.1)
    assert est.value == pytest.approx(plain.value + 2 * math.log(1e200), abs=1e-9)


@pytest.mark.parametrize(
    "call, argument",
    [
        # fixed edges or kernel widths in data units that cannot follow a rescaling
        (lambda x, y: estimate_mi(x * 1e300, y * 1e-300, "binned", value_range=(-3, 3)), "x"),
        (lambda x, y: estimate_mi(x * 1e300, y * 1e-300, "kde", bandwidth=0.5), "x"),
        (lambda x, y: estimate_entropy(x * 1e300, "kde", bandwidth=0.5), "x"),
        (lambda x, y: estimate_entropy(x, "kde", bandwidth=1e-200), "bandwidth"),
        (lambda x, y: estimate_mi(np.arange(len(x)), y * 1e300, "kt-upper", noise_variance=1), "y"),
    ],
)
def test_what_cannot_follow_the_scale_raises_naming_the_argument(call, argument, data):
    with pytest.raises(ValueError, match=rf"\b{argument}\b"):
        call(data["x"], data["y"])


def test_ldmi_regulariser_is_relative_to_the_data(data):
    x, y = data["x"], data["y"]
    reference = estimate_mi(x, y, "ldmi").value
    # a fixed eps = 1e-6 dominated covariances of order 1e-60 and returned 0
    for scale in (1e-30, 1e-15, 1e-8):
        assert estimate_mi(x * scale, y * scale, "ldmi").value == pytest.approx(reference, abs=1e-5)


@pytest.mark.parametrize("name", ["ksg1", "ksg2", "mixed-ksg", "gao"])
def test_a_constant_variable_carries_no_information(name, data):
    est = estimate_mi(np.full(N, 1e300), data["y"], name)
    assert est.value == pytest.approx(0.0, abs=1e-12)


def test_frenzel_pompe_on_independent_extreme_data_is_near_zero():
    rng = np.random.default_rng(5)
    x, y, z = (rng.standard_normal(500) * 1e300 for _ in range(3))
    assert abs(estimate_cmi(x, y, z, "frenzel-pompe").value) < 0.05

"""The functional front door: ``estimate_mi``, ``estimate_entropy``, ``estimate_cmi``.

Each looks the method up in the registry (:mod:`infossl.estimators`), builds the estimator with
``**params`` (validated by its ``__init__``), runs it, optionally adds a resampling confidence
interval, and converts the result to the requested unit.

``method="auto"`` picks a default from the data type and ties (see :func:`choose_method`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from infossl._checks import (
    as_numeric_array,
    as_samples,
    check_ci_level,
    check_int,
    check_same_length,
)
from infossl.estimate import Estimate, check_unit
from infossl.estimators import get_estimator_class
from infossl.estimators._resample import resample_ci

#: Above this fraction of duplicated rows, continuous data is treated as mixed (atoms present).
TIE_FRACTION_MIXED = 0.05
#: ``auto`` switches continuous MI from KSG to InfoNCE at this joint dimension and sample size:
#: there InfoNCE was closer to the truth than the better of KSG1/KSG2 on 15 of the 16
#: ``beyond-normal`` tasks (below either threshold about half the time; benchmarks/estimators.md).
NEURAL_MIN_JOINT_DIM = 10
NEURAL_MIN_SAMPLES = 5000


def _as_array(x: npt.ArrayLike, name: str) -> np.ndarray:
    """Validate to a 2-D array, keeping integer/bool data as int64 (for discrete detection).

    Torch tensors of any float dtype (bfloat16 and float16 included) become float64.
    """
    raw = as_numeric_array(x, name)
    dtype = np.int64 if raw.dtype.kind in "biu" else np.float64
    return as_samples(raw, name, dtype=dtype)


def is_discrete(x: np.ndarray) -> bool:
    """Integer or boolean dtype means discrete; floats are continuous."""
    return x.dtype.kind in "biu"


def tie_fraction(x: np.ndarray) -> float:
    """Fraction of rows that duplicate an earlier row (0 for continuous data without atoms)."""
    n_unique = len(np.unique(x, axis=0))
    return 1.0 - n_unique / len(x)


def choose_method(quantity: str, *arrays: np.ndarray) -> tuple[str, str]:
    """The rule behind ``method="auto"``; returns ``(method, reason)``.

    * All variables discrete (integer/bool dtype): the plug-in estimator ``"plugin"`` (exact for
      the empirical pmf; biased when the alphabet is large compared with n: see its ceiling).
    * MI of one discrete and one continuous variable: ``"ross"`` (Ross 2014).
    * Continuous data with more than 5% duplicated rows in any variable (atoms, rounding):
      the mixed-data kNN estimator ``"mixed-ksg"`` (Gao et al. 2017) for MI; otherwise
    * continuous MI: ``"ksg1"`` with k = 3 (Kraskov et al. 2004, algorithm 1), except with a
      joint dimension of at least ``NEURAL_MIN_JOINT_DIM`` and at least ``NEURAL_MIN_SAMPLES``
      rows, where KSG's downward bias is worst and ``"infonce"`` (a trained critic, held-out,
      early-stopped) is closer (a lower bound, capped at ln 128 nats by its default batches);
      continuous entropy: ``"kl"`` (Kozachenko–Leonenko, k = 3);
      continuous or mixed CMI: ``"frenzel-pompe"`` (KSG-style CMI).

    kNN estimates are biased downwards when the true MI is large (they need about e^I samples)
    and in high dimension; the estimator adds a note to the result in those regimes.
    """
    kinds = ["discrete" if is_discrete(a) else "continuous" for a in arrays]
    if all(k == "discrete" for k in kinds):
        return "plugin", "all variables have an integer dtype (discrete)"
    if quantity == "mi" and sorted(kinds) == ["continuous", "discrete"]:
        return "ross", "one discrete (integer dtype) and one continuous variable"
    if quantity == "entropy":
        if tie_fraction(arrays[0]) > TIE_FRACTION_MIXED:
            return "plugin", "float data with many repeated rows: treated as discrete symbols"
        return "kl", "continuous data"
    if quantity == "cmi":
        return "frenzel-pompe", "continuous or mixed variables"
    ties = max(tie_fraction(a) for a in arrays)
    if "discrete" in kinds or ties > TIE_FRACTION_MIXED:
        return "mixed-ksg", f"mixed data ({100 * ties:.0f}% repeated rows)"
    joint_dim = sum(a.shape[1] for a in arrays)
    if joint_dim >= NEURAL_MIN_JOINT_DIM and len(arrays[0]) >= NEURAL_MIN_SAMPLES:
        return "infonce", (
            f"continuous data in {joint_dim} joint dimensions with "
            f"{len(arrays[0])} samples, where kNN estimates are biased low"
        )
    return "ksg1", "continuous data without ties"


def _run(
    quantity: str,
    arrays: list[np.ndarray],
    method: str,
    unit: str,
    ci: float | None,
    n_resamples: int,
    seed: int,
    params: dict[str, Any],
) -> Estimate:
    check_unit(unit)
    if ci is not None:
        ci = check_ci_level(ci, "ci")
    n_resamples = check_int(n_resamples, "n_resamples", low=10)
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, got {type(method).__name__}")
    names = ["x", "y", "z"]
    check_same_length(**{names[i]: a for i, a in enumerate(arrays)})
    reason = None
    if method == "auto":
        method, reason = choose_method(quantity, *arrays)
    cls = get_estimator_class(quantity, method)
    if "seed" in cls.param_names():
        params = {"seed": seed, **params}  # the estimator's own randomness follows `seed` too
    try:
        estimator = cls(**params)
    except TypeError as err:
        if reason is None:
            raise
        raise TypeError(
            f"method='auto' chose {method!r} ({reason}): {err}; name the method "
            "explicitly to pass its parameters"
        ) from None
    result = estimator.estimate(*arrays)
    if reason is not None:
        result = result.with_notes(f"method='auto' chose {method!r}: {reason}")
    if ci is not None:
        interval, stderr = resample_ci(
            lambda *a: estimator.estimate(*a).value,
            arrays,
            result.value,
            level=ci,
            n_resamples=n_resamples,
            scheme=cls.resampling,
            seed=seed,
            min_rows=int(params.get("k", 3)) + 2,
        )
        result = _with_ci(result, interval, stderr, ci, cls.resampling, n_resamples)
    return result.to(unit)


def _with_ci(
    result: Estimate,
    interval: tuple[float, float],
    stderr: float,
    level: float,
    scheme: str,
    n_resamples: int,
) -> Estimate:
    from dataclasses import replace

    params = dict(result.params)
    params.update(ci_scheme=scheme, n_resamples=n_resamples)
    return replace(
        result,
        ci=interval,
        ci_level=level,
        stderr=result.stderr if result.stderr is not None else stderr,
        params=params,
    )


def estimate_mi(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    method: str = "auto",
    *,
    unit: str = "nats",
    ci: float | None = None,
    n_resamples: int = 100,
    seed: int = 0,
    **params: Any,
) -> Estimate:
    """Estimate the mutual information I(X;Y) from paired samples.

    Args:
        x, y: array-likes of shape ``(n,)`` or ``(n, d)`` (numpy, lists, torch tensors). Integer
            or bool dtype marks a variable as discrete for ``method="auto"``.
        method: a registry name (``infossl.list_methods("mi")``) or ``"auto"``.
        unit: ``"nats"`` or ``"bits"``.
        ci: a confidence level in (0, 1) to add a resampling interval (seeded by ``seed``).
        n_resamples: replicates for the interval.
        seed: seed of the resampling, and of the estimator's own randomness (jitter, network
            initialisation, projections) when it takes a ``seed`` parameter.
        **params: the method's hyper-parameters (e.g. ``k=3``).

    Returns:
        An :class:`~infossl.estimate.Estimate`.
    """
    arrays = [_as_array(x, "x"), _as_array(y, "y")]
    return _run("mi", arrays, method, unit, ci, n_resamples, seed, params)


def estimate_entropy(
    x: npt.ArrayLike,
    method: str = "auto",
    *,
    unit: str = "nats",
    ci: float | None = None,
    n_resamples: int = 100,
    seed: int = 0,
    **params: Any,
) -> Estimate:
    """Estimate the (differential, or discrete for integer data) entropy H(X); see estimate_mi."""
    return _run("entropy", [_as_array(x, "x")], method, unit, ci, n_resamples, seed, params)


def estimate_cmi(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    z: npt.ArrayLike,
    method: str = "auto",
    *,
    unit: str = "nats",
    ci: float | None = None,
    n_resamples: int = 100,
    seed: int = 0,
    **params: Any,
) -> Estimate:
    """Estimate the conditional mutual information I(X;Y|Z); see estimate_mi."""
    arrays = [_as_array(x, "x"), _as_array(y, "y"), _as_array(z, "z")]
    return _run("cmi", arrays, method, unit, ci, n_resamples, seed, params)

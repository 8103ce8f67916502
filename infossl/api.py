"""The functional front door: ``estimate_mi``, ``estimate_entropy``, ``estimate_cmi``.

Each looks the method up in the registry (:mod:`infossl.estimators`), builds the estimator with
``**params`` (validated by its ``__init__``), runs it, optionally adds a resampling confidence
interval, and converts the result to the requested unit.

``method="auto"`` picks a method from the data types and the repeated rows, and
says why (see :func:`choose_method`); where no registered method fits the data, or the data fit
two different quantities, it raises a ``ValueError`` that names the choices instead of guessing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

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
from infossl.estimators import get_estimator_class, list_methods
from infossl.estimators._resample import resample_ci, subsample_size
from infossl.estimators.copula import CRITIC_MIN_DIM, CRITIC_MIN_ROWS, critic_part_skipped

#: Above this fraction of duplicated rows, continuous data is treated as mixed (atoms present).
TIE_FRACTION_MIXED = 0.05
#: Parameters ``auto`` passes with its choice: it has checked ``copula-critic-max``'s own rule
#: (joint dimension, rows) on the whole sample, so the critic part must also run on the
#: half-size subsamples of a ``ci=`` interval.
_AUTO_PARAMS: dict[str, dict[str, Any]] = {"copula-critic-max": {"critic": True}}
#: The names of the data arguments of each quantity, as they appear in the reasons.
_NAMES = {"mi": ("x", "y"), "entropy": ("x",), "cmi": ("x", "y", "z")}


class AutoChoice(NamedTuple):
    """What ``method="auto"`` chose and why: ``(method, reason)``.

    ``reason`` lists what was checked (data types, repeated rows, joint dimension, n) against
    which threshold; the estimate carries it as the note ``auto: chose <method> because
    <reason>`` and as ``params["auto"]``.
    """

    method: str
    reason: str


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


def _types(names: tuple[str, ...], arrays: tuple[np.ndarray, ...]) -> str:
    """``"x integer (discrete); y, z float (continuous)"``: how ``auto`` reads each variable."""
    groups = {
        label: ", ".join(n for n, a in zip(names, arrays, strict=True) if is_discrete(a) == disc)
        for label, disc in (("integer (discrete)", True), ("float (continuous)", False))
    }
    return "; ".join(f"{members} {label}" for label, members in groups.items() if members)


def _most_tied(names: tuple[str, ...], arrays: tuple[np.ndarray, ...]) -> tuple[str, float]:
    """The variable with the largest fraction of repeated rows, and that fraction."""
    ties = [tie_fraction(a) for a in arrays]
    i = int(np.argmax(ties))
    return names[i], ties[i]


def choose_method(quantity: str, *arrays: np.ndarray) -> AutoChoice:
    """The decision procedure behind ``method="auto"``; returns ``(method, reason)``.

    A variable with an integer or bool dtype is discrete, a float one continuous. In order:

    1. All variables discrete: ``"plugin"``, the entropy/MI/CMI of the empirical pmf (exact for
       it; biased when the alphabet is large compared with n: see its ceiling).
    2. Entropy of float data with more than ``TIE_FRACTION_MIXED`` (5%) repeated rows: a
       ``ValueError``. Such data fit two different quantities, the discrete entropy of their
       distinct values (``method="plugin"``, or integer data) and the differential entropy of a
       density (``method="kl"``, which the ties bias); ``auto`` does not pick one for you.
    3. Entropy of float data: ``"kl"`` (Kozachenko–Leonenko, k = 3).
    4. CMI with some variables discrete and some continuous: a ``ValueError`` naming the
       choices, since every registered CMI method takes all-continuous or all-discrete data.
    5. CMI of float data: ``"frenzel-pompe"`` (KSG-style CMI).
    6. MI of one discrete and one continuous variable: ``"ross"`` (Ross 2014).
    7. MI of float data with more than 5% repeated rows in either variable (atoms, rounding):
       ``"mixed-ksg"`` (Gao et al. 2017), which handles ties.
    8. Otherwise MI of float data: ``"copula-max"``, the larger of the Gaussian-copula MI
       (``gcmi``, Ince et al. 2017) and KSG1 on the same marginal normal scores
       (``ksg1-copula``) at k = 1, 2, 4, 8, extrapolated to k → 0 along a + b·k^(6/d) (d the
       joint dimension, up to 20; KSG1 at k = 3 above) to remove part of KSG's
       neighbourhood-size bias. Both depend on the ranks only, so heavy tails and any monotone
       distortion of the marginals do not affect them; the Gaussian-copula part is exact for
       Gaussian copulas at any dimension and MI, where KSG is biased low, and KSG covers the
       dependence a Gaussian copula misses (mixtures, nonmonotone maps), where the Gaussian part
       is low. It assumes neither part overestimates I(X;Y) (see its docstring).
    9. From joint dimension ``CRITIC_MIN_DIM`` (3) and ``CRITIC_MIN_ROWS`` (1,000) rows up,
       ``"copula-critic-max"`` instead: the larger of ``copula-max`` and ``critic-ksg``, the same
       KSG on three canonical features of a trained InfoNCE critic's embeddings, measured on
       held-out rows (an estimate of a lower bound, by data processing). The features recover
       dependence that both parts of ``copula-max`` miss in many dimensions (spirals, shared
       heavy tails, mixtures), because KSG then works in 3 + 3 dimensions; it costs the
       critic's training (about 1 s on one core at n = 5000) and imports torch.

    kNN estimates are biased downwards when the true MI is large (they need about e^I samples)
    and in high dimension; the estimator adds a note to the result in those regimes.

    Raises:
        ValueError: for an unknown ``quantity``, a wrong number of arrays, and in rules 2 and 4.
    """
    if quantity not in _NAMES:
        raise ValueError(f"quantity must be one of {list(_NAMES)}, got {quantity!r}")
    names = _NAMES[quantity]
    if len(arrays) != len(names):
        raise ValueError(f"{quantity} takes {len(names)} arrays ({', '.join(names)})")
    types = _types(names, arrays)
    if all(is_discrete(a) for a in arrays):
        return AutoChoice("plugin", f"{types}: all discrete")
    if quantity == "entropy":
        return _choose_entropy(arrays[0], types)
    if quantity == "cmi":
        return _choose_cmi(arrays, types)
    return _choose_mi(arrays, types, _most_tied(names, arrays))


def _choose_entropy(x: np.ndarray, types: str) -> AutoChoice:
    """Rules 2 and 3 of :func:`choose_method` (x is float)."""
    ties = tie_fraction(x)
    if ties > TIE_FRACTION_MIXED:
        raise ValueError(
            f"method='auto' cannot choose an entropy for x: it is float data with {ties:.1%} "
            f"repeated rows (more than {TIE_FRACTION_MIXED:.0%}), which fits two different "
            "quantities: the discrete entropy of its distinct values (method='plugin', or pass "
            "integer data) and the differential entropy of a density (method='kl'; the ties "
            "bias it). Name the method"
        )
    return AutoChoice("kl", f"{types}, {ties:.1%} repeated rows ≤ {TIE_FRACTION_MIXED:.0%}")


def _choose_cmi(arrays: tuple[np.ndarray, ...], types: str) -> AutoChoice:
    """Rules 4 and 5 of :func:`choose_method` (not all variables discrete)."""
    if any(is_discrete(a) for a in arrays):
        methods = list_methods("cmi", include_torch=False)
        continuous = [m.name for m in methods if m.accepts == "continuous"]
        raise ValueError(
            f"method='auto' has no conditional-MI method for this mix of types ({types}): "
            f"the registered ones take all-continuous data ({', '.join(continuous)}) or "
            "all-discrete data (plugin). Name one: method='frenzel-pompe' treats integer "
            "variables as continuous, with jittered ties (when only z is discrete and each of "
            "its values holds many more than k rows, its neighbourhoods stay within z's "
            "classes); method='plugin' after binning the float variables; or the chain rule "
            "I(X;Y|Z) = I(X;Y,Z) - I(X;Z) with estimate_mi(..., method='mixed-ksg')"
        )
    return AutoChoice("frenzel-pompe", types)


def _choose_mi(
    arrays: tuple[np.ndarray, ...], types: str, most_tied: tuple[str, float]
) -> AutoChoice:
    """Rules 6 to 9 of :func:`choose_method` (not both variables discrete)."""
    if any(is_discrete(a) for a in arrays):
        return AutoChoice("ross", f"{types}: one discrete, one continuous")
    name, ties = most_tied
    if ties > TIE_FRACTION_MIXED:
        return AutoChoice(
            "mixed-ksg",
            f"{types}, {ties:.1%} repeated rows in {name} > {TIE_FRACTION_MIXED:.0%} "
            "(atoms: mixed data)",
        )
    joint_dim = sum(a.shape[1] for a in arrays)
    n = len(arrays[0])
    checked = (
        f"{types}, repeated rows ≤ {TIE_FRACTION_MIXED:.0%} (at most {ties:.1%}), "
        f"joint dimension {joint_dim}, n = {n}"
    )
    if not critic_part_skipped(joint_dim, n):
        return AutoChoice(
            "copula-critic-max",
            f"{checked} (≥ {CRITIC_MIN_DIM} and ≥ {CRITIC_MIN_ROWS}): the largest of gcmi and "
            "ksg1-copula on the marginal normal scores and KSG on a trained critic's held-out "
            "features",
        )
    return AutoChoice(
        "copula-max",
        f"{checked}: the larger of gcmi and ksg1-copula on the marginal normal scores",
    )


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
        params = {**_AUTO_PARAMS.get(method, {}), **params}
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
        result = _with_auto_reason(result, method, reason)
    if ci is not None:
        min_rows = int(np.max(params.get("k", 3))) + 2  # k may be a series, e.g. (1, 2, 4, 8)
        try:
            interval, stderr = resample_ci(
                lambda *a: estimator.estimate(*a).value,
                arrays,
                result.value,
                level=ci,
                n_resamples=n_resamples,
                scheme=cls.resampling,
                seed=seed,
                min_rows=min_rows,
            )
        except ValueError as err:
            raise _subsample_error(
                err, method, int(np.shape(arrays[0])[0]), ci, cls.resampling, min_rows
            ) from None
        result = _with_ci(result, interval, stderr, ci, cls.resampling, n_resamples)
    return result.to(unit)


def _subsample_error(
    err: ValueError, method: str, n: int, ci: float, scheme: str, min_rows: int
) -> ValueError:
    """The estimator refused a resample: say that the interval, not the data, was too small."""
    if scheme != "subsample":
        return ValueError(f"ci={ci}: {method} failed on a bootstrap resample: {err}")
    m = subsample_size(n, min_rows) if n > min_rows else n
    return ValueError(
        f"ci={ci}: the interval re-estimates {method} on subsamples of {m} of the {n} rows, "
        f"and {method} refused them ({err}); pass about twice as many rows, or ci=None"
    )


def _with_auto_reason(result: Estimate, method: str, reason: str) -> Estimate:
    """Record why ``auto`` chose ``method``: one note and ``params["auto"]`` (shown by repr)."""
    result = result.with_notes(f"auto: chose {method} because {reason}")
    return replace(result, params={**result.params, "auto": reason})


def _with_ci(
    result: Estimate,
    interval: tuple[float, float],
    stderr: float,
    level: float,
    scheme: str,
    n_resamples: int,
) -> Estimate:
    """``result`` with the resampling interval and its standard error (the two agree); an
    estimator's own standard error (Monte Carlo over projections, held-out batches) is kept in
    ``params["estimator_stderr"]``."""
    params = dict(result.params)
    params.update(ci_scheme=scheme, n_resamples=n_resamples)
    if result.stderr is not None:
        params["estimator_stderr"] = result.stderr
    return replace(result, ci=interval, ci_level=level, stderr=stderr, params=params)


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
    """Estimate the entropy H(X); see estimate_mi.

    Differential for float data, discrete (of the distinct values) for integer data. With
    ``method="auto"``, float data with more than 5% repeated rows raise a ``ValueError``: they
    fit both quantities, so name ``"kl"`` (differential) or ``"plugin"`` (discrete).
    """
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
    """Estimate the conditional mutual information I(X;Y|Z); see estimate_mi.

    With ``method="auto"``, integer and float variables together raise a ``ValueError`` naming
    the choices: every registered CMI method takes all-continuous or all-discrete data.
    """
    arrays = [_as_array(x, "x"), _as_array(y, "y"), _as_array(z, "z")]
    return _run("cmi", arrays, method, unit, ci, n_resamples, seed, params)

"""Measure a learned representation on the multi-view testbed: sufficient or superfluous?

For a representation ``Z1`` of view 1 (and optionally ``Z2`` of view 2) this reports
(Federici et al. 2020; Shwartz-Ziv & LeCun 2024, §3–4):

* sufficiency: ``I(Z1;S)`` (shared latent) and ``I(Z1;Y)`` (label);
* superfluous information: ``I(Z1;U1)`` (view-specific latent) and ``I(Z̃1;X1|X2)``, the
  information about view 1 that view 2 cannot predict (MIB's minimality term);
* ``I(Z1;Z2)`` when ``Z2`` is given;
* the accuracy of a linear probe (logistic regression) for the discrete label, and, when known,
  the Bayes accuracy it can reach.

``Z̃1 = standardise(Z1) + σ ξ`` (``σ = channel_noise``) is a noisy channel in the spirit of
Goldfeld et al. (2019): for a deterministic encoder ``I(Z1;X1|X2)`` is infinite, so the term is
measured after adding Gaussian noise of a fixed size to unit-variance coordinates. It is the only
term that uses the channel. With ``conditioning="latents"`` the term is ``I(Z̃1;U1|S)``, which
equals ``I(Z̃1;X1|X2)`` when each view is an injective function of its latents (the image task).

Two modes:

* :func:`exact_measurement`: a :class:`~infossl.tasks.multiview.LinearEncoder` on a
  :class:`~infossl.tasks.multiview.LinearGaussianMultiView`: every term is a closed form.
* :func:`estimate_measurement`: samples of any representation, with the library's estimators
  chosen by registry name (``mi_method``, ``cmi_method``, ``label_method`` for a discrete label).
  Discrete columns of ``S`` (the shape class) are handled by the chain rule
  ``I(Z;S) = I(Z;S_d) + Σ_c p(c) I(Z;S_c | S_d = c)``.

:func:`measure_representation` picks the exact mode when it applies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from infossl._checks import as_samples, check_choice, check_float, check_int, check_seed
from infossl.estimate import Estimate
from infossl.estimators import get_estimator_class
from infossl.tasks.joint_gaussian import JointGaussian
from infossl.tasks.multiview import LinearEncoder, LinearGaussianMultiView, MultiViewSample

CONDITIONING: tuple[str, ...] = ("auto", "views", "latents")


@dataclass(frozen=True)
class MultiViewMeasurement:
    """What a representation keeps: each information term as an :class:`Estimate` (nats).

    Attributes:
        sufficiency_s: ``I(Z1;S)``.
        sufficiency_y: ``I(Z1;Y)``.
        superfluous_u: ``I(Z1;U1)``.
        superfluous_view: ``I(Z̃1;X1|X2)`` or, with latent conditioning, ``I(Z̃1;U1|S)``.
        shared: ``I(Z1;Z2)`` (None without ``Z2``).
        probe_accuracy: test accuracy of a logistic-regression probe on ``Z1`` (None if skipped).
        bayes_accuracy: the best accuracy any classifier of ``Z1`` reaches, when known.
        mode: ``"exact"`` or ``"estimated"``.
        params: what defines the terms (channel noise, conditioning, methods, sample sizes).
    """

    sufficiency_s: Estimate
    sufficiency_y: Estimate
    superfluous_u: Estimate
    superfluous_view: Estimate
    shared: Estimate | None = None
    probe_accuracy: float | None = None
    bayes_accuracy: float | None = None
    mode: str = "estimated"
    params: Mapping[str, Any] = field(default_factory=dict)

    def estimates(self) -> dict[str, Estimate]:
        """The information terms by field name (``shared`` only when present)."""
        out = {
            "sufficiency_s": self.sufficiency_s,
            "sufficiency_y": self.sufficiency_y,
            "superfluous_u": self.superfluous_u,
            "superfluous_view": self.superfluous_view,
        }
        if self.shared is not None:
            out["shared"] = self.shared
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "mode": self.mode,
            "terms": {k: v.to_dict() for k, v in self.estimates().items()},
            "probe_accuracy": self.probe_accuracy,
            "bayes_accuracy": self.bayes_accuracy,
            "params": dict(self.params),
        }


# ---------------------------------------------------------------------------------- probe
def linear_probe_accuracy(
    z_train: Any,
    y_train: Any,
    z_test: Any,
    y_test: Any,
    *,
    regularization: float = 1.0,
    max_iter: int = 2000,
) -> float:
    """Test accuracy of a logistic-regression probe (standardised features, L2 strength ``1/C``).

    Uses scikit-learn's ``LogisticRegression`` (lbfgs; multinomial for more than two classes).
    Cost: ``O(n d K)`` per iteration.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    regularization = check_float(regularization, "regularization", low=0.0, low_open=True)
    max_iter = check_int(max_iter, "max_iter", low=1)
    z_train, z_test = as_samples(z_train, "z_train"), as_samples(z_test, "z_test")
    y_train = _labels(y_train, "y_train", len(z_train))
    y_test = _labels(y_test, "y_test", len(z_test))
    if z_train.shape[1] != z_test.shape[1]:
        raise ValueError(
            f"z_train and z_test must have the same columns, got {z_train.shape[1]} and "
            f"{z_test.shape[1]}"
        )
    if len(np.unique(y_train)) < 2:
        raise ValueError("y_train holds a single class: a probe needs at least two")
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=regularization, max_iter=max_iter))
    probe.fit(z_train, y_train)
    return float(probe.score(z_test, y_test))


def _split_probe(
    z: np.ndarray, labels: Any, test_fraction: float, rng: np.random.Generator
) -> float:
    """Probe accuracy on a seeded random split (``test_fraction`` of the rows held out)."""
    labels = np.asarray(labels)
    order = rng.permutation(len(z))
    n_test = min(max(round(test_fraction * len(z)), 1), len(z) - 1)
    test, train = order[:n_test], order[n_test:]
    return linear_probe_accuracy(z[train], labels[train], z[test], labels[test])


def _labels(y: Any, name: str, n: int) -> np.ndarray:
    arr = np.asarray(y.detach().cpu().numpy() if hasattr(y, "detach") else y)
    if arr.ndim != 1 or arr.dtype.kind not in "biu":
        raise TypeError(f"{name} must be a 1-D array of integer class labels, got {arr.dtype}")
    if len(arr) != n:
        raise ValueError(f"{name} has {len(arr)} rows but the features have {n}")
    return arr.astype(np.int64)


# ---------------------------------------------------------------------------------- exact
def _closed_form(value: float, quantity: str, dims: tuple[int, ...], params: dict) -> Estimate:
    if not math.isfinite(value):
        raise ValueError(
            f"{quantity} is infinite here (a deterministic encoder without channel noise): "
            "use channel_noise > 0 or a noisy encoder"
        )
    return Estimate(
        value=value,
        kind="point",
        method="closed-form",
        n=0,
        dims=dims,
        params=params,
        quantity=quantity,
    )


def _channel(joint: JointGaussian, name: str, channel_noise: float) -> str:
    """Add ``name~`` = standardised ``name`` + N(0, channel_noise² I) to ``joint``."""
    cov = joint.covariance(name)
    scale = np.sqrt(np.diag(cov))
    if (scale <= 0).any():
        raise ValueError(f"{name} has a coordinate with zero variance; drop it before measuring")
    private = np.diag(cov - joint.loading(name) @ joint.loading(name).T)  # the encoder's noise
    noisy = f"{name}~"
    joint.add(noisy, joint.loading(name) / scale[:, None], private / scale**2 + channel_noise**2)
    return noisy


def exact_measurement(
    task: LinearGaussianMultiView,
    encoder1: LinearEncoder,
    encoder2: LinearEncoder | None = None,
    *,
    channel_noise: float = 0.1,
    conditioning: str = "views",
) -> MultiViewMeasurement:
    """Every term in closed form for linear encoders of linear-Gaussian views (no sampling).

    ``sufficiency_y`` is ``I(Z1;Y)`` of the continuous label; ``bayes_accuracy`` is that of
    ``Y_class = 1[Y > 0]`` from ``Z1`` (``½ + arcsin(ρ)/π``); ``probe_accuracy`` is None.
    """
    if not isinstance(task, LinearGaussianMultiView):
        raise TypeError(f"task must be a LinearGaussianMultiView, got {type(task).__name__}")
    channel_noise = check_float(channel_noise, "channel_noise", low=0.0)
    conditioning = check_choice(conditioning, "conditioning", ("views", "latents"))
    joint = task.joint(encoder1, encoder2)
    noisy = _channel(joint, "z1", channel_noise)
    dz = joint.dim("z1")
    params = {"task": task.id, "channel_noise": channel_noise, "conditioning": conditioning}
    if conditioning == "views":
        view_value, view_name, cond_dims = (
            joint.mutual_information(noisy, "x1", "x2"),
            ("I(Z̃1;X1|X2)"),
            (task.dim_x, task.dim_x),
        )
    else:
        view_value, view_name, cond_dims = (
            joint.mutual_information(noisy, "u1", "s"),
            ("I(Z̃1;U1|S)"),
            (task.dim_u, task.dim_s),
        )
    shared = None
    if encoder2 is not None:
        shared = _closed_form(
            joint.mutual_information("z1", "z2"), "I(Z1;Z2)", (dz, joint.dim("z2")), params
        )
    return MultiViewMeasurement(
        sufficiency_s=_closed_form(
            joint.mutual_information("z1", "s"), "I(Z1;S)", (dz, task.dim_s), params
        ),
        sufficiency_y=_closed_form(joint.mutual_information("z1", "y"), "I(Z1;Y)", (dz, 1), params),
        superfluous_u=_closed_form(
            joint.mutual_information("z1", "u1"), "I(Z1;U1)", (dz, task.dim_u), params
        ),
        superfluous_view=_closed_form(view_value, view_name, (dz, *cond_dims), params),
        shared=shared,
        bayes_accuracy=joint.sign_bayes_accuracy("y", "z1"),
        mode="exact",
        params=params,
    )


# ---------------------------------------------------------------------------------- estimated
@dataclass(frozen=True)
class _Methods:
    mi: str
    cmi: str
    label: str
    params: Mapping[str, Mapping[str, Any]]

    def run(self, which: str, *arrays: np.ndarray) -> Estimate:
        quantity = "cmi" if which == "cmi" else "mi"
        name = getattr(self, which)
        cls = get_estimator_class(quantity, name)
        return cls(**dict(self.params.get(name, {}))).estimate(*arrays)


def _relabel(est: Estimate, quantity: str) -> Estimate:
    return replace(est, quantity=quantity)


def _mi_with_discrete(
    methods: _Methods, z: np.ndarray, target: np.ndarray, discrete: tuple[int, ...], quantity: str
) -> Estimate:
    """``I(Z;T)`` with some columns of ``T`` discrete (chain rule over the discrete part)."""
    if not discrete:
        return _relabel(methods.run("mi", z, target), quantity)
    disc = target[:, list(discrete)]
    cont_cols = [i for i in range(target.shape[1]) if i not in discrete]
    _, codes = np.unique(disc, axis=0, return_inverse=True)
    codes = codes.reshape(-1).astype(np.int64)
    first = methods.run("label", codes, z)
    value, parts, notes = first.value, [first], list(first.notes)
    if cont_cols:
        for code in np.unique(codes):  # loop over the few discrete symbols, not over samples
            rows = codes == code
            part = methods.run("mi", z[rows], target[rows][:, cont_cols])
            value += rows.mean() * part.value
            parts.append(part)
            notes.extend(n for n in part.notes if n not in notes)
    kinds = {p.kind for p in parts}
    return Estimate(
        value=value,
        kind=kinds.pop() if len(kinds) == 1 else "proxy",
        method="+".join(dict.fromkeys(p.method for p in parts)),
        n=len(z),
        dims=(z.shape[1], target.shape[1]),
        params={"chain_rule": "I(Z;S_d) + sum_c p(c) I(Z;S_c|S_d=c)", "discrete": discrete},
        quantity=quantity,
        notes=tuple(notes),
    )


def _cmi_with_discrete(
    methods: _Methods,
    x: np.ndarray,
    y: np.ndarray,
    cond: np.ndarray,
    discrete: tuple[int, ...],
    quantity: str,
) -> Estimate:
    """``I(X;Y|C)`` with some columns of ``C`` discrete: ``Σ_c p(c) I(X;Y|C_c, C_d = c)``."""
    if not discrete:
        return _relabel(methods.run("cmi", x, y, cond), quantity)
    _, codes = np.unique(cond[:, list(discrete)], axis=0, return_inverse=True)
    codes = codes.reshape(-1)
    cont_cols = [i for i in range(cond.shape[1]) if i not in discrete]
    if not cont_cols:
        raise ValueError("conditioning only on discrete columns needs an MI method per class")
    value, methods_used, notes, kinds = 0.0, [], [], set()
    for code in np.unique(codes):  # loop over the few discrete symbols, not over samples
        rows = codes == code
        part = methods.run("cmi", x[rows], y[rows], cond[rows][:, cont_cols])
        value += rows.mean() * part.value
        methods_used.append(part.method)
        kinds.add(part.kind)
        notes.extend(n for n in part.notes if n not in notes)
    return Estimate(
        value=value,
        kind=kinds.pop() if len(kinds) == 1 else "proxy",
        method=methods_used[0],
        n=len(x),
        dims=(x.shape[1], y.shape[1], cond.shape[1]),
        params={"split_on": discrete},
        quantity=quantity,
        notes=tuple(notes),
    )


def _flat(x: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x)
    return as_samples(arr.reshape(len(arr), -1), name)


def _standardise(x: np.ndarray, name: str, skip: tuple[int, ...] = ()) -> np.ndarray:
    """Zero mean, unit variance per column (MI is invariant; kNN estimates are not).

    kNN estimators measure distances with one norm over all columns, so a column with a large
    range would dominate the neighbourhoods; ``skip`` leaves discrete columns untouched.
    """
    out = np.array(x, dtype=np.float64, copy=True)
    cols = [c for c in range(out.shape[1]) if c not in skip]
    scale = out[:, cols].std(axis=0)
    if (scale == 0).any():
        bad = [cols[i] for i in np.flatnonzero(scale == 0)]
        raise ValueError(f"{name} has constant column(s) {bad}; drop them before measuring")
    out[:, cols] = (out[:, cols] - out[:, cols].mean(axis=0)) / scale
    return out


def estimate_measurement(
    data: MultiViewSample,
    z1: Any,
    z2: Any = None,
    *,
    s_discrete_columns: tuple[int, ...] = (),
    channel_noise: float = 0.1,
    conditioning: str = "auto",
    mi_method: str = "ksg1",
    cmi_method: str = "frenzel-pompe",
    label_method: str = "ross",
    method_params: Mapping[str, Mapping[str, Any]] | None = None,
    max_samples: int | None = 4000,
    probe: bool = True,
    probe_fraction: float = 0.5,
    seed: int | np.random.Generator = 0,
) -> MultiViewMeasurement:
    """Every term estimated from samples ``z1 = enc1(data.x1)`` (and ``z2 = enc2(data.x2)``).

    Args:
        data: the task's sample the representations were computed on (row-aligned).
        z1, z2: representations, ``(n, d_z)`` arrays or torch tensors.
        s_discrete_columns: columns of ``data.s`` holding discrete symbols (image task: ``(0,)``).
        channel_noise: σ of the noisy channel of the superfluous-view term (0 disables it).
        conditioning: ``"views"`` (``I(Z̃1;X1|X2)``), ``"latents"`` (``I(Z̃1;U1|S)``) or
            ``"auto"`` (latents for image views, views otherwise).
        mi_method, cmi_method: registry names for continuous MI and CMI (e.g. ``"ksg1"`` and
            ``"frenzel-pompe"``, or ``"gaussian"`` for both, exact for Gaussian data).
        label_method: MI between a discrete variable (first) and a continuous one, e.g. ``"ross"``.
        method_params: hyper-parameters per method name, e.g. ``{"ksg1": {"k": 5}}``.
        max_samples: rows used by the estimators (a seeded random subset; None uses all).
        probe, probe_fraction: fit a logistic-regression probe on ``y_class`` with this fraction of
            rows held out for testing.
        seed: seeds the subset, the channel noise and the split.

    Cost: dominated by the kNN estimators, ``O(m log m · d)`` for m = ``max_samples`` rows.
    """
    if not isinstance(data, MultiViewSample):
        raise TypeError(f"data must be a MultiViewSample, got {type(data).__name__}")
    channel_noise = check_float(channel_noise, "channel_noise", low=0.0)
    conditioning = check_choice(conditioning, "conditioning", CONDITIONING)
    probe_fraction = check_float(
        probe_fraction, "probe_fraction", low=0.0, high=1.0, low_open=True, high_open=True
    )
    for name, value in (
        ("mi_method", mi_method),
        ("cmi_method", cmi_method),
        ("label_method", label_method),
    ):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a registry name (str), got {value!r}")
    rng = check_seed(seed)
    n = len(data)
    z1 = _flat(z1, "z1")
    if len(z1) != n:
        raise ValueError(f"z1 has {len(z1)} rows but data has {n}")
    if z2 is not None:
        z2 = _flat(z2, "z2")
        if len(z2) != n:
            raise ValueError(f"z2 has {len(z2)} rows but data has {n}")
    discrete = tuple(
        check_int(c, "s_discrete_columns entry", low=0, high=data.s.shape[1] - 1)
        for c in s_discrete_columns
    )
    if conditioning == "auto":
        conditioning = "latents" if data.x1.ndim > 2 else "views"
    methods = _Methods(mi_method, cmi_method, label_method, dict(method_params or {}))

    rows = np.arange(n)
    if max_samples is not None:
        max_samples = check_int(max_samples, "max_samples", low=10)
        if n > max_samples:
            rows = np.sort(rng.choice(n, size=max_samples, replace=False))
    z = _standardise(z1[rows], "z1")
    s = _standardise(_flat(data.s[rows], "data.s"), "data.s", skip=discrete)
    u1 = _standardise(_flat(data.u1[rows], "data.u1"), "data.u1")
    y = np.asarray(data.y)[rows]
    noisy = z + channel_noise * rng.standard_normal(z.shape)

    if y.dtype.kind in "biu":
        suff_y = _relabel(methods.run("label", y.astype(np.int64), z), "I(Z1;Y)")
    else:
        suff_y = _relabel(
            methods.run("mi", z, _standardise(_flat(y, "data.y"), "data.y")), "I(Z1;Y)"
        )
    if conditioning == "views":
        view = _relabel(
            methods.run(
                "cmi",
                noisy,
                _standardise(_flat(data.x1[rows], "data.x1"), "data.x1"),
                _standardise(_flat(data.x2[rows], "data.x2"), "data.x2"),
            ),
            "I(Z̃1;X1|X2)",
        )
    else:
        view = _cmi_with_discrete(methods, noisy, u1, s, discrete, "I(Z̃1;U1|S)")
    if channel_noise == 0:
        view = view.with_notes(
            "no channel noise: for a deterministic encoder the true value is infinite and the "
            "estimate grows with n"
        )
    shared = None
    if z2 is not None:
        shared = _relabel(methods.run("mi", z, _standardise(z2[rows], "z2")), "I(Z1;Z2)")
    accuracy = _split_probe(z1, data.y_class, probe_fraction, rng) if probe else None
    return MultiViewMeasurement(
        sufficiency_s=_mi_with_discrete(methods, z, s, discrete, "I(Z1;S)"),
        sufficiency_y=suff_y,
        superfluous_u=_relabel(methods.run("mi", z, u1), "I(Z1;U1)"),
        superfluous_view=view,
        shared=shared,
        probe_accuracy=accuracy,
        mode="estimated",
        params={
            "channel_noise": channel_noise,
            "conditioning": conditioning,
            "mi_method": mi_method,
            "cmi_method": cmi_method,
            "label_method": label_method,
            "n_estimation": len(rows),
            "n_total": n,
        },
    )


def measure_representation(
    task: Any,
    data: MultiViewSample,
    z1: Any = None,
    z2: Any = None,
    *,
    encoder1: LinearEncoder | None = None,
    encoder2: LinearEncoder | None = None,
    channel_noise: float = 0.1,
    seed: int | np.random.Generator = 0,
    **estimate_kwargs: Any,
) -> MultiViewMeasurement:
    """Exact terms for a LinearEncoder on a linear-Gaussian task, estimated ones otherwise.

    In the exact case the probe accuracy is still measured on ``data`` (``z1`` is then computed
    by the encoders when not given). ``estimate_kwargs`` go to :func:`estimate_measurement`.
    """
    exact = isinstance(task, LinearGaussianMultiView) and isinstance(encoder1, LinearEncoder)
    rng = check_seed(seed)
    if z1 is None:
        if encoder1 is None:
            raise ValueError("give z1 (the representation) or encoder1 (a LinearEncoder)")
        z1 = encoder1.encode(data.x1, seed=rng)
        if encoder2 is not None and z2 is None:
            z2 = encoder2.encode(data.x2, seed=rng)
    if not exact:
        discrete = tuple(getattr(task, "s_discrete_columns", ()))
        estimate_kwargs.setdefault("s_discrete_columns", discrete)
        return estimate_measurement(
            data, z1, z2, channel_noise=channel_noise, seed=rng, **estimate_kwargs
        )
    conditioning = estimate_kwargs.pop("conditioning", "views")
    probe = estimate_kwargs.pop("probe", True)
    probe_fraction = estimate_kwargs.pop("probe_fraction", 0.5)
    if estimate_kwargs:
        raise TypeError(f"unexpected arguments for the exact mode: {sorted(estimate_kwargs)}")
    result = exact_measurement(
        task,
        encoder1,
        encoder2,
        channel_noise=channel_noise,
        conditioning="views" if conditioning == "auto" else conditioning,
    )
    if not probe:
        return result
    probe_fraction = check_float(
        probe_fraction, "probe_fraction", low=0.0, high=1.0, low_open=True, high_open=True
    )
    z1 = _flat(z1, "z1")
    if len(z1) != len(data):
        raise ValueError(f"z1 has {len(z1)} rows but data has {len(data)}")
    return replace(result, probe_accuracy=_split_probe(z1, data.y_class, probe_fraction, rng))

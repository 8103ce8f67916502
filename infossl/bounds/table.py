"""The one table of mutual-information bounds: what each bound name means, wherever it is chosen.

``BOUNDS`` maps a bound name to a :class:`BoundInfo`: the model family it needs, its kind (how the
reported value relates to I(X;Y)), a one-line summary, the function that computes the reported
value, the keyword parameters of that function, and the ceiling of the value on ``K`` samples.
The neural estimators (:mod:`infossl.estimators.neural`) offer every entry, one registered method
per name; the MIB objective offers a few critic lower bounds on I(Z1;Z2).

Inputs of ``value`` per family:

* ``"critic"``: the ``K x K`` critic score matrix ``S[i, j] = f(x_i, y_j)`` (joint pairs on the
  diagonal), plus the keyword parameters listed in ``params``;
* ``"conditional"``: the ``K x K`` matrix ``log q(y_j | x_i)``;
* ``"densities"``: ``log q(y_i)`` and ``log q(y_i | x_i)``, two vectors of length ``K``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from infossl.bounds.doe import doe
from infossl.bounds.lower import (
    _dv,
    _infonce,
    _js_nwj,
    _nwj,
    dv,
    infonce,
    infonce_ceiling,
    interpolated,
    interpolated_ceiling,
    js_nwj,
    nwj,
    smile,
    tuba,
)
from infossl.bounds.upper import club, l1out


@dataclass(frozen=True)
class BoundInfo:
    """What a bound name means: model family, kind, summary, value function and ceiling.

    Attributes:
        name: the bound's name (the key in :data:`BOUNDS`).
        family: ``"critic"``, ``"conditional"`` or ``"densities"`` (what the value is a function
            of; see the module docstring).
        kind: ``"lower"``, ``"upper"`` or ``"point"``: the value as an estimate of I(X;Y).
        summary: one line for listings and docstrings.
        value: the reported value (nats), a differentiable function that validates its input.
        params: the keyword parameters ``value`` takes beside its input (e.g. ``("tau",)``).
        unchecked: the same value without input validation, for scores computed from inputs that
            were already checked (no host synchronisation, so no graph break under
            ``torch.compile``); None where not provided.
        ceiling: the largest value on ``K`` samples, ``ceiling(K, **ceiling params)``; None when
            the bound is uncapped.
        ceiling_params: the keyword parameters ``ceiling`` takes (a subset of ``params``).
    """

    name: str
    family: str  # "critic" | "conditional" | "densities"
    kind: str  # "lower" | "upper" | "point"
    summary: str
    value: Callable[..., torch.Tensor]
    params: tuple[str, ...] = ()
    unchecked: Callable[..., torch.Tensor] | None = None
    ceiling: Callable[..., float] | None = None
    ceiling_params: tuple[str, ...] = ()

    def ceiling_at(self, k: int, params: Mapping[str, Any] | None = None) -> float | None:
        """The cap on ``k`` samples with these parameters; None when uncapped (or infinite)."""
        if self.ceiling is None:
            return None
        params = params or {}
        cap = self.ceiling(k, **{p: params[p] for p in self.ceiling_params if p in params})
        return None if math.isinf(cap) else cap


#: Every bound by name: the critic bounds, then the conditional upper bounds, then DoE.
BOUNDS: dict[str, BoundInfo] = {
    b.name: b
    for b in (
        BoundInfo(
            "infonce",
            "critic",
            "lower",
            "InfoNCE / CPC lower bound (capped at ln K)",
            infonce,
            ("symmetric",),
            _infonce,
            infonce_ceiling,
        ),
        BoundInfo("nwj", "critic", "lower", "NWJ (f-divergence) lower bound", nwj, unchecked=_nwj),
        BoundInfo(
            "dv",
            "critic",
            "lower",
            "Donsker–Varadhan lower bound (biased batch gradient)",
            dv,
            unchecked=_dv,
        ),
        BoundInfo(
            "mine",
            "critic",
            "lower",
            "MINE: DV with moving-average gradient correction",
            dv,
            unchecked=_dv,
        ),
        BoundInfo(
            "tuba",
            "critic",
            "lower",
            "TUBA lower bound with a learned constant baseline",
            tuba,
            ("log_baseline",),
        ),
        BoundInfo(
            "js",
            "critic",
            "lower",
            "critic trained with JS (f-GAN), evaluated with NWJ",
            js_nwj,
            unchecked=_js_nwj,
        ),
        BoundInfo(
            "smile",
            "critic",
            "point",
            "SMILE: JS-trained DV with clipped partition term",
            smile,
            ("tau",),
        ),
        BoundInfo(
            "interpolated",
            "critic",
            "lower",
            "interpolated bound I_alpha (Poole et al.)",
            interpolated,
            ("alpha", "log_baseline"),
            ceiling=interpolated_ceiling,
            ceiling_params=("alpha",),
        ),
        BoundInfo("club", "conditional", "upper", "vCLUB upper bound with a Gaussian q(y|x)", club),
        BoundInfo(
            "l1out", "conditional", "upper", "leave-one-out upper bound, Gaussian q(y|x)", l1out
        ),
        BoundInfo("doe", "densities", "point", "difference of entropies, Gaussian models", doe),
    )
}

"""Variational bounds on mutual information as pure, differentiable torch functions.

Lower bounds take a critic score matrix ``S`` (``K x K``, ``S[i, j] = f(x_i, y_j)``, joint pairs on
the diagonal) and return the bound's value in nats; maximise it (the loss is its negative).
Upper bounds take conditional log-densities in the same layout. ``BOUNDS`` is the one table of
bound names (family, kind, value function, ceiling) used by the neural estimators and the
objectives. See ``docs/bounds.md``.
"""

from infossl.bounds.doe import doe, doe_loss
from infossl.bounds.lower import (
    MINE,
    ba,
    dv,
    infonce,
    infonce_ceiling,
    interpolated,
    interpolated_ceiling,
    js,
    js_nwj,
    mine,
    nwj,
    smile,
    tuba,
    uba,
)
from infossl.bounds.table import BOUNDS, BoundInfo
from infossl.bounds.upper import (
    club,
    club_sampled,
    gaussian_kl_upper_bound,
    l1out,
    variational_upper_bound,
)

__all__ = [
    "BOUNDS",
    "MINE",
    "BoundInfo",
    "ba",
    "club",
    "club_sampled",
    "doe",
    "doe_loss",
    "dv",
    "gaussian_kl_upper_bound",
    "infonce",
    "infonce_ceiling",
    "interpolated",
    "interpolated_ceiling",
    "js",
    "js_nwj",
    "l1out",
    "mine",
    "nwj",
    "smile",
    "tuba",
    "uba",
    "variational_upper_bound",
]

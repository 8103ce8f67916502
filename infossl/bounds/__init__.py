"""Variational bounds on mutual information as pure, differentiable torch functions.

Lower bounds take a critic score matrix ``S`` (``K x K``, ``S[i, j] = f(x_i, y_j)``, joint pairs on
the diagonal) and return the bound's value in nats; maximise it (the loss is its negative).
Upper bounds take conditional log-densities in the same layout. ``BOUNDS`` is the one table of
bound names (family, kind, value function, ceiling) used by the neural estimators and the
objectives. See ``docs/bounds.md``.

The names of this package are those of :mod:`~infossl.bounds.lower` and
:mod:`~infossl.bounds.upper` (their ``__all__``), DoE and the ``BOUNDS`` table.
"""

from infossl.bounds import lower, upper
from infossl.bounds.doe import doe, doe_loss
from infossl.bounds.lower import *  # noqa: F403
from infossl.bounds.table import BOUNDS, BoundInfo
from infossl.bounds.upper import *  # noqa: F403

__all__ = ["BOUNDS", "BoundInfo", "doe", "doe_loss"]
__all__ += lower.__all__
__all__ += upper.__all__

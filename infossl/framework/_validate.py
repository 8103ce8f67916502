"""Scalar checks for the framework that avoid numpy, so that they also run inside torch.compile.

:func:`check_real` has the contract of :func:`infossl._checks.check_float` (same errors, same
messages) but tests finiteness with :func:`math.isfinite`: under ``torch.compile`` a numpy call is
traced as tensor code and a branch on its result breaks the graph. Objectives build their
:class:`~infossl.framework.objective.Objective` (weights, schedules) on first use, which can be
inside a compiled step.
"""

from __future__ import annotations

import math
import numbers
from typing import Any


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check ``value`` is a finite real number within the given (open or closed) limits."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value

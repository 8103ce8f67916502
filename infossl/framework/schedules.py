"""Schedules for Lagrange multipliers and other per-step hyper-parameters.

A schedule maps an optimisation step (int ≥ 0) to a float. MIB anneals β from small to large
(Federici et al. 2020); DINO warms its teacher temperature up; BYOL's EMA momentum follows a
cosine. All schedules here are pure functions of the step, so a resumed run continues exactly.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from infossl._checks import check_float, check_int


class Schedule(ABC):
    """A value as a function of the step: ``schedule(step) -> float``."""

    @abstractmethod
    def __call__(self, step: int) -> float:
        """The value at ``step`` (a non-negative int)."""

    @abstractmethod
    def describe(self) -> str:
        """A short human-readable description, used in generated documentation."""


def _progress(step: int, delay: int, steps: int) -> float:
    """Fraction of the ramp done at ``step``: 0 before ``delay``, 1 after ``delay + steps``."""
    step = check_int(step, "step", low=0)
    if steps == 0:
        return 0.0 if step < delay else 1.0
    return min(max((step - delay) / steps, 0.0), 1.0)


@dataclass(frozen=True)
class Constant(Schedule):
    """The same value at every step."""

    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", check_float(self.value, "value"))

    def __call__(self, step: int) -> float:
        check_int(step, "step", low=0)
        return self.value

    def describe(self) -> str:
        return f"{self.value:g}"


@dataclass(frozen=True)
class LinearWarmup(Schedule):
    """Linear ramp from ``start`` to ``value`` over ``steps`` steps, then constant ``value``."""

    value: float
    steps: int
    start: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", check_float(self.value, "value"))
        object.__setattr__(self, "start", check_float(self.start, "start"))
        object.__setattr__(self, "steps", check_int(self.steps, "steps", low=0))

    def __call__(self, step: int) -> float:
        t = _progress(step, 0, self.steps)
        return self.start + (self.value - self.start) * t

    def describe(self) -> str:
        return f"linear warm-up {self.start:g} → {self.value:g} over {self.steps} steps"


@dataclass(frozen=True)
class _Ramp(Schedule):
    """``start`` until ``delay``, then a ramp to ``end`` over ``steps`` steps, then ``end``.

    Subclasses give the ramp's shape (:meth:`_interpolate` of the progress ``t`` in [0, 1]) and
    its name in :meth:`describe`.
    """

    start: float
    end: float
    steps: int
    delay: int = 0

    _label: ClassVar[str] = ""
    _positive: ClassVar[bool] = False  # start and end must be > 0

    def __post_init__(self) -> None:
        bound: dict[str, Any] = {"low": 0, "low_open": True} if self._positive else {}
        object.__setattr__(self, "start", check_float(self.start, "start", **bound))
        object.__setattr__(self, "end", check_float(self.end, "end", **bound))
        object.__setattr__(self, "steps", check_int(self.steps, "steps", low=0))
        object.__setattr__(self, "delay", check_int(self.delay, "delay", low=0))

    @abstractmethod
    def _interpolate(self, t: float) -> float:
        """The value at ramp progress ``t`` (0 gives ``start``, 1 gives ``end``)."""

    def __call__(self, step: int) -> float:
        return self._interpolate(_progress(step, self.delay, self.steps))

    def describe(self) -> str:
        return (
            f"{self._label} {self.start:g} → {self.end:g} over steps "
            f"{self.delay}–{self.delay + self.steps}"
        )


@dataclass(frozen=True)
class LinearAnneal(_Ramp):
    """``start`` until ``delay``, then linear to ``end`` over ``steps`` steps, then ``end``."""

    _label: ClassVar[str] = "linear"

    def _interpolate(self, t: float) -> float:
        return self.start + (self.end - self.start) * t


@dataclass(frozen=True)
class CosineAnneal(_Ramp):
    """Half-cosine from ``start`` to ``end``: ``start + (end − start)(1 − cos(π t))/2``.

    ``t`` is the ramp progress in [0, 1] (``delay`` steps at ``start`` first). With
    ``start=0.996, end=1`` this is the BYOL/DINO momentum schedule.
    """

    _label: ClassVar[str] = "cosine"

    def _interpolate(self, t: float) -> float:
        return self.start + (self.end - self.start) * (1.0 - math.cos(math.pi * t)) / 2.0


@dataclass(frozen=True)
class ExponentialAnneal(_Ramp):
    """Geometric interpolation ``start · (end/start)^t`` (both positive), after ``delay`` steps.

    MIB's reference training anneals β this way, from about 1e-4 to 1, so that the compression
    term only bites once the shared information has been captured.
    """

    _label: ClassVar[str] = "exponential"
    _positive: ClassVar[bool] = True

    def _interpolate(self, t: float) -> float:
        value: float = self.start * (self.end / self.start) ** t
        return value


def value_at(schedule: Schedule, step: int) -> float:
    """``schedule(step)``, without looking at ``step`` when the schedule is :class:`Constant`.

    A compiled loss then does not specialise (and recompile) on the step for constant values.
    """
    if isinstance(schedule, Constant):
        return schedule.value
    return schedule(step)


def as_schedule(value: float | Schedule, name: str) -> Schedule:
    """A float becomes :class:`Constant`; a :class:`Schedule` is returned unchanged."""
    if isinstance(value, Schedule):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number or a Schedule, got {type(value).__name__}")
    return Constant(check_float(value, name))

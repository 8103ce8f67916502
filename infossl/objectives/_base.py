"""Base class and registry of the objectives.

Every objective is a small ``nn.Module`` whose ``forward`` returns a
:class:`~infossl.framework.LossOutput`. Its information reading is an
:class:`~infossl.framework.Objective` built from the hyper-parameters (and, for view-based
methods, the number of views), so the labels in the logs and in the generated documentation come
from the same objects that compute the loss.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import combinations, permutations
from typing import Any, ClassVar

import torch
from torch import nn

from infossl._checks import check_int
from infossl.framework import LossOutput, Objective, TermValue
from infossl.objectives.recipe import MethodRecipe

FAMILIES: tuple[str, ...] = (
    "contrastive",
    "non-contrastive",
    "distillation",
    "bottleneck",
    "generative",
    "multi-view",
)


class ObjectiveLoss(nn.Module):
    """Base of every objective: a step counter for schedules and the term bookkeeping.

    Subclasses implement :meth:`build_objective` (the weighted information terms for a number of
    views) and ``forward`` (compute each term's value, then :meth:`output`).
    """

    #: registry name, set by :func:`register_objective`
    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap a subclass's ``__init__`` so the two-view objective is built on construction.

        Built here rather than on the first call, the objective is not constructed inside a
        ``torch.compile``-d step (where building it on the first call would force a second
        compilation on the next one); hyper-parameter errors also surface at construction.
        """
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        @functools.wraps(init)
        def __init__(self: ObjectiveLoss, *args: Any, **kw: Any) -> None:
            init(self, *args, **kw)
            if type(self).__init__ is __init__:  # the outermost constructor has finished
                self.objective_for(2)

        cls.__init__ = __init__  # type: ignore[method-assign]

    def __init__(self) -> None:
        super().__init__()
        self.step = 0
        self._objectives: dict[int, Objective] = {}
        if type(self).__init__ is ObjectiveLoss.__init__:  # no subclass defines __init__
            self.objective_for(2)

    def set_step(self, step: int) -> None:
        """Set the optimisation step used by scheduled multipliers and temperatures."""
        self.step = check_int(step, "step", low=0)

    def build_objective(self, num_views: int) -> Objective:  # pragma: no cover - abstract
        """The weighted information terms of this loss for ``num_views`` views."""
        raise NotImplementedError

    def objective_for(self, num_views: int = 2) -> Objective:
        """The :class:`Objective` for ``num_views`` views.

        Built on first use from the constructor's hyper-parameters and cached: to change a
        weight during training give it a :class:`~infossl.framework.Schedule`, not a new value.
        """
        if num_views not in self._objectives:
            self._objectives[num_views] = self.build_objective(num_views)
        return self._objectives[num_views]

    @property
    def objective(self) -> Objective:
        """The objective for two views (the documented form)."""
        return self.objective_for(2)

    def output(
        self,
        values: Mapping[str, torch.Tensor],
        *,
        num_views: int = 2,
        constant: float = 0.0,
        diagnostics: Mapping[str, TermValue] | None = None,
    ) -> LossOutput:
        """Evaluate the objective on this batch's term values at the current step."""
        return self.objective_for(num_views).evaluate(
            values, step=self.step, constant=constant, diagnostics=diagnostics
        )

    def extra_repr(self) -> str:
        params = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return ", ".join(f"{p}={getattr(self, p)!r}" for p in params if hasattr(self, p))


# ---------------------------------------------------------------------------------- views
def view_names(num_views: int) -> list[str]:
    """``["1", "2", …]``: the index suffixes of ``X``/``Z`` for each view."""
    return [str(i + 1) for i in range(num_views)]


def unordered_pairs(num_views: int) -> list[tuple[int, int]]:
    """All ``(a, b)`` with ``a < b``."""
    return list(combinations(range(num_views), 2))


def ordered_pairs(num_views: int) -> list[tuple[int, int]]:
    """All ``(a, b)`` with ``a != b``."""
    return list(permutations(range(num_views), 2))


# ---------------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class MethodSpec:
    """One registered method: its class and the metadata used to document it.

    Attributes:
        name: registry name (``get_objective(name)``).
        cls: the loss class.
        family: one of :data:`FAMILIES`.
        paper: the reference, e.g. ``"Chen et al., ICML 2020 (SimCLR)"``.
        formula: the loss as published, in text.
        summary: one line.
        inputs: what ``forward`` takes.
        aliases: other accepted names.
        example_params: arguments needed to build an instance for documentation.
        reference_params: ``reference name → this class's parameter`` where the names differ
            from the paper's or the reference code's (documented on the methods page).
        recipe: how ``infossl train`` trains it (heads, target network, defaults); None for
            an objective that is not trainable there.
    """

    name: str
    cls: type[ObjectiveLoss]
    family: str
    paper: str
    formula: str
    summary: str
    inputs: str
    aliases: tuple[str, ...] = ()
    example_params: Mapping[str, Any] = field(default_factory=dict)
    reference_params: Mapping[str, str] = field(default_factory=dict)
    recipe: MethodRecipe | None = None

    def example(self) -> ObjectiveLoss:
        """An instance with default (or documented example) hyper-parameters."""
        return self.cls(**dict(self.example_params))

    def params(self) -> dict[str, Any]:
        """The constructor's parameters and defaults (``inspect.Parameter.empty`` if required)."""
        sig = inspect.signature(self.cls.__init__)
        return {
            p.name: p.default
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        }


_REGISTRY: dict[str, MethodSpec] = {}
_ALIASES: dict[str, str] = {}


def register_objective(
    name: str,
    *,
    family: str,
    paper: str,
    formula: str,
    summary: str,
    inputs: str,
    aliases: tuple[str, ...] = (),
    example_params: Mapping[str, Any] | None = None,
    reference_params: Mapping[str, str] | None = None,
    recipe: MethodRecipe | None = None,
) -> Callable[[type[ObjectiveLoss]], type[ObjectiveLoss]]:
    """Class decorator adding an objective to the registry; with a ``recipe`` (a
    :class:`~infossl.objectives.recipe.MethodRecipe`) it is also trainable by ``infossl train``."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {list(FAMILIES)}, got {family!r}")
    if recipe is not None and not isinstance(recipe, MethodRecipe):
        raise TypeError(f"recipe must be a MethodRecipe, got {type(recipe).__name__}")

    def decorate(cls: type[ObjectiveLoss]) -> type[ObjectiveLoss]:
        for key in (name, *aliases):
            if (key in _REGISTRY or key in _ALIASES) and _resolve(key).cls is not cls:
                raise ValueError(f"duplicate objective name {key!r}")
        cls.name = name
        _REGISTRY[name] = MethodSpec(
            name,
            cls,
            family,
            paper,
            formula,
            summary,
            inputs,
            tuple(aliases),
            dict(example_params or {}),
            dict(reference_params or {}),
            recipe,
        )
        for alias in aliases:
            _ALIASES[alias] = name
        return cls

    return decorate


def _resolve(name: str) -> MethodSpec:
    key = _ALIASES.get(name, name)
    if key not in _REGISTRY:
        valid = sorted(set(_REGISTRY) | set(_ALIASES))
        raise ValueError(f"unknown objective {name!r}; valid names: {', '.join(valid)}")
    return _REGISTRY[key]


def get_objective(name: str, **params: Any) -> ObjectiveLoss:
    """Build the objective registered as ``name`` (or an alias) with ``params``."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    return _resolve(name).cls(**params)


def get_method_spec(name: str) -> MethodSpec:
    """The registry entry of ``name`` (or an alias)."""
    return _resolve(name)


def list_objectives(family: str | None = None) -> list[MethodSpec]:
    """Every registered objective (optionally of one family), in family then name order."""
    if family is not None and family not in FAMILIES:
        raise ValueError(f"family must be one of {list(FAMILIES)}, got {family!r}")
    specs = [s for s in _REGISTRY.values() if family is None or s.family == family]
    return sorted(specs, key=lambda s: (FAMILIES.index(s.family), s.name))


def unregister_objective(name: str) -> None:
    """Remove the objective registered as ``name`` (or an alias) and its aliases.

    For tests and notebooks that register a method for a while; the library's own objectives
    stay registered.
    """
    spec = _resolve(name)
    del _REGISTRY[spec.name]
    for alias in spec.aliases:
        _ALIASES.pop(alias, None)

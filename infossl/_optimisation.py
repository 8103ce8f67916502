"""The pieces every plain optimisation loop of the package shares.

* :func:`optimisation_step`: check the loss is finite, ``zero_grad``, ``backward``, optionally
  clip the gradient norm (and check it is finite), ``step``. A non-finite value raises
  :class:`Diverged` (a ``FloatingPointError``) naming the step.
* :func:`index_batches`: an endless stream of shuffled index batches drawn from a
  ``torch.Generator`` (so a seed fixes the order).
* :func:`fit`: ``steps`` optimisation steps of a loss given per step, with an optional progress
  bar and optional early stopping on a validation loss that restores the best parameters.

Steps are numbered from 0. The loops with more machinery (checkpoints, resume, AMP, DDP in
:mod:`infossl.train`) keep their own code.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from infossl._checks import check_int

__all__ = [
    "Diverged",
    "FitResult",
    "fit",
    "index_batches",
    "optimisation_step",
    "progress_bar",
    "progress_enabled",
]


class Diverged(FloatingPointError):
    """A loss or gradient norm that is NaN or infinite.

    ``quantity`` is ``"loss"`` or ``"gradient"``, ``value`` the offending number, ``step`` the
    step it happened at (None when the caller gave none).
    """

    def __init__(self, quantity: str, value: float, step: int | None, hint: str = "") -> None:
        where = "" if step is None else f" at step {step}"
        advice = f"; {hint}" if hint else ""
        super().__init__(f"training {quantity} became {value}{where}{advice}")
        self.quantity, self.value, self.step = quantity, value, step


def optimisation_step(
    loss: Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    step: int | None = None,
    clip_norm: float | None = None,
    check_finite: bool = True,
    hint: str = "",
) -> None:
    """One step on the scalar ``loss``: finite check, ``zero_grad``, ``backward``, clip, ``step``.

    With ``clip_norm`` the gradients of the optimiser's parameters are clipped to that total norm
    and a non-finite norm raises :class:`Diverged` before the step. ``check_finite=False`` skips
    both checks (for loops that record diverging values rather than stop). ``hint`` is appended
    to the error message. Cost: one backward pass and one optimiser step.
    """
    if check_finite and not bool(torch.isfinite(loss)):
        raise Diverged("loss", float(loss.detach()), step, hint)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if clip_norm is not None:
        params = [p for group in optimizer.param_groups for p in group["params"]]
        norm = torch.nn.utils.clip_grad_norm_(params, clip_norm)
        if check_finite and not bool(torch.isfinite(norm)):
            raise Diverged("gradient", float(norm.detach()), step, hint)
    optimizer.step()


def index_batches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[Tensor]:
    """Endless stream of index batches: shuffle ``range(n)``, cut it into full batches, repeat.

    Each pass (epoch) yields every index at most once and drops the ``n % batch_size`` left over;
    the permutations come from ``generator`` alone. Cost: ``O(n)`` per epoch.
    """
    batch_size = check_int(batch_size, "batch_size", low=1)
    if batch_size > n:
        raise ValueError(f"batch_size={batch_size} exceeds the {n} training samples")
    while True:
        order = torch.randperm(n, generator=generator)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start : start + batch_size]


def progress_enabled(progress: bool | None) -> bool:
    """``progress=None`` means: show a bar only when stderr is a terminal."""
    if progress is None:
        return sys.stderr.isatty()
    return bool(progress)


@contextmanager
def progress_bar(total: int, description: str, enabled: bool) -> Iterator[Callable[[], None]]:
    """A rich progress bar on stderr; yields ``advance()``. Disabled: a no-op."""
    if not enabled:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)


@dataclass(frozen=True)
class FitResult:
    """What happened in training: steps run, last training loss, and why it stopped."""

    steps_run: int
    final_loss: float
    stopped_early: bool


class _EarlyStopping:
    """Validation checks that keep the parameters of the lowest validation loss seen."""

    def __init__(self, model: nn.Module, validation: Callable[[], float], patience: int) -> None:
        self.model, self.validation, self.patience = model, validation, patience
        self.best_loss = float("inf")
        self.best_state: dict[str, Any] | None = None
        self.bad_checks = 0

    def check(self) -> bool:
        """Record a check; True when ``patience`` checks in a row brought no improvement."""
        loss = self.validation()
        if loss < self.best_loss:
            self.best_loss, self.bad_checks = loss, 0
            self.best_state = copy.deepcopy(self.model.state_dict())
        else:
            self.bad_checks += 1
        return self.bad_checks >= self.patience

    def finish(self, last_step_checked: bool) -> None:
        """Check steps run since the last check, then restore the best parameters if they are
        not the current ones."""
        if not last_step_checked:
            self.bad_checks = 0 if self.validation() < self.best_loss else 1
        if self.best_state is not None and self.bad_checks > 0:
            self.model.load_state_dict(self.best_state)


def fit(
    model: nn.Module,
    loss_at: Callable[[int], Tensor],
    optimizer: torch.optim.Optimizer,
    steps: int,
    *,
    validation: Callable[[], float] | None = None,
    eval_every: int = 100,
    patience: int = 3,
    clip_norm: float | None = None,
    check_finite: bool = True,
    hint: str = "",
    progress: bool = False,
    description: str = "training",
) -> FitResult:
    """Run ``steps`` calls of ``optimisation_step(loss_at(step), optimizer)``, step = 0, 1, ...

    ``loss_at(step)`` draws its batch and returns the scalar loss. The model is in training mode
    during the loop (validation included) and in eval mode after it, also when it raises.
    With ``validation`` (the validation loss of the current parameters) a check runs every
    ``eval_every`` steps; training stops after ``patience`` checks without improvement, and the
    parameters of the best check are restored whether or not it stopped early (steps after the
    last check are kept only if they beat it). ``clip_norm``, ``check_finite`` and ``hint`` go
    to :func:`optimisation_step`. Cost: ``O(steps * step cost + checks * validation cost)``.
    """
    steps = check_int(steps, "steps", low=0)
    eval_every = check_int(eval_every, "eval_every", low=1)
    patience = check_int(patience, "patience", low=1)
    stopping = None if validation is None else _EarlyStopping(model, validation, patience)
    loss = torch.zeros(())
    done, stopped = 0, False
    model.train()
    try:
        with progress_bar(steps, description, progress) as advance:
            for step in range(steps):
                loss = loss_at(step)
                optimisation_step(
                    loss,
                    optimizer,
                    step=step,
                    clip_norm=clip_norm,
                    check_finite=check_finite,
                    hint=hint,
                )
                done = step + 1
                advance()
                if stopping is not None and done % eval_every == 0 and stopping.check():
                    stopped = True
                    break
        if stopping is not None:
            stopping.finish(last_step_checked=stopped or done % eval_every == 0)
    finally:
        model.eval()
    return FitResult(steps_run=done, final_loss=float(loss.detach()), stopped_early=stopped)

"""Training loop and held-out evaluation shared by the neural estimators.

``train`` runs Adam on a model exposing ``loss(x, y)``, drawing mini-batches from a fixed training
split with a local ``torch.Generator`` (so a seed fixes the run). ``evaluate`` splits held-out data
into disjoint batches and returns the model's ``value(x, y)`` on each; the estimate is their mean
and its standard error their standard deviation over ``sqrt(batches)``. Nothing selects the best of
several checkpoints on the data that is reported: early stopping watches a separate validation
split.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import Tensor

from infossl.estimators.neural.heads import BoundModel


@dataclass(frozen=True)
class TrainResult:
    """What happened in training: steps run, last training loss, and why it stopped."""

    steps_run: int
    final_loss: float
    stopped_early: bool


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


def batch_indices(n: int, batch_size: int, generator: torch.Generator) -> Iterator[Tensor]:
    """Endless stream of index batches: shuffle, cut into full batches, repeat (drop the rest)."""
    if batch_size > n:
        raise ValueError(f"batch_size={batch_size} exceeds the {n} training samples")
    while True:
        order = torch.randperm(n, generator=generator)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start : start + batch_size]


@torch.no_grad()
def evaluate(model: BoundModel, x: Tensor, y: Tensor, batch_size: int) -> Tensor:
    """``model.value`` on each of the ``len(x) // batch_size`` disjoint consecutive batches."""
    n_batches = len(x) // batch_size
    if n_batches < 1:
        raise ValueError(f"evaluation needs at least batch_size={batch_size} samples, got {len(x)}")
    used = n_batches * batch_size
    values = [
        model.value(xb, yb)
        for xb, yb in zip(x[:used].split(batch_size), y[:used].split(batch_size), strict=True)
    ]
    return torch.stack(values).double().cpu()


def train(
    model: BoundModel,
    x: Tensor,
    y: Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    generator: torch.Generator,
    validation: tuple[Tensor, Tensor] | None = None,
    patience: int = 3,
    eval_every: int = 100,
    progress: bool = False,
    description: str = "training",
) -> TrainResult:
    """Minimise ``model.loss`` with Adam for ``steps`` mini-batches of ``batch_size``.

    With ``validation=(x_val, y_val)`` the mean validation loss is checked every ``eval_every``
    steps; training stops after ``patience`` checks without improvement, and the parameters of the
    best check are restored whether or not it stopped early (selection on validation data only).
    ``O(steps * batch cost)``.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batches = batch_indices(len(x), batch_size, generator)
    best_loss, best_state, bad_checks = float("inf"), None, 0
    loss = torch.zeros(())
    step = 0
    stopped = False
    model.train()
    with progress_bar(steps, description, progress) as advance:
        for step in range(1, steps + 1):
            idx = next(batches)
            loss = model.loss(x[idx], y[idx])
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"training loss became {float(loss)} at step {step}; lower lr or use a "
                    "lower-variance bound"
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            advance()
            if validation is not None and step % eval_every == 0:
                val_loss = _validation_loss(model, *validation, batch_size)
                if val_loss < best_loss:
                    best_loss, bad_checks = val_loss, 0
                    best_state = copy.deepcopy(model.state_dict())
                else:
                    bad_checks += 1
                    if bad_checks >= patience:
                        stopped = True
                        break
    if validation is not None and not stopped and step % eval_every != 0:
        # the last steps went unchecked: keep them only if they beat the best check
        bad_checks = 0 if _validation_loss(model, *validation, batch_size) < best_loss else 1
    if best_state is not None and bad_checks > 0:
        model.load_state_dict(best_state)
    model.eval()
    return TrainResult(steps_run=step, final_loss=float(loss.detach()), stopped_early=stopped)


@torch.no_grad()
def _validation_loss(model: BoundModel, x: Tensor, y: Tensor, batch_size: int) -> float:
    n_batches = max(len(x) // batch_size, 1)
    size = min(batch_size, len(x))
    losses = [
        float(model.loss(x[b * size : (b + 1) * size], y[b * size : (b + 1) * size]))
        for b in range(n_batches)
    ]
    return sum(losses) / len(losses)

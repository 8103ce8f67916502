"""Training loop and held-out evaluation shared by the neural estimators.

``train`` runs Adam on a model exposing ``loss(x, y)``, drawing mini-batches from a fixed training
split with a local ``torch.Generator`` (so a seed fixes the run). ``evaluate`` splits held-out data
into disjoint batches and returns the model's ``value(x, y)`` on each; the estimate is their mean
and its standard error their standard deviation over ``sqrt(batches)``. Nothing selects the best of
several checkpoints on the data that is reported: early stopping watches a separate validation
split.
"""

from __future__ import annotations

from functools import partial

import torch
from torch import Tensor

from infossl._optimisation import FitResult, fit, index_batches, progress_bar, progress_enabled
from infossl.estimators.neural.heads import BoundModel

__all__ = ["TrainResult", "evaluate", "progress_bar", "progress_enabled", "train"]

#: What happened in training: steps run, last training loss, and why it stopped.
TrainResult = FitResult


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
    batches = index_batches(len(x), batch_size, generator)

    def batch_loss(step: int) -> Tensor:
        idx = next(batches)
        return model.loss(x[idx], y[idx])

    validation_loss = None
    if validation is not None:
        validation_loss = partial(_validation_loss, model, *validation, batch_size)
    return fit(
        model,
        batch_loss,
        torch.optim.Adam(model.parameters(), lr=lr),
        steps,
        validation=validation_loss,
        patience=patience,
        eval_every=eval_every,
        hint="lower lr or use a lower-variance bound",
        progress=progress,
        description=description,
    )


@torch.no_grad()
def _validation_loss(model: BoundModel, x: Tensor, y: Tensor, batch_size: int) -> float:
    n_batches = max(len(x) // batch_size, 1)
    size = min(batch_size, len(x))
    losses = [
        float(model.loss(x[b * size : (b + 1) * size], y[b * size : (b + 1) * size]))
        for b in range(n_batches)
    ]
    return sum(losses) / len(losses)

"""The shared optimisation loop: checked steps, seeded index batches, early stopping."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

from infossl._optimisation import (
    Diverged,
    fit,
    index_batches,
    optimisation_step,
    progress_enabled,
)


def _scalar_model(value: float = 0.0) -> nn.Linear:
    """A model whose only parameter is one weight ``w`` (read with ``_w``)."""
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(value)
    return model


def _w(model: nn.Linear) -> float:
    return float(model.weight.detach())


def _sgd(model: nn.Module, lr: float = 0.1) -> torch.optim.SGD:
    return torch.optim.SGD(model.parameters(), lr=lr)


# ----------------------------------------------------------------------------- one step
def test_step_uses_only_this_losss_gradient() -> None:
    model = _scalar_model(1.0)
    model.weight.grad = torch.full_like(model.weight, 100.0)  # stale: must be cleared
    optimisation_step((3.0 * model.weight).sum(), _sgd(model, lr=0.5))
    assert _w(model) == pytest.approx(1.0 - 0.5 * 3.0)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_loss_raises_naming_the_step_and_leaves_parameters(bad: float) -> None:
    model = _scalar_model(1.0)
    with pytest.raises(FloatingPointError, match=r"training loss became .* at step 7; lower lr"):
        optimisation_step(model.weight.sum() * bad, _sgd(model), step=7, hint="lower lr")
    assert _w(model) == 1.0
    assert model.weight.grad is None


def test_unchecked_step_lets_a_non_finite_loss_through() -> None:
    model = _scalar_model(1.0)
    optimisation_step(model.weight.sum() * float("nan"), _sgd(model), check_finite=False)
    assert torch.isnan(model.weight).all()


def test_gradient_is_clipped_and_a_non_finite_gradient_raises() -> None:
    model = _scalar_model(1.0)
    optimisation_step((50.0 * model.weight).sum(), _sgd(model, lr=1.0), clip_norm=2.0)
    assert _w(model) == pytest.approx(1.0 - 2.0)
    zero = _scalar_model(0.0)
    finite_loss = 0.0 * torch.sqrt(zero.weight).sum()  # value 0, gradient 0 * inf = nan
    with pytest.raises(Diverged, match="training gradient became nan at step 2") as info:
        optimisation_step(finite_loss, _sgd(zero), step=2, clip_norm=1.0)
    assert (info.value.quantity, info.value.step) == ("gradient", 2)
    assert _w(zero) == 0.0


# ----------------------------------------------------------------------------- batches
def test_each_epoch_covers_every_index_once_in_full_batches() -> None:
    stream = index_batches(12, 4, torch.Generator().manual_seed(0))
    epochs = [torch.cat(list(itertools.islice(stream, 3))) for _ in range(3)]
    for epoch in epochs:
        assert sorted(epoch.tolist()) == list(range(12))
    assert not torch.equal(epochs[0], epochs[1])  # reshuffled every epoch


def test_the_rest_of_an_epoch_is_dropped() -> None:
    stream = index_batches(10, 3, torch.Generator().manual_seed(0))
    epoch = list(itertools.islice(stream, 3))
    assert [len(b) for b in epoch] == [3, 3, 3]
    assert len(set(torch.cat(epoch).tolist())) == 9


def test_batches_are_fixed_by_the_generator_seed() -> None:
    def first(seed: int) -> list[list[int]]:
        stream = index_batches(20, 5, torch.Generator().manual_seed(seed))
        return [b.tolist() for b in itertools.islice(stream, 8)]

    torch.manual_seed(0)
    a = first(3)
    torch.manual_seed(1)  # the global generator plays no part
    assert first(3) == a
    assert first(4) != a


@pytest.mark.parametrize(("n", "batch_size", "error"), [(5, 6, ValueError), (5, 0, ValueError)])
def test_bad_batch_sizes_are_refused(n: int, batch_size: int, error: type[Exception]) -> None:
    with pytest.raises(error, match="batch_size"):
        next(index_batches(n, batch_size, torch.Generator()))


# ----------------------------------------------------------------------------- fit
def _walk_to(target: float, model: nn.Linear) -> torch.Tensor:
    """Squared distance of ``w`` to ``target``: SGD walks ``w`` towards it."""
    return ((model.weight - target) ** 2).sum()


def test_fit_runs_every_step_and_reports_the_last_loss() -> None:
    model = _scalar_model(0.0)
    result = fit(model, lambda step: _walk_to(1.0, model), _sgd(model), 5)
    assert (result.steps_run, result.stopped_early) == (5, False)
    # w_k = 1 - 0.8^k; the last loss is taken before the last step
    assert _w(model) == pytest.approx(1.0 - 0.8**5)
    assert result.final_loss == pytest.approx(0.8**8, rel=1e-5)
    assert not model.training


def test_early_stopping_restores_the_best_checked_state() -> None:
    model = _scalar_model(0.0)
    checked: list[float] = []

    def validation() -> float:  # best where w = 0.5; training walks w on to 1
        checked.append(_w(model))
        return (_w(model) - 0.5) ** 2

    result = fit(
        model,
        lambda step: _walk_to(1.0, model),
        _sgd(model),
        100,
        validation=validation,
        eval_every=2,
        patience=2,
    )
    best = min(checked, key=lambda w: (w - 0.5) ** 2)
    assert result.stopped_early
    assert result.steps_run == 2 * len(checked) < 100
    assert _w(model) == best != checked[-1]


def test_steps_after_the_last_check_are_kept_only_if_better() -> None:
    def run(validation_target: float) -> float:
        """``w`` after 7 steps checked at steps 3 and 6 (and once more at the end)."""
        model = _scalar_model(0.0)

        def loss_at(step: int) -> torch.Tensor:
            return _walk_to(1.0, model)

        def validation() -> float:
            return (_w(model) - validation_target) ** 2

        fit(model, loss_at, _sgd(model), 7, validation=validation, eval_every=3, patience=5)
        return _w(model)

    assert run(1.0) == pytest.approx(1.0 - 0.8**7)  # every step improves: all are kept
    assert run(0.0) == pytest.approx(1.0 - 0.8**3)  # every step is worse: the first check


def test_fit_names_the_diverging_step_and_leaves_eval_mode() -> None:
    model = _scalar_model(0.0)

    def loss_at(step: int) -> torch.Tensor:
        return _walk_to(1.0, model) * (float("nan") if step == 3 else 1.0)

    with pytest.raises(FloatingPointError, match="at step 3; try a lower lr") as info:
        fit(model, loss_at, _sgd(model), 10, hint="try a lower lr")
    assert isinstance(info.value, Diverged) and info.value.quantity == "loss"
    assert _w(model) == pytest.approx(1.0 - 0.8**3)
    assert not model.training


def test_fit_is_reproducible_from_a_generator_seed() -> None:
    x = torch.linspace(-1.0, 1.0, 32).unsqueeze(1)
    y = 3.0 * x

    def train(seed: int) -> float:
        model = _scalar_model(0.0)
        batches = index_batches(32, 5, torch.Generator().manual_seed(seed))

        def loss_at(step: int) -> torch.Tensor:
            idx = next(batches)
            prediction: torch.Tensor = model(x[idx])
            return ((prediction - y[idx]) ** 2).mean()

        return fit(model, loss_at, _sgd(model), 9).final_loss

    assert train(0) == train(0)
    assert train(0) != train(1)


def test_progress_bar_and_bad_settings() -> None:
    model = _scalar_model(0.0)
    assert fit(model, lambda s: _walk_to(1.0, model), _sgd(model), 3, progress=True).steps_run == 3
    assert progress_enabled(True) and not progress_enabled(False)
    with pytest.raises(ValueError, match="eval_every"):
        fit(model, lambda s: _walk_to(1.0, model), _sgd(model), 3, eval_every=0)
    with pytest.raises(ValueError, match="steps"):
        fit(model, lambda s: _walk_to(1.0, model), _sgd(model), -1)

"""InformationMonitor in a user's own loop: it must not change training, must restore the model's
state, write the run folder ``infossl report`` renders, keep to its time budget, and reject bad
arguments with a clear error."""

from __future__ import annotations

import copy
import json
import math
import random
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import infossl
from infossl.analysis.monitor import InformationMonitor, read_diagnostics
from infossl.analysis.monitor_guards import isolated_random_state
from infossl.analysis.monitor_inputs import draw_eval_batch
from infossl.objectives import VICRegLoss

pytestmark = pytest.mark.usefixtures("one_thread")


def _data(n: int = 96, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 3, (n,), generator=g)
    x = torch.randn(n, 12, generator=g) + labels[:, None].float()
    return x, labels


def augment(x: torch.Tensor) -> torch.Tensor:
    """Draws from the global torch RNG, as most user augmentations do."""
    return x + 0.3 * torch.randn_like(x)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(12, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 8)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def _train(run_dir: Path | None, epochs: int = 3) -> tuple[dict, list]:
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002 (the global numpy state must be untouched too)
    x, y = _data()
    model = Net()
    crit = VICRegLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    monitor = (
        None
        if run_dir is None
        else InformationMonitor(
            run_dir,
            x,
            y,
            views=augment,
            batch_size=32,
            max_overhead=None,
            tensorboard=True,
            name="toy",
        )
    )
    draws = []
    if monitor is not None:
        monitor.step(model, epoch=0)
    step = 0
    for epoch in range(1, epochs + 1):
        model.train()
        for idx in torch.randperm(len(x)).split(32):
            out = crit(model(augment(x[idx])), model(augment(x[idx])))
            opt.zero_grad()
            out.loss.backward()
            opt.step()
            step += 1
            if monitor is not None:
                monitor.log_loss(out, step=step, epoch=epoch)
        if monitor is not None:
            monitor.step(model, epoch=epoch, step=step)
        draws.append((torch.rand(1).item(), random.random(), np.random.rand()))  # noqa: NPY002
    if monitor is not None:
        monitor.close()
    return copy.deepcopy(model.state_dict()), draws


@pytest.fixture(scope="module")
def monitored_run(tmp_path_factory) -> tuple[Path, dict, list]:
    """One 3-epoch training with the monitor, shared by the tests that read its run folder."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run_dir = tmp_path_factory.mktemp("monitor") / "run"
        watched, draws = _train(run_dir)
    finally:
        torch.set_num_threads(before)
    return run_dir, watched, draws


def test_training_with_the_monitor_is_bit_identical(monitored_run):
    run_dir, watched, draws_watched = monitored_run
    plain, draws_plain = _train(None)
    assert plain.keys() == watched.keys()
    for key in plain:
        assert torch.equal(plain[key], watched[key]), key
    assert draws_plain == draws_watched
    rows = read_diagnostics(run_dir)
    assert [r["epoch"] for r in rows] == [0, 1, 2, 3]
    assert [r["step"] for r in rows] == [0, 3, 6, 9]
    for r in rows:
        assert not r["errors"], r["errors"]
        assert r["n"] == 32 and r["dim"] == 8 and r["representation"] == "model output"
        assert r["estimates"]["I(Z1;Z2):infonce"]["ceiling"] == pytest.approx(math.log(32))
        assert 0.0 <= r["metrics"]["probe_accuracy"] <= 1.0
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run_dir / "tb"))
    events.Reload()
    tags = events.Tags()["scalars"]
    assert "info/I(Z1;Z2):infonce[lower]" in tags and "info/metrics/rankme" in tags
    assert [e.step for e in events.Scalars("info/H(Z):gaussian-ridge[upper]")] == [0, 3, 6, 9]
    assert any(t.startswith("terms/invariance/H(") for t in tags)  # the loss terms, labelled
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["steps"] == 9 and summary["diagnostics_rows"] == 4


def test_model_state_is_restored():
    x, y = _data()
    model = Net()
    model.train()
    model.body[1].eval()  # a mixed-mode model (a frozen BatchNorm)
    for p in model.parameters():
        p.grad = torch.full_like(p, 0.5)
    before = copy.deepcopy(model.state_dict())
    flags = [m.training for m in model.modules()]
    rng = torch.get_rng_state()
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        monitor = InformationMonitor(d, x, y, views=augment, batch_size=32, tensorboard=False)
        result = monitor.step(model)
        monitor.close()
    assert result is not None and "H(Z):gaussian-ridge" in result.estimates
    assert [m.training for m in model.modules()] == flags
    assert torch.equal(torch.get_rng_state(), rng)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key  # BatchNorm statistics untouched
    assert all(torch.equal(p.grad, torch.full_like(p, 0.5)) for p in model.parameters())


def test_isolated_random_state_is_reproducible_and_restores():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    with isolated_random_state(7):
        a = torch.rand(2), random.random(), np.random.rand()  # noqa: NPY002
    with isolated_random_state(7):
        b = torch.rand(2), random.random(), np.random.rand()  # noqa: NPY002
    assert torch.equal(a[0], b[0]) and a[1:] == b[1:]
    assert torch.equal(torch.rand(3), expected)


def test_draw_eval_batch_is_disjoint_and_fixed():
    fit, hold = draw_eval_batch(100, 30, seed=1)
    assert len(fit) == len(hold) == 30 and not set(fit) & set(hold)
    fit2, _ = draw_eval_batch(100, 30, seed=1)
    assert np.array_equal(fit, fit2)
    fit, hold = draw_eval_batch(20, 30, seed=1)
    assert len(fit) == len(hold) == 10
    fit, hold = draw_eval_batch(20, 30, seed=1, holdout=False)
    assert len(fit) == 20 and len(hold) == 0
    with pytest.raises(ValueError, match="at least 8"):
        draw_eval_batch(7, 30, seed=1)


@pytest.mark.slow
def test_report_of_a_monitor_run_has_every_section(tmp_path, monitored_run):
    from infossl.report import build_report

    run_dir = monitored_run[0]
    text = build_report(run_dir).read_text()
    assert 'class="warn"' not in text, "a section says it has no data"
    for anchor in ("summary", "loss", "plane", "information", "spectrum", "accuracy", "estimates"):
        assert f'id="{anchor}"' in text
    assert text.count("data:image/png;base64,") >= 5
    bits = build_report(run_dir, tmp_path / "bits.html", unit="bits").read_text()
    bits = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", bits)
    assert "nats" not in bits  # every number, note and ceiling converted: no mixed units


def test_report_without_loss_rows_or_labels_says_why(tmp_path):
    from infossl.report import build_report

    x, _ = _data()
    with InformationMonitor(
        tmp_path, x, views=augment, batch_size=32, tensorboard=False
    ) as monitor:
        monitor.step(Net())
    text = build_report(tmp_path).read_text()
    assert "monitor.log_loss(loss)" in text and "the run has no labels" in text
    assert "I(Z;Y)" not in json.dumps(read_diagnostics(tmp_path)[0]["estimates"])


def test_every_and_the_time_budget(tmp_path):
    x, y = _data()
    model = Net()
    every = InformationMonitor(
        tmp_path / "a",
        x,
        y,
        views=augment,
        batch_size=16,
        every=2,
        max_overhead=None,
        tensorboard=False,
    )
    ran = [every.step(model, epoch=e) is not None for e in range(1, 6)]
    assert ran == [True, True, False, True, False]  # the first call always runs
    tight = InformationMonitor(
        tmp_path / "b", x, y, views=augment, batch_size=16, max_overhead=1e-9, tensorboard=False
    )
    assert tight.step(model) is not None  # first: free
    assert tight.step(model) is None and tight.deferred  # no training time has passed
    assert tight.step(model, force=True) is not None  # forced
    budget = InformationMonitor(
        tmp_path / "c", x, y, views=augment, batch_size=16, max_overhead=0.5, tensorboard=False
    )
    budget.step(model, train_seconds=0.0)
    assert budget.step(model, train_seconds=0.0) is None
    assert budget.step(model, train_seconds=1e6) is not None


def test_presets_items_features_and_bf16(tmp_path):
    from infossl.data.digits import load_digits

    data = load_digits("train")
    conv = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 36, 16))
    m = InformationMonitor(
        tmp_path / "preset",
        data.inputs[:64],
        data.labels[:64],
        views="digits",
        batch_size=32,
        tensorboard=False,
    )
    assert m.step(conv) is not None
    # a list of items with per-item transforms, a model returning (features, logits)
    items = [img for img in data.inputs[:64]]

    def item_view(img: torch.Tensor) -> list[torch.Tensor]:
        x = img.float() / 255.0
        return [x + 0.1 * torch.randn_like(x), x + 0.1 * torch.randn_like(x)]

    class TwoHeads(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = conv

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            z = self.net(x)
            return z, z[:, :3]

    m = InformationMonitor(
        tmp_path / "items",
        items,
        data.labels[:64],
        views=item_view,
        clean=lambda img: img.float() / 255.0,
        features=0,
        batch_size=32,
        tensorboard=False,
    )
    assert m.step(TwoHeads()).estimates["H(Z):gaussian-ridge"].dims == (16,)
    x, y = _data()
    net = Net().to(torch.bfloat16)
    m = InformationMonitor(tmp_path / "bf16", x, y, views=augment, batch_size=32, tensorboard=False)
    result = m.step(net)
    assert result is not None and math.isfinite(result.estimates["I(Z1;Z2):infonce"].value)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"views": None}, TypeError, "views"),
        ({"views": "nope"}, ValueError, "views"),
        ({"views": augment, "labels": torch.zeros(5, dtype=torch.long)}, ValueError, "labels"),
        ({"views": augment, "batch_size": 2}, ValueError, "batch_size"),
        ({"views": augment, "max_overhead": -1.0}, ValueError, "max_overhead"),
        ({"views": augment, "quantities": ["H(W)"]}, ValueError, "quantities"),
        ({"views": augment, "autocast": "bf16"}, TypeError, "autocast"),
        ({"views": augment, "features": 1.5}, TypeError, "features"),
        ({"views": augment, "inputs": 3}, TypeError, "inputs"),
        ({"views": augment, "inputs": list(range(10))}, TypeError, "clean"),
        ({"views": augment, "inputs": torch.zeros(5, 3)}, ValueError, "at least 8"),
        ({"views": augment, "labels": np.eye(3)[np.arange(96) % 3]}, ValueError, "one-hot"),
        ({"views": "digits"}, ValueError, "images"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, error, match):
    x, _ = _data()
    args = {"inputs": x, **kwargs}
    with pytest.raises(error, match=match):
        InformationMonitor(tmp_path, args.pop("inputs"), args.pop("labels", None), **args)


def test_bad_models_and_losses(tmp_path):
    x, y = _data()
    monitor = InformationMonitor(tmp_path, x, y, views=augment, batch_size=16, tensorboard=False)

    class Pair(nn.Module):
        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return x, x

    with pytest.raises(TypeError, match="features="):
        monitor.step(Pair())
    with pytest.raises(TypeError, match="model must be a callable"):
        monitor.step(3)
    with pytest.raises(TypeError, match="loss must be"):
        monitor.log_loss("0.5")
    with pytest.raises(ValueError, match="scalar"):
        monitor.log_loss(torch.ones(3))
    with pytest.warns(RuntimeWarning, match="not finite"):
        monitor.log_loss(float("nan"))  # a logging call never stops training
    monitor.log_loss(torch.tensor(0.25), lr=0.1)
    monitor.log_loss(np.float32(0.5))
    with pytest.raises(ValueError, match="features="):
        InformationMonitor(
            tmp_path / "f", x, y, views=augment, features="nope", batch_size=16, tensorboard=False
        ).step(Net())
    monitor.close()
    with pytest.raises(ValueError, match="closed"):
        monitor.step(Net())
    with pytest.raises(ValueError, match="closed"):
        monitor.log_loss(0.1)
    losses = [
        r["loss"]
        for r in __import__("infossl.train.logger", fromlist=["x"]).read_jsonl(
            tmp_path / "metrics.jsonl"
        )
        if r.get("kind") == "train"
    ]
    assert losses[0] == "nan" and losses[1:] == [0.25, 0.5]


def test_collapsed_and_diverged_models_are_recorded_not_lost(tmp_path):
    from infossl.report import build_report

    x, y = _data()
    dead = nn.Sequential(nn.Linear(12, 8), nn.ReLU())
    with torch.no_grad():
        dead[0].bias -= 100.0  # every feature is 0 (collapse to a point)
    monitor = InformationMonitor(
        tmp_path / "dead", x, y, views=augment, batch_size=32, tensorboard=False
    )
    with pytest.warns(RuntimeWarning, match="not computed"):
        result = monitor.step(dead)
    assert result is not None and result.errors  # returned, with the reasons
    monitor.close()
    build_report(tmp_path / "dead")
    nan_model = InformationMonitor(
        tmp_path / "nan", x, y, views=augment, batch_size=32, tensorboard=False
    )
    with pytest.warns(RuntimeWarning, match="not computed"):
        result = nan_model.step(lambda b: torch.full((len(b), 4), float("nan")))
    assert "all" in result.errors and not result.estimates
    nan_model.close()
    text = build_report(tmp_path / "nan").read_text()
    assert "scale divisor s = not computed" in text and "quantity not computed" in text


def test_input_warnings(tmp_path):
    from infossl.data.digits import load_digits

    data = load_digits("train")
    with pytest.warns(UserWarning, match="clean="):
        InformationMonitor(
            tmp_path / "u8", data.inputs, views=lambda b: b.float() / 255.0, tensorboard=False
        )
    x, y = _data()
    with pytest.warns(UserWarning, match="n = 48"):
        InformationMonitor(
            tmp_path / "small", x, y, views=augment, batch_size=64, tensorboard=False
        )


def test_top_level_name_is_lazy():
    assert infossl.InformationMonitor is InformationMonitor

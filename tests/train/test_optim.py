"""LARS against a hand-computed step; warm-up + cosine schedule shape; parameter groups."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch import nn

from infossl.train.optim import LARS, WarmupCosine, build_optimizer, split_decay


def test_lars_two_steps_match_hand_computation():
    # w = (3, 4): ‖w‖ = 5; g = (1, 0); λ = 0.1, η = 0.02, lr = 0.5, μ = 0.9.
    w = nn.Parameter(torch.tensor([3.0, 4.0], dtype=torch.float64))
    opt = LARS([w], lr=0.5, weight_decay=0.1, momentum=0.9, eta=0.02, eps=0.0)
    w.grad = torch.tensor([1.0, 0.0], dtype=torch.float64)
    # d = g + λw = (1.3, 0.4); ‖d‖ = sqrt(1.85); q = η·5/‖d‖; v = q·d; w ← w − lr·v
    d = torch.tensor([1.3, 0.4], dtype=torch.float64)
    q = 0.02 * 5.0 / math.sqrt(1.85)
    v = q * d
    expected = torch.tensor([3.0, 4.0], dtype=torch.float64) - 0.5 * v
    opt.step()
    assert torch.allclose(w.detach(), expected, atol=1e-15, rtol=0)
    # second step: same gradient, new weights; v ← μ v + q' d'
    w.grad = torch.tensor([1.0, 0.0], dtype=torch.float64)
    d2 = w.grad + 0.1 * expected
    q2 = 0.02 * float(expected.norm()) / float(d2.norm())
    v2 = 0.9 * v + q2 * d2
    opt.step()
    assert torch.allclose(w.detach(), expected - 0.5 * v2, atol=1e-15, rtol=0)


def test_lars_excluded_group_is_plain_momentum_sgd_without_decay():
    b = nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    opt = LARS([{"params": [b], "lars_exclude": True}], lr=0.1, weight_decay=0.5, momentum=0.9)
    b.grad = torch.tensor([0.5, 0.5], dtype=torch.float64)
    opt.step()
    assert torch.allclose(b.detach(), torch.tensor([0.95, -2.05], dtype=torch.float64))


def test_lars_zero_weight_uses_trust_one():
    w = nn.Parameter(torch.zeros(3, dtype=torch.float64))
    opt = LARS([w], lr=1.0, weight_decay=0.0, momentum=0.0)
    w.grad = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    opt.step()
    assert torch.allclose(w.detach(), -torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))


def test_lars_rejects_bad_arguments():
    p = [nn.Parameter(torch.zeros(1))]
    with pytest.raises(ValueError, match="eta"):
        LARS(p, lr=0.1, eta=0.0)
    with pytest.raises(ValueError, match="lr"):
        LARS(p, lr=-1.0)


def test_warmup_cosine_shape():
    p = nn.Parameter(torch.zeros(1))
    fixed = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD(
        [{"params": [p], "lr": 2.0}, {"params": [fixed], "lr": 0.5, "fixed_lr": True}], lr=2.0
    )
    sched = WarmupCosine(opt, total_steps=14, warmup_steps=4, final_ratio=0.1)
    lrs, fixed_lrs = [], []
    for _ in range(16):
        lrs.append(opt.param_groups[0]["lr"])
        fixed_lrs.append(opt.param_groups[1]["lr"])
        sched.step()
    # warm-up: 2·(k+1)/5 for k < 4
    assert lrs[:4] == pytest.approx([0.4, 0.8, 1.2, 1.6])
    # cosine from the peak at step 4 to 0.1·peak at step 14, then flat
    for k in range(4, 16):
        t = min(1.0, (k - 4) / 10)
        assert lrs[k] == pytest.approx(2.0 * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t))))
    assert lrs[4] == pytest.approx(2.0) and lrs[14] == pytest.approx(0.2)
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(lrs[4:]))
    assert fixed_lrs == [0.5] * 16
    # resuming from the state dict reproduces the rate
    state = sched.state_dict()
    sched2 = WarmupCosine(opt, total_steps=14, warmup_steps=4, final_ratio=0.1)
    sched2.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == pytest.approx(lrs[-1])


def test_split_decay_and_groups():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))
    decay, no_decay = split_decay([model])
    assert [tuple(p.shape) for p in decay] == [(3, 4), (2, 3)]
    assert len(no_decay) == 4  # two biases, BN weight and bias
    pred = nn.Linear(2, 2)
    probe = nn.Linear(3, 5)
    opt = build_optimizer(
        "lars", [model], lr=0.3, weight_decay=1e-4, fixed_lr=[pred], probe=probe, probe_lr=0.1
    )
    kinds = [
        (g["weight_decay"], g["lars_exclude"], g["fixed_lr"], g["lr"]) for g in opt.param_groups
    ]
    assert kinds == [
        (1e-4, False, False, 0.3),
        (0.0, True, False, 0.3),
        (1e-4, False, True, 0.3),
        (0.0, True, True, 0.3),
        (0.0, True, False, 0.1),
    ]
    n_params = sum(len(g["params"]) for g in opt.param_groups)
    assert n_params == len(list(model.parameters())) + 2 + 2
    with pytest.raises(ValueError, match="optimizer must be one of"):
        build_optimizer("adam", [model], lr=0.1, weight_decay=0.0)


def test_replan_keeps_the_warmup_and_recomputes_the_cosine():
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = WarmupCosine(opt, total_steps=10, warmup_steps=2, final_ratio=0.0)
    for _ in range(10):
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-15)  # finished run
    sched.replan(20)
    # rates of a schedule planned for 20 steps from the start: cosine over steps 2..20
    for k in range(10, 21):
        assert opt.param_groups[0]["lr"] == pytest.approx(
            0.5 * (1 + math.cos(math.pi * (k - 2) / 18)), abs=1e-12
        )
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-15)
    # the plan travels with the state: a fresh scheduler built for 10 steps and 0 warm-up
    # steps gets the re-planned rates back
    state = sched.state_dict()
    assert state == {"last_step": 21, "total_steps": 20, "warmup_steps": 2}
    other = WarmupCosine(opt, total_steps=10, warmup_steps=0)
    other.load_state_dict({**state, "last_step": 12})
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 * (1 + math.cos(math.pi * 10 / 18)))
    # a state without the plan (older checkpoints) leaves the scheduler's plan as it is
    other.load_state_dict({"last_step": 5})
    assert (other.total_steps, other.warmup_steps) == (20, 2)
    with pytest.raises(ValueError, match="total_steps must be >= the steps already taken"):
        sched.replan(15)

"""DINO and SwAV against loop-based references (float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from infossl.framework import LinearWarmup
from infossl.objectives import DINOLoss, SwAVLoss, sinkhorn_knopp

TOL = 1e-9


def _rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def softmax_loop(x, tau):
    m = max(x)
    e = [math.exp((v - m) / tau) for v in x]
    s = sum(e)
    return [v / s for v in e]


def dino_loop(student, teacher, center, tau_s, tau_t):
    pairs = [(t, s) for t in range(len(teacher)) for s in range(len(student)) if s != t]
    total = 0.0
    for t, s in pairs:
        for i in range(student[0].shape[0]):
            p = softmax_loop([teacher[t][i][k] - center[k] for k in range(len(center))], tau_t)
            q = softmax_loop(list(student[s][i]), tau_s)
            total += -sum(p[k] * math.log(q[k]) for k in range(len(p)))
    return total / (len(pairs) * student[0].shape[0])


def test_dino_equals_loop_with_centering_and_multicrop():
    k = 6
    student = [_rand(4, k, seed=s).requires_grad_() for s in (1, 2, 3, 4)]  # 2 global + 2 local
    teacher = [_rand(4, k, seed=s).requires_grad_() for s in (5, 6)]
    loss = DINOLoss(k, student_temp=0.1, teacher_temp=0.05, center_momentum=0.9).double()
    out = loss(student, teacher)
    s_np = [x.detach().numpy() for x in student]
    t_np = [x.detach().numpy() for x in teacher]
    ref = dino_loop(s_np, t_np, [0.0] * k, 0.1, 0.05)
    assert float(out.loss.detach()) == pytest.approx(ref, abs=TOL)
    # centre: 0.9·0 + 0.1·mean of all teacher rows
    expected_center = 0.1 * np.concatenate(t_np).mean(axis=0)
    assert np.allclose(loss.center.numpy()[0], expected_center, atol=1e-12)
    out2 = loss(student, teacher)
    ref2 = dino_loop(s_np, t_np, list(expected_center), 0.1, 0.05)
    assert float(out2.loss.detach()) == pytest.approx(ref2, abs=TOL)
    # teacher receives no gradient; the decomposition H(P_t,P_s) = H(P_t) + KL holds
    out.loss.backward()
    assert all(t.grad is None for t in teacher) and all(s.grad is not None for s in student)
    diag = out.diagnostics
    assert float(diag["teacher_entropy"].value + diag["kl"].value) == pytest.approx(
        float(out.terms["cross_entropy"].value), abs=1e-12
    )
    assert float(diag["kl"].value) >= 0
    assert 0 <= float(diag["teacher_marginal_entropy"].value) <= math.log(k) + 1e-12
    assert out.terms["cross_entropy"].quantity == "mean_{a≠b} H(Cb|Za)"


def test_dino_teacher_temperature_schedule():
    loss = DINOLoss(5, teacher_temp=LinearWarmup(0.07, 10, start=0.04)).double()
    s, t = [_rand(3, 5, seed=1), _rand(3, 5, seed=2)], [_rand(3, 5, seed=3), _rand(3, 5, seed=4)]
    loss.set_step(5)
    out = loss(s, t)
    ref = dino_loop([x.numpy() for x in s], [x.numpy() for x in t], [0.0] * 5, 0.1, 0.055)
    assert float(out.loss.detach()) == pytest.approx(ref, abs=TOL)


def test_dino_bad_inputs():
    loss = DINOLoss(5)
    with pytest.raises(ValueError, match="out_dim=5"):
        loss([_rand(3, 4), _rand(3, 4)], [_rand(3, 4)])
    with pytest.raises(ValueError, match="prefix"):
        loss([_rand(3, 5)], [_rand(3, 5), _rand(3, 5)])
    with pytest.raises(ValueError, match="NaN"):
        loss([_rand(3, 5), torch.full((3, 5), float("nan"))], [_rand(3, 5)])


def sinkhorn_numpy(scores, eps, iters):
    q = np.exp(scores / eps).T
    q /= q.sum()
    k, b = q.shape
    for _ in range(iters):
        q /= q.sum(axis=1, keepdims=True)
        q /= k
        q /= q.sum(axis=0, keepdims=True)
        q /= b
    return (q * b).T


def test_sinkhorn_equals_numpy_and_equipartitions():
    scores = _rand(8, 4, seed=1).clamp(-1, 1)
    q = sinkhorn_knopp(scores, epsilon=0.05, iterations=3)
    assert np.allclose(q.numpy(), sinkhorn_numpy(scores.numpy(), 0.05, 3), atol=1e-12)
    assert np.allclose(q.sum(1).numpy(), 1.0)  # one unit of mass per sample
    many = sinkhorn_knopp(scores, epsilon=0.5, iterations=200)
    assert np.allclose(many.sum(0).numpy(), 8 / 4, atol=1e-6)  # each prototype gets B/K


def test_swav_equals_loop():
    views = [_rand(6, 5, seed=s).clamp(-1, 1).requires_grad_() for s in (1, 2, 3)]
    out = SwAVLoss(temperature=0.1, epsilon=0.05, sinkhorn_iterations=3)(*views)
    v_np = [v.detach().numpy() for v in views]
    codes = [sinkhorn_numpy(v_np[t], 0.05, 3) for t in range(2)]
    pairs = [(t, s) for t in range(2) for s in range(3) if s != t]
    total = 0.0
    for t, s in pairs:
        for i in range(6):
            p = softmax_loop(list(v_np[s][i]), 0.1)
            total += -sum(codes[t][i][k] * math.log(p[k]) for k in range(5))
    assert float(out.loss.detach()) == pytest.approx(total / (len(pairs) * 6), abs=TOL)
    out.loss.backward()
    assert all(v.grad is not None for v in views)
    assert out.diagnostics["code_entropy"].kind == "point"
    out.check()

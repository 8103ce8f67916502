"""Contrastive objectives against direct loop-based reimplementations (float64, tol 1e-10)."""

from __future__ import annotations

import math

import pytest
import torch

from infossl import bounds
from infossl.objectives import InfoNCELoss, MoCoLoss, SimCLRLoss
from infossl.objectives.contrastive import masked_value

TOL = 1e-10


def _rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _unit(v):
    return v / math.sqrt(sum(float(x) ** 2 for x in v))


def _dot(a, b):
    return sum(float(x) * float(y) for x, y in zip(a, b, strict=True))


def nt_xent_loop(z1, z2, tau):
    """NT-Xent written as in the SimCLR paper: 2N anchors, each against the 2N − 1 others."""
    n = z1.shape[0]
    zs = [_unit(z1[i]) for i in range(n)] + [_unit(z2[i]) for i in range(n)]
    total = 0.0
    for i in range(2 * n):
        partner = (i + n) % (2 * n)
        num = math.exp(_dot(zs[i], zs[partner]) / tau)
        den = sum(math.exp(_dot(zs[i], zs[k]) / tau) for k in range(2 * n) if k != i)
        total += -math.log(num / den)
    return total / (2 * n)


def infonce_loop(z1, z2, tau, cosine=True, symmetric=True):
    n = z1.shape[0]
    a = [_unit(z1[i]) if cosine else z1[i] for i in range(n)]
    b = [_unit(z2[i]) if cosine else z2[i] for i in range(n)]
    rows = (
        sum(
            -math.log(
                math.exp(_dot(a[i], b[i]) / tau)
                / sum(math.exp(_dot(a[i], b[j]) / tau) for j in range(n))
            )
            for i in range(n)
        )
        / n
    )
    if not symmetric:
        return rows
    cols = (
        sum(
            -math.log(
                math.exp(_dot(a[j], b[j]) / tau)
                / sum(math.exp(_dot(a[i], b[j]) / tau) for i in range(n))
            )
            for j in range(n)
        )
        / n
    )
    return 0.5 * (rows + cols)


# ------------------------------------------------------------------------------- SimCLR


@pytest.mark.parametrize("tau", [0.5, 0.1])
def test_simclr_equals_nt_xent_loop(tau):
    z1, z2 = _rand(6, 4, seed=1), _rand(6, 4, seed=2)
    out = SimCLRLoss(tau)(z1, z2)
    assert float(out.loss.detach()) == pytest.approx(nt_xent_loop(z1, z2, tau), abs=TOL)
    out.check(rtol=0, atol=1e-12)
    term = out.terms["mi"]
    assert term.quantity == "I(Z1;Z2)" and term.kind == "lower" and term.bound == "infonce"
    assert out.constant == pytest.approx(math.log(2 * 6 - 1))


def test_simclr_information_term_equals_bounds_infonce_on_the_same_scores():
    z1, z2 = _rand(5, 3, seed=3), _rand(5, 3, seed=4)
    tau, n = 0.3, 5
    a = torch.nn.functional.normalize(z1, dim=1)
    b = torch.nn.functional.normalize(z2, dim=1)
    # rows [a; b], columns [b; a]: positives on the diagonal, each anchor's own column masked
    m = torch.cat([torch.cat([a @ b.T, a @ a.T], 1), torch.cat([b @ b.T, b @ a.T], 1)]) / tau
    idx = torch.arange(n)
    m[idx, n + idx] = masked_value(m.dtype)
    m[n + idx, idx] = masked_value(m.dtype)
    expected = bounds.infonce(m) + math.log((2 * n - 1) / (2 * n))
    loss = SimCLRLoss(tau)
    assert torch.allclose(loss.partner_scores(a, b), m)
    assert float(loss(z1, z2).terms["mi"].value) == pytest.approx(float(expected), abs=TOL)
    # the bound respects its ceiling ln(2N − 1)
    assert float(expected) <= math.log(2 * n - 1)


def test_simclr_three_views_averages_pairs():
    zs = [_rand(4, 3, seed=s) for s in (5, 6, 7)]
    out = SimCLRLoss(0.5)(*zs)
    pairs = [(0, 1), (0, 2), (1, 2)]
    expected = sum(nt_xent_loop(zs[a], zs[b], 0.5) for a, b in pairs) / 3
    assert float(out.loss.detach()) == pytest.approx(expected, abs=TOL)
    assert out.terms["mi"].quantity == "mean_{a<b} I(Za;Zb)"
    # also accepts a list of views
    assert float(SimCLRLoss(0.5)(zs).loss.detach()) == pytest.approx(expected, abs=TOL)


# ------------------------------------------------------------------------------- InfoNCE


@pytest.mark.parametrize("cosine, symmetric", [(True, True), (True, False), (False, True)])
def test_infonce_equals_loop(cosine, symmetric):
    z1, z2 = _rand(7, 3, seed=8), _rand(7, 3, seed=9)
    loss = InfoNCELoss(0.2, cosine=cosine, symmetric=symmetric)
    out = loss(z1, z2)
    ref = infonce_loop(z1, z2, 0.2, cosine, symmetric)
    assert float(out.loss.detach()) == pytest.approx(ref, abs=TOL)
    assert float(out.terms["mi"].value) == pytest.approx(math.log(7) - ref, abs=TOL)
    out.check(rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------- MoCo


def test_moco_equals_loop_and_updates_the_queue():
    dim, q_size, tau, n = 3, 8, 0.2, 5
    loss = MoCoLoss(dim, q_size, temperature=tau, seed=3)
    queue0 = loss.queue.clone()
    assert torch.allclose(queue0.norm(dim=1), torch.ones(q_size))
    q, k = _rand(n, dim, seed=10), _rand(n, dim, seed=11)
    out = loss(q, k)
    ref = 0.0
    for i in range(n):
        qi, ki = _unit(q[i]), _unit(k[i])
        pos = _dot(qi, ki) / tau
        negs = [_dot(qi, queue0[j]) / tau for j in range(q_size)]
        ref += -pos + math.log(math.exp(pos) + sum(math.exp(v) for v in negs))
    ref /= n
    # the float32 noise queue followed the float64 keys (an exact upcast)
    assert float(out.loss.detach()) == pytest.approx(ref, abs=1e-12)
    assert float(out.terms["mi"].value) == pytest.approx(math.log(q_size + 1) - ref, abs=1e-12)
    assert loss.queue.dtype == torch.float64
    # keys (normalised) were enqueued at positions 0..4; the pointer moved on
    k_unit = torch.nn.functional.normalize(k, dim=1)
    assert torch.allclose(loss.queue[:n], k_unit, rtol=0, atol=1e-15)
    assert torch.equal(loss.queue[n:], queue0[n:].double())
    assert int(loss.queue_ptr) == n
    k2 = _rand(n, dim, seed=12)
    loss(q, k2)
    k2_unit = torch.nn.functional.normalize(k2, dim=1)
    order = [5, 6, 7, 0, 1]  # circular
    assert torch.allclose(loss.queue[order], k2_unit)
    assert int(loss.queue_ptr) == (2 * n) % q_size


def test_moco_keys_receive_no_gradient_and_symmetric_lists():
    loss = MoCoLoss(4, 16)
    q = _rand(3, 4, seed=1).requires_grad_()
    k = _rand(3, 4, seed=2).requires_grad_()
    out = loss(q, k)
    out.loss.backward()
    assert q.grad is not None and k.grad is None
    sym = MoCoLoss(4, 16)(
        [_rand(3, 4, seed=1), _rand(3, 4, seed=3)], [_rand(3, 4, seed=2), _rand(3, 4, seed=4)]
    )
    sym.check()
    with pytest.raises(ValueError, match="dim=4"):
        MoCoLoss(4, 16)(_rand(3, 5), _rand(3, 5))
    with pytest.raises(ValueError, match="keys"):
        MoCoLoss(4, 16)(_rand(3, 4), _rand(2, 4))


def test_contrastive_needs_negatives():
    with pytest.raises(ValueError, match="batch size 1"):
        SimCLRLoss()(_rand(1, 3), _rand(1, 3))

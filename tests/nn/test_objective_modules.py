"""Tests of the building blocks in infossl.nn: heads, Gaussian encoders, EMA, gather."""

from __future__ import annotations

import inspect
import math

import pytest
import torch
from torch import nn
from torch.distributions import Normal, kl_divergence

from infossl.nn import (
    EMA,
    DiagonalGaussian,
    DINOHead,
    GaussianEncoderHead,
    MLPHead,
    Prototypes,
    barlow_projector,
    byol_predictor,
    cosine_momentum,
    ema_update_,
    gather,
    gather_no_grad,
    is_distributed,
    moco_projector,
    row_offset,
    simclr_projector,
    simsiam_projector,
    vicreg_projector,
)
from infossl.nn.distributed import rank, world_size

# ------------------------------------------------------------------------------- heads


def test_head_layouts():
    x = torch.randn(6, 16)
    for head, out_dim in [
        (simclr_projector(16, 32, 8), 8),
        (moco_projector(16, 32, 8), 8),
        (byol_predictor(16, 32), 16),
        (vicreg_projector(16, (32, 32, 24)), 24),
        (barlow_projector(16, (32, 24)), 24),
        (simsiam_projector(16, 32, 24), 24),
    ]:
        assert head(x).shape == (6, out_dim)
    assert not any(isinstance(m, nn.BatchNorm1d) for m in moco_projector(16, 32, 8).modules())
    last = list(simsiam_projector(16, 32, 24).modules())[-1]
    assert isinstance(last, nn.BatchNorm1d) and not last.affine
    # VICReg: three Linear layers (8192 wide by default), BN after the hidden ones, no last bias
    assert inspect.signature(vicreg_projector).parameters["dims"].default == (8192,) * 3
    head = vicreg_projector(16, (32, 32, 24))
    linears = [m for m in head.modules() if isinstance(m, nn.Linear)]
    assert [lin.out_features for lin in linears] == [32, 32, 24]
    assert sum(isinstance(m, nn.BatchNorm1d) for m in head.modules()) == 2
    assert linears[-1].bias is None


def test_dino_head_normalised_and_weight_norm_fixed():
    head = DINOHead(16, 10, hidden_dim=12, bottleneck_dim=4)
    out = head(torch.randn(5, 16))
    assert out.shape == (5, 10)
    weight = head.last_layer.weight
    # magnitude fixed at 1: every output unit's weight vector has unit norm
    assert torch.allclose(weight.norm(dim=1), torch.ones(10), atol=1e-6)
    magnitude = head.last_layer.parametrizations.weight.original0
    assert not magnitude.requires_grad


def test_prototypes_unit_norm_and_bad_dims():
    proto = Prototypes(8, 5)
    assert torch.allclose(proto.layer.weight.norm(dim=1), torch.ones(5), atol=1e-6)
    with pytest.raises(ValueError, match="dims"):
        MLPHead([8])
    with pytest.raises(ValueError, match="activation"):
        MLPHead([8, 4], activation="tanh")


# ------------------------------------------------------------------------------- Gaussian encoder


def test_gaussian_encoder_sample_is_reparameterised_and_seeded():
    torch.manual_seed(0)
    head = GaussianEncoderHead(6, 3)
    h = torch.randn(4, 6)
    a, b = head(h, seed=7), head(h, seed=7)
    assert torch.equal(a.sample, b.sample)
    assert not torch.equal(a.sample, head(h, seed=8).sample)
    assert (a.std > 0).all()
    a.sample.sum().backward()
    assert head.linear.weight.grad is not None  # gradient flows through the sample


def test_gaussian_log_prob_entropy_and_kl_match_torch_distributions():
    g = torch.Generator().manual_seed(1)
    m1, m2 = (
        torch.randn(5, 3, generator=g, dtype=torch.float64),
        torch.randn(5, 3, generator=g, dtype=torch.float64),
    )
    s1 = torch.rand(5, 3, generator=g, dtype=torch.float64) + 0.2
    s2 = torch.rand(5, 3, generator=g, dtype=torch.float64) + 0.2
    p, q = DiagonalGaussian(m1, s1), DiagonalGaussian(m2, s2)
    z = torch.randn(5, 3, generator=g, dtype=torch.float64)
    ref_p, ref_q = Normal(m1, s1), Normal(m2, s2)
    assert torch.allclose(p.log_prob(z), ref_p.log_prob(z).sum(-1), atol=1e-12)
    assert torch.allclose(p.entropy(), ref_p.entropy().sum(-1), atol=1e-12)
    assert torch.allclose(p.kl(q), kl_divergence(ref_p, ref_q).sum(-1), atol=1e-12)
    std_normal = Normal(torch.zeros_like(m1), torch.ones_like(s1))
    assert torch.allclose(
        p.kl_standard_normal(), kl_divergence(ref_p, std_normal).sum(-1), atol=1e-12
    )
    assert torch.allclose(p.symmetric_kl(q), 0.5 * (p.kl(q) + q.kl(p)))
    assert torch.allclose(p.log_var, 2 * torch.log(s1))


def test_diagonal_gaussian_bad_shapes():
    with pytest.raises(ValueError, match="same shape"):
        DiagonalGaussian(torch.zeros(3, 2), torch.ones(3, 3))
    with pytest.raises(TypeError, match="floating-point"):
        DiagonalGaussian(torch.zeros(3, 2, dtype=torch.long), torch.ones(3, 2))
    with pytest.raises(ValueError, match="sample"):
        DiagonalGaussian(torch.zeros(3, 2), torch.ones(3, 2), torch.zeros(3, 3))


# ------------------------------------------------------------------------------- EMA


def test_cosine_momentum_closed_form():
    assert cosine_momentum(0, 100, 0.99, 1.0) == pytest.approx(0.99)
    assert cosine_momentum(100, 100, 0.99, 1.0) == pytest.approx(1.0)
    assert cosine_momentum(250, 100, 0.99, 1.0) == pytest.approx(1.0)
    k = 30
    expected = 1 - (1 - 0.99) * (math.cos(math.pi * k / 100) + 1) / 2
    assert cosine_momentum(k, 100, 0.99, 1.0) == pytest.approx(expected)


def test_ema_update_formula_and_no_gradients_reach_the_target():
    torch.manual_seed(0)
    online = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    ema = EMA(online, total_steps=10, base_momentum=0.9)
    assert all(not p.requires_grad for p in ema.target.parameters())
    before = [p.detach().clone() for p in ema.target.parameters()]
    with torch.no_grad():
        for p in online.parameters():
            p.add_(1.0)
    m = ema.update(online)
    assert m == pytest.approx(0.9)
    for t, b, o in zip(ema.target.parameters(), before, online.parameters(), strict=True):
        assert torch.allclose(t, m * b + (1 - m) * o)
    assert int(ema.step) == 1 and ema.momentum == pytest.approx(cosine_momentum(1, 10, 0.9))
    # a loss through both networks: only the online network receives gradients
    x = torch.randn(8, 4)
    loss = (online(x) - ema(x)).square().mean() + ema(x).sum()
    loss.backward()
    assert all(p.grad is None for p in ema.target.parameters())
    assert all(p.grad is not None for p in online.parameters())


def test_ema_state_dict_resumes_the_schedule():
    online = nn.Linear(3, 2)
    a = EMA(online, total_steps=5, base_momentum=0.5)
    for _ in range(3):
        a.update(online)
    b = EMA(online, total_steps=5, base_momentum=0.5)
    b.load_state_dict(a.state_dict())
    assert b.momentum == a.momentum == pytest.approx(cosine_momentum(3, 5, 0.5))
    constant = EMA(online, total_steps=5, base_momentum=0.7, schedule="constant")
    constant.update(online)
    assert constant.momentum == 0.7


def test_ema_update_rejects_mismatched_modules():
    with pytest.raises(ValueError, match="same parameter shapes"):
        ema_update_(nn.Linear(3, 2), nn.Linear(3, 4), 0.9)
    with pytest.raises(ValueError, match="momentum"):
        ema_update_(nn.Linear(3, 2), nn.Linear(3, 2), 1.5)


# ------------------------------------------------------------------------------- single process


def test_gather_is_identity_outside_a_process_group():
    assert not is_distributed() and world_size() == 1 and rank() == 0
    x = torch.randn(3, 2, requires_grad=True)
    assert gather(x) is x
    assert row_offset(x) == 0
    assert not gather_no_grad(x).requires_grad
    with pytest.raises(ValueError, match="batch dimension"):
        gather(torch.tensor(1.0))

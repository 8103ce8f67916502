"""Generative and n-view objectives against loop-based references and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from infossl.nn import DiagonalGaussian
from infossl.objectives import (
    AutoencoderLoss,
    DenoisingAutoencoderLoss,
    MaskedReconstructionLoss,
    NViewInfoMaxLoss,
    patchify,
    random_patch_mask,
)

TOL = 1e-9


def _rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# ------------------------------------------------------------------------------- autoencoders


def test_autoencoder_mse_and_gaussian_nll():
    rec, x = _rand(4, 2, 3, seed=1), _rand(4, 2, 3, seed=2)
    out = AutoencoderLoss()(rec, x)
    r, t = rec.numpy().reshape(4, -1), x.numpy().reshape(4, -1)
    mse = sum((r[i][j] - t[i][j]) ** 2 for i in range(4) for j in range(6)) / 24
    assert float(out.loss.detach()) == pytest.approx(mse, abs=TOL)
    assert out.terms["reconstruction"].kind == "proxy"
    out = AutoencoderLoss("gaussian", sigma=2.0)(rec, x)
    nll = np.mean(
        [
            sum((t[i][j] - r[i][j]) ** 2 / 8 for j in range(6)) + 3 * math.log(2 * math.pi * 4)
            for i in range(4)
        ]
    )
    assert float(out.loss.detach()) == pytest.approx(nll, abs=TOL)
    assert out.terms["reconstruction"].quantity == "H(X|Z)"
    assert out.terms["reconstruction"].kind == "upper"
    dae = DenoisingAutoencoderLoss()(rec, x)
    assert dae.terms["reconstruction"].notation == "H_{P(X̃),P(Z|X̃),Q(X|Z)}(X|Z)"
    with pytest.raises(ValueError, match="shape"):
        AutoencoderLoss()(rec, x[:3])


# ------------------------------------------------------------------------------- MAE


def test_patchify_layout():
    img = torch.arange(2 * 3 * 4 * 4, dtype=torch.float64).reshape(2, 3, 4, 4)
    p = patchify(img, 2)
    assert p.shape == (2, 4, 12)
    # patch 1 (top-right) of image 0, channel 0, pixel (0, 0) is img[0, 0, 0, 2]
    assert p[0, 1, 0] == img[0, 0, 0, 2]
    assert p[0, 1, 2 * 2 * 3 - 1] == img[0, 2, 1, 3]
    with pytest.raises(ValueError, match="divisible"):
        patchify(img, 3)


def test_random_patch_mask_is_seeded_with_exact_ratio():
    m = random_patch_mask(3, 16, 0.75, seed=4)
    assert m.shape == (3, 16) and (m.sum(1) == 12).all()
    assert torch.equal(m, random_patch_mask(3, 16, 0.75, seed=4))
    assert not torch.equal(m, random_patch_mask(3, 16, 0.75, seed=5))
    with pytest.raises(ValueError, match="mask_ratio"):
        random_patch_mask(3, 2, 0.1)


def test_masked_reconstruction_equals_loop():
    pred, target = _rand(2, 4, 5, seed=3), _rand(2, 4, 5, seed=4)
    mask = torch.tensor([[1, 0, 1, 0], [0, 0, 1, 1]], dtype=torch.bool)
    out = MaskedReconstructionLoss()(pred, target, mask)
    p, t = pred.numpy(), target.numpy()
    total, count = 0.0, 0
    for b in range(2):
        for patch in range(4):
            if not mask[b, patch]:
                continue
            m = t[b, patch].mean()
            v = t[b, patch].var(ddof=1)
            norm = (t[b, patch] - m) / math.sqrt(v + 1e-6)
            total += np.mean((p[b, patch] - norm) ** 2)
            count += 1
    assert float(out.loss.detach()) == pytest.approx(total / count, abs=TOL)
    raw = MaskedReconstructionLoss(norm_pix=False)(pred, target, mask)
    assert float(raw.loss.detach()) == pytest.approx(
        float(((pred - target) ** 2).mean(-1)[mask].mean()), abs=TOL
    )
    with pytest.raises(ValueError, match="no patch"):
        MaskedReconstructionLoss()(pred, target, torch.zeros(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask"):
        MaskedReconstructionLoss()(pred, target, torch.zeros(2, 3))


# ------------------------------------------------------------------------------- n views


def test_nview_pairwise_is_the_mean_of_symmetric_infonce_bounds():
    zs = [_rand(5, 3, seed=s) for s in (5, 6, 7)]
    out = NViewInfoMaxLoss("pairwise", temperature=0.4)(*zs)
    total = 0.0
    for a, b in [(0, 1), (0, 2), (1, 2)]:
        za = zs[a].numpy() / np.linalg.norm(zs[a].numpy(), axis=1, keepdims=True)
        zb = zs[b].numpy() / np.linalg.norm(zs[b].numpy(), axis=1, keepdims=True)
        s = za @ zb.T / 0.4
        rows = np.mean([s[i, i] - math.log(np.exp(s[i]).sum()) for i in range(5)])
        cols = np.mean([s[j, j] - math.log(np.exp(s[:, j]).sum()) for j in range(5)])
        total += 0.5 * (rows + cols) + math.log(5)
    assert float(out.loss.detach()) == pytest.approx(-total / 3, abs=TOL)
    assert out.terms["shared"].quantity == "mean_{a<b} I(Za;Zb)"


def test_nview_total_correlation_matches_the_gaussian_closed_form():
    # Z1, Z2 jointly Gaussian, correlation ρ per coordinate (d = 2): TC = I = −(d/2) ln(1 − ρ²)
    g = torch.Generator().manual_seed(0)
    rho, n, d = 0.8, 20000, 2
    x = torch.randn(n, d, generator=g, dtype=torch.float64)
    noise = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = rho * x + math.sqrt(1 - rho**2) * noise
    out = NViewInfoMaxLoss("total_correlation", eps=1e-9)(x, y)
    truth = -0.5 * d * math.log(1 - rho**2)
    assert float(out.terms["shared"].value) == pytest.approx(truth, abs=0.03)
    assert out.terms["shared"].quantity == "TC(Z1;Z2)"
    # three views: TC(Z1;Z2;Z3) = Σ H(Zi) − H(Z1,Z2,Z3) equals the log-det formula (numpy)
    zs = [_rand(40, 2, seed=s) for s in (1, 2, 3)]
    zs[2] = zs[2] + zs[0]
    tc = float(NViewInfoMaxLoss("total_correlation", eps=1e-3)(*zs).terms["shared"].value)
    joint = np.cov(np.concatenate([z.numpy() for z in zs], 1).T) + 1e-3 * np.eye(6)
    parts = sum(np.linalg.slogdet(np.cov(z.numpy().T) + 1e-3 * np.eye(2))[1] for z in zs)
    assert tc == pytest.approx(0.5 * (parts - np.linalg.slogdet(joint)[1]), abs=TOL)


def test_nview_compression_with_stochastic_encoders():
    g = torch.Generator().manual_seed(1)
    encs = [
        DiagonalGaussian(
            torch.randn(6, 2, generator=g, dtype=torch.float64),
            torch.rand(6, 2, generator=g, dtype=torch.float64) + 0.5,
        ).with_sample(s)
        for s in range(3)
    ]
    out = NViewInfoMaxLoss(rate_weight=0.1)(*encs)
    rates = [float(e.kl_standard_normal().mean()) for e in encs]
    plain = float(NViewInfoMaxLoss()(*[e.sample for e in encs]).loss.detach())
    assert float(out.loss.detach()) == pytest.approx(plain + 0.1 * sum(rates), abs=TOL)
    with pytest.raises(ValueError, match="DiagonalGaussian"):
        NViewInfoMaxLoss(rate_weight=0.1)(*[e.sample for e in encs])

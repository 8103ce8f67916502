"""Information-bottleneck objectives against loop-based references (float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from infossl.framework import ExponentialAnneal
from infossl.nn import DiagonalGaussian
from infossl.objectives import (
    BetaVAELoss,
    CEBLoss,
    DontCompressLoss,
    DuboisLoss,
    ImplicitCompressionLoss,
    MIBLoss,
    MultiViewIBLoss,
    SemiSupervisedIBLoss,
    TsaiCompositeLoss,
    VIBLoss,
)

TOL = 1e-9
LOG2PI = math.log(2 * math.pi)


def _rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _gauss(n=5, d=3, seed=0, sample=True):
    g = torch.Generator().manual_seed(seed)
    mean = torch.randn(n, d, generator=g, dtype=torch.float64)
    std = torch.rand(n, d, generator=g, dtype=torch.float64) + 0.3
    enc = DiagonalGaussian(mean, std)
    return enc.with_sample(seed) if sample else enc


def kl_loop(m1, s1, m2, s2):
    """Mean over rows of KL(N(m1, s1²) ‖ N(m2, s2²)), summed over dims."""
    n, d = m1.shape
    total = 0.0
    for i in range(n):
        for j in range(d):
            total += (
                math.log(s2[i][j] / s1[i][j])
                + (s1[i][j] ** 2 + (m1[i][j] - m2[i][j]) ** 2) / (2 * s2[i][j] ** 2)
                - 0.5
            )
    return total / n


def kl_std_loop(m, s):
    return kl_loop(m, s, np.zeros_like(m), np.ones_like(s))


def ce_loop(logits, labels):
    total = 0.0
    for row, y in zip(logits, labels, strict=True):
        m = max(row)
        total += -(row[y] - m - math.log(sum(math.exp(v - m) for v in row)))
    return total / len(labels)


def infonce_rows_loop(s):
    k = len(s)
    return sum(s[i][i] - math.log(sum(math.exp(v) for v in s[i])) for i in range(k)) / k + math.log(
        k
    )


def cos_matrix(a, b, tau):
    an = a / np.linalg.norm(a, axis=1, keepdims=True)
    bn = b / np.linalg.norm(b, axis=1, keepdims=True)
    return an @ bn.T / tau


def _np(e):
    return e.mean.detach().numpy(), e.std.detach().numpy()


# ------------------------------------------------------------------------------- VIB family


def test_vib_equals_loop_and_reports_the_superfluous_bound():
    enc = _gauss(6, 3, seed=1)
    logits = _rand(6, 4, seed=2)
    labels = torch.tensor([0, 1, 3, 3, 2, 0])
    out = VIBLoss(beta=0.1)(enc, logits, labels)
    ce = ce_loop(logits.numpy(), labels.tolist())
    rate = kl_std_loop(*_np(enc))
    assert float(out.loss.detach()) == pytest.approx(ce + 0.1 * rate, abs=TOL)
    assert out.terms["rate"].quantity == "I(X;Z)" and out.terms["rate"].kind == "upper"
    p = np.array([2, 1, 1, 2]) / 6
    h_y = -(p * np.log(p)).sum()
    assert float(out.diagnostics["superfluous"].value) == pytest.approx(rate + ce - h_y, abs=TOL)
    assert out.diagnostics["superfluous"].quantity == "I(X;Z|Y)"


def test_vib_beta_schedule_and_bad_labels():
    loss = VIBLoss(beta=ExponentialAnneal(1e-3, 1e-1, 10))
    loss.set_step(5)
    out = loss(_gauss(seed=1), _rand(5, 3, seed=2), torch.tensor([0, 1, 2, 0, 1]))
    assert out.terms["rate"].weight == pytest.approx(1e-2)
    with pytest.raises(ValueError, match="labels"):
        loss(_gauss(seed=1), _rand(5, 3, seed=2), torch.tensor([0, 1, 5, 0, 1]))
    with pytest.raises(TypeError, match="labels"):
        loss(_gauss(seed=1), _rand(5, 3, seed=2), torch.zeros(5))
    with pytest.raises(ValueError, match="rows"):
        loss(_gauss(seed=1), _rand(4, 3, seed=2), torch.tensor([0, 1, 2, 0]))


def test_multiview_ib_equals_loop():
    encs = [_gauss(5, 2, seed=3), _gauss(5, 2, seed=4)]
    logits, labels = _rand(5, 3, seed=5), torch.tensor([2, 0, 1, 1, 0])
    out = MultiViewIBLoss((0.1, 0.2))(encs, logits, labels)
    ref = (
        ce_loop(logits.numpy(), labels.tolist())
        + 0.1 * kl_std_loop(*_np(encs[0]))
        + 0.2 * kl_std_loop(*_np(encs[1]))
    )
    assert float(out.loss.detach()) == pytest.approx(ref, abs=TOL)
    assert out.terms["prediction"].quantity == "H(Y|Z1,Z2)"
    assert out.terms["prediction"].notation == "H_{P(Z1|X1),P(Z2|X2),Q(Y|Z1,Z2)}(Y|Z1,Z2)"


def test_semi_supervised_ib_equals_loop():
    enc = _gauss(6, 3, seed=6)
    logits = _rand(6, 3, seed=7)
    labels = torch.tensor([0, -1, 2, -1, -1, 1])
    rec, target = _rand(6, 4, seed=8), _rand(6, 4, seed=9)
    prior = DiagonalGaussian(
        torch.full((1, 3), 0.5, dtype=torch.float64), torch.full((1, 3), 2.0, dtype=torch.float64)
    )
    out = SemiSupervisedIBLoss(beta_x=0.3, beta_y=2.0, prior="learnable")(
        enc, logits, labels, rec, target, prior=prior
    )
    m, s = _np(enc)
    rate = kl_loop(m, s, np.full_like(m, 0.5), np.full_like(s, 2.0))
    mse = float(((rec - target) ** 2).mean())
    lab = [i for i in range(6) if labels[i] >= 0]
    sup = ce_loop(logits.numpy()[lab], labels[lab].tolist())
    probs = np.exp(logits.numpy()) / np.exp(logits.numpy()).sum(1, keepdims=True)
    p_hat = probs.mean(0)
    marg = float(np.sum(p_hat * np.log(p_hat * 3)))
    assert float(out.loss.detach()) == pytest.approx(rate + 0.3 * mse + 2.0 * (sup + marg), abs=TOL)
    # a batch with no label at all: the supervised term is 0 and the loss stays finite
    out = SemiSupervisedIBLoss()(enc, logits, torch.full((6,), -1))
    assert float(out.terms["supervised"].value) == 0.0
    with pytest.raises(ValueError, match="learnable"):
        SemiSupervisedIBLoss(prior="learnable")(enc, logits, labels)


@pytest.mark.parametrize("likelihood", ["gaussian", "bernoulli", "mse"])
def test_beta_vae_equals_loop(likelihood):
    enc = _gauss(4, 2, seed=10)
    rec = _rand(4, 5, seed=11)
    target = (
        (torch.rand(4, 5, generator=torch.Generator().manual_seed(12)) > 0.5).double()
        if likelihood == "bernoulli"
        else _rand(4, 5, seed=12)
    )
    out = BetaVAELoss(beta=4.0, likelihood=likelihood, sigma=0.5)(enc, rec, target)
    r, t = rec.numpy(), target.numpy()
    if likelihood == "gaussian":
        dist = np.mean(
            [
                sum((t[i][j] - r[i][j]) ** 2 / (2 * 0.25) for j in range(5))
                + 2.5 * math.log(2 * math.pi * 0.25)
                for i in range(4)
            ]
        )
    elif likelihood == "bernoulli":
        sig = 1 / (1 + np.exp(-r))
        dist = np.mean(
            [
                -sum(
                    t[i][j] * math.log(sig[i][j]) + (1 - t[i][j]) * math.log(1 - sig[i][j])
                    for j in range(5)
                )
                for i in range(4)
            ]
        )
    else:
        dist = np.mean((r - t) ** 2)
    rate = kl_std_loop(*_np(enc))
    assert float(out.loss.detach()) == pytest.approx(dist + 4.0 * rate, abs=TOL)
    assert out.terms["distortion"].kind == ("proxy" if likelihood == "mse" else "upper")


# ------------------------------------------------------------------------------- MIB / CEB


def test_mib_equals_loop():
    e1, e2 = _gauss(6, 3, seed=13), _gauss(6, 3, seed=14)
    out = MIBLoss(beta=0.5, temperature=0.2)(e1, e2)
    s = cos_matrix(e1.sample.numpy(), e2.sample.numpy(), 0.2)
    m1, s1 = _np(e1)
    m2, s2 = _np(e2)
    ref = -infonce_rows_loop(s) + 0.5 * 0.5 * (kl_loop(m1, s1, m2, s2) + kl_loop(m2, s2, m1, s1))
    assert float(out.loss.detach()) == pytest.approx(ref, abs=TOL)
    assert out.terms["superfluous_1"].quantity == "I(Z1;X1|X2)"
    assert out.terms["superfluous_2"].quantity == "I(Z2;X2|X1)"
    # explicit critic scores and another bound
    scores = _rand(6, 6, seed=15)
    out = MIBLoss(beta=0.0, mi_bound="nwj")(e1, e2, scores)
    sn = scores.numpy()
    nwj = np.mean(np.diag(sn)) - math.exp(-1) * np.mean(
        [math.exp(sn[i][j]) for i in range(6) for j in range(6) if i != j]
    )
    assert float(out.terms["mi"].value) == pytest.approx(nwj, abs=TOL)
    with pytest.raises(ValueError, match="sample is None"):
        MIBLoss()(_gauss(sample=False), e2)
    with pytest.raises(ValueError, match="scores"):
        MIBLoss()(e1, e2, _rand(5, 5))


@pytest.mark.parametrize("mi_bound", ["infonce", "js_nwj", "nwj"])
def test_mib_mi_term_equals_the_former_bound_functions(mi_bound):
    """MIB reads its bounds from infossl.bounds.BOUNDS; the MI term is the very number the former
    per-objective table gave: infonce_value (unchecked), bounds.js_nwj or bounds.nwj."""
    from infossl import bounds
    from infossl.objectives.contrastive import infonce_value
    from infossl.objectives.selfsupervised_ib import cosine_scores

    former = {"infonce": infonce_value, "js_nwj": bounds.js_nwj, "nwj": bounds.nwj}[mi_bound]
    e1, e2 = _gauss(8, 3, seed=21), _gauss(8, 3, seed=22)
    out = MIBLoss(beta=0.5, mi_bound=mi_bound, temperature=0.3)(e1, e2)
    ref = former(cosine_scores(e1.sample, e2.sample, 0.3))
    assert torch.equal(out.terms["mi"].value, ref)
    assert out.terms["mi"].kind == "lower" and out.terms["mi"].bound == mi_bound
    scores = _rand(8, 8, seed=23)
    given = MIBLoss(beta=0.5, mi_bound=mi_bound)(e1, e2, scores)
    assert torch.equal(given.terms["mi"].value, former(scores))
    bad = scores.clone()
    bad[0, 1] = float("nan")
    with pytest.raises(ValueError, match="scores contains 1 NaN"):  # the caller's scores
        MIBLoss(mi_bound=mi_bound)(e1, e2, bad)


def test_ceb_equals_loop():
    fwd, bwd = _gauss(5, 2, seed=16), _gauss(5, 2, seed=17, sample=False)
    out = CEBLoss(beta=0.3)(fwd, bwd)
    z = fwd.sample.numpy()
    mb, sb = _np(bwd)
    s = [
        [
            sum(
                -0.5 * ((z[i][d] - mb[j][d]) / sb[j][d]) ** 2 - math.log(sb[j][d]) - 0.5 * LOG2PI
                for d in range(2)
            )
            for j in range(5)
        ]
        for i in range(5)
    ]
    residual = kl_loop(*_np(fwd), mb, sb)
    assert float(out.terms["mi"].value) == pytest.approx(infonce_rows_loop(s), abs=TOL)
    assert float(out.loss.detach()) == pytest.approx(0.3 * residual - infonce_rows_loop(s), abs=TOL)
    both = CEBLoss(beta=0.3)([fwd, bwd.with_sample(3)], [bwd, fwd])
    both.check()


# ------------------------------------------------------------------------------- Tsai, Dubois


def test_tsai_composite_equals_loop():
    z, zo = _rand(5, 3, seed=18), _rand(5, 3, seed=19)
    rec, target, inv = _rand(5, 4, seed=20), _rand(5, 4, seed=21), _rand(5, 3, seed=22)
    out = TsaiCompositeLoss(1.0, 0.5, 0.2, temperature=0.3)(z, zo, rec, target, inv)
    cl = math.log(5) - infonce_rows_loop(cos_matrix(z.numpy(), zo.numpy(), 0.3))
    fp = float(((rec - target) ** 2).mean())
    ip = float(((z - inv) ** 2).sum(1).mean())
    assert float(out.loss.detach()) == pytest.approx(cl + 0.5 * fp + 0.2 * ip, abs=TOL)
    only_cl = TsaiCompositeLoss(1.0, 0.0, 0.0)(z, zo)
    assert set(only_cl.terms) == {"contrastive"}
    with pytest.raises(ValueError, match="lambda_fp"):
        TsaiCompositeLoss()(z, zo)


def test_dubois_equals_loop():
    enc, other = _gauss(5, 3, seed=23), _rand(5, 3, seed=24)
    out = DuboisLoss(beta=2.0, temperature=0.5)(enc, other)
    rate = kl_std_loop(*_np(enc))
    nce = infonce_rows_loop(cos_matrix(enc.sample.numpy(), other.numpy(), 0.5))
    assert float(out.loss.detach()) == pytest.approx(rate + 2.0 * (math.log(5) - nce), abs=TOL)
    out.check()


# ------------------------------------------------------------------------------- Eq. 7 and Eq. 9


def test_implicit_compression_equals_formula():
    z1, pred = _rand(8, 2, seed=25), _rand(8, 2, seed=26)
    out = ImplicitCompressionLoss("gaussian", sigma=0.5, eps=0.0)(z1, pred)
    h = 0.5 * (2 * math.log(2 * math.pi * math.e) + np.linalg.slogdet(np.cov(z1.numpy().T))[1])
    nll = np.mean(
        [
            sum(
                (z1[i, d].item() - pred[i, d].item()) ** 2 / (2 * 0.25)
                + math.log(0.5)
                + 0.5 * LOG2PI
                for d in range(2)
            )
            for i in range(8)
        ]
    )
    assert float(out.loss.detach()) == pytest.approx(-h + nll, abs=TOL)
    assert float(out.diagnostics["mi"].value) == pytest.approx(h - nll, abs=TOL)
    assert out.diagnostics["mi"].kind == "proxy"  # the Gaussian entropy is an upper bound
    knn = ImplicitCompressionLoss("knn")(z1, DiagonalGaussian(pred, torch.ones_like(pred)))
    assert knn.diagnostics["mi"].kind == "lower"


def test_dont_compress_adds_reconstructions_to_the_ssl_loss():
    from infossl.objectives import SimCLRLoss

    z1, z2 = _rand(5, 3, seed=27), _rand(5, 3, seed=28)
    recs = [_rand(5, 6, seed=29), _rand(5, 6, seed=30)]
    targets = [_rand(5, 6, seed=31), _rand(5, 6, seed=32)]
    loss = DontCompressLoss("simclr", rec_weight=0.7, ssl_params={"temperature": 0.3})
    out = loss(z1, z2, reconstructions=recs, targets=targets)
    ssl = float(SimCLRLoss(0.3)(z1, z2).loss.detach())
    rec = sum(float(((r - t) ** 2).mean()) for r, t in zip(recs, targets, strict=True))
    assert float(out.loss.detach()) == pytest.approx(ssl + 0.7 * rec, abs=TOL)
    assert set(out.terms) == {"ssl/mi", "rec/reconstruction_1", "rec/reconstruction_2"}
    out.check()
    names = [t.name for t in loss.objective.terms]
    assert names == ["ssl/mi", "rec/reconstruction_1", "rec/reconstruction_2"]
    with pytest.raises(ValueError, match="same"):
        loss(z1, z2, reconstructions=recs, targets=targets[:1])

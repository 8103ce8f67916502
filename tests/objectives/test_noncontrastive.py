"""Non-contrastive objectives and entropy estimators against loop-based references (float64)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.special import digamma, gammaln

from infossl.objectives import (
    BarlowTwinsLoss,
    BYOLLoss,
    CorInfoMaxLoss,
    SimSiamLoss,
    VICRegLogDetLoss,
    VICRegLoss,
    VICRegPairDistLoss,
    WMSELoss,
    get_entropy_estimator,
    get_method_spec,
)
from infossl.objectives.entropy import (
    gaussian_entropy,
    knn_entropy,
    logdet_entropy,
    pairwise_entropy,
)

TOL = 1e-9


def _rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _np(t):
    return t.detach().numpy()


def cosine_loop(a, b):
    num = sum(a[d] * b[d] for d in range(len(a)))
    return num / math.sqrt(sum(x * x for x in a)) / math.sqrt(sum(x * x for x in b))


def cov_loop(z):
    n, d = z.shape
    mean = [sum(z[i][j] for i in range(n)) / n for j in range(d)]
    return [
        [
            sum((z[b][i] - mean[i]) * (z[b][j] - mean[j]) for b in range(n)) / (n - 1)
            for j in range(d)
        ]
        for i in range(d)
    ]


# ------------------------------------------------------------------------------- BYOL / SimSiam


def test_byol_equals_loop_and_targets_get_no_gradient():
    p = [_rand(5, 3, seed=s).requires_grad_() for s in (1, 2)]
    t = [_rand(5, 3, seed=s).requires_grad_() for s in (3, 4)]
    out = BYOLLoss()(p, t)
    pn, tn = [_np(x) for x in p], [_np(x) for x in t]
    ref = 0.0
    for a, b in [(0, 1), (1, 0)]:
        ref += sum(2 - 2 * cosine_loop(pn[a][i], tn[b][i]) for i in range(5)) / 5
    assert float(out.loss.detach()) == pytest.approx(ref / 2, abs=TOL)
    out.loss.backward()
    assert all(x.grad is not None for x in p)
    assert all(x.grad is None for x in t)  # stop-gradient branch
    assert out.terms["invariance"].quantity == "H(Z2|Z1)"


def test_simsiam_equals_loop_with_three_views():
    p = [_rand(4, 3, seed=s).requires_grad_() for s in (1, 2, 3)]
    z = [_rand(4, 3, seed=s).requires_grad_() for s in (4, 5, 6)]
    out = SimSiamLoss()(p, z)
    pairs = [(a, b) for a in range(3) for b in range(3) if a != b]
    ref = sum(-cosine_loop(_np(p[a])[i], _np(z[b])[i]) for a, b in pairs for i in range(4))
    assert float(out.loss.detach()) == pytest.approx(ref / (len(pairs) * 4), abs=TOL)
    assert out.terms["invariance"].quantity == "mean_{a≠b} H(Zb|Za)"
    out.loss.backward()
    assert all(x.grad is None for x in z)


# ------------------------------------------------------------------------------- Barlow Twins


def barlow_loop(z1, z2, lam):
    n, d = z1.shape

    def standardize(z):
        cols = []
        for j in range(d):
            m = sum(z[i][j] for i in range(n)) / n
            v = sum((z[i][j] - m) ** 2 for i in range(n)) / n
            cols.append([(z[i][j] - m) / math.sqrt(v + 1e-5) for i in range(n)])
        return cols  # cols[j][i]

    a, b = standardize(z1), standardize(z2)
    c = [[sum(a[i][k] * b[j][k] for k in range(n)) / n for j in range(d)] for i in range(d)]
    on = sum((1 - c[i][i]) ** 2 for i in range(d))
    off = sum(c[i][j] ** 2 for i in range(d) for j in range(d) if i != j)
    return on, off, on + lam * off


def test_barlow_twins_equals_loop():
    z1, z2 = _rand(6, 4, seed=1), _rand(6, 4, seed=2)
    out = BarlowTwinsLoss(0.01)(z1, z2)
    on, off, total = barlow_loop(_np(z1), _np(z2), 0.01)
    assert float(out.terms["invariance"].value) == pytest.approx(on, abs=TOL)
    assert float(out.terms["redundancy"].value) == pytest.approx(off, abs=TOL)
    assert float(out.loss.detach()) == pytest.approx(total, abs=TOL)
    out.check(rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------- VICReg


def vicreg_loop(views, lam=25.0, mu=25.0, nu=1.0):
    vs = [_np(v) for v in views]
    n, d = vs[0].shape
    pairs = [(a, b) for a in range(len(vs)) for b in range(a + 1, len(vs))]
    inv = sum(
        sum((vs[a][i][j] - vs[b][i][j]) ** 2 for i in range(n) for j in range(d)) / (n * d)
        for a, b in pairs
    ) / len(pairs)
    var, cov = [], []
    for z in vs:
        c = cov_loop(z)
        var.append(sum(max(0.0, 1 - math.sqrt(c[j][j] + 1e-4)) for j in range(d)) / d)
        cov.append(sum(c[i][j] ** 2 for i in range(d) for j in range(d) if i != j) / d)
    v_count = len(vs)
    return lam * inv + mu * sum(var) / v_count + nu * 2 * sum(cov) / v_count, inv, var, cov


def test_vicreg_two_views_equals_reference_code_convention():
    z1, z2 = _rand(8, 3, seed=1) * 0.5, _rand(8, 3, seed=2) * 2.0  # one branch below the hinge
    out = VICRegLoss()(z1, z2)
    total, inv, var, cov = vicreg_loop([z1, z2])
    assert float(out.loss.detach()) == pytest.approx(total, abs=TOL)
    assert float(out.terms["invariance"].value) == pytest.approx(inv, abs=TOL)
    assert float(out.terms["variance_1"].value) == pytest.approx(var[0], abs=TOL)
    assert float(out.terms["covariance_2"].value) == pytest.approx(cov[1], abs=TOL)
    # the two variance terms are averaged (μ/2 each), the covariance terms summed (ν each)
    assert out.terms["variance_1"].weight == 12.5 and out.terms["covariance_1"].weight == 1.0
    assert out.terms["variance_1"].term.orientation == -1
    assert var[0] > 0  # the hinge is active on the low-variance branch
    out.check(rtol=0, atol=1e-10)


def test_vicreg_three_views():
    zs = [_rand(6, 3, seed=s) for s in (1, 2, 3)]
    out = VICRegLoss(10.0, 5.0, 2.0)(*zs)
    total, *_ = vicreg_loop(zs, 10.0, 5.0, 2.0)
    assert float(out.loss.detach()) == pytest.approx(total, abs=TOL)
    assert set(out.terms) == {
        "invariance",
        "variance_1",
        "variance_2",
        "variance_3",
        "covariance_1",
        "covariance_2",
        "covariance_3",
    }


def test_vicreg_logdet_and_pairdist_add_the_entropy_estimates():
    z1, z2 = _rand(7, 3, seed=4), _rand(7, 3, seed=5)
    base, *_ = vicreg_loop([z1, z2])
    out = VICRegLogDetLoss(0.5, beta=2.0)(z1, z2)
    h = [
        0.5 * np.linalg.slogdet(np.eye(3) + 2.0 * np.cov(_np(z), rowvar=False))[1] for z in (z1, z2)
    ]
    assert float(out.loss.detach()) == pytest.approx(base - 0.5 * sum(h) / 2, abs=TOL)
    assert out.terms["entropy_1"].kind == "proxy"
    out = VICRegPairDistLoss(1.0, sigma=0.7)(z1, z2)
    hp = [pairwise_loop(_np(z), 0.7, 2.0) for z in (z1, z2)]
    assert float(out.loss.detach()) == pytest.approx(base - sum(hp) / 2, abs=TOL)
    assert out.terms["entropy_2"].kind == "upper"


# ------------------------------------------------------------------------------- W-MSE


def test_wmse_single_group_equals_numpy_whitening():
    z1, z2 = _rand(8, 3, seed=6), _rand(8, 3, seed=7)
    out = WMSELoss(whiten_size=8)(z1, z2)

    def whiten(z):
        zc = z - z.mean(0)
        chol = np.linalg.cholesky(zc.T @ zc / (len(z) - 1))
        w = zc @ np.linalg.inv(chol).T
        return w / np.linalg.norm(w, axis=1, keepdims=True)

    a, b = whiten(_np(z1)), whiten(_np(z2))
    ref = np.mean([2 - 2 * a[i] @ b[i] for i in range(8)])
    assert float(out.loss.detach()) == pytest.approx(ref, abs=1e-9)


def test_wmse_whitening_gives_identity_covariance_and_is_seeded():
    loss = WMSELoss(whiten_size=6, seed=1)
    z = _rand(12, 4, seed=8)
    white = loss.whiten(z)
    for g in range(2):
        block = _np(white[6 * g : 6 * (g + 1)])
        assert np.allclose(np.cov(block, rowvar=False), np.eye(4), atol=1e-10)
    z1, z2 = _rand(12, 4, seed=9), _rand(12, 4, seed=10)
    first = float(WMSELoss(6, seed=1)(z1, z2).loss.detach())
    assert float(WMSELoss(6, seed=1)(z1, z2).loss.detach()) == first
    with pytest.raises(ValueError, match="multiple of whiten_size"):
        WMSELoss(5)(z1, z2)
    with pytest.raises(ValueError, match="must exceed the embedding dim"):
        WMSELoss(4)(_rand(8, 4), _rand(8, 4, seed=1))
    with pytest.raises(ValueError, match="singular"):
        WMSELoss(6)(torch.ones(12, 4, dtype=torch.float64), z2)


def test_wmse_permutation_depends_on_seed_step_and_iteration_only():
    loss = WMSELoss(8, w_iter=2, seed=3)
    perms = {}
    for step in range(200):
        loss.set_step(step)
        p = loss.permutation(32)
        assert sorted(p.tolist()) == list(range(32))
        assert torch.equal(p, loss.permutation(32))  # a function of (seed, step, iteration)
        perms[step] = p
        assert not torch.equal(p, loss.permutation(32, 1))
    assert len({tuple(p.tolist()) for p in perms.values()}) == 200
    assert not torch.equal(WMSELoss(8, seed=4).permutation(32), WMSELoss(8, seed=3).permutation(32))
    # rows land in each of the 4 sub-batches about equally often: expected 50 per cell; the
    # binomial(200, 1/4) standard deviation is 6.1, and 25..75 is ±4 of them
    group_of_row = torch.stack([torch.argsort(p) // 8 for p in perms.values()])  # (200, 32)
    counts = torch.stack([(group_of_row == g).sum(dim=0) for g in range(4)])
    assert int(counts.min()) >= 25 and int(counts.max()) <= 75


# ------------------------------------------------------------------------------- CorInfoMax


def corinfomax_authors(batches, alpha=250.0, eps=1e-8, la_r=0.01, la_mu=0.01, r_ini=1.0):
    """The authors' CorInfoMax loss, step by step, from its formula (numpy, float64).

    Per step: z ← z/‖z‖ (their --normalize_on); μ ← λ_μ μ + (1 − λ_μ) mean(z);
    R ← λ_R R + (1 − λ_R)(z − μ)ᵀ(z − μ)/N; L = α·mean((z1 − z2)²) − Σ_v log det(R_v + εI)/D.
    Returns the losses, the per-view log-determinants and the final R.
    """
    d = batches[0][0].shape[1]
    r = [r_ini * np.eye(d), r_ini * np.eye(d)]
    mu = [np.zeros(d), np.zeros(d)]
    losses, logdets = [], []
    for pair in batches:
        zs = [z / np.linalg.norm(z, axis=1, keepdims=True) for z in pair]
        n = zs[0].shape[0]
        step_logdets = []
        for v in range(2):
            mu[v] = la_mu * mu[v] + (1 - la_mu) * zs[v].mean(axis=0)
            c = zs[v] - mu[v]
            r[v] = la_r * r[v] + (1 - la_r) * (c.T @ c) / n
            step_logdets.append(np.linalg.slogdet(r[v] + eps * np.eye(d))[1])
        mse = np.mean((zs[0] - zs[1]) ** 2)
        losses.append(alpha * mse - (step_logdets[0] + step_logdets[1]) / d)
        logdets.append(step_logdets)
    return losses, logdets, r


def test_corinfomax_defaults_reproduce_the_authors_loss_over_steps():
    # the authors' CIFAR-10 defaults (alpha 250, eps 1e-8, λ_R = λ_μ = 0.01, R_ini = 1,
    # normalised projections); three steps so that the running statistics matter
    batches = [(_rand(32, 8, seed=20 + s) * 3.0, _rand(32, 8, seed=40 + s) + 0.5) for s in range(3)]
    loss = CorInfoMaxLoss()
    ref, ref_logdets, ref_r = corinfomax_authors([(_np(a), _np(b)) for a, b in batches])
    for step, (z1, z2) in enumerate(batches):
        out = loss(z1, z2)
        assert float(out) == pytest.approx(ref[step], rel=1e-12, abs=1e-12)
        for v in (1, 2):  # per-dimension Gaussian entropy of the running covariance
            h = 0.5 * math.log(2 * math.pi * math.e) + ref_logdets[step][v - 1] / (2 * 8)
            assert float(out.terms[f"entropy_{v}"].value) == pytest.approx(h, abs=TOL)
        out.check(rtol=0, atol=1e-10)
    assert np.allclose(loss.running_cov.numpy(), np.stack(ref_r), rtol=0, atol=1e-12)
    # the batch-only reading: no forgetting, no normalisation, a single step
    z1, z2 = batches[0]
    plain = CorInfoMaxLoss(0.3, eps=1e-2, cov_forgetting=0.0, mean_forgetting=0.0, normalize=False)(
        z1, z2
    )
    covs = [np.cov(_np(z), rowvar=False, bias=True) for z in (z1, z2)]
    logdets = [np.linalg.slogdet(c + 1e-2 * np.eye(8))[1] for c in covs]
    mse = np.mean((_np(z1) - _np(z2)) ** 2)
    assert float(plain) == pytest.approx(0.3 * mse - sum(logdets) / 8, abs=TOL)


def test_corinfomax_gradient_flows_through_the_batch_part_only():
    z1 = _rand(16, 4, seed=3).requires_grad_()
    z2 = _rand(16, 4, seed=4).requires_grad_()
    loss = CorInfoMaxLoss()
    loss(z1, z2).backward()
    assert z1.grad is not None and torch.isfinite(z1.grad).all()
    assert not loss.running_cov.requires_grad and not loss.running_mean.requires_grad
    # a second step backpropagates without touching the first graph
    loss(z1.detach().requires_grad_(), z2.detach()).backward()


def test_corinfomax_statistics_are_saved_and_restored():
    batches = [(_rand(16, 4, seed=s), _rand(16, 4, seed=s + 10)) for s in range(3)]
    first = CorInfoMaxLoss()
    for z1, z2 in batches[:2]:
        first(z1, z2)
    state = first.state_dict()
    assert state["running_cov"].shape == (2, 4, 4)
    second = CorInfoMaxLoss()
    second.load_state_dict(state)
    z1, z2 = batches[2]
    assert float(second(z1, z2)) == float(first(z1, z2))
    second.reset_statistics()
    assert second.running_cov.numel() == 0
    fresh = CorInfoMaxLoss()
    assert float(second(z1, z2)) == float(fresh(z1, z2))
    # a new embedding width restarts the statistics from R_ini·I
    out = second(_rand(16, 6, seed=1), _rand(16, 6, seed=2))
    assert second.running_cov.shape == (2, 6, 6) and math.isfinite(float(out))


def test_corinfomax_documents_the_mapping_to_the_reference_names():
    # reference argument → (our parameter, the authors' CIFAR-10 value)
    mapping = {
        "sim_loss_weight": ("alpha", 250.0),
        "R_eps_weight": ("eps", 1e-8),
        "R_ini": ("cov_init", 1.0),
        "la_R": ("cov_forgetting", 0.01),
        "la_mu": ("mean_forgetting", 0.01),
        "--normalize_on": ("normalize", True),
    }
    loss = CorInfoMaxLoss()
    spec = get_method_spec("corinfomax")
    page = (Path(__file__).resolve().parents[2] / "docs" / "methods.md").read_text("utf-8")
    for ref, (ours, value) in mapping.items():
        assert getattr(loss, ours) == value, ours
        row = next(v for k, v in spec.reference_params.items() if k.startswith(ref + " "))
        assert row.startswith(ours), ref
        assert f"`{ref}`" in CorInfoMaxLoss.__doc__ or ref in CorInfoMaxLoss.__doc__, ref
        assert f"| `{ref} [" in page, ref
    assert spec.params()["alpha"] == 250.0 and "cov_loss_weight [1]" in spec.reference_params


def test_corinfomax_bad_parameters():
    for kwargs, match in (
        ({"eps": 0.0}, "eps"),
        ({"cov_forgetting": 1.0}, "cov_forgetting"),
        ({"mean_forgetting": -0.1}, "mean_forgetting"),
        ({"cov_init": -1.0}, "cov_init"),
        ({"alpha": float("nan")}, "alpha"),
    ):
        with pytest.raises(ValueError, match=match):
            CorInfoMaxLoss(**kwargs)


# ------------------------------------------------------------------------------- entropy estimators


def pairwise_loop(z, sigma, factor):
    n, d = z.shape
    total = 0.0
    for i in range(n):
        s = sum(math.exp(-np.sum((z[i] - z[j]) ** 2) / (factor * sigma**2)) for j in range(n)) / n
        total += math.log(s)
    return 0.5 * d * math.log(2 * math.pi * math.e * sigma**2) - total / n


def test_entropy_estimators_equal_their_formulas():
    z = _rand(9, 3, seed=13)
    zn = _np(z)
    assert float(gaussian_entropy(z, eps=0.0)) == pytest.approx(
        0.5 * (3 * math.log(2 * math.pi * math.e) + np.linalg.slogdet(np.cov(zn.T))[1]), abs=TOL
    )
    assert float(logdet_entropy(z, beta=0.5)) == pytest.approx(
        0.5 * np.linalg.slogdet(np.eye(3) + 0.5 * np.cov(zn.T))[1], abs=TOL
    )
    for dist, factor in (("kl", 2.0), ("bhattacharyya", 8.0)):
        assert float(pairwise_entropy(z, sigma=0.8, distance=dist)) == pytest.approx(
            pairwise_loop(zn, 0.8, factor), abs=TOL
        )
    k, n, d = 2, 9, 3
    dists = np.sort(np.linalg.norm(zn[:, None] - zn[None], axis=2), axis=1)[:, k]
    log_vd = 0.5 * d * math.log(math.pi) - gammaln(0.5 * d + 1)
    ref = digamma(n) - digamma(k) + log_vd + d * np.mean(np.log(dists))
    assert float(knn_entropy(z, k=k)) == pytest.approx(ref, abs=TOL)


def test_entropy_estimators_on_a_known_gaussian():
    # N(0, diag(1, 4)): H = ½ log((2πe)² · 4) nats
    g = torch.Generator().manual_seed(0)
    z = torch.randn(4000, 2, generator=g, dtype=torch.float64) * torch.tensor(
        [1.0, 2.0], dtype=torch.float64
    )
    truth = 0.5 * math.log((2 * math.pi * math.e) ** 2 * 4)
    assert float(gaussian_entropy(z, eps=0.0)) == pytest.approx(truth, abs=0.05)
    assert float(knn_entropy(z, k=3)) == pytest.approx(truth, abs=0.1)
    # the pairwise bounds bracket the entropy of the smoothed mixture: lower ≤ upper, and the
    # smoothed entropy exceeds that of the unsmoothed Gaussian
    low = float(pairwise_entropy(z[:500], sigma=0.3, distance="bhattacharyya"))
    high = float(pairwise_entropy(z[:500], sigma=0.3, distance="kl"))
    assert low <= high
    assert high >= truth - 0.1


def test_entropy_estimator_factory():
    est = get_entropy_estimator("pairwise_bhattacharyya", sigma=0.5)
    assert est.kind == "lower"
    custom = get_entropy_estimator(lambda z: z.var(0).sum(), kind="proxy")
    assert custom.name == "custom"
    with pytest.raises(ValueError, match="estimator"):
        get_entropy_estimator("renyi")
    with pytest.raises(ValueError, match="at least 4 samples"):
        get_entropy_estimator("knn", k=3)(_rand(3, 2))

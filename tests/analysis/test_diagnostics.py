"""SSL information diagnostics: closed forms on synthetic embeddings, and the trainer callback.

Known answers: Gaussian entropies ½ ln det(2πe(Σ + δI)); the Gaussian channel z1 = z2 + ε;
augmentation as a Gaussian channel; InfoNCE on orthonormal pairs; KSG on projections of an
isotropic Gaussian pair; the probe bound on a well-specified logistic model. The callback must
not change training (same logs with and without it) and must survive a kill and resume.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from infossl.analysis.diagnostics import (
    QUANTITIES,
    augmentation_information,
    covariance_eigenvalues,
    gaussian_entropy_ridge,
    infonce_views,
    information_diagnostics,
    label_entropy,
    probe_information,
    projected_ksg_mi,
    scale_normalise,
    view_conditional_entropy,
)
from infossl.analysis.monitor import read_diagnostics
from infossl.analysis.monitor_guards import OverheadBudget
from infossl.analysis.trainer_diagnostics import DiagnosticsCallback, callbacks_from_config

LOG_2PIE = math.log(2.0 * math.pi * math.e)


def _gauss_logdet_entropy(variances: np.ndarray, ridge: float) -> float:
    return 0.5 * len(variances) * LOG_2PIE + 0.5 * float(np.log(variances + ridge).sum())


# ----------------------------------------------------------------------------- building blocks
def test_gaussian_entropy_matches_closed_form():
    rng = np.random.default_rng(0)
    var = np.array([0.5, 1.0, 2.0, 4.0])
    z = rng.standard_normal((40_000, 4)) * np.sqrt(var)
    est = gaussian_entropy_ridge(z, ridge=1e-4)
    # sampling sd of a 4-D log-det at n = 40k is about sqrt(2·4/n)/2 ≈ 0.007
    assert est.value == pytest.approx(_gauss_logdet_entropy(var, 1e-4), abs=0.03)
    assert est.kind == "upper" and est.unit == "nats" and est.quantity == "H(Z)"


def test_gaussian_entropy_wide_data_uses_gram_identity():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((40, 300))
    direct = np.clip(np.linalg.eigvalsh(np.cov(z.T)), 0.0, None)
    expected = _gauss_logdet_entropy(direct, 1e-3)
    assert gaussian_entropy_ridge(z, ridge=1e-3).value == pytest.approx(expected, rel=1e-9)
    lam = covariance_eigenvalues(z)
    assert lam.shape == (300,) and np.all(np.diff(lam) <= 1e-12)
    np.testing.assert_allclose(np.sort(lam), np.sort(direct), atol=1e-10)


def test_collapsed_directions_each_add_half_log_2pie_ridge():
    rng = np.random.default_rng(2)
    a = np.array([1.0, 2.0, 0.0, -1.0, 0.5])
    z = rng.standard_normal((500, 1)) * a  # rank one in 5 dimensions
    lam1 = float(np.var(z @ a / np.linalg.norm(a), ddof=1))
    ridge = 1e-4
    expected = 0.5 * (LOG_2PIE + math.log(lam1 + ridge)) + 4 * 0.5 * (LOG_2PIE + math.log(ridge))
    assert gaussian_entropy_ridge(z, ridge=ridge).value == pytest.approx(expected, abs=1e-8)


def test_view_conditional_entropy_of_additive_gaussian_channel():
    rng = np.random.default_rng(3)
    s = np.array([0.1, 0.3, 1.0])
    z2 = rng.standard_normal((40_000, 3)) * 2.0
    z1 = z2 + rng.standard_normal((40_000, 3)) * np.sqrt(s)
    est = view_conditional_entropy(z1, z2, ridge=1e-6)
    # exact H(Z1|Z2) = ½ ln det(2πe S) since the noise is independent of z2
    assert est.value == pytest.approx(_gauss_logdet_entropy(s, 1e-6), abs=0.03)
    assert est.kind == "proxy" and est.quantity == "H(Z1|Z2)"


def test_augmentation_information_closed_form():
    rng = np.random.default_rng(4)
    a, s = np.array([1.0, 4.0, 0.25]), np.array([0.5, 1.0, 0.25])
    mu = rng.standard_normal((40_000, 3)) * np.sqrt(a)
    z1 = mu + rng.standard_normal(mu.shape) * np.sqrt(s)
    z2 = mu + rng.standard_normal(mu.shape) * np.sqrt(s)
    est = augmentation_information(z1, z2, ridge=1e-8)
    expected = 0.5 * float(np.log((a + s) / s).sum())  # I(X;Z) of the Gaussian channel
    assert est.value == pytest.approx(expected, abs=0.03)
    assert est.quantity == "I(X;Z)" and est.kind == "proxy"


def test_infonce_orthonormal_pairs_closed_form():
    k, tau = 16, 0.2
    z = np.eye(k) * 3.0  # cosine 1 on the diagonal, 0 elsewhere
    est = infonce_views(z, z, temperature=tau)
    expected = math.log(k) + 1.0 / tau - math.log(math.exp(1.0 / tau) + k - 1)
    assert est.value == pytest.approx(expected, abs=1e-12)
    assert est.ceiling == pytest.approx(math.log(k))
    assert est.kind == "lower" and est.value <= est.ceiling


def test_infonce_independent_views_is_clipped_to_zero():
    rng = np.random.default_rng(5)
    d, tau = 32, 0.1
    z1, z2 = rng.standard_normal((512, d)), rng.standard_normal((512, d))
    est = infonce_views(z1, z2, temperature=tau)
    assert est.value == 0.0
    # cos ≈ N(0, 1/d) for independent directions: raw ≈ −ln E exp(cos/τ) ≈ −1/(2τ²d)
    assert est.params["raw_bound"] == pytest.approx(-1.0 / (2 * tau**2 * d), abs=0.1)


def test_projected_ksg_of_isotropic_gaussian_pair():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3000, 6))
    z1 = x + math.sqrt(0.5) * rng.standard_normal(x.shape)
    z2 = x + math.sqrt(0.5) * rng.standard_normal(x.shape)
    rho = 1.0 / 1.5  # correlation of each projected coordinate
    expected = -math.log(1.0 - rho**2)  # MI of two independent coordinate pairs, any 2-D W
    est = projected_ksg_mi(z1, z2, n_projections=4, seed=0)
    assert est.value == pytest.approx(expected, abs=0.06)
    assert est.kind == "lower" and est.stderr is not None
    again = projected_ksg_mi(z1, z2, n_projections=4, seed=0)
    assert again.value == est.value


def _logistic_truth(mu: float) -> float:
    """I(Z;Y) for Y uniform on {±1}, Z|Y ~ N(y·mu, 1) (numerical quadrature, nats)."""
    z = np.linspace(-12, 12, 200_001)
    phi = lambda t: np.exp(-0.5 * t**2) / math.sqrt(2 * math.pi)  # noqa: E731
    p = 0.5 * (phi(z - mu) + phi(z + mu))
    post = 1.0 / (1.0 + np.exp(-2.0 * mu * z))
    h = -(post * np.log(post + 1e-300) + (1 - post) * np.log(1 - post + 1e-300))
    return math.log(2.0) - float(np.trapezoid(p * h, z))


def test_probe_bound_is_tight_for_a_well_specified_model():
    rng = np.random.default_rng(7)
    mu = 1.0
    y_fit, y_test = rng.integers(0, 2, 8000), rng.integers(0, 2, 8000)
    z_fit = (2 * y_fit - 1)[:, None] * mu + rng.standard_normal((8000, 1))
    z_test = (2 * y_test - 1)[:, None] * mu + rng.standard_normal((8000, 1))
    est, acc = probe_information(z_fit, y_fit, z_test, y_test, C=100.0, pca_dims=None)
    assert est.value == pytest.approx(_logistic_truth(mu), abs=0.02)
    assert est.value <= est.ceiling + 1e-12
    assert acc == pytest.approx(0.841, abs=0.02)  # Φ(1), the Bayes accuracy


def test_probe_on_independent_labels_gives_zero():
    rng = np.random.default_rng(8)
    z = rng.standard_normal((600, 10))
    y = rng.integers(0, 3, 600)
    est, _ = probe_information(z[:300], y[:300], z[300:], y[300:])
    assert est.value == 0.0
    assert est.params["raw_bound"] < 0.05


def test_probe_separable_classes_reach_the_label_entropy():
    rng = np.random.default_rng(9)
    y = np.repeat(np.arange(4), 100)
    z = np.eye(4)[y] * 20.0 + rng.standard_normal((400, 4))
    est, acc = probe_information(z[::2], y[::2], z[1::2], y[1::2], C=10.0)
    assert label_entropy(y) == pytest.approx(math.log(4))
    assert acc == 1.0
    assert est.value == pytest.approx(math.log(4), abs=0.02)


def test_information_diagnostics_is_scale_invariant_and_complete():
    rng = np.random.default_rng(10)
    z1 = rng.standard_normal((256, 8))
    z2 = z1 + 0.3 * rng.standard_normal((256, 8))
    y = (z1[:, 0] > 0).astype(int)
    hold = rng.standard_normal((256, 8))
    yh = (hold[:, 0] > 0).astype(int)
    a = information_diagnostics(z1, z2, z1, y, hold, yh)
    b = information_diagnostics(7.0 * z1, 7.0 * z2, 7.0 * z1, y, 7.0 * hold, yh)
    assert set(a.estimates) == set(QUANTITIES) and not a.errors
    for key in a.estimates:
        assert b.estimates[key].value == pytest.approx(
            a.estimates[key].value, rel=1e-6, abs=1e-8
        ), key
    # isotropic Gaussian after normalisation: about (d/2) ln(2πe), minus the log-det bias
    assert a.estimates["H(Z):gaussian-ridge"].value == pytest.approx(4 * LOG_2PIE, abs=0.5)
    assert a.metrics["rank_ceiling"] == 8 and 0 < a.metrics["rankme"] <= 8
    assert len(a.spectrum) == 8
    (n1, n2), s = scale_normalise(z1 * 3.0, z2)
    assert s == pytest.approx(3.0 * math.sqrt(float(z1.var(axis=0, ddof=1).mean())))
    assert float(n1.var(axis=0, ddof=1).mean()) == pytest.approx(1.0)
    np.testing.assert_allclose(n2 * s, z2)


def test_label_quantities_are_skipped_without_labels():
    rng = np.random.default_rng(11)
    z1 = rng.standard_normal((64, 4))
    res = information_diagnostics(z1, z1 + 0.1, quantities=["I(Z;Y):probe", "H(Z):kl"])
    assert set(res.estimates) == {"H(Z):kl"}


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: gaussian_entropy_ridge(np.ones((10, 2)) * np.arange(2), ridge=0.0), "ridge"),
        (lambda: view_conditional_entropy(np.zeros((5, 2)), np.zeros((6, 2))), "same number"),
        (lambda: view_conditional_entropy(np.zeros((5, 2)), np.zeros((5, 3))), "dimension"),
        (lambda: infonce_views(np.full((4, 2), np.nan), np.ones((4, 2))), "NaN"),
        (lambda: infonce_views(np.ones((4, 2)), np.ones((4, 2)), temperature=0), "temperature"),
        (lambda: infonce_views(np.zeros((4, 2)), np.ones((4, 2))), "zero row"),
        (lambda: projected_ksg_mi(np.ones((9, 2)), np.ones((9, 2)), dims=3), "dims"),
        (
            lambda: probe_information(np.ones((4, 2)), [0, 0, 0, 0], np.ones((4, 2)), [0, 1, 0, 1]),
            "at least 2 classes",
        ),
        (
            lambda: information_diagnostics(
                np.ones((8, 2)), np.ones((8, 2)), quantities=["I(A;B)"]
            ),
            "quantities",
        ),
        (lambda: DiagnosticsCallback(every_epochs=0), "every_epochs"),
        (lambda: DiagnosticsCallback(representation="head"), "representation"),
        (lambda: DiagnosticsCallback(at_start=1), "at_start"),
    ],
)
def test_bad_inputs_raise_naming_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# ----------------------------------------------------------------------------- the callback
TINY = [
    "data.limit=256",
    "train.batch_size=64",
    "train.epochs=3",
    "train.precision=fp32",
    "model.backbone=mlp",
    "model.backbone_options={hidden: [64, 64]}",
    "model.proj_hidden=64",
    "model.proj_out=16",
    "log.every_steps=1",
    "log.progress=false",
    "log.tensorboard=false",
    "eval.final_linear=false",
    "eval.knn_every_epochs=0",
]
DIAG = [
    "diagnostics.enabled=true",
    "diagnostics.every_epochs=1",
    "diagnostics.batch_size=64",
    "diagnostics.max_overhead=null",
]


pytestmark = pytest.mark.usefixtures("one_thread")


def _run(out: Path, extra: list[str], **kwargs):
    from infossl.train.config import load_config
    from infossl.train.trainer import train

    cfg = load_config(None, [*TINY, *extra, f"out={out}"])
    return train(cfg, epoch_callbacks=callbacks_from_config(cfg), **kwargs)


def _records(out: Path) -> list[dict]:
    from infossl.train.logger import read_jsonl

    return [{k: v for k, v in r.items() if k != "time"} for r in read_jsonl(out / "metrics.jsonl")]


def _rows(out: Path) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "time"} for r in read_diagnostics(out)]


def test_callback_writes_rows_and_leaves_training_unchanged(tmp_path):
    _run(tmp_path / "plain", ["diagnostics.enabled=false"])
    _run(tmp_path / "diag", DIAG)
    assert not (tmp_path / "plain" / "diagnostics.jsonl").exists()
    assert _records(tmp_path / "plain") == _records(tmp_path / "diag")
    rows = read_diagnostics(tmp_path / "diag")
    assert [r["epoch"] for r in rows] == [0, 1, 2, 3]
    assert [r["step"] for r in rows] == [0, 4, 8, 12]
    for r in rows:
        assert r["representation"] == "projector" and r["n"] == 64 and r["dim"] == 16
        assert not r["errors"], r["errors"]
        for key, est in r["estimates"].items():
            assert {"value", "unit", "kind", "ceiling", "method", "n"} <= set(est), key
            assert est["unit"] == "nats" and math.isfinite(est["value"])
        assert r["estimates"]["I(Z1;Z2):infonce"]["ceiling"] == pytest.approx(math.log(64))
        assert r["time"]["seconds"] > 0
    assert rows[1]["time"]["train_seconds"] > 0 and rows[1]["time"]["overhead"] > 0
    assert json.loads(json.dumps(rows)) == rows


def test_every_epochs_and_the_last_epoch(tmp_path):
    _run(
        tmp_path / "run",
        [
            *DIAG,
            "diagnostics.every_epochs=2",
            "diagnostics.at_start=false",
            "diagnostics.representation=backbone",
        ],
    )
    rows = read_diagnostics(tmp_path / "run")
    assert [r["epoch"] for r in rows] == [2, 3]
    assert rows[0]["representation"] == "backbone" and rows[0]["dim"] == 64


class _Kill(Exception):
    pass


def test_resumed_run_rewrites_rows_after_the_checkpoint(tmp_path):
    ckpt = ["checkpoint.every_steps=3", "checkpoint.every_epochs=0"]
    _run(tmp_path / "full", [*DIAG, *ckpt])

    def kill(info):
        if info.step == 5:
            raise _Kill

    with pytest.raises(_Kill):
        _run(tmp_path / "cut", [*DIAG, *ckpt], callbacks=[kill])
    assert [r["step"] for r in read_diagnostics(tmp_path / "cut")] == [0, 4]
    _run(tmp_path / "cut", [*DIAG, *ckpt], resume=True)
    assert _rows(tmp_path / "cut") == _rows(tmp_path / "full")


def _schedule(max_overhead: float | None, epochs: int = 20) -> list[int]:
    """The epochs the trainer callback's rule measures when every pass costs 1 s and every
    epoch trains for 2 s (the callback's logic: due every epoch, the last forced)."""
    budget = OverheadBudget(max_overhead, reserve_final=True)
    calls = [0]
    budget.record(1.0, counted=False)  # epoch 0: the free first pass
    for epoch in range(1, epochs + 1):
        if epoch == epochs or budget.allows(2.0 * epoch):
            calls.append(epoch)
            budget.record(1.0)
    return calls


def test_max_overhead_defers_passes_to_stay_within_budget():
    # budget 10 % with the final pass reserved: the k-th pass after epoch 0 needs
    # (k + 1) s ≤ 0.1 · 2 s · epoch, i.e. epoch ≥ 5(k + 1); in all 3 s ≤ 0.1 · 40 s
    assert _schedule(0.1) == [0, 10, 15, 20]
    assert _schedule(None) == list(range(21))
    assert _schedule(0.1, epochs=7) == [0, 7]  # the last epoch always runs


def _old_projected_ksg(z1, z2, *, n_projections, dims, k, rng):
    """The former loop of ``projected_ksg_mi``, written out as the reference: shared QR
    projections drawn from ``rng``, then KSG (algorithm 1) on each projected pair."""
    from infossl.api import estimate_mi

    d = z1.shape[1]
    g = rng.standard_normal((n_projections, d, dims))
    q, r = np.linalg.qr(g)
    w = q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]
    values = np.array(
        [estimate_mi(z1 @ w[p], z2 @ w[p], method="ksg1", k=k).value for p in range(n_projections)]
    )
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


@pytest.mark.parametrize(("dims", "k", "seed"), [(2, 3, 0), (1, 4, 5), (3, 3, 9)])
def test_projected_ksg_equals_the_former_computation(dims, k, seed):
    """projected_ksg_mi now runs the registered sliced estimator (paired=True); the numbers are
    exactly those of the former loop (same projections from the same seed, same KSG)."""
    rng = np.random.default_rng(21)
    z1 = rng.standard_normal((300, 5))
    z2 = 0.7 * z1 + 0.5 * rng.standard_normal(z1.shape)
    value, stderr = _old_projected_ksg(
        z1, z2, n_projections=5, dims=dims, k=k, rng=np.random.default_rng(seed)
    )
    est = projected_ksg_mi(z1, z2, n_projections=5, dims=dims, k=k, seed=seed)
    assert est.value == value and est.stderr == stderr
    assert (est.method, est.kind, est.quantity, est.dims) == (
        "ksg-projected",
        "lower",
        "I(Z1;Z2)",
        (5, 5),
    )
    assert est.params == {"k": k, "dims": dims, "n_projections": 5}


def test_diagnostics_ksg_2d_equals_the_former_computation():
    """The ``I(Z1;Z2):ksg-2d`` diagnostic: same value as the former loop on the scale-normalised
    views with the diagnostics' seeded generator."""
    rng = np.random.default_rng(22)
    z1 = rng.standard_normal((200, 6))
    z2 = z1 + 0.4 * rng.standard_normal(z1.shape)
    for seed in (0, 3):
        res = information_diagnostics(
            z1, z2, quantities=["I(Z1;Z2):ksg-2d"], seed=seed, n_projections=6, k=3
        )
        (z1n, z2n, _), _ = scale_normalise(z1, z2, z1)
        value, stderr = _old_projected_ksg(
            z1n, z2n, n_projections=6, dims=2, k=3, rng=np.random.default_rng(seed)
        )
        est = res.estimates["I(Z1;Z2):ksg-2d"]
        assert est.value == value and est.stderr == stderr

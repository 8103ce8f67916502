"""Every trainable method runs; method hooks (EMA, prototypes, fixed rates); precision choice."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from infossl.train import precision as prec
from infossl.train.config import load_config
from infossl.train.logger import read_jsonl
from infossl.train.methods import method_names
from infossl.train.trainer import Trainer, derive_seed, train

BASE = [
    "data.limit=256",
    "train.batch_size=64",
    "train.epochs=2",
    "train.precision=fp32",
    "model.backbone=mlp",
    "model.backbone_options={hidden: [32]}",
    "model.proj_hidden=32",
    "model.proj_out=16",
    "log.progress=false",
    "log.tensorboard=false",
    "eval.final_linear=false",
    "eval.knn_every_epochs=0",
    "log.every_steps=1",
]

EXPECTED_QUANTITY = {
    "simclr": "I(Z1;Z2)",
    "moco": "I(Z1;Z2)",
    "byol": "H(Z2|Z1)",
    "barlow_twins": "H(Z2|Z1)",
    "vicreg": "H(Z1)",
    "mib": "I(Z1;X1|X2)",
    "dino": "H(C2|Z1)",
    "swav": "H(C2|Z1)",
    "ceb": "I(X1;Z1|X2)",
    "vib": "H(Y|Z)",
    "multiview_ib": "H(Y|Z1,Z2)",
    "semi_supervised_ib": "H(Y|Z)",
    "tsai_composite": "H(X2|Z1)",
    "dubois_rd": "I(X1;Z1)",
    "implicit_compression": "H(Z1|Z2)",
    "dont_compress": "H(X1|Z1)",
}


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("method", method_names())
def test_every_method_trains_with_finite_labelled_terms(method, tmp_path):
    extra = ["objective.whiten_size=32"] if method == "w_mse" else []
    cfg = load_config(
        None, [*BASE, *extra, f"method={method}", "train.max_steps=3", f"out={tmp_path}"]
    )
    result = train(cfg)
    assert result.steps == 3 and result.stopped == "max_steps"
    records = read_jsonl(tmp_path / "metrics.jsonl")
    header = next(r for r in records if r["kind"] == "terms")
    steps = [r for r in records if r["kind"] == "train"]
    assert [r["step"] for r in steps] == [1, 2, 3]
    for r in steps:
        assert math.isfinite(r["loss"])
        assert set(r["terms"]) == set(header["terms"])
        assert all(math.isfinite(v) for v in r["terms"].values())
    kinds = {d["kind"] for d in header["terms"].values()}
    assert kinds <= {"lower", "upper", "point", "proxy"}
    if method in EXPECTED_QUANTITY:
        quantities = [d["quantity"] for d in header["terms"].values()]
        assert EXPECTED_QUANTITY[method] in quantities


def test_dont_compress_wraps_projection_losses_only(tmp_path):
    trainer = _trainer(tmp_path, "method=dont_compress", "objective={ssl: vicreg}")
    terms = trainer.model.objective.objective_for(2).terms
    assert {t.name for t in terms} >= {"ssl/invariance", "rec/reconstruction_1"}
    with pytest.raises(
        ValueError, match=r"objective\.ssl must be an objective trained on the proj"
    ):
        _trainer(tmp_path / "b", "method=dont_compress", "objective={ssl: byol}")


def _trainer(tmp_path, *extra: str) -> Trainer:
    return Trainer(load_config(None, [*BASE, *extra, f"out={tmp_path}"]))


def test_byol_target_is_an_exact_ema_of_the_online_network(tmp_path):
    tr = _trainer(tmp_path, "method=byol", "model.momentum=0.9")
    try:
        online = next(iter(tr.method._online().parameters()))
        target = next(iter(tr.method.target.target.parameters()))
        t0 = target.detach().clone()
        assert torch.equal(t0, online.detach())
        tr._train_step(tr.loader.indices(0), 0)
        m = 0.9  # cosine schedule at step 0
        expected = m * t0 + (1 - m) * online.detach()
        assert torch.allclose(target, expected, atol=1e-7)
        assert not torch.equal(target, online)
    finally:
        tr.close()


def test_swav_prototypes_frozen_in_first_epoch_and_unit_norm(tmp_path):
    tr = _trainer(tmp_path, "method=swav", "model.num_prototypes=10")
    try:
        w0 = tr.method.prototypes.layer.weight.detach().clone()
        tr._train_step(tr.loader.indices(0), 0)
        # unchanged up to the re-normalisation's rounding: no gradient step
        assert torch.allclose(tr.method.prototypes.layer.weight, w0, atol=1e-6, rtol=0)
        tr.epoch = 1  # second epoch: prototypes train
        tr._train_step(tr.loader.indices(1), 0)
        w1 = tr.method.prototypes.layer.weight.detach()
        assert (w1 - w0).abs().max() > 1e-4
        assert torch.allclose(w1.norm(dim=1), torch.ones(10), atol=1e-6)
    finally:
        tr.close()


def test_simsiam_predictor_keeps_its_rate(tmp_path):
    tr = _trainer(tmp_path, "method=simsiam", "optim.lr=0.2")
    try:
        groups = tr.opt.optimizer.param_groups
        fixed = [g for g in groups if g["fixed_lr"]]
        pred = {id(p) for p in tr.method.predictor.parameters()}
        assert {id(p) for g in fixed for p in g["params"]} == pred
        for _ in range(3):
            tr.opt.scheduler.step()
        assert all(g["lr"] == 0.2 for g in fixed)
        assert all(g["lr"] < 0.2 for g in groups if not g["fixed_lr"] and g["peak_lr"] == 0.2)
    finally:
        tr.close()


def test_vector_data_with_noise_views(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    x = rng.normal(size=(300, 5)) + y[:, None]
    path = tmp_path / "vec.npz"
    np.savez(path, x=x.astype(np.float32), y=y)
    cfg = load_config(
        None,
        [
            "method=vicreg",
            f"data.name={path}",
            f"data.val={path}",
            "train.batch_size=50",
            "train.epochs=1",
            "train.precision=auto",
            "model.proj_hidden=16",
            "model.proj_out=8",
            "log.progress=false",
            "log.tensorboard=false",
            f"out={tmp_path / 'run'}",
        ],
    )
    result = train(cfg)
    assert result.summary["backbone"] == "mlp"
    assert result.summary["precision"]["dtype"] == "fp32"
    assert 0.0 <= result.summary["knn_acc"] <= 1.0


def test_step_seeds_are_distinct_and_reproducible():
    seeds = {derive_seed(0, e, b, r) for e in range(3) for b in range(5) for r in range(2)}
    assert len(seeds) == 30
    assert derive_seed(1, 2, 3) == derive_seed(1, 2, 3) < 2**63


def test_choose_setting_needs_a_clear_gain():
    rates = {
        "fp32/nchw": 100.0,
        "fp32/channels_last": 90.0,
        "bf16/nchw": 105.0,
        "bf16/channels_last": 200.0,
    }
    assert prec.choose_setting(rates) == "bf16/channels_last"
    assert prec.choose_setting(rates, channels_last=False) == "fp32/nchw"  # 5 % < 10 %
    rates["bf16/channels_last"] = 95.0
    assert prec.choose_setting(rates) == "fp32/nchw"


def test_resolve_precision_rules_and_cache(tmp_path, monkeypatch):
    cpu = torch.device("cpu")
    common = dict(
        backbone_key="k", make_backbone=lambda: torch.nn.Identity(), input_shape=(1, 8, 8)
    )
    with pytest.raises(ValueError, match="fp16"):
        prec.resolve_precision("fp16", "auto", cpu, backbone_name="convnet", **common)
    p = prec.resolve_precision("auto", "auto", cpu, backbone_name="mlp", **common)
    assert (p.dtype, p.channels_last) == ("fp32", False)
    p = prec.resolve_precision("bf16", True, cpu, backbone_name="convnet", **common)
    assert (p.dtype, p.channels_last) == ("bf16", True)

    monkeypatch.setenv("INFOSSL_CACHE", str(tmp_path))
    monkeypatch.setattr(prec, "_cpu_bf16_supported", lambda: True)
    calls = []

    def fake_measure(make, shape, **kw):
        calls.append(shape)
        return {
            "fp32/nchw": 100.0,
            "fp32/channels_last": 80.0,
            "bf16/nchw": 250.0,
            "bf16/channels_last": 150.0,
        }

    monkeypatch.setattr(prec, "measure_cpu_settings", fake_measure)
    first = prec.resolve_precision("auto", "auto", cpu, backbone_name="convnet", **common)
    second = prec.resolve_precision("auto", "auto", cpu, backbone_name="convnet", **common)
    assert (first.dtype, first.channels_last) == ("bf16", False)
    assert second == prec.Precision("bf16", False, second.reason)
    assert len(calls) == 1 and "cached" in second.reason
    assert (tmp_path / "precision.json").is_file()

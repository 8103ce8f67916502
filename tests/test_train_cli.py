"""``infossl train`` on digits for one epoch, then ``infossl eval linear|knn`` on its checkpoint."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from infossl.cli.main import app

SMALL = ["data.limit=512", "model.backbone=mlp", "model.backbone_options={hidden: [64]}",
         "model.proj_hidden=64", "model.proj_out=32", "train.precision=fp32",
         "log.progress=false", "log.tensorboard=false"]


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _json(text: str) -> dict:
    return json.loads(text[text.index("{"):])


def test_train_then_eval_linear_and_knn(tmp_path):
    runner = CliRunner()
    out = tmp_path / "run"
    res = runner.invoke(app, ["train", "--method", "simclr", "--data", "digits", "--epochs", "1",
                              "--batch-size", "128", "--out", str(out), *SMALL])
    assert res.exit_code == 0, res.output
    assert "offline linear probe accuracy" in res.output and "I(Z1;Z2)" in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 4 and summary["stopped"] == "completed"
    ckpt = out / "checkpoints" / "last.pt"

    lin = runner.invoke(app, ["eval", "linear", "--checkpoint", str(ckpt)])
    assert lin.exit_code == 0, lin.output
    lin_res = _json(lin.output)
    # the same features and protocol as the trainer's final linear probe
    assert lin_res["accuracy"] == pytest.approx(summary["linear_acc"], abs=1e-12)
    assert lin_res["n_train"] == 512 and lin_res["n_val"] == 359

    knn = runner.invoke(app, ["eval", "knn", "--checkpoint", str(ckpt)])
    assert knn.exit_code == 0, knn.output
    assert _json(knn.output)["accuracy"] == pytest.approx(summary["knn_acc"], abs=1e-12)

    pixels = runner.invoke(app, ["eval", "linear", "--checkpoint", str(ckpt),
                                 "--encoder", "pixels", "--C", "0.1,1"])
    assert pixels.exit_code == 0, pixels.output
    assert _json(pixels.output)["dim"] == 64
    assert 0.85 < _json(pixels.output)["accuracy"] <= 1.0


def test_cli_reports_bad_config_and_missing_checkpoint(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["train", "--out", str(tmp_path / "x"), "optim.lrr=0.1"])
    assert res.exit_code == 2
    assert "optim.lrr: unknown key" in res.output
    res = runner.invoke(app, ["train", "--epochs", "0", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "train.epochs" in res.output
    res = runner.invoke(app, ["eval", "knn", "--checkpoint", str(tmp_path / "none.pt")])
    assert res.exit_code == 2 and "checkpoint not found" in res.output
    res = runner.invoke(app, ["train", "--resume", "--out", str(tmp_path / "empty")])
    assert res.exit_code == 2 and "nothing to resume" in res.output

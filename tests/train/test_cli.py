"""``infossl train`` on digits for one epoch, then ``infossl eval linear|knn`` on its checkpoint."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from infossl.cli.main import app

SMALL = [
    "data.limit=512",
    "model.backbone=mlp",
    "model.backbone_options={hidden: [64]}",
    "model.proj_hidden=64",
    "model.proj_out=32",
    "train.precision=fp32",
    "log.progress=false",
    "log.tensorboard=false",
]


pytestmark = pytest.mark.usefixtures("one_thread")


def _json(text: str) -> dict:
    return json.loads(text[text.index("{") :])


@pytest.mark.slow
def test_train_then_eval_linear_and_knn(tmp_path):
    runner = CliRunner()
    out = tmp_path / "run"
    res = runner.invoke(
        app,
        [
            "train",
            "--method",
            "simclr",
            "--data",
            "digits",
            "--epochs",
            "1",
            "--batch-size",
            "128",
            "--out",
            str(out),
            *SMALL,
        ],
    )
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
    # a run folder, positional or as --checkpoint, means its checkpoints/last.pt
    for args in ([str(out)], ["--checkpoint", str(out)]):
        by_dir = runner.invoke(app, ["eval", "knn", *args])
        assert by_dir.exit_code == 0, by_dir.output
        assert _json(by_dir.output)["accuracy"] == pytest.approx(summary["knn_acc"], abs=1e-12)

    pixels = runner.invoke(
        app, ["eval", "linear", "--checkpoint", str(ckpt), "--encoder", "pixels", "--C", "0.1,1"]
    )
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


def test_eval_reports_a_run_folder_without_checkpoint_in_one_line(tmp_path):
    runner = CliRunner()
    folder = tmp_path / "run"
    folder.mkdir()
    for command in ("knn", "linear"):
        for args in ([str(folder)], ["--checkpoint", str(folder)]):
            res = runner.invoke(app, ["eval", command, *args])
            assert res.exit_code == 2, res.output
            lines = res.output.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: no checkpoint in run folder")
            assert str(folder / "checkpoints" / "last.pt") in lines[0]
    res = runner.invoke(app, ["eval", "knn"])
    assert res.exit_code == 2
    assert "error: missing the run: pass RUN_DIR or --checkpoint" in res.output
    res = runner.invoke(app, ["eval", "knn", str(folder), "--checkpoint", str(folder)])
    assert res.exit_code == 2 and "not both" in res.output


def test_config_yaml_records_resolved_values_and_resume_extends(tmp_path):
    import yaml

    from infossl.train.config import load_config

    runner = CliRunner()
    out = tmp_path / "run"
    base = [
        "train",
        "--method",
        "simclr",
        "--data",
        "digits",
        "--batch-size",
        "128",
        "--out",
        str(out),
        *SMALL,
        "eval.final_linear=false",
        "train.threads=1",
    ]
    res = runner.invoke(app, [*base, "--epochs", "1"])
    assert res.exit_code == 0, res.output
    written = yaml.safe_load((out / "config.yaml").read_text())
    assert written["optim"]["lr"] is None and written["train"]["precision"] == "fp32"
    r = written["resolved"]
    assert r["optim"]["name"] == "sgd"
    assert r["optim"]["lr"] == pytest.approx(0.06 * 128 / 128, rel=1e-12)  # sgd 0.06·B/128
    assert r["optim"]["weight_decay"] == pytest.approx(5e-4)
    assert (r["optim"]["total_steps"], r["optim"]["steps_per_epoch"]) == (4, 4)
    assert (r["precision"], r["channels_last"], r["device"], r["threads"]) == (
        "fp32",
        False,
        "cpu",
        1,
    )
    assert r["model"] == {
        "backbone": "mlp",
        "feat_dim": 64,
        "proj_hidden": 64,
        "proj_out": 32,
        "proj_layers": 1,
    }
    assert r["augment"] == "digits" and r["epoch_changes"] == []
    assert load_config(out / "config.yaml").to_dict()["optim"] == written["optim"]

    # --resume from the folder alone: its config.yaml (with the resolved section) is the base
    res = runner.invoke(app, ["train", "--resume", "--out", str(out), "--epochs", "2"])
    assert res.exit_code == 0, res.output
    assert "train.epochs 1 -> 2 at step 4" in res.stderr
    assert json.loads((out / "summary.json").read_text())["steps"] == 8
    r = yaml.safe_load((out / "config.yaml").read_text())["resolved"]
    assert r["optim"]["total_steps"] == 8 and len(r["epoch_changes"]) == 1

    res = runner.invoke(app, ["train", "--resume", "--out", str(out), "--epochs", "1"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "train.epochs=1" in lines[0] and "--epochs 2 or more" in lines[0]


class _Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


def _one_line_error(res) -> str:
    lines = res.output.strip().splitlines()
    assert res.exit_code == 2 and len(lines) == 1, res.output
    assert lines[0].startswith("error: ")
    return lines[0]


def test_eval_refuses_bad_checkpoint_files_in_one_line_naming_them(tmp_path):
    import torch

    from infossl.train.checkpoint import save_checkpoint

    runner = CliRunner()
    files = {
        "no_config.pt": ("has no 'config' entry", None),
        "notes.pt": ("not a checkpoint written by torch.save", b"hello\n"),
        "empty.pt": ("is empty (0 bytes)", b""),
        "evil.pt": ("holds objects other than tensors and plain values", None),
        "flipped.pt": ("does not match the SHA-256 checksum", None),
    }
    save_checkpoint(tmp_path / "no_config.pt", {"model": {"w": torch.ones(2)}})
    torch.save({"x": _Payload()}, tmp_path / "evil.pt")
    w = torch.arange(1024.0)
    flipped = save_checkpoint(tmp_path / "flipped.pt", {"model": {"w": w}, "config": {}})
    data = bytearray(flipped.read_bytes())
    data[bytes(data).index(w.numpy().tobytes()[:64]) + 64] ^= 1
    flipped.write_bytes(bytes(data))
    for name, (expected, content) in files.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        for command in ("linear", "knn"):
            line = _one_line_error(runner.invoke(app, ["eval", command, "--checkpoint", str(path)]))
            assert str(path) in line and expected in line, line
            assert "weights_only" not in line and "this must never run" not in line


def test_train_disk_full_and_read_only_out_are_one_line_errors(tmp_path, monkeypatch):
    import errno
    import os

    from infossl.train import checkpoint, runlock

    def full_disk(f, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    runner = CliRunner()
    out = tmp_path / "full"
    args = ["train", "--epochs", "1", "--batch-size", "128", "--out", str(out), *SMALL]
    with monkeypatch.context() as m:
        m.setattr(checkpoint, "_write_all", full_disk)
        res = runner.invoke(app, [*args, "eval.final_linear=false", "train.threads=1"])
    lines = res.output.strip().splitlines()
    assert res.exit_code == 1 and len(lines) == 1, res.output
    assert lines[0].startswith(f"error: cannot write {out / 'checkpoints' / 'last.pt'}: No space")

    ro = tmp_path / "ro"
    real_open = os.open

    def read_only(path, flags, *rest):
        if str(path).startswith(str(ro)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *rest)

    monkeypatch.setattr(runlock.os, "open", read_only)
    res = runner.invoke(app, ["train", "--out", str(ro), *SMALL])
    lines = res.output.strip().splitlines()
    assert res.exit_code == 1 and len(lines) == 1, res.output
    assert lines[0] == (
        f"error: cannot write to run folder {ro}: Read-only file system; choose a writable --out"
    )

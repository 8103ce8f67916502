"""A run protects its checkpoints: a state with a non-finite tensor is never the "last good"
checkpoint, a full disk or a read-only run folder is one clear ``OSError`` and keeps the
previous checkpoint, a file that is not a run's checkpoint is refused by name on resume."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import torch

from infossl.train import checkpoint as ckpt
from infossl.train import runlock
from infossl.train.checkpoint import CheckpointError, CheckpointWriteError, load_checkpoint
from infossl.train.config import load_config
from infossl.train.logger import read_jsonl
from infossl.train.methods import EmbeddingMethod
from infossl.train.runlock import RunFolderError
from infossl.train.trainer import NonFiniteLossError, train

from .checkpoint_faults import fault_in_last_pt_write
from .test_resume import TINY, _nan_at

pytestmark = pytest.mark.usefixtures("one_thread")

BN_VAR = "backbone.body.1.running_var"


def test_non_finite_buffers_skip_the_checkpoint_and_the_guard_names_the_last_good_one(
    tmp_path, monkeypatch, capsys
):
    out = tmp_path / "bn"
    cfg = load_config(None, [*TINY, f"out={out}", "checkpoint.every_steps=2"])

    def poison(info):  # BatchNorm statistics blow up after step 3, the loss stays finite
        if info.step == 3:
            with torch.no_grad():
                info.method.state_dict()[BN_VAR][:4] = float("inf")

    monkeypatch.setattr(EmbeddingMethod, "compute_loss", _nan_at(7, "mi"))
    with pytest.raises(NonFiniteLossError) as err:
        train(cfg, callbacks=[poison])
    assert "the last good checkpoint is" in str(err.value) and "(step 2)" in str(err.value)
    state = load_checkpoint(out / "checkpoints" / "last.pt")
    assert state["progress"]["step"] == 2 and torch.isfinite(state["model"][BN_VAR]).all()
    skipped = [r for r in read_jsonl(out / "metrics.jsonl") if r["kind"] == "checkpoint_skipped"]
    assert [r["step"] for r in skipped] == [4, 6]
    assert {r["tensor"] for r in skipped} == {f"model.{BN_VAR}"}
    assert skipped[0]["kept_step"] == 2 and "4 of 64 values non-finite" in skipped[0]["detail"]
    assert f"checkpoint at step 4 skipped: tensor model.{BN_VAR} is not finite" in (
        capsys.readouterr().err
    )
    assert __import__("json").loads((out / "checkpoints" / "last.json").read_text())["step"] == 2


def test_disk_full_during_a_run_is_one_oserror_and_keeps_the_previous_checkpoint(
    tmp_path, monkeypatch
):
    out = tmp_path / "full"
    cfg = load_config(None, [*TINY, f"out={out}"])  # checkpoints at 4 (epoch end), 5, 8, ...

    def full_disk(f, data):
        f.write(bytes(data[:1000]))
        raise OSError(errno.ENOSPC, "No space left on device")

    original = ckpt._write_all
    monkeypatch.setattr(ckpt, "_write_all", fault_in_last_pt_write(2, full_disk))
    with pytest.raises(CheckpointWriteError) as err:
        train(cfg)
    path = out / "checkpoints" / "last.pt"
    msg = str(err.value)
    assert err.value.errno == errno.ENOSPC and err.value.path == path
    assert msg.startswith(f"cannot write {path}: No space left on device") and "\n" not in msg
    assert load_checkpoint(path)["progress"]["step"] == 4
    assert not [p for p in path.parent.iterdir() if ".tmp-" in p.name]
    monkeypatch.setattr(ckpt, "_write_all", original)
    assert train(cfg, resume=True).steps == 12  # the lock went with the failed run


def test_read_only_run_folder_is_one_oserror_naming_it(tmp_path, monkeypatch):
    out = tmp_path / "ro" / "run"
    real_open = os.open

    def read_only(path, flags, *args):
        if str(path).startswith(str(out)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(runlock.os, "open", read_only)
    with pytest.raises(RunFolderError) as err:
        train(load_config(None, [*TINY, f"out={out}"]))
    msg = str(err.value)
    assert isinstance(err.value, OSError) and err.value.errno == errno.EROFS
    assert (
        msg == f"cannot write to run folder {out}: Read-only file system; choose a writable --out"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_permissions_are_refused(tmp_path):  # pragma: no cover - not run as root
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(RunFolderError, match=f"cannot write to run folder {folder / 'run'}"):
            train(load_config(None, [*TINY, f"out={folder / 'run'}"]))
    finally:
        folder.chmod(0o755)


def test_resume_refuses_files_that_are_not_a_runs_checkpoint(tmp_path):
    out = tmp_path / "run"
    cfg = load_config(None, [*TINY, f"out={out}"])
    path: Path = out / "checkpoints" / "last.pt"
    path.parent.mkdir(parents=True)
    ckpt.save_checkpoint(path, {"model": {"w": torch.ones(2)}, "format": 1})
    with pytest.raises(CheckpointError, match=r"has no 'config' entry") as err:
        train(cfg, resume=True)
    assert str(path) in str(err.value)
    for content, match in ((b"", "empty"), (b"step: 3\n", "not a checkpoint written by")):
        path.write_bytes(content)
        with pytest.raises(CheckpointError, match=match):
            train(cfg, resume=True)
    assert not (out / "metrics.jsonl").exists()  # refused before anything was written

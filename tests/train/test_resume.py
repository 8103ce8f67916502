"""Exact resumption and the NaN/inf guard of the trainer.

A run killed at several points (simulated by an exception raised after a step, and once by a
real SIGKILL of a subprocess) and resumed from its last checkpoint must end with the same
weights (``torch.equal``) and the same logged metrics (every record but its wall-clock
``time`` field) as the uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from infossl.framework import LossOutput, TermValue
from infossl.train.checkpoint import load_checkpoint
from infossl.train.config import load_config
from infossl.train.logger import read_jsonl
from infossl.train.methods import EmbeddingMethod
from infossl.train.trainer import NonFiniteLossError, train

ROOT = Path(__file__).resolve().parents[2]

TINY = [
    "data.limit=256",
    "train.batch_size=64",
    "train.epochs=3",
    "train.precision=fp32",
    "model.backbone=mlp",
    "model.backbone_options={hidden: [64, 64]}",
    "model.proj_hidden=64",
    "model.proj_out=32",
    "log.every_steps=1",
    "log.progress=false",
    "checkpoint.every_steps=5",
    "eval.final_linear=false",
]
MOCO_LARS = ["method=moco", "objective.queue_size=128", "optim.name=lars", "optim.warmup_epochs=1"]


pytestmark = pytest.mark.usefixtures("one_thread")


class _Kill(Exception):
    pass


def _kill_after(step: int):
    def callback(info):
        if info.step == step:
            raise _Kill(step)

    return callback


def _weights(out: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(out / "checkpoints" / "last.pt")["model"]


def _records(out: Path) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "time"} for r in read_jsonl(out / "metrics.jsonl")]


def _assert_same_run(a: Path, b: Path) -> None:
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    for key in wa:
        assert torch.equal(wa[key], wb[key]), key
    ra, rb = _records(a), _records(b)
    assert len(ra) == len(rb) and ra == rb


def test_killed_at_several_points_resumes_exactly(tmp_path):
    ref = tmp_path / "ref"
    cfg_ref = load_config(None, [*TINY, *MOCO_LARS, f"out={ref}"])
    full = train(cfg_ref)
    assert full.steps == 12 and full.stopped == "completed"

    run = tmp_path / "run"
    cfg = load_config(None, [*TINY, *MOCO_LARS, f"out={run}"])
    with pytest.raises(_Kill):  # checkpoints at steps 4 (epoch end) and 5
        train(cfg, callbacks=[_kill_after(7)])
    assert load_checkpoint(run / "checkpoints" / "last.pt")["progress"]["step"] == 5
    with pytest.raises(_Kill):  # resumed at 5; checkpoints at 8 (epoch end) and 10
        train(cfg, resume=True, callbacks=[_kill_after(11)])
    assert load_checkpoint(run / "checkpoints" / "last.pt")["progress"]["step"] == 10
    resumed = train(cfg, resume=True)
    assert resumed.steps == 12 and resumed.stopped == "completed"
    _assert_same_run(ref, run)
    kinds = {r["kind"] for r in _records(run)}
    assert kinds == {"terms", "train", "eval"}
    header = next(r for r in _records(run) if r["kind"] == "terms")
    assert header["terms"]["mi"]["quantity"] == "I(Z1;Z2)"
    assert header["terms"]["mi"]["kind"] == "lower"
    assert (run / "tb").is_dir() and any((run / "tb").iterdir())


def test_resume_refuses_a_changed_config_and_a_missing_checkpoint(tmp_path):
    out = tmp_path / "r"
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        train(load_config(None, [*TINY, f"out={out}"]), resume=True)
    train(load_config(None, [*TINY, "train.max_steps=2", f"out={out}"]))
    with pytest.raises(ValueError, match=r"optim\.lr"):
        train(load_config(None, [*TINY, "optim.lr=0.5", f"out={out}"]), resume=True)
    with pytest.raises(FileExistsError, match="--resume"):
        train(load_config(None, [*TINY, f"out={out}"]))


def _cli(out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "infossl",
        "train",
        "--method",
        "simclr",
        "--data",
        "digits",
        "--epochs",
        "6",
        "--batch-size",
        "64",
        "--out",
        str(out),
        "train.threads=1",
        "train.precision=fp32",
        "model.backbone=mlp",
        "model.backbone_options={hidden: [64]}",
        "model.proj_hidden=64",
        "model.proj_out=32",
        "log.progress=false",
        "log.tensorboard=false",
        "checkpoint.every_steps=7",
        "eval.final_linear=false",
        "eval.knn_every_epochs=0",
        *extra,
    ]


def test_real_sigkill_then_resume_matches_uninterrupted(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ref, run = tmp_path / "ref", tmp_path / "run"
    subprocess.run(_cli(ref), check=True, env=env, capture_output=True, timeout=300)
    proc = subprocess.Popen(
        _cli(run), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    sidecar = run / "checkpoints" / "last.json"
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if sidecar.exists() and '"step": 7' not in sidecar.read_text():
            break  # at least two checkpoints written: well inside the run
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    subprocess.run([*_cli(run), "--resume"], check=True, env=env, capture_output=True, timeout=300)
    _assert_same_run(ref, run)


def _nan_at(step: int, term: str):
    original = EmbeddingMethod.compute_loss

    def compute_loss(self, out):
        res = original(self, out)
        if self.objective.step != step - 1:
            return res
        nan = torch.tensor(float("nan"))
        terms = {
            k: TermValue(tv.value * nan if k == term else tv.value, tv.term, tv.weight)
            for k, tv in res.terms.items()
        }
        return LossOutput(res.loss * nan, terms, res.constant, res.diagnostics)

    return compute_loss


def test_nan_term_stops_with_step_and_term_and_keeps_last_good_checkpoint(tmp_path, monkeypatch):
    out = tmp_path / "nan"
    cfg = load_config(None, [*TINY, f"out={out}"])
    saved = {}

    def remember(info):
        if info.step == 5:
            saved.update({k: v.clone() for k, v in info.method.state_dict().items()})

    monkeypatch.setattr(EmbeddingMethod, "compute_loss", _nan_at(7, "mi"))
    with pytest.raises(NonFiniteLossError) as err:
        train(cfg, callbacks=[remember])
    msg = str(err.value)
    assert err.value.step == 7 and err.value.term == "mi"
    assert "step 7" in msg and "'mi'" in msg and "I(Z1;Z2) lower bound" in msg
    assert "last good checkpoint" in msg and "(step 5)" in msg
    state = load_checkpoint(out / "checkpoints" / "last.pt")
    assert state["progress"]["step"] == 5
    for key, value in saved.items():
        assert torch.equal(state["model"][key], value), key
    steps = [r["step"] for r in read_jsonl(out / "metrics.jsonl") if r["kind"] == "train"]
    assert max(steps) == 6  # nothing logged for the failed step


def test_diverged_encoder_is_reported_before_the_loss(tmp_path):
    out = tmp_path / "div"
    cfg = load_config(None, [*TINY, f"out={out}", "checkpoint.every_steps=2"])

    def poison(info):
        if info.step == 3:
            with torch.no_grad():
                next(info.method.backbone.parameters()).fill_(float("inf"))

    with pytest.raises(NonFiniteLossError, match=r"step 4 .*outputs \(z\) are not finite"):
        train(cfg, callbacks=[poison])
    assert load_checkpoint(out / "checkpoints" / "last.pt")["progress"]["step"] == 2


EXTEND = [*TINY, "optim.name=lars", "checkpoint.every_steps=null"]


def _lr_records(out: Path) -> dict[int, float]:
    return {r["step"]: r["lr"] for r in read_jsonl(out / "metrics.jsonl") if r["kind"] == "train"}


def test_resume_with_more_epochs_extends_a_finished_run(tmp_path, capsys):
    import math

    import yaml

    # lars: default warm-up min(10, epochs/10) epochs = 1 step at 2 epochs, 2 steps at 4; the
    # extension keeps the 1-step warm-up and recomputes the cosine over the 16 steps of 4 epochs
    ref, run = tmp_path / "ref", tmp_path / "run"
    for out in (ref, run):
        assert train(load_config(None, [*EXTEND, "train.epochs=2", f"out={out}"])).steps == 8
    extended = train(load_config(None, [*EXTEND, "train.epochs=4", f"out={ref}"]), resume=True)
    assert extended.steps == 16 and extended.stopped == "completed"
    err = capsys.readouterr().err
    assert "train.epochs 2 -> 4 at step 8" in err and "end at step 16 (was 8" in err

    peak = 0.3 * 64 / 256  # lars default rate for a batch of 64
    lrs = _lr_records(ref)
    assert lrs[8] == pytest.approx(0.0, abs=1e-12)  # the 2-epoch schedule had ended
    for step in range(9, 17):  # the rate of the next step, logged after each step
        expected = peak * 0.5 * (1 + math.cos(math.pi * (step - 1) / 15))
        assert lrs[step] == pytest.approx(expected, rel=1e-9, abs=1e-12), step
    changes = [r for r in read_jsonl(ref / "metrics.jsonl") if r["kind"] == "resume"]
    assert len(changes) == 1
    c = changes[0]
    assert (c["step"], c["epoch"], c["epochs_from"], c["epochs_to"]) == (8, 2, 2, 4)
    assert (c["total_steps_from"], c["total_steps_to"], c["warmup_steps"]) == (8, 16, 1)
    assert c["lr_from"] == pytest.approx(0.0, abs=1e-12)
    assert c["lr_to"] == pytest.approx(peak * 0.5 * (1 + math.cos(math.pi * 7 / 15)), rel=1e-9)
    resolved = yaml.safe_load((ref / "config.yaml").read_text())["resolved"]
    assert resolved["optim"]["total_steps"] == 16 and resolved["optim"]["warmup_steps"] == 1
    assert resolved["epoch_changes"] == [{k: v for k, v in c.items() if k != "kind"}]
    assert load_config(ref / "config.yaml").train.epochs == 4

    # the extended run killed before its first checkpoint, then again after one, resumes
    # exactly: same weights, same records (one resume record), same 1-step warm-up
    cfg4 = load_config(None, [*EXTEND, "train.epochs=4", f"out={run}"])
    with pytest.raises(_Kill):
        train(cfg4, resume=True, callbacks=[_kill_after(10)])
    with pytest.raises(_Kill):  # checkpoint at 12 (end of epoch 3)
        train(cfg4, resume=True, callbacks=[_kill_after(14)])
    assert load_checkpoint(run / "checkpoints" / "last.pt")["progress"]["step"] == 12
    assert train(cfg4, resume=True).steps == 16
    _assert_same_run(ref, run)


def test_resume_with_fewer_epochs_than_done_is_refused(tmp_path):
    out = tmp_path / "short"
    train(load_config(None, [*EXTEND, "train.epochs=3", "train.max_steps=6", f"out={out}"]))
    # step 6 = epoch 2, batch 2: epoch 2 has started, so 2 epochs is the least
    with pytest.raises(
        ValueError,
        match=r"train\.epochs=1: the checkpoint \(step 6\) has "
        r"already started epoch 2; pass --epochs 2 or more",
    ):
        train(load_config(None, [*EXTEND, "train.epochs=1", f"out={out}"]), resume=True)
    # shortening to the epoch in progress is allowed and ends there
    res = train(load_config(None, [*EXTEND, "train.epochs=2", f"out={out}"]), resume=True)
    assert res.steps == 8 and res.stopped == "completed"

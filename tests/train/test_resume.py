"""Exact resumption, fault injection and the NaN/inf guard of the trainer.

A run killed at several points and resumed from its last checkpoint must end with the same
weights (``torch.equal``) and the same logged metrics (every record but its wall-clock
``time`` field) as the uninterrupted run. The kills land at seeded random points: after a
step, in the middle of a checkpoint write (a partial temporary file is left behind, as a
``SIGKILL`` leaves it) and between ``last.pt`` and ``last.json``; once a real ``SIGKILL``
hits a (forked) child process in the middle of a checkpoint write, while a second run on the
same folder is refused by the run lock. A checkpoint with flipped bytes is refused on resume.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from infossl.framework import LossOutput, TermValue
from infossl.train import checkpoint as ckpt
from infossl.train import trainer as trainer_module
from infossl.train.checkpoint import ChecksumMismatchError, load_checkpoint, read_checkpoint
from infossl.train.config import load_config
from infossl.train.logger import read_jsonl
from infossl.train.methods import EmbeddingMethod
from infossl.train.runlock import RunLockedError
from infossl.train.trainer import NonFiniteLossError, Trainer, train

from .checkpoint_faults import fault_in_last_pt_write

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


def _sidecar_agrees(out: Path) -> bool:
    """Whether ``last.json`` describes ``last.pt`` (step, position and checksum)."""
    loaded = read_checkpoint(out / "checkpoints" / "last.pt")
    p = loaded.state["progress"]
    side = json.loads((out / "checkpoints" / "last.json").read_text())
    return (side["step"], side["epoch"], side["batch"], side["checksum"]) == (
        p["step"],
        p["epoch"],
        p["batch"],
        loaded.digest,
    )


FAULTS = [*TINY, *MOCO_LARS, "train.epochs=4", "checkpoint.every_steps=2"]


@pytest.mark.slow
def test_killed_at_random_points_even_mid_write_resumes_exactly(tmp_path, monkeypatch):
    ref = tmp_path / "ref"
    full = train(load_config(None, [*FAULTS, f"out={ref}"]))
    assert full.steps == 16 and full.stopped == "completed"
    assert _sidecar_agrees(ref)

    # seeded kill plan: 2 kills mid-write of last.pt, 1 between last.pt and last.json,
    # 3 after a step; checkpoints every 2 steps and at the end of each 4-step epoch; every
    # kill comes after the first checkpoint (step 2), so that there is a run to resume
    rng = random.Random(20261203)
    saves = list(range(4, 16, 2))
    mid_write = rng.sample(saves, 2)
    sidecar = rng.choice([s for s in saves if s not in mid_write])
    after = rng.sample([s for s in range(2, 16) if s not in (*mid_write, sidecar)], 3)
    plan = sorted(
        [(s, "mid_write") for s in mid_write]
        + [(sidecar, "before_sidecar")]
        + [(s, "after_step") for s in after]
    )
    assert len(plan) >= 5

    saving = {"step": -1}
    armed: dict[str, int | None] = {"mid_write": None, "before_sidecar": None}
    original_save, original_write = Trainer.save, ckpt._write_all
    original_json = trainer_module.write_json_atomic

    def save(self, **kwargs):
        saving["step"] = self.step
        original_save(self, **kwargs)

    def write_all(f, data):
        if ".last.pt.tmp-" in f.name and saving["step"] == armed["mid_write"]:
            half = bytes(data[: len(data) // 2])
            f.write(half)
            # what a SIGKILL leaves: the partial temporary file of a dead process
            Path(f.name).with_name(".last.pt.tmp-999999").write_bytes(half)
            raise _Kill(saving["step"])
        original_write(f, data)

    def write_json(path, data):
        if Path(path).name == "last.json" and saving["step"] == armed["before_sidecar"]:
            raise _Kill(saving["step"])
        return original_json(path, data)

    monkeypatch.setattr(Trainer, "save", save)
    monkeypatch.setattr(ckpt, "_write_all", write_all)
    monkeypatch.setattr(trainer_module, "write_json_atomic", write_json)

    run = tmp_path / "run"
    cfg = load_config(None, [*FAULTS, f"out={run}"])
    agreed_at_start: list[bool] = []

    def at_start(info):
        if info.event == "start" and (run / "checkpoints" / "last.pt").exists():
            agreed_at_start.append(_sidecar_agrees(run))

    resume = False
    for step, kind in plan:
        armed.update({"mid_write": None, "before_sidecar": None})
        callbacks = [_kill_after(step)] if kind == "after_step" else []
        if kind != "after_step":
            armed[kind] = step
        with pytest.raises(_Kill):
            train(cfg, resume=resume, callbacks=callbacks, epoch_callbacks=[at_start])
        resume = True
        # a step callback runs before the epoch-end checkpoint (steps 4, 8, 12)
        last_saved = step - 2 if step % 4 == 0 else step - step % 2
        good = {"mid_write": step - 2, "before_sidecar": step, "after_step": last_saved}
        assert load_checkpoint(run / "checkpoints" / "last.pt")["progress"]["step"] == good[kind]
        assert _sidecar_agrees(run) is (kind != "before_sidecar"), (step, kind)
    armed.update({"mid_write": None, "before_sidecar": None})
    resumed = train(cfg, resume=True, epoch_callbacks=[at_start])
    assert resumed.steps == 16 and resumed.stopped == "completed"
    assert agreed_at_start == [True] * len(plan)  # last.json repaired before training goes on
    assert _sidecar_agrees(run)
    assert not [p for p in (run / "checkpoints").iterdir() if ".tmp-" in p.name]
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


def _stall_in_the_second_checkpoint_write(marker: Path, args: list[str]) -> None:
    """The child process: the second write of ``last.pt`` stalls half-way (its pid written to
    ``marker``) until the parent kills it."""

    def stall_half_way(f, data):
        f.write(bytes(data[: len(data) // 2]))
        f.flush()
        marker.write_text(str(os.getpid()))
        time.sleep(300)

    ckpt._write_all = fault_in_last_pt_write(2, stall_half_way)
    torch.set_num_threads(1)
    train(load_config(None, args))


SIGKILLED = [*TINY, "train.threads=1", "log.tensorboard=false"]


@pytest.mark.slow
def test_real_sigkill_mid_write_with_the_run_locked_then_resume_matches(tmp_path):
    ref, run, marker = tmp_path / "ref", tmp_path / "run", tmp_path / "stalled"
    train(load_config(None, [*SIGKILLED, f"out={ref}"]))
    args = [*SIGKILLED, f"out={run}"]
    # forked, so that the child starts without importing torch and infossl again; it is killed
    # with a real SIGKILL all the same
    proc = multiprocessing.get_context("fork").Process(
        target=_stall_in_the_second_checkpoint_write, args=(marker, args)
    )
    proc.start()
    try:
        deadline = time.time() + 120
        while not marker.exists() and proc.is_alive() and time.time() < deadline:
            time.sleep(0.02)
        assert marker.exists(), f"the child ended first (exit code {proc.exitcode})"
        # the child is in the middle of writing the step-5 checkpoint: a second run on the
        # folder, new or resumed, in this process or through the CLI, is refused untouched
        metrics = (run / "metrics.jsonl").read_bytes()
        cfg = load_config(None, args)
        for resume in (False, True):
            with pytest.raises(RunLockedError, match=rf"in use by process {proc.pid}\b"):
                train(cfg, resume=resume)
        res = CliRunner().invoke(
            trainer_cli(), ["train", "--resume", "--out", str(run), "log.progress=false"]
        )
        lines = res.output.strip().splitlines()
        assert res.exit_code != 0 and len(lines) == 1, res.output
        assert lines[0].startswith(f"error: run folder {run} is in use by process {proc.pid}")
        assert (run / "metrics.jsonl").read_bytes() == metrics
    finally:
        proc.kill()  # SIGKILL
        proc.join(timeout=60)
    assert proc.exitcode == -signal.SIGKILL
    partials = list((run / "checkpoints").glob(f".last.pt.tmp-{proc.pid}-*"))
    assert len(partials) == 1 and partials[0].is_file()  # the kill landed mid-write ...
    partial = partials[0]
    assert load_checkpoint(run / "checkpoints" / "last.pt")["progress"]["step"] == 4  # ... safely
    assert _sidecar_agrees(run)
    resumed = train(cfg, resume=True)  # the dead process's lock does not block
    assert resumed.steps == 12 and not partial.exists()
    _assert_same_run(ref, run)


def trainer_cli():
    from infossl.cli.main import app

    return app


def test_resume_refuses_a_checkpoint_with_flipped_bytes(tmp_path):
    out = tmp_path / "flip"
    cfg = load_config(None, [*TINY, "train.max_steps=2", f"out={out}"])
    train(cfg)
    path = out / "checkpoints" / "last.pt"
    weight = load_checkpoint(path)["model"]["backbone.body.0.weight"]
    data = bytearray(path.read_bytes())
    at = bytes(data).index(weight.numpy().tobytes()[:64]) + 100
    data[at : at + 4] = bytes(b ^ 0xFF for b in data[at : at + 4])
    path.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatchError, match="does not match the SHA-256 checksum") as err:
        train(cfg, resume=True)
    assert err.value.path == path and str(path) in str(err.value)
    with pytest.raises(ChecksumMismatchError):
        from infossl.train.evaluate import evaluate_knn

        evaluate_knn(out)


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


@pytest.mark.slow
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

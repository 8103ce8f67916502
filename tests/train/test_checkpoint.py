"""Atomic checkpoints: a failure mid-write leaves the old file intact; safe loading; RNG."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from infossl.train import checkpoint as ckpt


def test_round_trip_with_weights_only(tmp_path):
    state = {
        "model": {"w": torch.arange(6.0).reshape(2, 3)},
        "step": 7,
        "name": "x",
        "nested": [1, 2.5, None, True],
        "rng": ckpt.capture_rng_state(),
    }
    path = ckpt.save_checkpoint(tmp_path / "a" / "last.pt", state)
    back = ckpt.load_checkpoint(path)
    assert torch.equal(back["model"]["w"], state["model"]["w"])
    assert back["step"] == 7 and back["nested"] == [1, 2.5, None, True]
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["last.pt"]


def test_failure_mid_write_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "last.pt"
    ckpt.save_checkpoint(path, {"w": torch.ones(3), "step": 1})
    before = path.read_bytes()

    def broken_save(obj, f):
        f.write(b"partial garbage")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        ckpt.save_checkpoint(path, {"w": torch.zeros(3), "step": 2})
    assert path.read_bytes() == before
    assert ckpt.load_checkpoint(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]  # temporary removed


def test_stale_temporaries_are_removed(tmp_path):
    (tmp_path / ".last.pt.tmp-123").write_bytes(b"x")
    (tmp_path / "last.pt").write_bytes(b"y")
    removed = ckpt.remove_stale_temporaries(tmp_path)
    assert [p.name for p in removed] == [".last.pt.tmp-123"]
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]


class _Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_loading_refuses_arbitrary_objects(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"x": _Payload()}, path)
    with pytest.raises(ValueError, match="cannot read checkpoint"):
        ckpt.load_checkpoint(path)
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        ckpt.load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "trunc.pt").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(ValueError, match="cannot read checkpoint"):
        ckpt.load_checkpoint(tmp_path / "trunc.pt")


def test_rng_states_restore_every_generator(tmp_path):  # legacy global NumPy RNG on purpose
    random.seed(1)
    np.random.seed(2)  # noqa: NPY002
    torch.manual_seed(3)
    np.random.normal()  # leaves a cached Gaussian in NumPy's legacy state  # noqa: NPY002
    state = ckpt.capture_rng_state()
    ckpt.save_checkpoint(tmp_path / "r.pt", {"rng": state})
    expected = (
        random.random(),
        np.random.normal(),  # noqa: NPY002
        np.random.rand(3).tolist(),  # noqa: NPY002
        torch.rand(3).tolist(),
    )
    random.seed(99)
    np.random.seed(99)  # noqa: NPY002
    torch.manual_seed(99)
    ckpt.restore_rng_state(ckpt.load_checkpoint(tmp_path / "r.pt")["rng"])
    got = (
        random.random(),
        np.random.normal(),  # noqa: NPY002
        np.random.rand(3).tolist(),  # noqa: NPY002
        torch.rand(3).tolist(),
    )
    assert got == expected


def test_json_sidecar_is_atomic_and_readable(tmp_path):
    import json

    p = ckpt.write_json_atomic(tmp_path / "last.json", {"step": 3, "acc": 0.5})
    assert json.loads(p.read_text()) == {"acc": 0.5, "step": 3}
    with pytest.raises(TypeError, match="mapping"):
        ckpt.save_checkpoint(tmp_path / "x.pt", [1, 2])

"""Atomic checkpoints: a failure mid-write (a full disk too) leaves the old file intact; a
checksum catches corruption; non-finite states are neither written nor loaded; every bad file
is a one-line error naming it; safe loading; RNG."""

from __future__ import annotations

import errno
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


def test_loading_refuses_arbitrary_objects(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"x": _Payload()}, path)
    with pytest.raises(ckpt.CheckpointError) as err:
        ckpt.load_checkpoint(path)
    msg = str(err.value)
    assert isinstance(err.value, ValueError) and err.value.path == path
    assert str(path) in msg and "GLOBAL print" in msg and "could run code" in msg
    assert "weights_only" not in msg and "\n" not in msg  # no advice to load unsafely
    assert "this must never run" not in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        ckpt.load_checkpoint(tmp_path / "missing.pt")


def _one_line_error(path, match):
    with pytest.raises(ckpt.CheckpointError, match=match) as err:
        ckpt.load_checkpoint(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert err.value.path == path
    return err.value


def test_bad_files_are_one_line_errors_naming_the_file(tmp_path):
    good = ckpt.save_checkpoint(tmp_path / "good.pt", {"w": torch.arange(4096.0), "step": 1})
    data = good.read_bytes()
    text = tmp_path / "notes.pt"
    text.write_text("hello, this is text\n")
    _one_line_error(text, "not a checkpoint written by torch.save")
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    _one_line_error(empty, r"empty \(0 bytes\)")
    _one_line_error(tmp_path, "is a folder, not a checkpoint file")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(data[: len(data) // 2])
    _one_line_error(truncated, "corrupt or truncated")
    listing = tmp_path / "list.pt"
    torch.save([1, 2], listing)
    _one_line_error(listing, "holds a list, not a mapping")
    with pytest.raises(ckpt.CheckpointError, match="has no 'config' entry") as err:
        ckpt.require_keys({"model": {}}, good, ("model", "config"), "a checkpoint of x")
    assert str(good) in str(err.value)


def test_checksum_refuses_flipped_bytes(tmp_path):
    w = torch.arange(4096, dtype=torch.float32)
    path = ckpt.save_checkpoint(tmp_path / "last.pt", {"w": w, "step": 3})
    data = bytearray(path.read_bytes())
    at = bytes(data).index(w.numpy().tobytes()[:64]) + 1000  # inside the tensor's bytes
    data[at] ^= 0x10
    path.write_bytes(bytes(data))
    err = _one_line_error(path, "does not match the SHA-256 checksum")
    assert isinstance(err, ckpt.ChecksumMismatchError)
    # many random flips anywhere: never a silent load
    rng = random.Random(0)
    for trial in range(5):
        flipped = bytearray(ckpt.save_checkpoint(tmp_path / f"{trial}.pt", {"w": w}).read_bytes())
        for _ in range(200):
            flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        (tmp_path / f"{trial}.pt").write_bytes(bytes(flipped))
        _one_line_error(tmp_path / f"{trial}.pt", "corrupt|not a checkpoint|checksum")


def test_checkpoint_without_checksum_loads_with_a_warning(tmp_path):
    path = tmp_path / "old.pt"
    torch.save({"w": torch.ones(2), "step": 4}, path)
    with pytest.warns(ckpt.ChecksumMissingWarning, match="no checksum"):
        assert ckpt.load_checkpoint(path)["step"] == 4


def test_checksum_is_stored_and_the_state_comes_back_without_it(tmp_path):
    state = {"model": {"w": torch.ones(3)}, "step": 2}
    saved = ckpt.write_checkpoint(tmp_path / "c.pt", state)
    raw = torch.load(saved.path, weights_only=True)
    assert raw[ckpt.CHECKSUM_KEY] == {"algorithm": "sha256", "digest": saved.digest}
    loaded = ckpt.read_checkpoint(saved.path)
    assert loaded.digest == saved.digest and ckpt.CHECKSUM_KEY not in loaded.state
    with pytest.raises(ValueError, match="checksum"):
        ckpt.save_checkpoint(tmp_path / "d.pt", {**state, ckpt.CHECKSUM_KEY: 1})


def test_non_finite_state_is_neither_written_nor_loaded(tmp_path):
    path = ckpt.save_checkpoint(tmp_path / "last.pt", {"model": {"bn.running_var": torch.ones(4)}})
    before = path.read_bytes()
    bad_var = torch.tensor([1.0, float("inf"), 2.0, float("inf")])
    with pytest.raises(ckpt.NonFiniteCheckpointError) as err:
        ckpt.save_checkpoint(path, {"model": {"bn.running_var": bad_var}, "step": 16})
    assert err.value.tensor == "model.bn.running_var" and "previous checkpoint is kept" in str(
        err.value
    )
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["last.pt"]
    # a non-finite file written by other means (or before this check) is refused on load
    from infossl.train.integrity import state_digest

    state = {"model": {"w": torch.zeros(2), "bn.running_var": bad_var}}
    torch.save(
        {**state, ckpt.CHECKSUM_KEY: {"algorithm": "sha256", "digest": state_digest(state)}}, path
    )
    err_load = _one_line_error(path, r"not a good checkpoint: tensor model\.bn\.running_var")
    assert isinstance(err_load, ckpt.NonFiniteCheckpointError)
    assert "2 of 4 values non-finite, first inf" in str(err_load)
    assert ckpt.load_checkpoint(path, require_finite=False)["model"]["w"].shape == (2,)


def test_disk_full_is_one_oserror_naming_the_file_and_keeps_the_old_checkpoint(
    tmp_path, monkeypatch
):
    path = ckpt.save_checkpoint(tmp_path / "last.pt", {"w": torch.ones(3), "step": 1})
    before = path.read_bytes()

    def full_disk(f, data):
        f.write(bytes(data[:100]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ckpt, "_write_all", full_disk)
    with pytest.raises(ckpt.CheckpointWriteError) as err:
        ckpt.save_checkpoint(path, {"w": torch.zeros(3), "step": 2})
    msg = str(err.value)
    assert isinstance(err.value, OSError) and err.value.errno == errno.ENOSPC
    assert str(path) in msg and "No space left on device" in msg and "\n" not in msg
    assert "previous last.pt is kept" in msg and "free some disk space" in msg
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["last.pt"]
    with pytest.raises(ckpt.CheckpointWriteError, match=r"last\.json"):
        ckpt.write_json_atomic(tmp_path / "last.json", {"step": 2})


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


def test_content_digest_survives_a_round_trip_and_sees_every_value(tmp_path):
    from infossl.train.integrity import first_non_finite, state_digest

    state = {
        "model": {"w": torch.randn(3, 4).t(), "h": torch.ones(2, dtype=torch.bfloat16)},
        "optimizer": {"state": {0: {"step": torch.tensor(3.0)}}, "groups": [{"lr": 0.1}]},
        "flags": torch.tensor([True, False]),
        "rng": (3, (1, 2), None),
        "name": "x",
    }
    digest = state_digest(state)
    path = ckpt.save_checkpoint(tmp_path / "s.pt", state)
    assert state_digest(ckpt.load_checkpoint(path)) == digest
    changed = {**state, "optimizer": {"state": {0: {"step": torch.tensor(4.0)}}, "groups": []}}
    assert state_digest(changed) != digest
    assert state_digest({**state, "name": "y"}) != digest
    assert first_non_finite(state) is None
    half = torch.ones(5, dtype=torch.float16)
    half[2] = float("nan")
    assert first_non_finite({"a": [torch.zeros(1), {"b": half}]}) == (
        "a.1.b",
        "1 of 5 values non-finite, first nan",
    )

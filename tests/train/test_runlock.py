"""The run lock: one holder per run folder, a clear refusal naming the holder, released on
exit (a SIGKILLed holder is covered in ``test_resume.py``)."""

from __future__ import annotations

import json
import os

import pytest

from infossl.train.runlock import LOCK_NAME, RunFolderError, RunLock, RunLockedError


def test_a_second_holder_is_refused_with_the_holders_pid_and_host(tmp_path):
    folder = tmp_path / "run"
    with RunLock(folder) as first:
        assert first.held
        info = json.loads((folder / LOCK_NAME).read_text())
        assert info["pid"] == os.getpid() and info["host"]
        second = RunLock(folder)
        with pytest.raises(RunLockedError) as err:
            second.acquire()
        msg = str(err.value)
        assert isinstance(err.value, OSError) and not second.held
        assert msg.startswith(f"run folder {folder} is in use by process {os.getpid()} on ")
        assert "choose another --out" in msg and "\n" not in msg
        assert err.value.holder["pid"] == os.getpid()
    assert not first.held
    with RunLock(folder):  # released on exit; the file stays and is reused
        pass
    assert (folder / LOCK_NAME).is_file()


def test_acquire_and_release_are_idempotent(tmp_path):
    lock = RunLock(tmp_path / "a" / "b")
    assert lock.acquire() is lock and lock.acquire() is lock
    lock.release()
    lock.release()
    assert not lock.held


def test_a_folder_that_cannot_be_created_is_one_oserror(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunFolderError, match=f"cannot write to run folder {blocker / 'run'}"):
        RunLock(blocker / "run").acquire()

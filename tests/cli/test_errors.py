"""Bad input and a failing environment end every command with one line ``error: ...`` on stderr
and exit status 2 (input) or 1 (environment), never a traceback; bugs keep their traceback."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
import yaml
from typer.testing import CliRunner, Result

from infossl.cli._common import (
    ENVIRONMENT_ERROR,
    INPUT_ERROR,
    CommandGroup,
    error_message,
    exit_code,
    fail,
)
from infossl.cli.main import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def _error_line(result: Result, *names: object, code: int = INPUT_ERROR) -> str:
    """The one stderr line of a failed command, checked to name each of ``names``."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for name in names:
        assert str(name) in lines[0], (name, lines[0])
    return lines[0]


def _invoke(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    path = tmp_path / "xy.npy"
    np.save(path, np.random.default_rng(0).normal(size=(50, 4)))
    return path


def _run_folder(path: Path, metrics: bytes, config: str | None = None) -> Path:
    path.mkdir()
    (path / "metrics.jsonl").write_bytes(metrics)
    if config is not None:
        (path / "config.yaml").write_text(config)
    return path


HEADER = b'{"kind": "terms", "step": 0, "terms": {}}\n'


# --- infossl train --config -------------------------------------------------------------------


def test_train_malformed_config_yaml(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("optim: {lr: [0.1\n")
    line = _error_line(_invoke("train", "--config", config, "--out", tmp_path / "run"), config)
    assert "not valid YAML (line 2" in line
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object/apply:os.mkdir [{marker}]",
        "method: !!python/object/apply:os.mkdir [{marker}]",
        "optim: !!python/object:argparse.Namespace {{lr: 0.1}}",
        "method: !!python/name:os.system",
    ],
)
def test_train_config_with_python_tags_is_refused_without_constructing(tmp_path, tagged):
    marker = tmp_path / "constructed"
    config = tmp_path / "run.yaml"
    config.write_text(tagged.format(marker=json.dumps(str(marker))))
    line = _error_line(_invoke("train", "--config", config, "--out", tmp_path / "run"), config)
    assert "the YAML tag !!python/" in line and "is not allowed" in line
    assert not marker.exists()


def test_train_config_that_is_not_utf8(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_bytes(b"method: simclr\n\xff\xfe\n")
    line = _error_line(_invoke("train", "--config", config), config)
    assert "not UTF-8 text" in line


def test_train_config_folder(tmp_path):
    line = _error_line(_invoke("train", "--config", tmp_path), tmp_path)
    assert "is a folder, not a YAML file" in line


# --- infossl report ---------------------------------------------------------------------------


def test_report_garbled_config_yaml(tmp_path):
    run = _run_folder(tmp_path / "run", HEADER, config="method: [simclr\ndata: {")
    line = _error_line(_invoke("report", run), run / "config.yaml")
    assert "not valid YAML" in line
    assert not (run / "report.html").exists()


def test_report_config_yaml_that_is_not_a_mapping(tmp_path):
    run = _run_folder(tmp_path / "run", HEADER, config="- simclr\n- digits\n")
    line = _error_line(_invoke("report", run), run / "config.yaml")
    assert "must hold a mapping, got list" in line


@pytest.mark.parametrize("record", [b"[1, 2]", b"3", b'"text"', b"null"])
def test_report_metrics_line_that_is_not_an_object(tmp_path, record):
    run = _run_folder(tmp_path / "run", HEADER + record + b"\n" + HEADER)
    line = _error_line(_invoke("report", run), run / "metrics.jsonl")
    assert "line 2: expected a JSON object" in line


def test_report_metrics_that_are_not_utf8(tmp_path):
    run = _run_folder(tmp_path / "run", HEADER + b'{"kind": "\xff\xfe"}\n')
    line = _error_line(_invoke("report", run), run / "metrics.jsonl")
    assert "is not UTF-8 text (byte 0xff" in line


def test_report_garbled_summary_json(tmp_path):
    run = _run_folder(tmp_path / "run", HEADER)
    (run / "summary.json").write_text('{"method": ')
    line = _error_line(_invoke("report", run), run / "summary.json")
    assert "not valid JSON (line 1" in line


def test_report_out_under_a_missing_folder_creates_nothing(tmp_path):
    run = _run_folder(tmp_path / "run", HEADER)
    out = tmp_path / "missing" / "dir" / "r.html"
    line = _error_line(_invoke("report", run, "--out", out), out, tmp_path / "missing")
    assert "does not exist" in line
    assert not (tmp_path / "missing").exists()


def test_report_out_creates_only_a_missing_last_folder(tmp_path):
    run = _run_folder(tmp_path / "run", HEADER)
    out = tmp_path / "new" / "r.html"
    result = _invoke("report", run, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.is_file() and not list(out.parent.glob("*.tmp"))


def test_report_out_that_is_a_folder(tmp_path):
    run = _run_folder(tmp_path / "run", HEADER)
    line = _error_line(_invoke("report", run, "--out", tmp_path), tmp_path)
    assert "is a folder" in line and "report.html" in line


def test_report_of_a_file(samples):
    line = _error_line(_invoke("report", samples), samples)
    assert "is a file, not a run folder" in line


@pytest.mark.parametrize(
    ("error", "code", "reason"),
    [
        (errno.ENOSPC, ENVIRONMENT_ERROR, "the disk is full"),
        (errno.EROFS, ENVIRONMENT_ERROR, "read-only"),
        (errno.EACCES, ENVIRONMENT_ERROR, "permissions"),
    ],
)
def test_report_write_refused_by_the_environment(tmp_path, monkeypatch, error, code, reason):
    run = _run_folder(tmp_path / "run", HEADER)

    def refuse(tmp: Path) -> None:  # the environment refuses the file the report goes to
        raise OSError(error, os.strerror(error), str(tmp))

    monkeypatch.setattr("infossl._atomic.open_temporary", refuse)
    line = _error_line(_invoke("report", run), run / "report.html", code=code)
    assert os.strerror(error) in line and reason in line
    assert not (run / "report.html").exists()


# --- infossl estimate -------------------------------------------------------------------------


def test_estimate_zero_byte_npy(tmp_path):
    empty = tmp_path / "x.npy"
    empty.touch()
    result = _invoke("estimate", empty, "--entropy")
    line = _error_line(result, empty)
    assert "is empty (0 bytes)" in line and "Aborted" not in result.output


def test_estimate_truncated_npy(tmp_path, samples):
    cut = tmp_path / "cut.npy"
    cut.write_bytes(samples.read_bytes()[:20])
    assert "not a readable .npy file" in _error_line(_invoke("estimate", cut, "--entropy"), cut)


@pytest.mark.parametrize("spec", ["3:1", "2:2"])
def test_estimate_empty_or_reversed_column_range(samples, spec):
    line = _error_line(_invoke("estimate", samples, "--x-cols", spec, "--y-cols", "3"), "--x-cols")
    assert f"the range {spec!r} is empty" in line


@pytest.mark.parametrize(
    "args",
    [
        ["estimate", "{dir}", "--entropy"],
        ["estimate", "{file}", "{dir}"],
        ["estimate", "{file}", "{file}", "--z", "{dir}"],
        ["train", "--config", "{dir}"],
        ["report", "{run}", "--out", "{dir}"],
        ["infoplane", "plot", "{dir}"],
        ["tasks", "sample", "gauss-1", "--n", "10", "--out", "{dir}"],
    ],
)
def test_a_folder_where_a_file_is_expected(tmp_path, samples, args):
    folder = tmp_path / "folder.npz"
    folder.mkdir()
    run = _run_folder(tmp_path / "run", HEADER)
    values = {"dir": str(folder), "file": str(samples), "run": str(run)}
    line = _error_line(_invoke(*(a.format(**values) for a in args)), folder)
    assert "is a folder" in line


# --- the dispatcher ---------------------------------------------------------------------------


class CheckpointError(ValueError):
    """Stands for the errors of a checkpoint loader: corrupt, text or 0-byte files."""


class CheckpointWriteError(OSError):
    """Stands for a checkpoint write refused by the environment."""


def _write_error(message: str, code: int) -> OSError:
    """A write error carrying only its message, with ``errno`` set afterwards."""
    err = CheckpointWriteError(message)
    err.errno = code
    return err


@pytest.mark.parametrize(
    ("error", "code", "expected"),
    [
        (
            CheckpointError("checkpoint /r/last.pt is corrupt (truncated zip); train again"),
            INPUT_ERROR,
            "error: checkpoint /r/last.pt is corrupt (truncated zip); train again",
        ),
        (
            CheckpointWriteError(errno.ENOSPC, "No space left on device", "/r/last.pt"),
            ENVIRONMENT_ERROR,
            "error: /r/last.pt: No space left on device (the disk is full",
        ),
        (
            CheckpointWriteError("cannot write checkpoint /r/last.pt: disk full"),
            ENVIRONMENT_ERROR,
            "error: cannot write checkpoint /r/last.pt: disk full",
        ),
        (
            _write_error("cannot write /r/last.pt: No space left on device", errno.ENOSPC),
            ENVIRONMENT_ERROR,
            "error: cannot write /r/last.pt: No space left on device",
        ),
        (
            FileNotFoundError("checkpoint not found: /r/last.pt"),
            INPUT_ERROR,
            "error: checkpoint not found: /r/last.pt",
        ),
    ],
)
def test_checkpoint_errors_from_eval_are_one_line(monkeypatch, tmp_path, error, code, expected):
    import infossl.train.evaluate as evaluate

    def raise_error(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(evaluate, "resolve_checkpoint", lambda path: Path(path))
    monkeypatch.setattr(evaluate, "evaluate_knn", raise_error)
    line = _error_line(_invoke("eval", "knn", "--checkpoint", tmp_path / "last.pt"), code=code)
    assert line.startswith(expected)


def test_checkpoint_write_error_during_training_is_one_line(monkeypatch, tmp_path):
    import infossl.train.trainer as trainer

    def disk_full(*args: object, **kwargs: object) -> None:
        raise CheckpointWriteError(errno.ENOSPC, "No space left on device", "/r/last.pt.tmp")

    monkeypatch.setattr(trainer, "train", disk_full)
    result = _invoke("train", "--out", tmp_path / "run", "--epochs", "1")
    assert "/r/last.pt.tmp: No space left" in _error_line(result, code=ENVIRONMENT_ERROR)


def _app_raising(error: BaseException) -> typer.Typer:
    fake = typer.Typer(cls=CommandGroup)

    @fake.command("boom")
    def boom() -> None:
        raise error

    @fake.command("fine")
    def fine() -> None:
        typer.echo("ok")

    return fake


def _yaml_error() -> yaml.YAMLError:
    try:
        yaml.safe_load("a: [1\n")
    except yaml.YAMLError as err:
        return err
    raise AssertionError("the YAML above is malformed")


@pytest.mark.parametrize(
    ("error", "code", "expected"),
    [
        (ValueError("bad value\nsecond line"), INPUT_ERROR, "error: bad value; second line"),
        (TypeError("wrong type"), INPUT_ERROR, "error: wrong type"),
        (json.JSONDecodeError("Expecting value", "{", 1), INPUT_ERROR, "error: Expecting value"),
        (
            UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
            INPUT_ERROR,
            "error: 'utf-8' codec can't decode byte 0xff",
        ),
        (EOFError(), INPUT_ERROR, "error: EOFError"),
        (FloatingPointError("overflow"), INPUT_ERROR, "error: overflow"),
        (_yaml_error(), INPUT_ERROR, "error: while parsing a flow sequence;"),
        (IsADirectoryError(errno.EISDIR, "Is a directory", "d"), INPUT_ERROR, "error: d: Is a"),
        (PermissionError(errno.EACCES, "Permission denied", "f"), ENVIRONMENT_ERROR, "error: f:"),
        (OSError(errno.EIO, "Input/output error", "f"), ENVIRONMENT_ERROR, "error: f: Input"),
        (
            ModuleNotFoundError("needs dask: pip install 'infossl[dask]'", name="distributed"),
            ENVIRONMENT_ERROR,
            "error: needs dask: pip install 'infossl[dask]'",
        ),
    ],
)
def test_dispatcher_turns_input_and_environment_errors_into_one_line(error, code, expected):
    result = runner.invoke(_app_raising(error), ["boom"])
    assert _error_line(result, code=code).startswith(expected)
    assert runner.invoke(_app_raising(error), ["fine"]).output == "ok\n"


@pytest.mark.parametrize(
    "error",
    [
        KeyError("k"),
        AttributeError("a"),
        IndexError("i"),
        ModuleNotFoundError("No module named 'infossl.gone'", name="infossl.gone"),
    ],
)
def test_dispatcher_leaves_programming_errors_alone(error):
    result = runner.invoke(_app_raising(error), ["boom"])
    assert result.exception is error
    assert "error:" not in result.stderr


def test_exit_codes_and_messages():
    assert exit_code(ValueError()) == INPUT_ERROR
    assert exit_code(FileNotFoundError()) == INPUT_ERROR
    assert exit_code(NotADirectoryError()) == INPUT_ERROR
    assert exit_code(PermissionError()) == ENVIRONMENT_ERROR
    assert exit_code(OSError(errno.ENOSPC, "No space left on device")) == ENVIRONMENT_ERROR
    assert error_message(OSError(errno.EXDEV, "Cross-device link", "a", None, "b")) == (
        "a -> b: Cross-device link"
    )
    assert error_message("  ") == "failed"
    with pytest.raises(typer.Exit) as raised:
        fail(PermissionError(errno.EACCES, "Permission denied", "f"))
    assert raised.value.exit_code == ENVIRONMENT_ERROR


def test_cli_help_states_the_exit_codes():
    text = " ".join(runner.invoke(app, ["--help"]).output.split())
    assert "status 2 for bad input" in text and "1 for the environment" in text


# --- a real process ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["empty-npy", "garbled-config"])
def test_the_installed_command_prints_one_line_and_no_traceback(tmp_path, case):
    if case == "empty-npy":
        target = tmp_path / "x.npy"
        target.touch()
        args = ["estimate", str(target), "--entropy"]
    else:
        target = _run_folder(tmp_path / "run", HEADER, config="a: [1") / "config.yaml"
        args = ["report", str(target.parent)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "infossl", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert done.returncode == INPUT_ERROR, done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "Aborted" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(target) in lines[0]


def test_the_installed_command_prints_warnings_as_one_line(tmp_path):
    x = tmp_path / "x.npy"
    np.save(x, np.random.default_rng(0).normal(size=(200, 2)))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "infossl", "estimate", str(x), str(x), "--method", "ksg1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: X and Y are identical"), lines
    assert "UserWarning" not in done.stderr and ".py:" not in done.stderr

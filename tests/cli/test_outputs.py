"""Output paths, one rule for every command: of the folders on the way to an output only the
last may be missing (it is created); under a missing folder nothing is created and the command
ends with one line naming the option and the missing folder, exit status 2."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from infossl.cli._common import INPUT_ERROR, prepare_output_file, prepare_output_folder
from infossl.cli.main import app

runner = CliRunner()


def _invoke(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def _report_run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.jsonl").write_text('{"kind": "terms", "step": 0, "terms": {}}\n')
    return run


def _infoplane_json(tmp_path: Path) -> Path:
    folder = tmp_path / "plane"
    args = ("--epochs", 2, "--seeds", 1, "--log-points", 2, "--out", folder)
    result = _invoke("infoplane", "idnn", *args)
    assert result.exit_code == 0, result.output
    return folder / "infoplane.json"


#: command → (its arguments, given the output path and tmp_path; the option naming the output).
COMMANDS: dict[str, tuple[Callable[[Path, Path], list[object]], str]] = {
    "tasks sample": (
        lambda out, tmp: ["tasks", "sample", "1v1-normal-0.75", "--n", 10, "--out", out],
        "--out",
    ),
    "report": (lambda out, tmp: ["report", _report_run(tmp), "--out", out], "--out"),
    "infoplane idnn": (
        lambda out, tmp: ["infoplane", "idnn", "--epochs", 2, "--out", out],
        "--out",
    ),
    "infoplane plot": (
        lambda out, tmp: ["infoplane", "plot", _infoplane_json(tmp), "--out", out],
        "--out",
    ),
    "experiment compress": (
        lambda out, tmp: ["experiment", "compress", "--quick", "--out", out],
        "--out",
    ),
    "bench staircase": (lambda out, tmp: ["bench", "staircase", "--quick", "--out", out], "--out"),
    "bench estimators": (
        lambda out, tmp: ["bench", "estimators", "--tasks", "1v1-normal-0.75", "--out", out],
        "--out",
    ),
    "train --out": (lambda out, tmp: ["train", "--epochs", 1, "--out", out], "--out"),
    "train out=": (lambda out, tmp: ["train", "--epochs", 1, f"out={out}"], "out"),
    "demo": (lambda out, tmp: ["demo", "--minutes", 0.1, "--out", out], "--out"),
}
FILE_OUTPUTS = {"tasks sample": "x.npz", "report": "r.html"}


def _tree(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_under_a_missing_folder_creates_nothing(tmp_path, command):
    arguments, option = COMMANDS[command]
    missing = tmp_path / "missing"
    out = missing / "dir"
    if command in FILE_OUTPUTS:
        out = out / FILE_OUTPUTS[command]
    args = arguments(out, tmp_path)
    before = _tree(tmp_path)
    result = _invoke(*args)
    assert result.exit_code == INPUT_ERROR, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert f"{option} {out}" in lines[0] and f"folder {missing} does not exist" in lines[0]
    assert _tree(tmp_path) == before
    assert not missing.exists()


BENCH = ["bench", "estimators", "--tasks", "1v1-normal-0.75", "--no-progress"]


@pytest.mark.parametrize(
    ("args", "created"),
    [
        (["tasks", "sample", "1v1-normal-0.75", "--n", 10, "--out", "{tmp}/new/x.npz"], "x.npz"),
        (
            [*BENCH, "--methods", "gaussian", "--n", 50, "--seeds", 1, "--out", "{tmp}/new"],
            "results.csv",
        ),
    ],
)
def test_output_creates_a_missing_last_folder(tmp_path, args, created):
    result = _invoke(*[str(a).format(tmp=tmp_path) for a in args])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / created).is_file()


def test_bench_methods_may_hold_a_k_series(tmp_path):
    methods = "ksg1-copula:k=1,2,4,8,gaussian"
    args = [*BENCH, "--methods", methods, "--n", "200", "--seeds", "1", "--out", str(tmp_path)]
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "results.csv").read_text()
    assert "ksg1-copula:k=1,2,4,8" in text and "\ngaussian," in text.replace('"', "")
    bad = _invoke(*BENCH, "--methods", "3,ksg1", "--out", str(tmp_path / "b"))
    assert bad.exit_code != 0 and "Traceback" not in bad.output
    assert "method list starts with a number" in bad.stderr


def test_prepare_output_folder(tmp_path):
    assert prepare_output_folder(tmp_path, "--out") == tmp_path  # an existing folder is kept
    new = prepare_output_folder(tmp_path / "new", "--out")
    assert new.is_dir()
    with pytest.raises(
        FileNotFoundError, match=rf"--out .*folder {re.escape(str(tmp_path / 'a'))} does not exist"
    ):
        prepare_output_folder(tmp_path / "a" / "b" / "c", "--out")
    assert not (tmp_path / "a").exists()


def test_prepare_output_with_a_file_on_the_way(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match=r"--out .* is a file, not a folder"):
        prepare_output_folder(blocker, "--out")
    with pytest.raises(ValueError, match=rf"{re.escape(str(blocker))} is a file, not a folder"):
        prepare_output_folder(blocker / "sub", "--out")
    with pytest.raises(ValueError, match=rf"{re.escape(str(blocker))} is a file, not a folder"):
        prepare_output_file(blocker / "sub" / "x.npz", "--out", "x.npz")


def test_prepare_output_file_that_is_a_folder(tmp_path):
    with pytest.raises(ValueError, match=r"is a folder; give a file name such as .*x\.npz"):
        prepare_output_file(tmp_path, "--out", "x.npz")
    path = prepare_output_file(tmp_path / "new" / "x.npz", "--out", "x.npz")
    assert path.parent.is_dir() and not path.exists()

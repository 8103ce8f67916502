"""``infossl ssl-plane``: the SSL information plane of several runs (figure, CSV, summary);
bad inputs end with one line ``error: ...`` and exit status 2."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from infossl.estimate import Estimate
from infossl.report.ssl_plane import (
    PLANE_QUANTITIES,
    load_plane_runs,
    plane_rows,
    plane_summary,
    ssl_plane_figure,
    summary_markdown,
)

runner = CliRunner()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
KEYS = [k for k, _ in PLANE_QUANTITIES]
N = 512


def _value(key: str, epoch: int, offset: float) -> float:
    """A made-up, distinct value of ``key`` at ``epoch`` (nats)."""
    return (KEYS.index(key) + 1) * 10.0 + offset + 0.25 * epoch


def _estimate(key: str, value: float) -> dict:
    quantity, method = key.split(":")
    ceiling = {"I(Z1;Z2):infonce": math.log(N), "I(Z;Y):probe": math.log(10)}.get(key)
    return Estimate(
        value, kind="lower", method=method, n=N, ceiling=ceiling, quantity=quantity
    ).to_dict()


def _run(folder: Path, method: str, *, offset: float = 0.0, keys=KEYS, epochs=4) -> Path:
    """A run folder with the files ``infossl train`` writes (values made up, formats real)."""
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump({"method": method}))
    rows = [
        {
            "epoch": e,
            "step": 39 * e,
            "representation": "backbone",
            "n": N,
            "dim": 64,
            "estimates": {k: _estimate(k, _value(k, e, offset)) for k in keys},
            "metrics": {"rankme": 10.0},
            "errors": {},
        }
        for e in range(epochs + 1)
    ]
    (folder / "diagnostics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    evals = [
        {"kind": "eval", "epoch": e, "step": 39 * e, "knn_acc": 0.3 + 0.05 * e} for e in (2, 4)
    ]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in evals))
    (folder / "summary.json").write_text(json.dumps({"linear_acc": 0.61}))
    return folder


@pytest.fixture
def two_runs(tmp_path: Path) -> list[Path]:
    return [_run(tmp_path / "a", "simclr"), _run(tmp_path / "b", "vicreg", offset=1.0)]


def _invoke(*args: object) -> Result:
    from infossl.cli.main import app

    return runner.invoke(app, ["ssl-plane", *map(str, args)])


def _error_line(result: Result, *names: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for name in names:
        assert name in lines[0], lines[0]
    return lines[0]


def test_command_writes_figure_and_csv_with_the_values_read(two_runs, tmp_path):
    out = tmp_path / "figs" / "plane.png"
    result = _invoke(*two_runs, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(PNG_MAGIC) and out.stat().st_size > 20_000
    with out.with_suffix(".csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 2 * len(KEYS) * 5  # runs × quantities × diagnostics rows
    for row in table:
        offset = {"simclr": 0.0, "vicreg": 1.0}[row["run"]]
        epoch = int(row["epoch"])
        assert int(row["step"]) == 39 * epoch
        assert float(row["value"]) == pytest.approx(_value(row["quantity"], epoch, offset))
        assert row["unit"] == "nats" and row["representation"] == "backbone"
    infonce = [r for r in table if r["quantity"] == "I(Z1;Z2):infonce"]
    assert [float(r["ceiling"]) for r in infonce] == pytest.approx([math.log(N)] * 10)
    assert all(r["ceiling"] == "" for r in table if r["quantity"] == "H(Z):gaussian-ridge")
    # the printed summary: first and last value per run and quantity
    assert "| vicreg | I(Z1;Z2):infonce | 31 (0) | 32 (4) | +1 | 6.238 |" in result.stdout
    assert "0.4 (2) → 0.5 (4) | 0.61 |" in result.stdout


def test_command_in_bits_by_epoch_with_explicit_csv(two_runs, tmp_path):
    fig, table = tmp_path / "p.svg", tmp_path / "t.csv"
    result = _invoke(*two_runs, "--out", fig, "--csv", table, "--unit", "bits", "--x", "epoch")
    assert result.exit_code == 0, result.output
    assert fig.read_text().lstrip().startswith("<?xml")
    rows = list(csv.DictReader(table.open()))
    first = next(r for r in rows if r["run"] == "simclr" and r["quantity"] == "I(Z;Y):probe")
    assert float(first["value"]) == pytest.approx(40.0 / math.log(2))
    assert float(first["ceiling"]) == pytest.approx(math.log2(10))


def test_command_summary_json_holds_first_and_last_values(two_runs, tmp_path):
    path = tmp_path / "summary.json"
    result = _invoke(*two_runs, "--out", tmp_path / "f.png", "--summary", path)
    assert result.exit_code == 0, result.output
    summary = json.loads(path.read_text())
    assert len(summary) == 2 * len(KEYS)
    probe = next(s for s in summary if s["run"] == "simclr" and s["quantity"] == "I(Z;Y):probe")
    assert (probe["first_epoch"], probe["first"], probe["last_epoch"], probe["last"]) == (
        0,
        40.0,
        4,
        41.0,
    )
    assert probe["ceiling"] == pytest.approx(math.log(10))
    assert (probe["knn_first_epoch"], probe["knn_last_epoch"], probe["linear_acc"]) == (2, 4, 0.61)


def test_summary_and_rows_equal_the_rows_read(two_runs):
    runs = load_plane_runs(two_runs)
    assert [r.label for r in runs] == ["simclr", "vicreg"]
    summary = plane_summary(runs)
    h = next(s for s in summary if s["run"] == "vicreg" and s["quantity"] == KEYS[0])
    assert (h["first"], h["last"], h["change"]) == (11.0, 12.0, 1.0)
    assert (h["knn_first"], h["knn_last"], h["linear_acc"]) == (0.4, 0.5, 0.61)
    rows = plane_rows(runs)
    assert [r["value"] for r in rows[:5]] == [10.0, 10.25, 10.5, 10.75, 11.0]
    assert "H(Z1\\|Z2)" in summary_markdown(runs)
    fig = ssl_plane_figure(runs)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 4
    # one line per run in each panel, plus the dashed ceiling (once per distinct value)
    infonce = axes[2]
    solid = [ln for ln in infonce.lines if ln.get_linestyle() == "-"]
    dashed = [ln for ln in infonce.lines if ln.get_linestyle() == "--"]
    assert [ln.get_label() for ln in solid] == ["simclr", "vicreg"]
    assert solid[0].get_ydata().tolist() == [30.0, 30.25, 30.5, 30.75, 31.0]
    assert solid[1].get_xdata().tolist() == [0, 39, 78, 117, 156]
    assert [ln.get_ydata()[0] for ln in dashed] == pytest.approx([math.log(N)] * 2)
    assert [t.get_text() for t in infonce.get_legend().get_texts()] == [
        "simclr",
        "ceiling 6.24 nats",
        "vicreg",
    ]


def test_runs_of_one_method_are_told_apart(tmp_path):
    runs = load_plane_runs([_run(tmp_path / "x", "byol"), _run(tmp_path / "y", "byol")])
    assert [r.label for r in runs] == ["byol (x)", "byol (y)"]


def test_bad_inputs_give_one_line_errors(tmp_path):
    _error_line(_invoke(tmp_path / "missing"), "run folder not found", "missing")
    (tmp_path / "empty").mkdir()
    _error_line(_invoke(tmp_path / "empty"), "no diagnostics.jsonl")
    (tmp_path / "file.txt").write_text("x")
    _error_line(_invoke(tmp_path / "file.txt"), "is a file")
    partial = _run(tmp_path / "partial", "simclr", keys=KEYS[:2])
    line = _error_line(_invoke(partial), "I(Z1;Z2):infonce", "I(Z;Y):probe", "recorded: H(Z)")
    assert "H(Z):gaussian-ridge" in line
    good = _run(tmp_path / "good", "simclr")
    _error_line(_invoke(good, "--unit", "furlongs"), "unit")
    _error_line(_invoke(good, "--x", "time"), "x")
    _error_line(_invoke(good, "--out", tmp_path), "is a folder")
    (good / "diagnostics.jsonl").write_text("")
    _error_line(_invoke(good), "holds no rows")


def test_missing_quantity_names_the_recorded_errors(tmp_path):
    run = _run(tmp_path / "r", "simclr", keys=KEYS[:3])
    lines = (run / "diagnostics.jsonl").read_text().splitlines()
    row = json.loads(lines[0])
    row["errors"] = {"I(Z;Y):probe": "no labels"}
    (run / "diagnostics.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(ValueError, match="I\\(Z;Y\\):probe: no labels"):
        load_plane_runs([run])

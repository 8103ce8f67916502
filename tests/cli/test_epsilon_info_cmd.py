"""``infossl experiment epsilon-info``: its files and figures on the linear testbed and on
augmented digits, and one-line errors (exit 2) for bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from infossl.cli._common import INPUT_ERROR
from infossl.cli.main import app

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("one_thread")


def _invoke(*args: object) -> Result:
    return runner.invoke(app, ["experiment", "epsilon-info", *(str(a) for a in args)])


def test_linear_testbed_run_writes_the_estimates_beside_the_exact_values(tmp_path):
    out = tmp_path / "eps"
    args = ("--dataset", "multiview-linear", "--eps-knob", 1, "--n", 3000)
    result = _invoke(*args, "--classifier", "logistic", "--learning-rate", 0.01, "--out", out)
    assert result.exit_code == 0, result.output
    record = json.loads((out / "epsilon_info.json").read_text())
    exact = record["exact"]["I(Y_class;X1|X2)"]
    estimate = record["estimates"]["I(Y;X1|X2)"]
    assert exact == pytest.approx(0.2824, abs=1e-3)
    assert estimate["value"] == pytest.approx(exact, abs=0.05)  # 900 test rows
    assert estimate["kind"] == "point" and estimate["unit"] == "nats"
    assert record["n_test"] == 900 and record["data"]["eps_knob"] == 1.0
    rows = list(csv.DictReader((out / "epsilon_info.csv").open()))
    assert [r["quantity"] for r in rows][:3] == ["I(Y;X1|X2)", "I(Y;X2|X1)", "eps_info"]
    assert len(rows) == 10
    assert f"exact {exact:.4f}" in result.output


def test_digits_run_draws_two_views_per_image_with_the_preset(tmp_path):
    out = tmp_path / "digits"
    result = _invoke(
        "--dataset", "digits", "--images", 300, "--pairs-per-image", 2, "--min-scale", 0.3,
        "--epochs", 2, "--conv-width", 4, "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads((out / "epsilon_info.json").read_text())
    assert record["data"]["preset"] == "digits" and record["data"]["min_scale"] == 0.3
    assert record["data"]["images"] == 300 and record["n_test"] == 2 * 90
    assert record["settings"]["classifier"] == "convnet"
    h_y = record["estimates"]["H(Y)"]["value"]
    assert 2.2 < h_y < 2.4  # ten classes, about ln 10 nats


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("--dataset", "mnist"), ("--dataset", "mnist")),
        (("--dataset", "digits", "--preset", "multicrop"), ("--preset", "multicrop")),
        (("--dataset", "digits", "--min-scale", 0), ("min_scale",)),
        (("--dataset", "digits", "--epochs", 0), ("epochs",)),
        (("--dataset", "digits", "--images", 1), ("n_images",)),
        (("--dataset", "digits", "--test-fraction", 1.5), ("test_fraction",)),
        (("--dataset", "multiview-linear", "--n", 5), ("--n",)),
        (("--dataset", "cifar10", "--cifar-zip", "missing.zip"), ("--cifar-zip", "missing.zip")),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(tmp_path, args, names):
    result = _invoke(*args, "--out", tmp_path / "out")
    assert result.exit_code == INPUT_ERROR, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])


def test_output_under_a_missing_folder_is_refused(tmp_path):
    out = tmp_path / "missing" / "eps"
    result = _invoke("--dataset", "multiview-linear", "--n", 100, "--out", out)
    assert result.exit_code == INPUT_ERROR
    assert "--out" in result.stderr and not Path(tmp_path / "missing").exists()

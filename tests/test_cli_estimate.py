"""`infossl estimate` and `infossl methods` from the command line."""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from infossl.cli.main import app

runner = CliRunner()


@pytest.fixture()
def files(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, 1))
    y = 0.8 * x + 0.6 * rng.standard_normal((3000, 1))
    np.save(tmp_path / "x.npy", x)
    np.savez(tmp_path / "xy.npz", samples=np.hstack([x, y]))
    np.savetxt(tmp_path / "xy.csv", np.hstack([x, y]), delimiter=",", header="a,b", comments="")
    return tmp_path, -0.5 * math.log(1 - 0.64)


def _value(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_npy_pair_json(files):
    d, truth = files
    np.save(d / "y.npy", np.load(d / "xy.npz")["samples"][:, 1])
    out = _value(runner.invoke(app, ["estimate", str(d / "x.npy"), str(d / "y.npy"),
                                     "--method", "gaussian", "--json"]))
    assert out["method"] == "gaussian" and out["unit"] == "nats"
    assert out["value"] == pytest.approx(truth, abs=0.04)


def test_columns_from_one_csv_and_npz_agree_in_bits(files):
    d, truth = files
    a = _value(runner.invoke(app, ["estimate", str(d / "xy.csv"), "--x-cols", "0", "--y-cols",
                                   "1", "-m", "gaussian", "--unit", "bits", "--json"]))
    b = _value(runner.invoke(app, ["estimate", str(d / "xy.npz"), "--x-cols", "0", "--y-cols",
                                   "1", "-m", "gaussian", "--unit", "bits", "--json"]))
    assert a["value"] == pytest.approx(b["value"], rel=1e-9)
    assert a["value"] == pytest.approx(truth / math.log(2), abs=0.06)


def test_table_output_and_ci(files):
    d, _ = files
    res = runner.invoke(app, ["estimate", str(d / "xy.npz"), "--x-cols", "0", "--y-cols", "1",
                              "-m", "gaussian", "--ci", "0.9", "--n-resamples", "20"])
    assert res.exit_code == 0, res.output
    assert "gaussian" in res.output and "nats" in res.output


def test_entropy_mode(files):
    d, _ = files
    out = _value(runner.invoke(app, ["estimate", str(d / "x.npy"), "--entropy", "-m", "gaussian",
                                     "--json"]))
    assert out["quantity"] == "H(X)"
    assert out["value"] == pytest.approx(0.5 * math.log(2 * math.pi * math.e), abs=0.05)


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.npy", "--y-cols", "1"], "no such file"),
        (["{d}/xy.npz", "--x-cols", "0", "--y-cols", "7"], "has 2 columns"),
        (["{d}/xy.npz", "--x-cols", "0", "--y-cols", "1", "-m", "bogus"], "valid methods"),
        (["{d}/xy.npz", "--x-cols", "zero", "--y-cols", "1"], "--x-cols"),
        (["{d}/x.npy"], "give a Y file"),
        (["{d}/xy.npz", "--x-cols", "0", "--y-cols", "1", "-p", "k"], "key=value"),
    ],
)
def test_errors_exit_2_with_message(files, args, message):
    d, _ = files
    args = [a.format(d=d) for a in args]
    res = runner.invoke(app, ["estimate", *args])
    assert res.exit_code == 2
    assert message in res.output


def test_methods_listing():
    res = runner.invoke(app, ["methods", "--quantity", "mi", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    names = {r["name"] for r in rows}
    assert {"gaussian", "plugin"} <= names
    assert all(r["quantity"] == "mi" for r in rows)
    bad = runner.invoke(app, ["methods", "--quantity", "joint"])
    assert bad.exit_code == 2

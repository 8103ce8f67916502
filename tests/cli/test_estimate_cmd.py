"""`infossl estimate` and `infossl methods` from the command line."""

import json
import math
import re

import numpy as np
import pytest
from typer.testing import CliRunner

import infossl
from infossl.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Read-only inputs shared by the module's tests (a test that adds a file writes its own)."""
    tmp_path = tmp_path_factory.mktemp("files")
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


def test_npy_pair_json(files, tmp_path):
    d, truth = files
    y_path = tmp_path / "y.npy"  # beside the test, not in the shared folder
    np.save(y_path, np.load(d / "xy.npz")["samples"][:, 1])
    out = _value(
        runner.invoke(
            app, ["estimate", str(d / "x.npy"), str(y_path), "--method", "gaussian", "--json"]
        )
    )
    assert out["method"] == "gaussian" and out["unit"] == "nats"
    assert out["value"] == pytest.approx(truth, abs=0.04)


def test_columns_from_one_csv_and_npz_agree_in_bits(files):
    d, truth = files
    a = _value(
        runner.invoke(
            app,
            [
                "estimate",
                str(d / "xy.csv"),
                "--x-cols",
                "0",
                "--y-cols",
                "1",
                "-m",
                "gaussian",
                "--unit",
                "bits",
                "--json",
            ],
        )
    )
    b = _value(
        runner.invoke(
            app,
            [
                "estimate",
                str(d / "xy.npz"),
                "--x-cols",
                "0",
                "--y-cols",
                "1",
                "-m",
                "gaussian",
                "--unit",
                "bits",
                "--json",
            ],
        )
    )
    assert a["value"] == pytest.approx(b["value"], rel=1e-9)
    assert a["value"] == pytest.approx(truth / math.log(2), abs=0.06)


def test_table_output_and_ci(files):
    d, _ = files
    res = runner.invoke(
        app,
        [
            "estimate",
            str(d / "xy.npz"),
            "--x-cols",
            "0",
            "--y-cols",
            "1",
            "-m",
            "gaussian",
            "--ci",
            "0.9",
            "--n-resamples",
            "20",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "gaussian" in res.output and "nats" in res.output


def test_entropy_mode(files):
    d, _ = files
    out = _value(
        runner.invoke(app, ["estimate", str(d / "x.npy"), "--entropy", "-m", "gaussian", "--json"])
    )
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


# ------------------------------------------------------------------ .npz files, keys, units
RHO = 0.75
TRUTH = -0.5 * math.log(1 - RHO**2)  # I(X;Y) of the 1v1-normal-0.75 task, nats


@pytest.fixture(scope="module")
def task_file(tmp_path_factory):
    """A sampled task file, written once and only read by the tests."""
    path = tmp_path_factory.mktemp("task") / "t.npz"
    res = runner.invoke(
        app,
        ["tasks", "sample", "1v1-normal-0.75", "--n", "2000", "--seed", "0", "--out", str(path)],
    )
    assert res.exit_code == 0, res.output
    return path


def _ok(res):
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _error_line(res):
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    return lines[0]


def test_task_file_alone_gives_x_and_y(task_file):
    import infossl

    data = np.load(task_file)
    assert float(data["mutual_information"]) == pytest.approx(TRUTH, rel=1e-12)
    gauss = _ok(runner.invoke(app, ["estimate", str(task_file), "-m", "gaussian", "--json"]))
    # n = 2000: the Gaussian MI estimate has a standard deviation of about 0.015 nats
    assert gauss["value"] == pytest.approx(TRUTH, abs=0.05)
    assert gauss["dims"] == [1, 1] and gauss["n"] == 2000
    auto = _ok(runner.invoke(app, ["estimate", str(task_file), "--json"]))
    reference = infossl.estimate_mi(data["x"], data["y"])
    assert auto["method"] == reference.method == "copula-max"
    assert auto["value"] == pytest.approx(reference.value, rel=1e-12)
    table = runner.invoke(app, ["estimate", str(task_file)])
    assert table.exit_code == 0 and "warning" not in table.output
    assert f"{reference.value:.4g}" in table.output


def test_x_key_and_y_key_choose_arrays(tmp_path):
    import infossl

    rng = np.random.default_rng(1)
    a = rng.standard_normal((1500, 2))
    b = rng.standard_normal((1500, 1))
    c = a[:, :1] + 0.5 * rng.standard_normal((1500, 1))
    np.savez(tmp_path / "f.npz", a=a, b=b, c=c)
    path = str(tmp_path / "f.npz")
    ac = _ok(
        runner.invoke(
            app, ["estimate", path, "--x-key", "a", "--y-key", "c", "-m", "gaussian", "--json"]
        )
    )
    ab = _ok(
        runner.invoke(
            app, ["estimate", path, "--x-key", "a", "--y-key", "b", "-m", "gaussian", "--json"]
        )
    )
    assert ac["dims"] == [2, 1]
    assert ac["value"] == pytest.approx(infossl.estimate_mi(a, c, "gaussian").value, rel=1e-12)
    assert ab["value"] == pytest.approx(infossl.estimate_mi(a, b, "gaussian").value, rel=1e-12)
    # closed form of I(A;C): C = A_1 + N(0, 0.25), so I = 0.5 ln(1 + 1/0.25)
    assert ac["value"] == pytest.approx(0.5 * math.log(5.0), abs=0.05)
    # keys also pick arrays of two different files
    np.savez(tmp_path / "g.npz", first=b, second=c)
    two = _ok(
        runner.invoke(
            app,
            [
                "estimate",
                path,
                str(tmp_path / "g.npz"),
                "--x-key",
                "a",
                "--y-key",
                "second",
                "-m",
                "gaussian",
                "--json",
            ],
        )
    )
    assert two["value"] == pytest.approx(ac["value"], rel=1e-12)


TASK_KEYS = "x, y, task_id, mutual_information, ground_truth, seed"


@pytest.mark.parametrize(
    "args, names",
    [
        (["{t}", "--y-key", "nope"], ["'nope'", TASK_KEYS]),
        (["{f}"], ["'x'", "a, b"]),
        (["{f}", "{t}", "--x-key", "a", "--y-key", "zz"], ["'zz'", TASK_KEYS]),
        (["{f}", "--x-key", "a", "--y-key", "q", "--y-cols", "0"], ["'q'", "a, b"]),
    ],
)
def test_missing_key_is_one_line_listing_the_keys(tmp_path, task_file, args, names):
    np.savez(tmp_path / "f.npz", a=np.zeros((5, 1)), b=np.ones((5, 1)))
    args = [a.format(t=task_file, f=tmp_path / "f.npz") for a in args]
    line = _error_line(runner.invoke(app, ["estimate", *args]))
    assert "has no array" in line
    assert all(name in line for name in names), line


@pytest.mark.parametrize("how", ["same-path", "same-key"])
def test_identical_continuous_x_and_y_warns(task_file, how):
    args = (
        [str(task_file), str(task_file)]
        if how == "same-path"
        else [str(task_file), "--x-key", "y", "--y-key", "y"]
    )
    res = runner.invoke(app, ["estimate", *args, "-m", "ksg1", "--json"])
    out = _ok(res)
    assert "identical" in res.stderr and "infinite" in res.stderr
    assert out["method"] == "ksg1" and out["saturated"]  # stuck at the method's cap


def test_identical_discrete_x_and_y_warns_and_gives_the_entropy(tmp_path):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 5, 800)
    np.save(tmp_path / "d.npy", labels)
    res = runner.invoke(
        app, ["estimate", str(tmp_path / "d.npy"), str(tmp_path / "d.npy"), "--json"]
    )
    out = _ok(res)
    assert "identical" in res.stderr and "H(X)" in res.stderr
    p = np.bincount(labels) / len(labels)
    assert out["method"] == "plugin"
    assert out["value"] == pytest.approx(-(p * np.log(p)).sum(), rel=1e-12)


def test_different_arrays_do_not_warn(task_file):
    res = runner.invoke(app, ["estimate", str(task_file), "-m", "gaussian", "--json"])
    assert res.exit_code == 0 and res.stderr == ""


def test_bits_convert_every_json_number(task_file):
    common = [str(task_file), "-m", "ksg1", "--ci", "0.9", "--n-resamples", "20", "--json"]
    nats = _ok(runner.invoke(app, ["estimate", *common]))
    bits = _ok(runner.invoke(app, ["estimate", *common, "--unit", "bits"]))
    assert (nats["unit"], bits["unit"]) == ("nats", "bits")
    ln2 = math.log(2)
    for field in ("value", "ceiling", "stderr"):
        assert bits[field] == pytest.approx(nats[field] / ln2, rel=1e-12), field
    assert bits["ci"] == pytest.approx([v / ln2 for v in nats["ci"]], rel=1e-12)
    assert bits["params"] == nats["params"]


def test_bits_convert_figures_in_notes(task_file):
    # X against itself saturates KSG, whose note quotes its ceiling as a figure
    args = ["estimate", str(task_file), str(task_file), "-m", "ksg1"]
    nats = _ok(runner.invoke(app, [*args, "--json"]))
    bits = _ok(runner.invoke(app, [*args, "--unit", "bits", "--json"]))
    assert any(f"ceiling {nats['ceiling']:.3g} nats" in note for note in nats["notes"])
    assert not any("nats" in note for note in bits["notes"])
    figures = [float(m) for note in bits["notes"] for m in re.findall(r"ceiling (\S+) bits", note)]
    # the note quotes the ceiling to 3 significant digits, converted from the nats figure
    assert figures == [pytest.approx(bits["ceiling"], rel=1e-2)]
    table = runner.invoke(app, [*args, "--unit", "bits"])
    assert table.exit_code == 0
    printed = table.stdout
    assert "nats" not in printed and "bits" in printed
    assert f"{bits['value']:.4g}" in printed and f"{bits['ceiling']:.4g}" in printed
    assert f"ceiling {figures[0]:.3g} bits" in printed


def test_bad_unit_is_one_line_error(task_file):
    line = _error_line(runner.invoke(app, ["estimate", str(task_file), "--unit", "shannons"]))
    assert "unit must be one of" in line


def test_a_k_series_passes_through_param(files, tmp_path):
    d, _ = files
    y_path = tmp_path / "y.npy"
    y = np.load(d / "xy.npz")["samples"][:, 1]
    np.save(y_path, y)
    args = ["estimate", str(d / "x.npy"), str(y_path), "--method", "ksg1-copula", "--json"]
    out = _value(runner.invoke(app, [*args, "-p", "k=1,2,4,8"]))
    reference = infossl.estimate_mi(np.load(d / "x.npy"), y, method="ksg1-copula", k=(1, 2, 4, 8))
    assert out["value"] == pytest.approx(reference.value, abs=1e-12)
    assert out["params"]["k"] == [1, 2, 4, 8]

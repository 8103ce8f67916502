"""Compression vs generalisation gap across networks (infossl.analysis.compression_gap) and the
``infossl generalisation`` commands."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr
from typer.testing import CliRunner

from infossl.analysis.compression_gap import compression_gap, correlation_interval
from infossl.analysis.idnn import IDNNConfig
from infossl.analysis.infoplane import InformationPlane
from infossl.cli.main import app


def _plane(activation: str, compression: np.ndarray, gap: np.ndarray) -> InformationPlane:
    """A plane whose layer h2 rises to 5 bits and drops by ``compression`` per seed."""
    s = len(compression)
    epochs = np.array([0, 10, 100])
    i_xt = np.zeros((s, 3, 3))
    i_xt[:, :, 0] = 8.0
    i_xt[:, 0, 1], i_xt[:, 1, 1], i_xt[:, 2, 1] = 3.0, 5.0, 5.0 - compression
    i_xt[:, :, 2] = 1.0
    test = np.full((s, 3), 0.9)
    train = test + gap[:, None]
    return InformationPlane(
        config=IDNNConfig(activation=activation, seeds=tuple(range(s)), hidden=(4, 3), epochs=100),
        epochs=epochs,
        layers=("h1", "h2", "softmax"),
        i_xt=i_xt,
        i_ty=np.zeros_like(i_xt),
        estimator="binning",
        estimator_params={},
        h_x=12.0,
        h_y=1.0,
        seeds=tuple(range(s)),
        train_accuracy=train,
        test_accuracy=test,
        train_loss=np.zeros((s, 3)),
    )


def test_known_compression_and_gap_are_recovered_with_their_correlations():
    comp = np.array([0.0, 0.5, 1.0, 2.0, 3.0])
    planes = {
        "tanh": _plane("tanh", comp, 0.05 - 0.01 * comp),
        "relu": _plane("relu", comp, 0.02 + 0 * comp + 0.001 * comp**2),
    }
    result = compression_gap(planes, n_boot=500)
    assert result.layer == "h2"  # the last hidden layer
    assert np.allclose(result.compression[:5], comp) and np.allclose(
        result.gap[:5], 0.05 - 0.01 * comp
    )
    assert result.by_group["tanh"]["pearson"][0] == pytest.approx(-1.0)
    assert result.by_group["relu"]["spearman"][0] == pytest.approx(1.0)
    r, low, high = result.pearson
    assert r == pytest.approx(pearsonr(result.compression, result.gap)[0])
    assert low <= r <= high
    assert len(result.rows()) == 10 and json.dumps(result.to_dict())


def test_correlation_interval_matches_scipy_and_covers_the_point():
    rng = np.random.default_rng(0)
    x = rng.normal(size=30)
    y = 0.5 * x + rng.normal(size=30)
    r, low, high = correlation_interval(x, y, n_boot=1000)
    rho, rlow, rhigh = correlation_interval(x, y, rank=True, n_boot=1000)
    assert r == pytest.approx(pearsonr(x, y)[0]) and low < r < high
    assert rho == pytest.approx(spearmanr(x, y)[0]) and rlow < rho < rhigh


@pytest.mark.parametrize(
    ("x", "y", "error"),
    [
        ([1.0, 2.0], [1.0, 2.0], ValueError),
        ([1.0, 2.0, np.nan], [1.0, 2.0, 3.0], ValueError),
        ([1.0, 2.0, 3.0], [1.0, 2.0], ValueError),
    ],
)
def test_correlation_interval_bad_inputs(x, y, error):
    with pytest.raises(error):
        correlation_interval(np.array(x), np.array(y))


def test_bad_layer_and_no_planes_raise():
    plane = _plane("tanh", np.arange(4.0), np.arange(4.0))
    with pytest.raises(ValueError, match="layer must be one of"):
        compression_gap({"tanh": plane}, "h9")
    with pytest.raises(ValueError, match="at least one"):
        compression_gap({})


@pytest.mark.full_layout  # the figures of this module laid out as users get them
@pytest.mark.filterwarnings("error:constrained_layout not applied")
def test_commands_write_their_files_and_fail_in_one_line(tmp_path):
    runner = CliRunner()
    files = []
    for act, gap in (("tanh", 0.03), ("relu", 0.02)):
        path = tmp_path / f"{act}.json"
        comp = np.array([0.0, 1.0, 2.0, 4.0])
        path.write_text(json.dumps(_plane(act, comp, gap - 0.001 * comp).to_dict()))
        files.append(str(path))
    res = runner.invoke(
        app,
        ["generalisation", "compression", *files, "--out", str(tmp_path / "c"), "--n-boot", "200"],
    )
    assert res.exit_code == 0, res.output
    assert {p.name for p in (tmp_path / "c").iterdir()} == {
        "compression_gap.csv",
        "compression_gap.json",
        "compression_gap.png",
    }
    twice = runner.invoke(app, ["generalisation", "compression", files[0], files[0]])
    assert twice.exit_code == 2 and "given twice" in twice.output
    (tmp_path / "bad.json").write_text("{}")
    res = runner.invoke(app, ["generalisation", "compression", str(tmp_path / "bad.json")])
    assert (
        res.exit_code == 2
        and res.output.startswith("error: ")
        and len(res.output.splitlines()) == 1
    )
    res = runner.invoke(app, ["generalisation", "compression", str(tmp_path)])  # a folder
    assert res.exit_code == 2 and "give an infoplane.json file" in res.output, res.output
    args = ["generalisation", "bound", "--pairs", "20", "--supersamples", "2", "--selections", "3"]
    res = runner.invoke(
        app, [*args, "--epochs", "2", "--log-points", "2", "--out", str(tmp_path / "b")]
    )
    assert res.exit_code == 0, res.output
    rows = (tmp_path / "b" / "bounds.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,train_error,test_error,gap,gap_low,gap_high,ld_cmi_bound")
    res = runner.invoke(app, [*args, "--hidden", "8,x"])
    assert res.exit_code == 2 and len(res.output.splitlines()) == 1, res.output

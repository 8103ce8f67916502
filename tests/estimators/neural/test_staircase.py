"""The staircase benchmark: data with exact MI, variant parsing, a tiny run, and the CLI."""

import json
import math

import numpy as np
import pytest
import torch
import typer
from typer.testing import CliRunner

from infossl.cli import staircase_cmd
from infossl.estimators.neural.staircase import (
    StaircaseConfig,
    level_table,
    parse_variant,
    run_staircase,
    sample_gaussian_pair,
    smooth,
    staircase_rho,
)


@pytest.fixture(autouse=True)
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.mark.parametrize("mi", [2.0, 6.0, 10.0])
def test_staircase_data_has_the_requested_mi(mi):
    rho = staircase_rho(mi, 20)
    assert -10 * math.log(1 - rho**2) == pytest.approx(mi, rel=1e-12)
    x, y = sample_gaussian_pair(mi, 20, 20000, torch.Generator().manual_seed(0))
    corr = np.mean([np.corrcoef(x[:, d], y[:, d])[0, 1] for d in range(20)])
    assert corr == pytest.approx(rho, abs=0.01)  # std of the mean correlation is < 0.002
    assert y.var(dim=0).mean().item() == pytest.approx(1.0, abs=0.02)


def test_parse_variant():
    assert parse_variant("smile-5").tau == 5.0
    assert parse_variant("smile-inf").tau is None
    assert parse_variant("interpolated").alpha == 0.01
    assert parse_variant("interpolated-0.5").alpha == 0.5
    assert parse_variant("mine").bound == "mine"
    for bad in ("foo", "smile", "smile-0", "smile-x", "interpolated-2"):
        with pytest.raises(ValueError, match="variant"):
            parse_variant(bad)


def test_tiny_staircase_run_and_table():
    config = StaircaseConfig(levels=(1.0, 3.0), dim=3, steps_per_level=6, hidden=(8,), embed_dim=4)
    result = run_staircase(config, ["infonce", "smile-inf"], ["separable", "concat"])
    assert len(result.runs) == 4
    for run in result.runs:
        assert run.estimates.shape == (12,) and np.isfinite(run.estimates).all()
    rows = level_table(result.runs[0], config)
    assert [r["true_mi"] for r in rows] == [1.0, 3.0]
    tail = result.runs[0].estimates[3:6]
    assert rows[0]["mean"] == pytest.approx(tail.mean())
    assert rows[0]["variance"] == pytest.approx(tail.var(ddof=1))
    assert rows[0]["bias"] == pytest.approx(tail.mean() - 1.0)
    again = run_staircase(config, ["infonce"], ["separable"])
    np.testing.assert_array_equal(again.runs[0].estimates, result.runs[0].estimates)
    with pytest.raises(ValueError, match="critic"):
        run_staircase(config, ["infonce"], ["mlp"])
    with pytest.raises(ValueError, match="steps_per_level"):
        StaircaseConfig(steps_per_level=1)


def test_smooth_is_an_exponential_moving_average():
    values = np.array([1.0, 3.0, 2.0])
    a = 2.0 / 4.0
    expected = [1.0, a * 3 + (1 - a) * 1.0, a * 2 + (1 - a) * (a * 3 + (1 - a) * 1.0)]
    np.testing.assert_allclose(smooth(values, 3), expected)


def _app() -> typer.Typer:
    from infossl.cli._common import CommandGroup

    app, bench = typer.Typer(cls=CommandGroup), typer.Typer()
    app.add_typer(bench, name="bench")

    @app.callback()
    def _root() -> None:
        """Test root."""

    staircase_cmd.register(app, bench)
    return app


def test_cli_quick_run_writes_figure_and_table(tmp_path):
    out = tmp_path / "stairs"
    result = CliRunner().invoke(_app(), ["bench", "staircase", "--quick", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "infonce" in result.output and "bias" in result.output
    for name in ("staircase.csv", "staircase.json", "staircase.png", "staircase_estimates.npz"):
        assert (out / name).stat().st_size > 0
    summary = json.loads((out / "staircase.json").read_text())
    assert summary["config"]["steps_per_level"] == 20
    assert len(summary["table"]) == 2 * 5
    with np.load(out / "staircase_estimates.npz") as traces:
        assert traces["infonce__separable"].shape == (100,)


def test_cli_rejects_unknown_bound(tmp_path):
    result = CliRunner().invoke(
        _app(), ["bench", "staircase", "--bounds", "bogus", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "unknown staircase variant 'bogus'" in result.output

"""Tests of the label-efficiency and ε_info sweeps of the compress experiment (quick settings)."""

from __future__ import annotations

import csv
import itertools
import json
import math

import numpy as np
import pytest
import torch

from infossl.analysis.compress_experiment import CompressConfig, label_subsets
from infossl.analysis.compress_output import write_results
from infossl.analysis.compress_sweep import (
    LABEL_ROW_COLUMNS,
    crossovers,
    summarise_eps,
    t_interval,
)

# t_{2, 0.975}, from tables (not from scipy)
T_2_975 = 4.302652729911275


pytestmark = pytest.mark.usefixtures("one_thread")


def tiny(**overrides) -> CompressConfig:
    settings = dict(
        objectives=("simclr", "mib"),
        seeds=(0, 1, 2),
        betas=(0.1,),
        steps=10,
        batch_size=32,
        n_eval=300,
        probe_labels=150,
        encoder="linear",
        label_sweep=(10, 40, 150),
        label_draws=2,
        eps_sweep=(0.25, 1.0),
    )
    settings.update(overrides)
    return CompressConfig(**settings)


def _read(path):
    with path.open() as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _ordered(low: str, mean: str, high: str) -> bool:
    lo, mu, hi = float(low), float(mean), float(high)
    return lo <= mu + 1e-12 and mu <= hi + 1e-12


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    from infossl.analysis.compress_experiment import run_compress_experiment

    torch.set_num_threads(1)
    config = tiny()
    result = run_compress_experiment(config)
    out = tmp_path_factory.mktemp("sweep")
    return config, result, write_results(result, out)


def test_sweep_writes_tables_with_the_right_columns(sweep):
    _, result, paths = sweep
    for name in ("label_sweep.csv", "label_summary.csv", "eps_summary.csv", "crossover.csv"):
        assert paths[name].is_file(), name
    for name in ("label_sweep.png", "eps_sweep.png"):
        assert paths[name].stat().st_size > 10_000, name
    columns, rows = _read(paths["label_sweep.csv"])
    assert tuple(columns) == LABEL_ROW_COLUMNS
    # 2 trainings x 3 seeds, measured at 4 points (holds, ε = 0.5, 0.25, 1), 3 label counts
    assert len(rows) == 2 * 3 * 4 * 3
    assert {int(r["labels"]) for r in rows} == {10, 40, 150}
    eps = sorted({round(float(r["eps_info"]), 6) for r in rows})
    assert eps[0] < 0.05 and eps[1:] == [0.25, 0.5, 1.0]
    columns, summary = _read(paths["label_summary.csv"])
    assert {"acc_mean", "acc_low", "acc_high", "gap_mean", "oracle_s_mean", "bayes_x1"} <= set(
        columns
    )
    assert len(summary) == 2 * 4 * 3 and {r["n"] for r in summary} == {"3"}
    columns, eps_rows = _read(paths["eps_summary.csv"])
    assert {"gap_low", "gap_high", "bound_nats", "ideal_loss_nats", "ideal_acc_cost"} <= set(
        columns
    )
    assert len(eps_rows) == 2 * 4
    data = json.loads(paths["results.json"].read_text())
    assert {"label_summary", "eps_summary", "crossover"} <= set(data)
    # the main figures keep one violated point: the same labels as without a sweep
    assert {(e["regime"], round(e["eps_info"], 6)) for e in result.main_summary()} == {
        ("holds", round(result.references["holds"]["eps_info"], 6)),
        ("violated", 0.5),
    }


def test_intervals_contain_their_means(sweep):
    _, _, paths = sweep
    checked = 0
    for name, prefixes in (
        ("label_summary.csv", ("acc", "acc_mean", "gap", "oracle_s", "oracle_x1")),
        ("eps_summary.csv", ("acc", "gap", "i_z1_y", "i_gap")),
    ):
        for row in _read(paths[name])[1]:
            for p in prefixes:
                assert _ordered(row[f"{p}_low"], row[f"{p}_mean"], row[f"{p}_high"]), (name, p)
                checked += 1
    assert checked > 100


def test_all_labels_reproduce_the_main_probe_and_references_do_not_fall(sweep):
    config, result, paths = sweep
    # the largest count is the whole pool: the main probe, fitted on the same rows
    for row in result.rows:
        last = row["label_sweep"][-1]
        assert last["labels"] == config.probe_labels
        assert last["probe_accuracy"] == row["probe_accuracy"]
    _, summary = _read(paths["label_summary.csv"])
    groups: dict[tuple, list[dict]] = {}
    for row in summary:
        groups.setdefault((row["eps_info"], row["objective"]), []).append(row)
    for members in groups.values():
        members.sort(key=lambda r: int(r["labels"]))
        for col in ("bayes_mean", "bayes_x1", "bayes_s", "bayes_sufficient"):
            values = [float(r[col]) for r in members]
            assert all(math.isfinite(v) for v in values), col
            assert all(b >= a - 1e-12 for a, b in itertools.pairwise(values)), col
        # the code cannot beat its Bayes accuracy, nor X1's (3 seeds x 150 test rows)
        for r in members:
            assert float(r["bayes_mean"]) <= float(r["bayes_x1"]) + 1e-9
            assert float(r["acc_mean"]) <= float(r["bayes_mean"]) + 3 * math.sqrt(0.25 / 450)


def test_the_minimal_sufficient_code_obeys_the_bound(sweep):
    _, _, paths = sweep
    _, rows = _read(paths["eps_summary.csv"])
    by_eps = {float(r["eps_info"]): r for r in rows if r["objective"] == "simclr"}
    costs = []
    for eps in sorted(by_eps):
        r = by_eps[eps]
        loss, bound = float(r["ideal_loss_nats"]), float(r["bound_nats"])
        assert -1e-9 <= loss <= bound + 1e-9  # I(Y;X1) − I(Y;Z*) ≤ I(Y;X1|X2)
        costs.append(float(r["ideal_acc_cost"]))
        assert float(r["gap_mean"]) == 0.0  # the baseline against itself
    assert costs[0] == pytest.approx(0.0, abs=1e-6)  # holds: Z* = E[S|X1] loses nothing
    assert all(b > a for a, b in itertools.pairwise(costs))


def test_t_interval_against_tables():
    out = t_interval([1.0, 2.0, 3.0, float("nan")])
    assert out["n"] == 3 and out["mean"] == pytest.approx(2.0)
    assert out["high"] - out["mean"] == pytest.approx(T_2_975 / math.sqrt(3), rel=1e-9)
    assert out["mean"] - out["low"] == pytest.approx(T_2_975 / math.sqrt(3), rel=1e-9)
    one = t_interval([0.7])
    assert one["mean"] == 0.7 and math.isnan(one["low"]) and math.isnan(one["high"])
    with pytest.raises(ValueError, match="level must be < 1"):
        t_interval([1.0, 2.0], level=1.5)


def test_gaps_are_paired_per_seed_and_crossovers_found():
    def row(objective, eps, seed, acc, beta=float("nan")):
        return dict(
            regime="violated",
            eps_info=eps,
            objective=objective,
            beta=beta,
            seed=seed,
            status="ok",
            probe_accuracy=acc,
            i_z1_y=acc,
        )

    rows = []
    for eps, shift in ((0.1, 0.01), (0.5, 0.0), (1.0, -0.05)):
        for seed, base in enumerate((0.70, 0.80, 0.90)):  # large seed spread, small paired gap
            rows.append(row("simclr", eps, seed, base))
            rows.append(row("mib", eps, seed, base + shift + 0.001 * seed, beta=0.1))
    refs = {"v": {"eps_info": 0.5, "I(Y;X1)": 1.0}}
    summary = summarise_eps(rows, refs)
    mib = {e["eps_info"]: e for e in summary if e["objective"] == "mib"}
    assert mib[1.0]["gap_mean"] == pytest.approx(-0.049)
    assert mib[1.0]["gap_high"] < 0  # paired: the seed spread of 0.1 cancels
    assert mib[0.1]["gap_low"] > 0
    assert mib[0.5]["i_y_x1"] == 1.0 and math.isnan(mib[0.1]["i_y_x1"])
    (cross,) = crossovers(summary)
    assert cross["objective"] == "mib" and cross["beta"] == 0.1
    assert cross["first_better"] == 0.1 and cross["first_worse"] == 1.0
    assert cross["last_not_worse"] == 0.5


def test_label_subsets_hold_both_classes_and_repeat():
    labels = np.zeros(200, dtype=int)
    labels[:3] = 1  # 3 positives in 200: most 5-row draws hold one class only
    subsets = label_subsets(labels, 5, 4, seed=7)
    assert len(subsets) == 4
    for idx in subsets:
        assert len(idx) == 5 and len(set(idx)) == 5 and set(labels[idx]) == {0, 1}
    again = label_subsets(labels, 5, 4, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(subsets, again, strict=True))
    (whole,) = label_subsets(labels, 200, 4, seed=7)
    assert np.array_equal(whole, np.arange(200))
    with pytest.raises(ValueError, match="no subset of 5 labels holds two classes"):
        label_subsets(np.zeros(50, dtype=int), 5, 1, seed=0)


@pytest.mark.parametrize(
    "overrides,match",
    [
        ({"eps_sweep": (0.25, 0.25)}, "eps_sweep lists a value twice"),
        ({"eps_sweep": (-0.1,)}, r"eps_sweep\[0\] must be > 0"),
        ({"eps_sweep": (0.3,), "regimes": ("holds",)}, "eps_sweep needs the 'violated' regime"),
        ({"label_sweep": (1,)}, r"label_sweep\[0\] must be >= 2"),
        ({"label_sweep": (10, 151)}, r"label_sweep\[1\] must be <= 150"),
        ({"label_sweep": (40, 10)}, "label_sweep must be distinct and ascending"),
        ({"label_draws": 0}, "label_draws must be >= 1"),
    ],
)
def test_bad_sweep_settings_raise_one_line_value_errors(overrides, match):
    with pytest.raises(ValueError, match=match) as info:
        tiny(**overrides)
    assert "\n" not in str(info.value)


def test_out_of_reach_eps_and_bad_cli_values(tmp_path):
    from typer.testing import CliRunner

    from infossl.analysis.compress_experiment import build_task
    from infossl.cli.experiment_cmd import parse_label_sweep
    from infossl.cli.main import app

    with pytest.raises(ValueError, match=r"eps_sweep value=5: .*out of reach"):
        build_task(tiny(eps_sweep=(5.0,)), "violated", 5.0)
    assert parse_label_sweep("10, 30,all", 200) == (10, 30, 200)
    assert parse_label_sweep(None, 200) == ()
    with pytest.raises(ValueError, match="integers or 'all', got 'ten'"):
        parse_label_sweep("ten,all", 200)
    for args, message in (
        (["--label-sweep", "10,x"], "--label-sweep must hold comma-separated integers"),
        (["--label-sweep", "10,5000"], "label_sweep[1] must be <= 200"),
        (["--eps-sweep", "0.3,abc"], "--eps-sweep must hold comma-separated numbers"),
    ):
        res = CliRunner().invoke(
            app, ["experiment", "compress", "--quick", *args, "--out", str(tmp_path / "x")]
        )
        assert res.exit_code == 2, res.output
        lines = [line for line in res.output.splitlines() if line.strip()]
        assert lines == [f"error: {lines[0][len('error: ') :]}"] and message in lines[0]

"""Tests of the "to compress or not to compress" experiment (quick settings, < 60 s)."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
import torch

from infossl.analysis.compress_experiment import (
    INFO_COLUMNS,
    ROW_COLUMNS,
    CompressConfig,
    build_task,
    measure_run,
    run_compress_experiment,
    summarise,
    train_run,
)
from infossl.analysis.compress_output import FIGURES, write_results

TIMING = ("train_seconds", "measure_seconds")


pytestmark = pytest.mark.usefixtures("one_thread")


def tiny(**overrides) -> CompressConfig:
    settings = dict(
        objectives=("simclr", "mib"),
        regimes=("holds", "violated"),
        seeds=(0,),
        betas=(0.01,),
        steps=15,
        batch_size=32,
        n_eval=300,
        probe_labels=150,
        encoder="linear",
    )
    settings.update(overrides)
    return CompressConfig(**settings)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b


# ------------------------------------------------------------------------------- outputs
@pytest.mark.full_layout  # the figures of this module laid out as users get them
@pytest.mark.filterwarnings("error:constrained_layout not applied")
def test_quick_run_writes_every_output_with_the_right_columns(tmp_path):
    config = tiny(
        objectives=("simclr", "vicreg", "mib", "ceb", "dont_compress"),
        seeds=(0, 1),
        betas=(0.01, 1.0),
        steps=10,
    )
    result = run_compress_experiment(config)
    # 3 non-swept + 2 swept x 2 betas = 7 trainings, x 2 seeds, measured in 2 regimes
    assert len(result.rows) == 7 * 2 * 2
    paths = write_results(result, tmp_path, dpi=40)  # the figures only need to exist
    for name in ("results.csv", "summary.csv", "results.json", *FIGURES):
        assert paths[name].is_file() and paths[name].stat().st_size > 0, name
    with paths["results.csv"].open() as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == ROW_COLUMNS
        rows = list(reader)
    assert len(rows) == 28
    assert {r["status"] for r in rows} == {"ok"}
    assert {r["method"] for r in rows} == {"closed-form"}
    for row in rows:  # every information term of the exact path is a number
        for col in (
            "i_z1_s",
            "i_z1_u1",
            "i_z1_y",
            "i_z1_u1_given_s",
            "i_z1_x1_given_x2",
            "i_z1_z2",
            "probe_accuracy",
            "bayes_accuracy",
        ):
            assert math.isfinite(float(row[col])), (row["objective"], col)
        deterministic = row["objective"] in ("simclr", "vicreg", "dont_compress")
        assert (float(row["i_z1_x1"]) == math.inf) == deterministic
    data = json.loads(paths["results.json"].read_text())
    assert set(data) == {"config", "references", "rows", "summary", "seconds", "unit"}
    assert data["unit"] == "nats" and len(data["summary"]) == 14
    with paths["summary.csv"].open() as fh:
        summary = list(csv.DictReader(fh))
    assert {"probe_accuracy_mean", "probe_accuracy_std", "i_z1_s_mean", "n"} <= set(summary[0])
    assert all(int(r["n"]) == 2 for r in summary)
    # the regimes differ only in the label: the shared/superfluous terms are identical
    by_key = {(r["regime"], r["objective"], r["beta"], r["seed"]): r for r in rows}
    for (regime, obj, beta, seed), row in by_key.items():
        other = by_key[("violated" if regime == "holds" else "holds", obj, beta, seed)]
        assert row["i_z1_s"] == other["i_z1_s"] and row["i_z1_u1"] == other["i_z1_u1"]
    refs = result.references
    assert refs["violated"]["eps_info"] == pytest.approx(config.eps_info, abs=1e-9)
    assert refs["holds"]["eps_info"] < 0.05


def test_cli_quick_run(tmp_path):
    from typer.testing import CliRunner

    from infossl.cli.main import app

    out = tmp_path / "run"
    res = CliRunner().invoke(
        app,
        [
            "experiment",
            "compress",
            "--quick",
            "--objectives",
            "simclr,mib",
            "--seeds",
            "1",
            "--betas",
            "0.1",
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert res.exit_code == 0, res.output
    with (out / "results.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 and {r["method"] for r in rows} == {"ksg1 (k=3)"}
    assert all(math.isfinite(float(r["i_z1_s_lb"])) for r in rows)
    for name in FIGURES:
        assert (out / name).is_file()
    bad = CliRunner().invoke(
        app, ["experiment", "compress", "--quick", "--objectives", "simclr,nope", "--out", str(out)]
    )
    assert bad.exit_code == 2
    assert "unknown objective 'nope'" in bad.output and "dont_compress" in bad.output


# ------------------------------------------------------------------------------- closed forms
def _independent_closed_form(task, weight, noise_std):
    """``I(Z1;S)``, ``I(Z1;U1)``, ``I(Z1;Y)`` and the Bayes accuracy of ``1[Y>0]`` for
    ``Z1 = W X1 + diag(noise_std) ξ``, from the structural equations (no library code)."""
    cov_x = task.a1 @ task.a1.T + task.b1 @ task.b1.T + task.noise**2 * np.eye(task.dim_x)
    cov_z = weight @ cov_x @ weight.T + np.diag(noise_std**2)
    load_s, load_u = weight @ task.a1, weight @ task.b1

    def mi(load):
        return 0.5 * (np.linalg.slogdet(cov_z)[1] - np.linalg.slogdet(cov_z - load @ load.T)[1])

    c = load_s @ task.w + task.eps_knob * (load_u @ task.v)
    var_y = task.w @ task.w + task.eps_knob**2 * (task.v @ task.v) + task.label_noise**2
    rho2 = c @ np.linalg.solve(cov_z, c) / var_y
    return mi(load_s), mi(load_u), -0.5 * math.log1p(-rho2), 0.5 + math.asin(rho2**0.5) / math.pi


@pytest.mark.parametrize("objective,beta", [("simclr", None), ("mib", 0.1)])
@pytest.mark.parametrize("regime", ["holds", "violated"])
def test_exact_measurement_matches_the_closed_forms(objective, beta, regime):
    config = tiny(objectives=(objective,), betas=(0.1,), steps=20)
    task = build_task(config, regime)
    trained = train_run(task, config, objective, beta, seed=0)
    assert trained.status == "ok"
    data = task.sample(config.n_eval, 5)
    row = measure_run(task, trained.model, data, config, seed=0)
    enc = trained.model.enc1
    if enc.stochastic:
        weight = enc.head.linear.weight.detach().double().numpy()
        std = enc.head.std().detach().double().numpy()
    else:
        weight = enc.head.weight.detach().double().numpy()
        std = np.zeros(weight.shape[0])
    i_s, i_u, i_y, bayes = _independent_closed_form(task, weight, std)
    assert row["method"] == "closed-form"
    assert row["i_z1_s"] == pytest.approx(i_s, abs=1e-8)
    assert row["i_z1_u1"] == pytest.approx(i_u, abs=1e-8)
    assert row["i_z1_y"] == pytest.approx(i_y, abs=1e-8)
    assert row["bayes_accuracy"] == pytest.approx(bayes, abs=1e-8)
    # the probe cannot beat the Bayes accuracy by more than sampling error (150 test rows)
    assert row["probe_accuracy"] <= bayes + 4 * math.sqrt(0.25 / 150)
    mean_s, _, _, _ = _independent_closed_form(task, weight, np.zeros(len(std)))
    assert row["i_mean1_s"] == pytest.approx(mean_s, abs=1e-8)
    if enc.stochastic:
        assert row["i_z1_s"] < row["i_mean1_s"]  # the encoder noise only removes information


# ------------------------------------------------------------------------------- seeds
def test_seeded_runs_are_reproducible_and_seeds_differ():
    config = tiny(encoder="mlp", regimes=("violated",), steps=12, n_eval=200, probe_labels=100)
    first = run_compress_experiment(config)
    before = torch.random.get_rng_state()
    again = run_compress_experiment(config)
    assert torch.equal(before, torch.random.get_rng_state())  # global RNG untouched
    assert first.rows[0]["method"].startswith("ksg1")
    for a, b in zip(first.rows, again.rows, strict=True):
        for col in ROW_COLUMNS:
            if col not in TIMING:
                assert _same(a[col], b[col]), col
    other = run_compress_experiment(
        tiny(
            encoder="mlp", regimes=("violated",), steps=12, n_eval=200, probe_labels=100, seeds=(1,)
        )
    )
    assert other.rows[0]["i_z1_s"] != first.rows[0]["i_z1_s"]


def test_summary_mean_and_std_over_seeds():
    base = {
        c: float("nan")
        for c in (
            *INFO_COLUMNS,
            "probe_accuracy_of_mean",
            "bayes_accuracy",
            "final_loss",
            "train_seconds",
        )
    }
    rows = [
        dict(
            base,
            regime="holds",
            objective="mib",
            beta=0.1,
            eps_info=0.02,
            status="ok",
            method="closed-form",
            probe_accuracy=acc,
            i_z1_s=s,
        )
        for acc, s in ((0.8, 1.0), (0.9, 2.0), (0.7, 3.0))
    ]
    rows.append(dict(rows[0], status="diverged at step 3: loss is not finite"))
    (entry,) = summarise(rows)
    assert entry["n"] == 3 and entry["n_failed"] == 1
    assert entry["probe_accuracy_mean"] == pytest.approx(0.8)
    assert entry["probe_accuracy_std"] == pytest.approx(0.1)
    assert entry["i_z1_s_std"] == pytest.approx(1.0)
    assert math.isnan(entry["i_z1_u1_mean"])


# ------------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    "overrides,error,match",
    [
        ({"objectives": ("simclr", "nope")}, ValueError, "unknown objective 'nope'.*vicreg"),
        ({"objectives": ("byol",)}, ValueError, "not supported by this experiment.*mib"),
        ({"objectives": ()}, ValueError, "objectives must not be empty"),
        ({"objectives": "simclr"}, TypeError, "objectives must be a sequence"),
        ({"regimes": ("holds", "sometimes")}, ValueError, "regime must be one of"),
        ({"betas": (0.1, -1.0)}, ValueError, r"betas\[1\] must be > 0"),
        ({"betas": (0.0,)}, ValueError, r"betas\[0\] must be > 0"),
        ({"betas": (float("nan"),)}, ValueError, r"betas\[0\] must be finite"),
        ({"betas": ("big",)}, TypeError, r"betas\[0\] must be a real number"),
        ({"seeds": (0, 0)}, ValueError, "seeds must be distinct"),
        ({"steps": 0}, ValueError, "steps must be >= 1"),
        ({"encoder": "resnet"}, ValueError, "encoder must be one of"),
        ({"eq9_ssl": "mib"}, ValueError, "eq9_ssl must be one of"),
        ({"probe_labels": 295}, ValueError, "probe_labels must be <="),
        ({"images": True, "eps_info": 0.9}, ValueError, "eps_info must be <= ln 2"),
    ],
)
def test_bad_inputs_raise_clear_errors(overrides, error, match):
    with pytest.raises(error, match=match):
        tiny(**overrides)


def test_eps_info_out_of_reach_names_the_argument():
    config = tiny(eps_info=0.001)  # below the floor set by the view noise
    with pytest.raises(ValueError, match=r"eps_info=0\.001.*floor"):
        build_task(config, "violated")
    with pytest.raises(ValueError, match="regime must be one of"):
        build_task(config, "never")


def test_image_variant_runs_with_a_shared_convnet():
    config = CompressConfig(
        images=True,
        objectives=("simclr", "dont_compress"),
        seeds=(0,),
        steps=4,
        batch_size=16,
        n_eval=160,
        probe_labels=80,
        train_size=64,
    )
    result = run_compress_experiment(config)
    assert [r["regime"] for r in result.rows] == ["holds", "violated"] * 2
    for row in result.rows:
        assert row["status"] == "ok" and row["encoder"] == "convnet"
        assert row["method"] == "ross+ksg1 (k=3)"  # chain rule over the discrete shape class
        assert math.isfinite(row["i_z1_s"]) and 0.0 <= row["probe_accuracy"] <= 1.0
    model = train_run(build_task(config, "holds"), config, "simclr", None, 0).model
    assert model.enc1.trunk is model.enc2.trunk  # one convnet for both views
    assert result.references["violated"]["eps_info"] == pytest.approx(0.5)

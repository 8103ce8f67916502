"""The shipped 12-bit task, the MATLAB loader, and the IDNN information-plane experiment."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import typer
from typer.testing import CliRunner

from infossl.analysis.idnn import (
    IDNNConfig,
    _truncated_normal,
    information_plane,
    log_spaced_epochs,
    train_idnn,
)
from infossl.analysis.infoplane import InformationPlane
from infossl.analysis.infoplane_plots import (
    plot_information_plane,
    plot_layer_curves,
)
from infossl.data.dataset import DatasetError
from infossl.data.idnn import idnn_task_from_mat, load_idnn_task
from infossl.data.matlab import load_mat

SHARED_MAT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "var_u.mat"


# ----------------------------------------------------------------------------- reference entropy
def _entropy_bits(codes: np.ndarray) -> float:
    """Plug-in entropy in bits of discrete symbols (rows of a 2-D array), written for the test."""
    _, counts = np.unique(codes, axis=0, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def _idnn_binned(t: np.ndarray) -> np.ndarray:
    """The IDNN binning: np.digitize against linspace(-1, 1, 30) (tanh or softmax activations)."""
    return np.digitize(t, np.linspace(-1.0, 1.0, 30))


def _reference_pair(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """I(X;T) = H(T̃) and I(T;Y) = H(T̃) − Σ_y p(y) H(T̃|Y=y) for a deterministic layer."""
    binned = _idnn_binned(t)
    h_t = _entropy_bits(binned)
    h_t_given_y = sum(np.mean(y == c) * _entropy_bits(binned[y == c]) for c in (0, 1))
    return h_t, h_t - h_t_given_y


# ----------------------------------------------------------------------------- data
def test_shipped_task_has_every_pattern_once_in_order() -> None:
    x, y = load_idnn_task()
    assert x.shape == (4096, 12) and x.dtype == np.float64
    assert y.shape == (4096,) and y.dtype == np.int64
    as_int = (x.astype(np.int64) * (1 << np.arange(11, -1, -1))).sum(axis=1)
    np.testing.assert_array_equal(as_int, np.arange(4096))
    assert y.sum() == 2118
    assert y.mean() == pytest.approx(0.517, abs=5e-4)
    p = y.mean()
    assert -(p * math.log2(p) + (1 - p) * math.log2(1 - p)) == pytest.approx(0.99916, abs=1e-5)


@pytest.mark.skipif(not SHARED_MAT.exists(), reason="../shared/data/var_u.mat is absent")
def test_shipped_task_equals_the_mat_file() -> None:
    x, y = load_idnn_task()
    raw = load_mat(SHARED_MAT)
    assert set(raw) == {"F", "y"}
    np.testing.assert_array_equal(x, raw["F"].astype(np.float64))
    np.testing.assert_array_equal(y, raw["y"].reshape(-1))
    x2, y2 = idnn_task_from_mat(SHARED_MAT)
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)
    assert load_mat(SHARED_MAT, ["y"], squeeze=True)["y"].shape == (4096,)


def test_load_mat_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such MATLAB file"):
        load_mat(tmp_path / "missing.mat")
    with pytest.raises(TypeError, match="path must be"):
        load_mat(3)  # type: ignore[arg-type]
    text = tmp_path / "text.mat"
    text.write_text("not a matlab file at all " * 10)
    with pytest.raises(DatasetError, match="not a readable MATLAB"):
        load_mat(text)
    v73 = tmp_path / "v73.mat"
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64".ljust(512, b" ")
    v73.write_bytes(header + b"\x89HDF\r\n\x1a\n")
    with pytest.raises(DatasetError, match=r"v7\.3"):
        load_mat(v73)
    with pytest.raises(DatasetError, match="is not a file"):
        load_mat(tmp_path)
    from scipy.io import savemat

    good = tmp_path / "good.mat"
    savemat(good, {"a": np.arange(3)})
    with pytest.raises(DatasetError, match=r"no variable\(s\) \['b'\]; it holds \['a'\]"):
        load_mat(good, ["b"])
    with pytest.raises(DatasetError, match="F must have shape"):
        idnn_task_from_mat(_save(tmp_path, F=np.zeros((5, 12)), y=np.zeros(5)))
    assert isinstance(DatasetError("x"), ValueError)


def _save(folder: Path, **arrays: np.ndarray) -> Path:
    from scipy.io import savemat

    path = folder / "task.mat"
    savemat(path, arrays)
    return path


# ----------------------------------------------------------------------------- settings
def test_log_spaced_epochs() -> None:
    epochs = log_spaced_epochs(8000, 400)
    assert epochs[0] == 0 and epochs[-1] == 8000
    assert np.all(np.diff(epochs) > 0)
    reference = np.unique(np.round(np.logspace(0, np.log10(8000), 400)).astype(int))
    assert set(reference) <= set(epochs) and len(epochs) == len(reference) + 1
    np.testing.assert_array_equal(log_spaced_epochs(5, 1), [0, 1, 5])


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="activation"):
        IDNNConfig(activation="sigmoid")
    with pytest.raises(ValueError, match="distinct"):
        IDNNConfig(seeds=(1, 1))
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        IDNNConfig(batch_size=0)
    with pytest.raises(ValueError, match="train_fraction"):
        IDNNConfig(train_fraction=1.0)
    with pytest.raises(TypeError, match="epochs must be an integer"):
        IDNNConfig(epochs=2.5)  # type: ignore[arg-type]
    cfg = IDNNConfig()
    assert cfg.layer_sizes == (12, 10, 7, 5, 4, 3, 2)
    assert cfg.layer_names == ("h1", "h2", "h3", "h4", "h5", "softmax")


def test_truncated_normal_initialiser() -> None:
    draws = _truncated_normal((400_000,), 0.5, torch.Generator().manual_seed(0)).double()
    assert float(draws.abs().max()) <= 1.0 + 1e-6
    # std of N(0, 1) truncated at ±2 is 0.87962.
    assert float(draws.std()) == pytest.approx(0.5 * 0.87962, rel=0.005)
    assert float(draws.mean()) == pytest.approx(0.0, abs=0.003)


# ----------------------------------------------------------------------------- training
@pytest.fixture(scope="module")
def short_run():
    config = IDNNConfig(activation="tanh", epochs=6, seeds=(0, 1, 2), log_points=3)
    return train_idnn(config)


@pytest.fixture(scope="module")
def short_plane(short_run):
    """The default (binning) information plane of ``short_run``, computed once for the tests
    that read it."""
    return information_plane(short_run)


def test_training_shapes_split_and_seed_independence(short_run) -> None:
    n_epochs = len(short_run.epochs)
    np.testing.assert_array_equal(short_run.epochs, [0, 1, 2, 6])
    assert len(short_run.snapshots) == n_epochs
    assert short_run.train_mask.shape == (3, 4096)
    assert np.all(short_run.train_mask.sum(axis=1) == round(0.8 * 4096))
    assert short_run.train_accuracy.shape == (3, n_epochs)
    # Each seed is an independent network: seed 1 alone trains to the same weights.
    alone = train_idnn(IDNNConfig(activation="tanh", epochs=6, seeds=(1,), log_points=3))
    for joint, single in zip(short_run.snapshots[-1], alone.snapshots[-1], strict=True):
        torch.testing.assert_close(joint[1], single[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(alone.train_mask[0], short_run.train_mask[1])
    acts = short_run.activations(0)
    assert [a.shape for a in acts] == [(3, 4096, w) for w in (10, 7, 5, 4, 3, 2)]
    np.testing.assert_allclose(acts[-1].sum(axis=-1), 1.0, atol=1e-6)


def test_full_batch_training_runs_and_learns() -> None:
    run = train_idnn(
        IDNNConfig(epochs=40, seeds=(0,), batch_size=None, log_points=2, learning_rate=1e-2)
    )
    assert run.train_loss[0, -1] < run.train_loss[0, 0]


def test_binning_information_plane_matches_reference_and_bounds(short_run, short_plane) -> None:
    plane = short_plane
    _, y = load_idnn_task()
    assert plane.i_xt.shape == (3, 4, 6) and plane.unit == "bits"
    assert plane.h_x == pytest.approx(12.0, abs=1e-12)
    assert plane.h_y == pytest.approx(0.999157, abs=1e-6)
    # Independent reference: H(T̃) and H(T̃) − H(T̃|Y) from the IDNN binning.
    acts = short_run.activations(3)
    for li in (0, 3, 5):
        expected = _reference_pair(acts[li][1].astype(np.float64), y)
        assert plane.i_xt[1, 3, li] == pytest.approx(expected[0], abs=1e-9)
        assert plane.i_ty[1, 3, li] == pytest.approx(expected[1], abs=1e-9)
    # Bounds: 0 ≤ I(T;Y) ≤ min(I(X;T), H(Y)), I(X;T) ≤ H(X).
    assert np.all(plane.i_xt >= 0) and np.all(plane.i_xt <= 12 + 1e-9)
    assert np.all(plane.i_ty >= -1e-12) and np.all(plane.i_ty <= plane.h_y + 1e-9)
    assert np.all(plane.i_ty <= plane.i_xt + 1e-9)
    # At initialisation the first layer (10 units, 30 bins) keeps almost all 12 bits.
    assert plane.i_xt[:, 0, 0].min() > 11.5
    # Information decreases with depth at initialisation (binned: checked on the seed mean).
    assert np.all(np.diff(plane.i_xt[:, 0, :].mean(axis=0)) <= 0.05)
    rows = plane.rows()
    assert len(rows) == 3 * 4 * 6 and rows[0]["layer"] == "h1"
    json.dumps(plane.to_dict())


def test_relu_binning_uses_fixed_ranges_across_epochs() -> None:
    run = train_idnn(IDNNConfig(activation="relu", epochs=3, seeds=(0, 1), log_points=2))
    plane = information_plane(run)
    params = plane.estimator_params
    assert plane.estimator == "binning" and params["value_range"] == "global"
    assert params["bins"] == 100
    ranges = np.array(params["ranges"])  # (S, L, 2)
    assert ranges.shape == (2, 6, 2)
    for e in range(len(run.epochs)):
        for li, layer in enumerate(run.activations(e)):
            assert np.all(layer.min(axis=(1, 2)) >= ranges[:, li, 0] - 1e-7)
            assert np.all(layer.max(axis=(1, 2)) <= ranges[:, li, 1] + 1e-7)
    assert np.all(ranges[:, :5, 0] == 0.0)  # ReLU: the smallest activity is 0
    assert np.all((plane.i_xt >= 0) & (plane.i_xt <= 12 + 1e-9))
    assert np.all(plane.i_ty <= plane.i_xt + 1e-9)


def test_kt_information_plane_bounds_are_ordered(short_run) -> None:
    plane = information_plane(short_run, "kt", noise_variance=0.1, max_samples=256, seed=3)
    assert plane.estimator == "kde"
    assert plane.i_xt_lower is not None and plane.i_ty_lower is not None
    assert np.all(plane.i_xt_lower <= plane.i_xt + 1e-9)
    assert np.all(plane.i_xt <= math.log2(256) + 1e-9) and np.all(plane.i_xt_lower >= -1e-12)
    assert plane.estimator_params["n_samples"] == 256
    assert plane.h_x == pytest.approx(8.0)
    with pytest.raises(ValueError, match="estimator"):
        information_plane(short_run, "ksg")
    with pytest.raises(ValueError, match="max_samples"):
        information_plane(short_run, max_samples=5000)


# ----------------------------------------------------------------------------- figures and CLI
def test_figures(short_plane) -> None:
    plane = short_plane
    fig = plot_information_plane(plane)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "I(X;T) (bits)" and ax.get_ylabel() == "I(T;Y) (bits)"
    colour_bar = fig.axes[1]
    assert colour_bar.get_ylabel() == "Epoch"
    lo, hi = colour_bar.get_ylim()
    assert (lo, hi) == pytest.approx((1.0, 6.0))
    curves = plot_layer_curves(plane)
    assert [a.get_ylabel() for a in curves.axes] == ["I(X;T) (bits)", "I(T;Y) (bits)", "accuracy"]


@pytest.mark.full_layout  # the figures of this module laid out as users get them
@pytest.mark.filterwarnings("error:constrained_layout not applied")
def test_cli_writes_figures_and_tables(tmp_path: Path) -> None:
    from infossl.cli._common import CommandGroup
    from infossl.cli.infoplane_cmd import register

    app, bench = typer.Typer(cls=CommandGroup), typer.Typer()
    register(app, bench)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "infoplane",
            "idnn",
            "--epochs",
            "2",
            "--seeds",
            "1",
            "--log-points",
            "2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        "infoplane.png",
        "layers.png",
        "infoplane.csv",
        "infoplane.json",
    }
    data = json.loads((out / "infoplane.json").read_text())
    assert data["unit"] == "bits" and data["layers"][-1] == "softmax"
    assert len((out / "infoplane.csv").read_text().splitlines()) == 1 + 3 * 6
    grads = tmp_path / "grads"
    args = ["infoplane", "idnn", "--epochs", "2", "--seeds", "2", "--log-points", "2"]
    result = CliRunner().invoke(app, [*args, "--gradients", "--out", str(grads)])
    assert result.exit_code == 0, result.output
    assert {"gradients.csv", "gradients.png"} <= {p.name for p in grads.iterdir()}
    header, *rows = (grads / "gradients.csv").read_text().splitlines()
    assert header == "seed,epoch,layer,mean_norm,std_norm,snr" and len(rows) == 2 * 3 * 6
    bad = CliRunner().invoke(
        app, ["infoplane", "idnn", "--activation", "sigmoid", "--out", str(out)]
    )
    assert bad.exit_code == 2 and "activation" in bad.output
    bad = CliRunner().invoke(app, ["infoplane", "idnn", "--estimator", "noisy", "--out", str(out)])
    assert bad.exit_code == 2 and "--noise-beta" in bad.output
    redraw = tmp_path / "redraw"
    again = CliRunner().invoke(
        app, ["infoplane", "plot", str(out / "infoplane.json"), "--out", str(redraw)]
    )
    assert again.exit_code == 0, again.output
    assert {p.name for p in redraw.iterdir()} == {"infoplane.png", "layers.png"}
    broken = CliRunner().invoke(app, ["infoplane", "plot", str(out / "infoplane.csv")])
    assert broken.exit_code == 2 and "is not valid JSON" in broken.output


def test_plane_round_trips_through_json(short_plane) -> None:
    plane = short_plane
    back = InformationPlane.from_dict(json.loads(json.dumps(plane.to_dict())))
    np.testing.assert_array_equal(back.i_xt, plane.i_xt)
    np.testing.assert_array_equal(back.epochs, plane.epochs)
    assert back.config == plane.config and back.layers == plane.layers
    np.testing.assert_allclose(back.compression(), plane.compression())
    with pytest.raises(ValueError, match="to_dict"):
        InformationPlane.from_dict({"experiment": "other"})
    # files written before the engines were merged named the estimators "binning" / "kt"
    legacy = plane.to_dict() | {"estimator": "binning"}
    legacy["estimator_params"] = {**legacy["estimator_params"], "strategy": "idnn"}
    assert InformationPlane.from_dict(legacy).estimator == "idnn"
    legacy["estimator"], legacy["estimator_params"] = "kt", {"noise_variance": 0.1}
    assert InformationPlane.from_dict(legacy).estimator == "kde"


def test_other_data_and_a_fixed_split_train_the_same_engine():
    from infossl.analysis.idnn import IDNNConfig, train_idnn

    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 5)).astype(np.float32)
    y = rng.integers(0, 3, size=30)
    config = IDNNConfig(epochs=2, seeds=(0, 1), hidden=(4,), log_points=2)
    index = np.stack([np.arange(10), np.arange(10, 20)])
    training = train_idnn(config, data=(x, y), train_index=index)
    assert training.snapshots[0][0].shape == (2, 5, 4) and training.snapshots[0][-1].shape == (
        2,
        1,
        3,
    )
    assert training.train_mask.sum(axis=1).tolist() == [10, 10] and training.train_mask[1, 15]
    assert training.predictions(x).shape == (len(training.epochs), 2, 30)
    for bad, message in (
        (np.arange(10)[None], "shape"),
        (np.stack([np.arange(10), np.full(10, 3)]), "repeats a row"),
        (np.stack([np.arange(10), np.arange(25, 35)]), r"\[0, 30\)"),
    ):
        with pytest.raises(ValueError, match=message):
            train_idnn(config, data=(x, y), train_index=bad)
    with pytest.raises(ValueError, match="class labels"):
        train_idnn(config, data=(x, np.zeros(30, dtype=int)))


@pytest.mark.parametrize(("beta", "low", "high"), [(1e-3, 5.7, 6.3), (30.0, -0.4, 0.4)])
def test_noisy_network_limits_of_the_sample_propagation_plane(beta, low, high) -> None:
    """Goldfeld et al.'s noisy network: separated centres give log2 m bits in the first hidden
    layer (β ≪ distances); noise far wider than the activations gives 0 bits everywhere.
    Tolerance: about 3 Monte Carlo standard errors (≈ 0.1 bits each at m = 64, n_mc = 16)."""
    config = IDNNConfig(epochs=3, seeds=(0, 1), log_points=2, noise_beta=beta)
    run = train_idnn(config)
    plane = information_plane(run, "noisy", max_samples=64, n_conditional=4, n_mc=16, seed=1)
    assert plane.layers == ("h1", "h2", "h3", "h4", "h5") and plane.estimator == "noisy"
    assert plane.i_xt.shape == (2, len(run.epochs), 5) and plane.h_x == pytest.approx(6.0)
    first = plane.i_xt[:, :, 0] if beta < 1 else plane.i_xt
    assert np.all((first >= low) & (first <= high)), first
    assert plane.estimator_params["beta"] == beta and plane.estimator_params["n_samples"] == 64


def test_noise_changes_training_only_when_asked() -> None:
    quiet = train_idnn(IDNNConfig(epochs=2, seeds=(0, 1), log_points=2))
    noisy = train_idnn(IDNNConfig(epochs=2, seeds=(0, 1), log_points=2, noise_beta=0.5))
    for a, b in zip(quiet.snapshots[0], noisy.snapshots[0], strict=True):
        assert torch.equal(a, b)  # same initialisation
    assert not torch.equal(quiet.snapshots[-1][0], noisy.snapshots[-1][0])
    with pytest.raises(ValueError, match="noise_beta"):
        information_plane(quiet, "noisy")
    with pytest.raises(ValueError, match="noise_beta"):
        IDNNConfig(noise_beta=-0.1)

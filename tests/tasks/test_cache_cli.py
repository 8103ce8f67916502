"""Monte Carlo ground-truth cache (memory, disk, read-only) and the `infossl tasks` commands."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from infossl.cli import tasks_cmd
from infossl.tasks import _cache, cache_dir, clear_memory_cache, monte_carlo_mi, x_mixture
from infossl.tasks import mixtures as mixtures_module


def _fresh_task():
    return x_mixture(0.8, mc_samples=4000)


def test_cache_dir_locations(monkeypatch, tmp_path):
    monkeypatch.setenv("INFOSSL_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.setenv("INFOSSL_CACHE_DIR", "")
    assert cache_dir() is None
    monkeypatch.delenv("INFOSSL_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "infossl"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir().parts[-2:] == (".cache", "infossl")


def test_monte_carlo_truth_is_cached_on_disk_and_reused(monkeypatch, tmp_path):
    monkeypatch.setenv("INFOSSL_CACHE_DIR", str(tmp_path))
    clear_memory_cache()
    task = _fresh_task()
    mi, se = task.mutual_information, task.mi_stderr
    assert (mi, se) == monte_carlo_mi(task, 4000, 0)  # exactly the fixed-seed MC value
    stored = json.loads((tmp_path / _cache.CACHE_FILE).read_text())
    assert len(stored) == 1 and next(iter(stored.values())) == {"mi": mi, "stderr": se}

    def boom(*args, **kwargs):
        raise AssertionError("recomputed despite the cache")

    monkeypatch.setattr(mixtures_module, "monte_carlo_mi", boom)
    clear_memory_cache()
    again = _fresh_task()  # a new object: the value comes from disk
    assert (again.mutual_information, again.mi_stderr) == (mi, se)
    other = x_mixture(0.7, mc_samples=4000)  # other parameters: another key, so it recomputes
    with pytest.raises(AssertionError, match="recomputed"):
        _ = other.mutual_information


def test_cache_tolerates_read_only_and_corrupt_files(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("INFOSSL_CACHE_DIR", str(blocker / "cache"))  # mkdir fails even as root
    clear_memory_cache()
    expected = monte_carlo_mi(_fresh_task(), 4000, 0)
    assert (_fresh_task().mutual_information, _fresh_task().mi_stderr) == expected

    folder = tmp_path / "corrupt"
    folder.mkdir()
    (folder / _cache.CACHE_FILE).write_text("{not json")
    monkeypatch.setenv("INFOSSL_CACHE_DIR", str(folder))
    clear_memory_cache()
    assert _fresh_task().mutual_information == expected[0]
    assert len(json.loads((folder / _cache.CACHE_FILE).read_text())) == 1  # rewritten cleanly

    monkeypatch.setenv("INFOSSL_CACHE_DIR", "")  # disk cache off
    clear_memory_cache()
    assert _fresh_task().mutual_information == expected[0]


# ----------------------------------------------------------------- command line
@pytest.fixture()
def cli(monkeypatch, tmp_path):
    monkeypatch.setenv("INFOSSL_CACHE_DIR", str(tmp_path / "cache"))
    from infossl.cli._common import CommandGroup

    app = typer.Typer(cls=CommandGroup)
    bench = typer.Typer()
    app.add_typer(bench, name="bench")
    tasks_cmd.register(app, bench)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_cli_list(cli):
    result = cli("tasks", "list", "--suite", "discrete", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 11
    bsc = next(r for r in rows if r["id"] == "discrete-bsc-0.1")
    assert bsc["mutual_information"] == pytest.approx(np.log(2) - 0.3250829733914482)
    assert bsc["ground_truth"] == "exact" and bsc["x_kind"] == "discrete"
    table = cli("tasks", "list", "--suite", "high-mi")
    assert table.exit_code == 0 and "multinormal-pairs-3-3-2-mi10" in table.output
    assert "10.0000" in table.output
    bad = cli("tasks", "list", "--suite", "nope")
    assert bad.exit_code == 2 and "valid suites" in bad.output


def test_cli_sample(cli, tmp_path):
    out = tmp_path / "s.npz"
    result = cli(
        "tasks",
        "sample",
        "spiral-multinormal-sparse-5-5-2-2.0",
        "--n",
        "300",
        "--seed",
        "4",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    with np.load(out, allow_pickle=False) as data:
        assert data["x"].shape == (300, 5) and data["y"].shape == (300, 5)
        assert float(data["mutual_information"]) == pytest.approx(-np.log(0.36))
        assert str(data["task_id"]) == "spiral-multinormal-sparse-5-5-2-2.0"
        assert "mi_stderr" not in data.files
        from infossl.tasks import get_task

        x, _ = get_task("spiral-multinormal-sparse-5-5-2-2.0").sample(300, seed=4)
        np.testing.assert_array_equal(data["x"], x)
    for args, message in (
        (("nope", "--out", str(out)), "unknown task id"),
        (("1v1-X-0.9", "--n", "0", "--out", str(out)), "n must be >= 1"),
        (("1v1-X-0.9", "--out", str(tmp_path / "s.txt")), ".npz"),
    ):
        bad = cli("tasks", "sample", *args)
        assert bad.exit_code == 2 and message in bad.output, bad.output

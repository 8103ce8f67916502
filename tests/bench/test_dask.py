"""`infossl bench estimators --scheduler`: the same cells, rows, resumption and timeouts on a
Dask cluster as in local processes."""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from infossl.bench.executors import DaskExecutor
from infossl.bench.runner import MethodSpec, make_cells, read_rows, run_cells
from infossl.cli._common import ENVIRONMENT_ERROR
from infossl.cli.main import app
from infossl.estimators import MIEstimator, register
from infossl.tasks import get_task

runner = CliRunner()
TASKS = "1v1-normal-0.75,normal_cdf-1v1-normal-0.75"
GRID = ["--suite", "beyond-normal", "--tasks", TASKS, "--methods", "gaussian,binned"]
GRID += ["--n", "300", "--seeds", "2", "--timeout", "60", "--no-progress"]


@register
class _Sleeper(MIEstimator):
    """Test double: sleeps ``sleep`` seconds, then returns 0."""

    name = "test-dask-sleep"
    summary = "test only"

    def __init__(self, sleep: float = 0.0):
        self.sleep = sleep

    def estimate(self, x, y):
        time.sleep(self.sleep)
        return self._make(0.0, len(x), (x.shape[1], y.shape[1]))


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The tcp:// address of a two-worker Dask cluster (threads of this process)."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address


def _bench(*args: object) -> Result:
    result = runner.invoke(app, ["bench", "estimators", *GRID, *[str(a) for a in args]])
    assert result.exit_code == 0, result.output
    return result


def _rows_without_time(path: Path) -> list[dict[str, str]]:
    """The rows of a results CSV, sorted, without the ``seconds`` column."""
    with path.open(newline="") as fh:
        rows = [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(fh)]
    return sorted(rows, key=lambda r: (r["method"], r["task"], r["n"], r["seed"]))


def test_cluster_run_writes_the_local_rows_and_resumes(tmp_path, scheduler):
    assert scheduler.startswith("tcp://")
    _bench("--jobs", "2", "--out", tmp_path / "local")
    _bench("--scheduler", scheduler, "--out", tmp_path / "cluster")
    local = _rows_without_time(tmp_path / "local" / "results.csv")
    cluster = _rows_without_time(tmp_path / "cluster" / "results.csv")
    assert len(cluster) == 2 * 2 * 2
    assert {r["status"] for r in cluster} == {"ok"}
    assert cluster == local  # deterministic estimators: the same values to the last digit
    before = (tmp_path / "cluster" / "results.csv").read_text()
    again = _bench("--scheduler", scheduler, "--out", tmp_path / "cluster")
    assert "ran 0 new cells" in again.output
    assert (tmp_path / "cluster" / "results.csv").read_text() == before


def test_cluster_cell_over_the_timeout_is_recorded_as_a_timeout(tmp_path, scheduler):
    methods = [MethodSpec.parse("test-dask-sleep"), MethodSpec.parse("test-dask-sleep:sleep=30")]
    cells = make_cells(methods, [get_task("1v1-normal-0.75")], [100], range(1))
    out = tmp_path / "results.csv"
    started = time.perf_counter()
    assert run_cells(cells, out, timeout=1.0, executor=DaskExecutor(scheduler)) == 2
    assert time.perf_counter() - started < 15  # the sleeping cell was stopped
    status = {r["method"]: r for r in read_rows(out)}
    assert status["test-dask-sleep"]["status"] == "ok"
    slow = status["test-dask-sleep:sleep=30"]
    assert slow["status"] == "timeout" and slow["error"] == "exceeded 1 s"
    assert slow["value"] is None and np.isclose(slow["seconds"], 1.0, atol=2.0)


def test_scheduler_without_dask_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    result = runner.invoke(
        app,
        [
            "bench",
            "estimators",
            *GRID,
            "--scheduler",
            "tcp://127.0.0.1:8786",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == ENVIRONMENT_ERROR, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "pip install 'infossl[dask]'" in lines[0]
    assert "Traceback" not in result.output

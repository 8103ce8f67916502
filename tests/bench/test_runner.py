"""The benchmark runner: records every cell (ok, error, timeout), resumes, summarises."""

import time
from dataclasses import dataclass

import numpy as np
import pytest

from infossl.bench.cells import split_method_specs
from infossl.bench.runner import MethodSpec, make_cells, read_rows, run_cells
from infossl.bench.summary import sample_complexity, summarise
from infossl.estimators import MIEstimator, register


@register
class _ScaledTruth(MIEstimator):
    """Test double: returns `scale` × the true MI of a correlated-Gaussian pair (ρ from data)."""

    name = "test-scaled-truth"
    summary = "test only"

    def __init__(self, scale: float = 1.0, sleep: float = 0.0, fail: bool = False):
        self.scale, self.sleep, self.fail = scale, sleep, fail

    def estimate(self, x, y):
        if self.fail:
            raise RuntimeError("boom")
        time.sleep(self.sleep)
        rho = np.corrcoef(x[:, 0], y[:, 0])[0, 1]
        return self._make(-0.5 * np.log(1 - rho**2) * self.scale, len(x), (1, 1))


@dataclass(frozen=True)
class _Task:
    id: str
    rho: float
    dim_x: int = 1
    dim_y: int = 1

    @property
    def mutual_information(self) -> float:
        return -0.5 * np.log(1 - self.rho**2)

    def sample(self, n, seed):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, 1))
        y = self.rho * x + np.sqrt(1 - self.rho**2) * rng.standard_normal((n, 1))
        return x, y


def test_results_record_which_method_and_part_ran_and_old_files_resume(tmp_path):
    methods = [MethodSpec.parse(m) for m in ("copula-max", "auto", "test-scaled-truth")]
    cells = make_cells(methods, [_Task("g05", 0.5)], [600], range(1))
    out = tmp_path / "results.csv"
    assert run_cells(cells, out, jobs=1) == 3
    used = {r["method"]: r["used"] for r in read_rows(out)}
    # 1 + 1 float data at n = 600: auto chooses copula-max, which reports the part it used
    assert used["copula-max"] in ("gcmi", "ksg1-copula")
    assert used["auto"] == f"copula-max: {used['copula-max']}"
    assert used["test-scaled-truth"] == ""
    # a file written before the column existed keeps its header and resumes without it
    old = tmp_path / "old.csv"
    header = out.read_text().splitlines()[0].removesuffix(",used")
    old.write_text(header + "\n")
    assert run_cells(cells, old, jobs=1) == 3
    lines = old.read_text().splitlines()
    assert lines[0] == header and all(line.count(",") == header.count(",") for line in lines)
    assert {r["method"] for r in read_rows(old)} == {"copula-max", "auto", "test-scaled-truth"}


def test_method_spec_parse():
    s = MethodSpec.parse("ksg1:k=5:jitter=false")
    assert s.name == "ksg1" and s.params == {"k": 5, "jitter": False}
    with pytest.raises(ValueError):
        MethodSpec.parse(":k=3")


def test_split_method_specs_keeps_number_lists():
    assert split_method_specs("copula-max:k=1,2,4,8,ksg1, gaussian,") == [
        "copula-max:k=1,2,4,8",
        "ksg1",
        "gaussian",
    ]
    assert split_method_specs("a:x=-1,.5,+2,b:k=3") == ["a:x=-1,.5,+2", "b:k=3"]
    specs = [MethodSpec.parse(m) for m in split_method_specs("ksg1-copula:k=1,2,4,8,kl:k=3")]
    assert specs[0].params == {"k": (1, 2, 4, 8)} and specs[1].params == {"k": 3}
    assert split_method_specs("") == []
    with pytest.raises(ValueError, match="method list starts with a number"):
        split_method_specs("3,ksg1")


def test_run_records_ok_error_timeout_and_resumes(tmp_path):
    tasks = [_Task("g05", 0.5), _Task("g09", 0.9)]
    methods = [
        MethodSpec.parse("test-scaled-truth"),
        MethodSpec.parse("test-scaled-truth:fail=true"),
        MethodSpec.parse("test-scaled-truth:sleep=5.0"),
    ]
    cells = make_cells(methods, tasks, [2000], range(2))
    out = tmp_path / "results.csv"
    t0 = time.perf_counter()
    ran = run_cells(cells, out, jobs=2, timeout=0.8)
    assert ran == 12
    assert time.perf_counter() - t0 < 10  # the sleeping cells were stopped
    rows = read_rows(out)
    status = {(r["method"], r["task"], r["seed"]): r["status"] for r in rows}
    assert len(rows) == 12
    assert status[("test-scaled-truth", "g05", 0)] == "ok"
    assert status[("test-scaled-truth:fail=true", "g09", 1)] == "error"
    assert status[("test-scaled-truth:sleep=5.0", "g05", 0)] == "timeout"
    err = next(r for r in rows if r["status"] == "error")
    assert "boom" in err["error"]
    ok = [r for r in rows if r["status"] == "ok"]
    for r in ok:  # the estimator recovers the truth to sampling error at n = 2000
        assert abs(r["value"] - r["true_mi"]) < 0.08
    # resuming runs nothing new
    assert run_cells(cells, out, jobs=2, timeout=0.8) == 0
    assert len(read_rows(out)) == 12


def test_sample_complexity_definition():
    def rows(method, values_by_n, truth=1.0):
        return [
            {
                "method": method,
                "task": "t",
                "n": n,
                "seed": s,
                "status": "ok",
                "value": v,
                "true_mi": truth,
                "seconds": 0.1,
            }
            for n, vs in values_by_n.items()
            for s, v in enumerate(vs)
        ]

    data = rows("good-late", {100: [0.5, 0.5], 1000: [0.9, 1.1], 10000: [1.0, 1.0]})
    data += rows("dips", {100: [1.0, 1.0], 1000: [0.5, 0.5], 10000: [1.0, 1.0]})
    data += rows("never", {100: [0.1, 0.1], 1000: [0.2, 0.2], 10000: [2.0, 2.0]})
    cx = sample_complexity(summarise(data))
    assert cx[("good-late", "t")] == 1000
    assert cx[("dips", "t")] == 10000  # must hold at N and every larger N
    assert cx[("never", "t")] is None


def test_one_seed_has_no_spread(tmp_path):
    from infossl.bench.summary import write_markdown, write_table_csv

    row = {"method": "m", "task": "t", "n": 100, "status": "ok", "true_mi": 1.0, "seconds": 0.1}
    cells = summarise([{**row, "seed": 0, "value": 0.9}])
    assert cells[0].std is None and cells[0].mean == 0.9
    two = summarise([{**row, "seed": 0, "value": 0.9}, {**row, "seed": 1, "value": 1.1}])
    assert two[0].std == pytest.approx(np.std([0.9, 1.1], ddof=1))
    write_markdown(cells, sample_complexity(cells), tmp_path / "s.md")
    text = (tmp_path / "s.md").read_text()
    assert "| 0.900 (one seed) |" in text and "0.900 ±" not in text
    write_table_csv(cells, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines()[1].split(",")[5] == ""  # std_nats

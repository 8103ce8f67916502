"""Registry, suites, sampling contract (shapes, dtypes, seeds) and bad inputs of infossl.tasks."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest

from infossl.tasks import (
    SUITES,
    DiscreteTask,
    GaussianTask,
    InjectiveDiscreteTask,
    StudentTask,
    Task,
    bivariate_normal,
    get_suite,
    get_task,
    list_tasks,
    pairs_normal,
)

# The 40 "Beyond Normal" ids (Czyż et al. 2023), in the benchmark's order.
BEYOND_NORMAL_IDS = [
    "1v1-normal-0.75",
    "normal_cdf-1v1-normal-0.75",
    "1v1-additive-0.1",
    "1v1-additive-0.75",
    "1v1-bimodal-0.75",
    "wiggly-1v1-normal-0.75",
    "half_cube-1v1-normal-0.75",
    "student-identity-1-1-1",
    "asinh-student-identity-1-1-1",
    "swissroll_x-normal_cdf-1v1-normal-0.75",
    *[f"multinormal-dense-{d}-{d}-0.5" for d in (2, 3, 5, 25, 50)],
    *[f"multinormal-sparse-{d}-{d}-2-2.0" for d in (2, 3, 5, 25)],
    "student-identity-2-2-1",
    "student-identity-2-2-2",
    "student-identity-3-3-2",
    "student-identity-3-3-3",
    "student-identity-5-5-2",
    "student-identity-5-5-3",
    *[f"normal_cdf-multinormal-sparse-{d}-{d}-2-2.0" for d in (3, 5, 25)],
    *[f"half_cube-multinormal-sparse-{d}-{d}-2-2.0" for d in (3, 5, 25)],
    *[f"spiral-multinormal-sparse-{d}-{d}-2-2.0" for d in (3, 5, 25)],
    *[f"spiral-normal_cdf-multinormal-sparse-{d}-{d}-2-2.0" for d in (3, 5, 25)],
    "asinh-student-identity-2-2-1",
    "asinh-student-identity-3-3-2",
    "asinh-student-identity-5-5-2",
]
EXPECTED_SIZES = {
    "beyond-normal": 40,
    "high-mi": 30,
    "sparsity": 11,
    "tails": 20,
    "mixtures": 11,
    "discrete": 11,
}
ALL_TASKS = [get_task(t) for t in list_tasks()]


@pytest.fixture(autouse=True)
def _isolated_cache(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("INFOSSL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "mc-cache"))


def test_suites_sizes_and_beyond_normal_ids():
    assert set(SUITES) == set(EXPECTED_SIZES)
    for name, size in EXPECTED_SIZES.items():
        assert len(get_suite(name)) == size, name
    assert [t.id for t in get_suite("beyond-normal")] == BEYOND_NORMAL_IDS
    ids = list_tasks()
    assert len(ids) == len(set(ids)) == sum(EXPECTED_SIZES.values())
    assert list_tasks("sparsity") == [t.id for t in get_suite("sparsity")]
    assert get_task("1v1-X-0.9") is get_task("1v1-X-0.9")  # one object per id


def test_beyond_normal_dimensions_follow_the_ids():
    for task in get_suite("beyond-normal"):
        found = re.search(r"(?:dense|sparse|identity)-(\d+)-(\d+)", task.id)
        dims = (
            (2, 1)
            if task.id.startswith("swissroll_x")
            else ((1, 1) if found is None else (int(found[1]), int(found[2])))
        )
        assert (task.dim_x, task.dim_y) == dims, task.id


def test_high_mi_hits_targets_and_sparsity_is_fixed():
    for task in get_suite("high-mi"):
        target = float(task.id.rsplit("mi", 1)[1])
        assert task.mutual_information == pytest.approx(target, abs=1e-9)
        assert (task.dim_x, task.dim_y) == (3, 3)
    assert {t.mutual_information for t in get_suite("high-mi")} >= {0.0}
    assert max(t.mutual_information for t in get_suite("high-mi")) == pytest.approx(10.0)
    for task in get_suite("sparsity"):
        assert task.mutual_information == pytest.approx(1.0, abs=1e-9)
        assert (task.dim_x, task.dim_y) == (10, 10)


def test_tails_family():
    tails = get_suite("tails")
    powers = [t for t in tails if t.id.startswith("power_")]
    students = [t for t in tails if isinstance(t, StudentTask)]
    assert len(powers) == len(students) == 10
    for t in powers:
        assert t.mutual_information == pytest.approx(-math.log(0.36), abs=1e-12)
    values = [t.mutual_information for t in students]  # dof 1, 3, ..., 19
    assert all(a > b > -math.log(0.36) for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("task", ALL_TASKS, ids=lambda t: t.id)
def test_sampling_contract(task):
    x, y = task.sample(64, seed=11)
    assert x.shape == (64, task.dim_x) and y.shape == (64, task.dim_y)
    for arr, kind in ((x, task.x_kind), (y, task.y_kind)):
        assert arr.dtype == (np.int64 if kind == "discrete" else np.float64)
        assert np.isfinite(arr).all()
    x2, y2 = task.sample(64, seed=11)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = task.sample(64, seed=12)
    if task.x_kind == "continuous":
        assert not np.array_equal(x, x3)
    xg, _ = task.sample(64, np.random.default_rng(11))
    np.testing.assert_array_equal(x, xg)
    r = task.log_density_ratio(x, y)
    assert r.shape == (64,) and np.isfinite(r).all()
    assert task.ground_truth in ("exact", "numerical", "monte-carlo")
    assert isinstance(task, Task) and task.id and " " not in task.id


def test_to_dict_and_exact_tasks_have_no_stderr():
    d = get_task("multinormal-sparse-3-3-2-2.0").to_dict()
    assert d["mutual_information"] == pytest.approx(-math.log(0.36))
    assert d["mi_stderr"] is None and d["ground_truth"] == "exact"
    assert d["params"]["rho"] == pytest.approx(0.8)


# ----------------------------------------------------------------- bad inputs
def test_bad_sample_arguments():
    task = bivariate_normal(0.5)
    with pytest.raises(ValueError, match="n must be >= 1"):
        task.sample(0, seed=0)
    with pytest.raises(TypeError, match="n must be an integer"):
        task.sample(2.5, seed=0)
    with pytest.raises(TypeError, match="n must be an integer"):
        task.sample(True, seed=0)
    with pytest.raises(TypeError, match="seed"):
        task.sample(10, seed=-1)
    with pytest.raises(TypeError, match="seed"):
        task.sample(10, seed="abc")
    with pytest.raises(TypeError, match="seed"):
        task.sample(10, seed=None)


def test_unknown_ids_list_valid_ones():
    with pytest.raises(ValueError, match=r"Did you mean.*1v1-normal-0\.75") as err:
        get_task("1v1-normal-0.7")
    assert "multinormal-dense-2-2-0.5" in str(err.value)  # every valid id is listed
    with pytest.raises(ValueError, match=r"valid suites.*beyond-normal"):
        get_suite("beyond")


def test_bad_log_density_ratio_inputs():
    task = get_task("multinormal-sparse-3-3-2-2.0")
    x, y = task.sample(5, seed=0)
    with pytest.raises(ValueError, match="x must have 3 column"):
        task.log_density_ratio(x[:, :2], y)
    with pytest.raises(ValueError, match="same number of samples"):
        task.log_density_ratio(x, y[:4])
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        task.log_density_ratio(bad, y)
    disc = get_task("discrete-table-4x3")
    with pytest.raises(ValueError, match="integer-valued"):
        disc.log_density_ratio([0.5], [1])
    with pytest.raises(ValueError, match=r"symbols in 0\.\.3"):
        disc.log_density_ratio([4], [1])


def test_bad_task_parameters():
    with pytest.raises(ValueError, match="positive definite"):
        GaussianTask([[1.0]], [[1.0]], [[1.5]])
    with pytest.raises(ValueError, match="symmetric"):
        GaussianTask([[1.0, 0.2], [0.1, 1.0]], [[1.0]], [[0.0], [0.0]])
    with pytest.raises(ValueError, match="cov_xy must have shape"):
        GaussianTask(np.eye(2), np.eye(2), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="rho"):
        bivariate_normal(1.0)
    with pytest.raises(ValueError, match="n_pairs"):
        pairs_normal(3, 3, 4, 1.0)
    with pytest.raises(ValueError, match="df"):
        StudentTask(np.eye(1), np.eye(1), [[0.0]], df=0)
    with pytest.raises(ValueError, match="sum to 1"):
        DiscreteTask([[0.5, 0.6]], task_id="bad")
    with pytest.raises(ValueError, match="row or column of zeros"):
        DiscreteTask([[0.5, 0.0], [0.5, 0.0]], task_id="bad")
    with pytest.raises(ValueError, match="coprime"):
        InjectiveDiscreteTask(10, multiplier=5)
    with pytest.raises(ValueError, match="task_id"):
        DiscreteTask([[0.5, 0.5]], task_id="has space")


def test_discrete_ratio_off_support_is_minus_inf():
    task = InjectiveDiscreteTask(16)
    x, y = task.sample(10, seed=0)
    assert np.all(task.log_density_ratio(x, y) == pytest.approx(math.log(16)))
    assert np.all(task.log_density_ratio(x, (y + 1) % 16) == -np.inf)
    mixed = get_task("mixed-quantized-uniform-10")
    xm, ym = mixed.sample(1000, seed=1)
    np.testing.assert_array_equal(ym[:, 0], np.floor(10 * xm[:, 0]))

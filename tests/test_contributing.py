"""The examples of CONTRIBUTING.md run: an estimator, a trainable objective, a dataset."""

from __future__ import annotations

import importlib
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from infossl.data import loading
from infossl.estimators import _base as estimator_registry
from infossl.objectives._base import unregister_objective

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", DOC, flags=re.S)


def _block(marker: str) -> str:
    found = [b for b in BLOCKS if marker in b]
    assert len(found) == 1, f"CONTRIBUTING.md has {len(found)} python blocks with {marker!r}"
    return found[0]


def test_the_trainable_method_example_is_the_tested_file():
    code = (Path(__file__).parent / "contrib_example_method.py").read_text(encoding="utf-8")
    assert code in BLOCKS


@pytest.fixture
def example_method():
    sys.modules.pop("tests.contrib_example_method", None)
    module = importlib.import_module("tests.contrib_example_method")
    try:
        yield module
    finally:
        unregister_objective("align_uniform")
        sys.modules.pop("tests.contrib_example_method", None)


@pytest.mark.usefixtures("one_thread")
def test_the_example_method_trains_one_epoch_on_digits(example_method, tmp_path):
    from infossl.train import load_config, train
    from infossl.train.logger import read_jsonl
    from infossl.train.methods import method_names

    assert "align_uniform" in method_names()
    cfg = load_config(
        None,
        [
            "method=align_uniform",
            "data.name=digits",
            "data.limit=256",
            "train.batch_size=64",
            "train.epochs=1",
            "train.precision=fp32",
            "model.proj_hidden=32",
            "model.proj_out=16",
            "log.progress=false",
            "log.tensorboard=false",
            "eval.final_linear=false",
            "eval.knn_every_epochs=0",
            "log.every_steps=1",
            f"out={tmp_path}",
        ],
    )
    result = train(cfg)
    assert result.steps == 4
    records = read_jsonl(tmp_path / "metrics.jsonl")
    header = next(r for r in records if r["kind"] == "terms")
    assert {d["quantity"] for d in header["terms"].values()} == {"H(Z1|Z2)", "H(Z)"}
    steps = [r for r in records if r["kind"] == "train"]
    assert len(steps) == 4
    assert all(math.isfinite(r["loss"]) for r in steps)


def test_the_estimator_example_runs():
    code = _block("class PearsonMI")
    try:
        exec(compile(code, "CONTRIBUTING.md", "exec"), {})
        from infossl import estimate_mi

        rng = np.random.default_rng(0)
        rho = 0.8
        x = rng.standard_normal(20000)
        y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(20000)
        est = estimate_mi(x, y, method="pearson_example")
        assert est.kind == "lower" and est.unit == "nats"
        assert est.value == pytest.approx(-0.5 * math.log(1 - rho**2), abs=0.02)
    finally:
        estimator_registry._REGISTRY.pop(("mi", "pearson_example"), None)


def test_the_dataset_example_runs():
    code = _block("def gaussian_blobs")
    try:
        exec(compile(code, "CONTRIBUTING.md", "exec"), {})
        train_set = loading.load_dataset("gaussian_blobs", split="train", cache=False)
        test_set = loading.load_dataset("gaussian_blobs", split="test", cache=False)
        assert len(train_set) == 480 and len(test_set) == 120
        assert tuple(train_set.features.shape) == (480, 8)
    finally:
        loading._REGISTRY.pop("gaussian_blobs", None)

"""Read a training run folder (written by ``infossl train``) into plain Python records.

Files read: ``config.yaml`` (the run configuration), ``metrics.jsonl`` (the ``terms`` header,
``train`` rows with every loss term, ``eval`` rows with kNN / online-probe accuracies, the
``final`` linear probe), ``diagnostics.jsonl`` (written by
:class:`~infossl.analysis.monitor.InformationMonitor`, read by :mod:`infossl.train.runfiles`) and
``summary.json``. Missing optional files give empty records; a folder without ``metrics.jsonl``
is not a run folder (ValueError).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from infossl.train.runfiles import read_diagnostics, read_jsonl

__all__ = ["RunRecords", "load_run"]


@dataclass
class RunRecords:
    """Everything a report needs from one run folder."""

    path: Path
    config: dict[str, Any]
    header: dict[str, Any] | None
    train: list[dict[str, Any]]
    evals: list[dict[str, Any]]
    final: dict[str, Any]
    diagnostics: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        method = self.config.get("method") or self.summary.get("method") or "run"
        data = (self.config.get("data") or {}).get("name") or self.summary.get("data") or ""
        return f"{method} on {data}" if data else str(method)

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of a diagnostics estimate (``"H(Z):gaussian-ridge"``) in nats."""
        rows = [r for r in self.diagnostics if key in r.get("estimates", {})]
        return (
            np.array([r["epoch"] for r in rows], dtype=float),
            np.array([r["estimates"][key]["value"] for r in rows], dtype=float),
        )

    def metric_series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of a diagnostics metric (``"rankme"``)."""
        rows = [r for r in self.diagnostics if key in r.get("metrics", {})]
        return (
            np.array([r["epoch"] for r in rows], dtype=float),
            np.array([r["metrics"][key] for r in rows], dtype=float),
        )

    def last_estimate(self, key: str) -> dict[str, Any] | None:
        for r in reversed(self.diagnostics):
            if key in r.get("estimates", {}):
                return r["estimates"][key]
        return None


def load_run(run_dir: str | os.PathLike[str]) -> RunRecords:
    """Read ``run_dir`` (see the module docstring)."""
    import yaml

    path = Path(run_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"run folder not found: {path}")
    metrics = path / "metrics.jsonl"
    if not metrics.is_file():
        raise ValueError(
            f"{path} is not a run folder: it has no metrics.jsonl (written by infossl train)"
        )
    config = {}
    if (path / "config.yaml").is_file():
        config = yaml.safe_load((path / "config.yaml").read_text()) or {}
    records = read_jsonl(metrics)
    header = next((r for r in records if r.get("kind") == "terms"), None)
    final: dict[str, Any] = {}
    for r in records:
        if r.get("kind") == "final":
            final = {k: v for k, v in r.items() if k not in ("kind", "step", "epoch")}
    summary = {}
    if (path / "summary.json").is_file():
        summary = json.loads((path / "summary.json").read_text())
    return RunRecords(
        path,
        config,
        header,
        [r for r in records if r.get("kind") == "train"],
        [r for r in records if r.get("kind") == "eval"],
        final,
        read_diagnostics(path),
        summary,
    )

"""Read a training run folder (written by ``infossl train``) into plain Python records.

Files read: ``config.yaml`` (the run configuration), ``metrics.jsonl`` (the ``terms`` header,
``train`` rows with every loss term, ``eval`` rows with kNN / online-probe accuracies, the
``final`` linear probe), ``diagnostics.jsonl`` (written by
:class:`~infossl.analysis.monitor.InformationMonitor`, read by :mod:`infossl.train.runfiles`) and
``summary.json``. Missing optional files give empty records; a folder without ``metrics.jsonl``
is not a run folder (ValueError).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from infossl.train.runfiles import read_diagnostics, read_json, read_jsonl, read_yaml

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
    """Read ``run_dir`` (see the module docstring).

    ``FileNotFoundError`` for a missing folder; ``ValueError`` naming the file for a path that is
    not a run folder and for a damaged ``config.yaml``, ``metrics.jsonl`` or ``summary.json``.
    """
    path = Path(run_dir)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file, not a run folder; give the folder infossl train wrote")
    if not path.is_dir():
        raise FileNotFoundError(f"run folder not found: {path}")
    metrics = path / "metrics.jsonl"
    if not metrics.is_file():
        raise ValueError(
            f"{path} is not a run folder: it has no metrics.jsonl (written by infossl train)"
        )
    config = _optional_mapping(path / "config.yaml", read_yaml)
    records = read_jsonl(metrics)
    header = next((r for r in records if r.get("kind") == "terms"), None)
    final: dict[str, Any] = {}
    for r in records:
        if r.get("kind") == "final":
            final = {k: v for k, v in r.items() if k not in ("kind", "step", "epoch")}
    return RunRecords(
        path,
        config,
        header,
        [r for r in records if r.get("kind") == "train"],
        [r for r in records if r.get("kind") == "eval"],
        final,
        read_diagnostics(path),
        _optional_mapping(path / "summary.json", read_json),
    )


def _optional_mapping(path: Path, read: Callable[[Path], Any]) -> dict[str, Any]:
    """The mapping in ``path`` read by ``read``; empty when the file is missing or empty
    (``ValueError`` naming it when it holds something else)."""
    if not path.is_file():
        return {}
    value = read(path)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(
            f"{path} must hold a mapping, got {type(value).__name__}; the file is damaged"
        )
    return value

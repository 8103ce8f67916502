"""A run folder's JSON-lines files, read without torch: ``metrics.jsonl`` (written by
:class:`~infossl.train.logger.RunLogger`) and ``diagnostics.jsonl`` (written by
:class:`~infossl.analysis.monitor.InformationMonitor`). The report and the monitor read them from
here, so reading a run needs neither the trainer nor the monitor.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["DIAGNOSTICS_FILE", "read_diagnostics", "read_jsonl"]

DIAGNOSTICS_FILE = "diagnostics.jsonl"


def read_jsonl(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All records of a JSONL file (a truncated last line is ignored)."""
    records = []
    p = Path(path)
    if not p.is_file():
        return records
    for line in p.read_text().splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return records


def read_diagnostics(run_dir: str | Path) -> list[dict[str, Any]]:
    """The rows of ``run_dir/diagnostics.jsonl`` (a truncated last line is ignored)."""
    return read_jsonl(Path(run_dir) / DIAGNOSTICS_FILE)

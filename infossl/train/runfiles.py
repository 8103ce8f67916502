"""A run folder's files, read without torch: ``metrics.jsonl`` (written by
:class:`~infossl.train.logger.RunLogger`), ``diagnostics.jsonl`` (written by
:class:`~infossl.analysis.monitor.InformationMonitor`) and YAML/JSON files such as
``config.yaml`` and ``summary.json``. The report and the monitor read them from here, so reading a
run needs neither the trainer nor the monitor.

Unreadable content raises ``ValueError`` naming the file (and the line where it applies): text
that is not UTF-8, malformed YAML or JSON, YAML tags that would construct Python objects (files are
always loaded safely), a JSON line that is not an object.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

__all__ = [
    "DIAGNOSTICS_FILE",
    "read_diagnostics",
    "read_json",
    "read_jsonl",
    "read_text",
    "read_yaml",
]

DIAGNOSTICS_FILE = "diagnostics.jsonl"


def read_text(path: str | os.PathLike[str]) -> str:
    """The UTF-8 text of ``path`` (``ValueError`` naming it when it is not UTF-8 text)."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{p} is not UTF-8 text (byte {err.object[err.start]:#04x} at offset {err.start}); "
            "it is damaged or not the file expected"
        ) from None


def read_jsonl(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All records of a JSONL file (a truncated last line is ignored; a missing file has none).

    ``ValueError`` naming the file for text that is not UTF-8 and, with the line number, for a
    line that is valid JSON but not an object.
    """
    records: list[dict[str, Any]] = []
    p = Path(path)
    if not p.is_file():
        return records
    for number, line in enumerate(read_text(p).splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            break
        if not isinstance(record, dict):
            raise ValueError(
                f"{p} line {number}: expected a JSON object {{...}}, got "
                f"{type(record).__name__}; the file is damaged or not a run's record file"
            )
        records.append(record)
    return records


def read_diagnostics(run_dir: str | Path) -> list[dict[str, Any]]:
    """The rows of ``run_dir/diagnostics.jsonl`` (a truncated last line is ignored)."""
    return read_jsonl(Path(run_dir) / DIAGNOSTICS_FILE)


def read_json(path: str | os.PathLike[str]) -> Any:
    """The JSON value in ``path`` (``ValueError`` naming the file and line when malformed)."""
    p = Path(path)
    try:
        return json.loads(read_text(p))
    except json.JSONDecodeError as err:
        raise ValueError(
            f"{p} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}); "
            "fix or remove the file"
        ) from None


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """The YAML value in ``path``, loaded safely: no tag ever constructs a Python object.

    ``ValueError`` naming the file and line for malformed YAML, and for tags such as
    ``!!python/object`` that only an unsafe loader would accept.
    """
    import yaml

    p = Path(path)
    text = read_text(p)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ValueError(f"{p}: {_yaml_problem(err)}") from None


def _yaml_problem(err: Any) -> str:
    """One line saying where and what is wrong in a YAML document."""
    import yaml

    mark = getattr(err, "problem_mark", None)
    where = "" if mark is None else f"line {mark.line + 1}, column {mark.column + 1}: "
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    if isinstance(err, yaml.constructor.ConstructorError) and "tag" in problem:
        quoted = re.search(r"'([^']*)'", problem)
        tag = (quoted.group(1) if quoted else problem).replace("tag:yaml.org,2002:", "!!")
        return (
            f"{where}the YAML tag {tag} is not allowed (files hold plain mappings, lists, "
            "strings and numbers); remove the tag"
        )
    return f"not valid YAML ({where}{problem}); fix the file"

"""The type checker passes: ``mypy`` (strict) over the files listed in ``pyproject.toml``
(``[tool.mypy] files``: layers 0 to 2). It runs as a test so that ``make test`` schedules it
beside the others on every core; ``make lint`` runs it on its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="the dev extra (mypy) is not installed")

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_strict_is_clean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert proc.stdout.startswith("Success: no issues found"), proc.stdout

"""The version is written once (infossl/_version.py) and every reader agrees with it."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

import infossl

ROOT = Path(__file__).resolve().parents[1]


def test_version_equals_installed_distribution() -> None:
    assert infossl.__version__ == importlib.metadata.version("infossl")


def test_pyproject_reads_the_version_from_the_package() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "infossl._version.__version__"


def test_version_import_does_not_load_torch() -> None:
    code = "import sys, infossl; print(infossl.__version__, 'torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert out == [infossl.__version__, "False"]

"""The version is written once (infossl/_version.py) and every reader agrees with it."""

from __future__ import annotations

import importlib.metadata
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

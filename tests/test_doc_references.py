"""Every test a document cites (``tests/...py`` or ``tests/...py::test_name``) exists, so a page
such as docs/reliability.md cannot point at a test that was moved, renamed or deleted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "benchmarks").glob("*.md"),
    ]
)
REFERENCE = re.compile(r"(tests/[\w/]+\.py)(?:::(\w+))?")


def _references() -> list[tuple[str, str, str]]:
    found = []
    for page in PAGES:
        for path, name in REFERENCE.findall(page.read_text(encoding="utf-8")):
            found.append((page.relative_to(ROOT).as_posix(), path, name))
    return found


def test_pages_cite_tests():
    pages = {page for page, _, _ in _references()}
    assert "docs/reliability.md" in pages and len(_references()) >= 30


@pytest.mark.parametrize(("page", "path", "name"), _references())
def test_cited_test_exists(page, path, name):
    file = ROOT / path
    assert file.is_file(), f"{page} cites {path}, which does not exist"
    if name:
        assert re.search(rf"^def {name}\(", file.read_text(encoding="utf-8"), re.M), (
            f"{page} cites {path}::{name}, which is not defined there"
        )

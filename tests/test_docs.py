"""The API reference builds with warnings as errors (the ``make docs`` command) and documents
the public API: every registered estimator class, every loss class, the monitor and the
Lightning callback. The build works offline: no page loads MathJax or any other remote script.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx", reason="the docs extra (sphinx) is not installed")

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "docs" / "api"


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "html"
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-b",
        "html",
        "-q",
        str(SOURCE),
        str(out),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return out


def _ids(page: Path) -> set[str]:
    return set(re.findall(r'id="(infossl[\w.]*)"', page.read_text(encoding="utf-8")))


@pytest.mark.slow
def test_pages_and_key_objects(html: Path) -> None:
    pages = {p.stem for p in html.glob("*.html")}
    assert {"index", "toplevel", "estimators", "objectives", "monitor", "train"} <= pages
    assert "infossl.estimate_mi" in _ids(html / "toplevel.html")
    assert "infossl.estimate.Estimate" in _ids(html / "toplevel.html")
    monitor = _ids(html / "monitor.html")
    assert "infossl.analysis.monitor.InformationMonitor" in monitor
    assert "infossl.analysis.trainer_diagnostics.DiagnosticsCallback" in monitor
    assert "infossl.integrations.lightning.InformationCallback" in monitor
    assert "infossl.analysis.diagnostics.information_diagnostics" in monitor
    assert "infossl.estimators.knn.KSG1" in _ids(html / "estimators.html")
    assert "infossl.objectives.VICRegLoss" in _ids(html / "objectives.html")
    assert "infossl.train.trainer.train" in _ids(html / "train.html")


@pytest.mark.slow
def test_every_estimator_and_loss_is_documented(html: Path) -> None:
    from infossl import objectives
    from infossl.estimators import get_estimator_class, list_methods

    estimators = {i.split(".")[-1] for i in _ids(html / "estimators.html")}
    classes = [get_estimator_class(m.quantity, m.name) for m in list_methods()]
    # other test modules register toy estimators of their own
    registered = {c.__name__ for c in classes if c.__module__.startswith("infossl.")}
    assert registered - estimators == set()
    losses = {n for n in objectives.__all__ if n.endswith("Loss")}
    assert losses - {i.split(".")[-1] for i in _ids(html / "objectives.html")} == set()


@pytest.mark.slow
def test_pages_load_nothing_remote(html: Path) -> None:
    for page in html.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "mathjax" not in text.lower(), page.name
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', text), page.name

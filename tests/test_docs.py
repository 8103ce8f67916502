"""The API reference builds with warnings as errors (the ``make docs`` command) and documents
the public API: every registered estimator class, every loss class, the monitor and the
Lightning callback. The build works offline: no page loads MathJax or any other remote script.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("sphinx", reason="the docs extra (sphinx) is not installed")

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "docs" / "api"


def _build(out: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """``make docs`` (``sphinx-build -W --keep-going -b html -q``), in this process: the modules
    autodoc imports are mostly loaded already, which saves a second interpreter's imports."""
    from sphinx.cmd.build import build_main

    status = build_main(["-W", "--keep-going", "-b", "html", "-q", str(SOURCE), str(out)])
    assert status == 0, capfd.readouterr().err[-5000:]


def _ids(page: Path) -> set[str]:
    return set(re.findall(r'id="(infossl[\w.]*)"', page.read_text(encoding="utf-8")))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The mapping interface for autodoc options")  # in napoleon
def test_reference_builds_offline_and_documents_the_public_api(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """One build (the expensive part) serves the three checks below."""
    html = tmp_path / "html"
    _build(html, capfd)
    _check_pages_and_key_objects(html)
    _check_every_estimator_and_loss_is_documented(html)
    _check_pages_load_nothing_remote(html)


def _check_pages_and_key_objects(html: Path) -> None:
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


def _check_every_estimator_and_loss_is_documented(html: Path) -> None:
    from infossl import objectives
    from infossl.estimators import get_estimator_class, list_methods

    estimators = {i.split(".")[-1] for i in _ids(html / "estimators.html")}
    classes = [get_estimator_class(m.quantity, m.name) for m in list_methods()]
    # other test modules register toy estimators of their own
    registered = {c.__name__ for c in classes if c.__module__.startswith("infossl.")}
    assert registered - estimators == set()
    losses = {n for n in objectives.__all__ if n.endswith("Loss")}
    assert losses - {i.split(".")[-1] for i in _ids(html / "objectives.html")} == set()


def _check_pages_load_nothing_remote(html: Path) -> None:
    for page in html.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "mathjax" not in text.lower(), page.name
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', text), page.name

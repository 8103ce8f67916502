"""Run reports: one self-contained HTML page per training run (``infossl report RUN_DIR``)."""

from infossl.report.build import REPORT_FILE, SECTIONS, build_report, render_report
from infossl.report.run import RunRecords, load_run

__all__ = ["REPORT_FILE", "SECTIONS", "RunRecords", "build_report", "load_run", "render_report"]

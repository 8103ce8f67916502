"""A pytest plugin that adds up the wall time of ``matplotlib.figure.Figure.savefig`` per test.

    PYTHONPATH=benchmarks .venv/bin/python -m pytest -p savefig_timer [pytest args]

Each process (each xdist worker) writes ``savefig_times_<pid>.txt`` in the current folder:
one line per test that saved a figure, ``seconds node-id``, largest first. Used for
``benchmarks/suite_time.md``.
"""

from __future__ import annotations

import collections
import os
import time
from typing import Any

from matplotlib.figure import Figure

_save = Figure.savefig
_seconds: collections.Counter[str] = collections.Counter()
_current = ["(outside a test)"]


def _timed_savefig(fig: Figure, *args: Any, **kwargs: Any) -> Any:
    start = time.perf_counter()
    try:
        return _save(fig, *args, **kwargs)
    finally:
        _seconds[_current[0]] += time.perf_counter() - start


Figure.savefig = _timed_savefig  # type: ignore[method-assign]


def pytest_runtest_setup(item: Any) -> None:
    _current[0] = item.nodeid


def pytest_sessionfinish(session: Any) -> None:
    with open(f"savefig_times_{os.getpid()}.txt", "w") as fh:
        for node, seconds in _seconds.most_common():
            fh.write(f"{seconds:.3f} {node}\n")

"""Shared fixtures, and one compute thread per test process.

``make test`` runs one pytest-xdist worker per core, so intra-op thread pools (OpenBLAS/OpenMP
under numpy, scipy and scikit-learn; torch's own) only oversubscribe the cores: on a busy 2-core
machine a test fitting logistic regressions took 37 s with the default pools and 7 s with one
thread. ``OMP_NUM_THREADS`` (and the BLAS variables) default to 1 here, before numpy or torch
load, and are inherited by the subprocesses tests start; a value set by the caller is kept.

Figures are saved without their layout engine unless a test is marked ``full_layout``: see
``_figures_saved_without_layout_engine``.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import sys  # noqa: E402

import pytest  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

_THREADS = int(os.environ["OMP_NUM_THREADS"])
threadpool_limits(_THREADS)  # for pools loaded before this file (e.g. by a pytest plugin)
# torch takes its thread count from OMP_NUM_THREADS when it loads; it is not imported here, so
# that pytest-xdist's controller process (which runs no test) does not load it
if "torch" in sys.modules:
    sys.modules["torch"].set_num_threads(_THREADS)


@pytest.fixture
def one_thread():
    """One intra-op torch thread for the test (fast and reproducible on a shared 2-core
    machine); the previous count is restored."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _figures_saved_without_layout_engine(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every figure is still drawn in full when saved (each artist, label and mathtext string),
    but without the constrained-layout pass, which draws it about twice more to place the axes:
    that pass was half of the 31 s the suite spent in ``savefig``. Tests marked ``full_layout``
    keep the engine: one for each module whose figures use constrained layout (the report, the
    information planes, the compression experiment, the generalisation figures; there a layout
    that fails to apply is an error) and the rendered-page check."""
    if request.node.get_closest_marker("full_layout") is not None:
        return
    from matplotlib.figure import Figure

    save = Figure.savefig

    def savefig_without_layout_engine(fig: Figure, *args, **kwargs):
        fig.set_layout_engine("none")  # a placeholder engine where colorbars were placed
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig_without_layout_engine)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked ``slow`` first: under pytest-xdist the long ones then start at once
    on every worker and the short ones fill in behind them, instead of one long test running
    alone at the end (longest-first scheduling). The order within each group is kept."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)

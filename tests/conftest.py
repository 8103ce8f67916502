"""Shared fixtures."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def one_thread():
    """One intra-op torch thread for the test (fast and reproducible on a shared 2-core
    machine); the previous count is restored."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked ``slow`` first: under pytest-xdist the long ones then start at once
    on every worker and the short ones fill in behind them, instead of one long test running
    alone at the end (longest-first scheduling). The order within each group is kept."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)

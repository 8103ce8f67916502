"""What keeps the information monitor from changing training or exceeding its time budget.

* :class:`OverheadBudget` — the ≤ ``max_overhead`` rule deciding whether a due pass may run;
* :func:`isolated_random_state` — a block run under a fixed seed with every global random
  state (torch CPU and the model's CUDA device, numpy, ``random``) restored afterwards;
* :func:`frozen_modules` — eval mode and no gradient, every module's ``training`` flag restored.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Any

import numpy as np

from infossl._checks import check_float

__all__ = [
    "OverheadBudget",
    "frozen_modules",
    "isolated_random_state",
    "preserved_host_random_state",
]


class OverheadBudget:
    """The ≤ ``max_overhead`` rule: may one more pass run, given the training time so far?

    The first recorded pass is free (there is no cost estimate before it); after it a pass is
    allowed while ``spent + r · last ≤ max_overhead · trained``, with r = 2 when a final pass
    is kept in reserve (``reserve_final``) and 1 otherwise. ``max_overhead=None`` allows every
    pass.
    """

    def __init__(self, max_overhead: float | None, *, reserve_final: bool = False) -> None:
        if max_overhead is not None:
            max_overhead = check_float(max_overhead, "max_overhead", low=0.0, low_open=True)
        self.max_overhead = max_overhead
        self.reserve = 2.0 if reserve_final else 1.0
        self.spent = 0.0
        self.last: float | None = None

    def allows(self, trained_seconds: float) -> bool:
        if self.max_overhead is None or self.last is None:
            return True
        return self.spent + self.reserve * self.last <= self.max_overhead * trained_seconds

    def record(self, seconds: float, *, counted: bool = True) -> None:
        """Note a pass of ``seconds``; ``counted=False`` for the free first pass."""
        self.last = float(seconds)
        if counted:
            self.spent += float(seconds)


@contextlib.contextmanager
def preserved_host_random_state() -> Iterator[None]:
    """Restore ``random``'s and numpy's global states after the block (file writers and
    libraries may draw from them)."""
    py_state = random.getstate()
    np_state = np.random.get_state()  # noqa: NPY002 (the global state user code draws from)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002


@contextlib.contextmanager
def isolated_random_state(seed: int, device: Any = None) -> Iterator[None]:
    """Run a block with torch (CPU, and ``device``'s CUDA generator), numpy and ``random``
    seeded with ``seed``; every global random state is restored afterwards."""
    import torch

    cuda = device is not None and torch.device(device).type == "cuda"
    devices = [torch.device(device).index or 0] if cuda else []
    with preserved_host_random_state(), torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        if cuda:
            with torch.cuda.device(devices[0]):
                torch.cuda.manual_seed(seed)
        random.seed(seed)
        np.random.seed(seed % 2**32)  # noqa: NPY002
        yield


@contextlib.contextmanager
def frozen_modules(model: Any) -> Iterator[None]:
    """Eval mode and no gradient for the block; every module's ``training`` flag is restored."""
    import torch

    is_module = isinstance(model, torch.nn.Module)
    modules = list(model.modules()) if is_module else []
    flags = [m.training for m in modules]
    if is_module:
        model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for m, flag in zip(modules, flags, strict=True):
            m.training = flag

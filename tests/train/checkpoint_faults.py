"""Fault injection into checkpoint writes: a stand-in for ``infossl.train.checkpoint._write_all``
that hands the ``nth`` write of ``last.pt`` to a fault of the test's choosing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infossl.train import checkpoint as ckpt


def fault_in_last_pt_write(
    nth: int, fault: Callable[[Any, Any], None]
) -> Callable[[Any, Any], None]:
    """A replacement for ``ckpt._write_all``: the ``nth`` temporary ``last.pt`` file (counted from
    1; torch.save writes each file in several chunks) goes to ``fault(file, data)`` instead, which
    raises or stalls; every other write is the original one."""
    original, files = ckpt._write_all, []

    def write(f: Any, data: Any) -> None:
        if ".last.pt.tmp-" in f.name:
            if not files or files[-1] is not f:
                files.append(f)
            if len(files) == nth:
                fault(f, data)
        original(f, data)

    return write

"""Where benchmark cells run: local worker processes, or the workers of a Dask cluster.

An executor only runs cells; :func:`infossl.bench.runner.run_cells` decides which cells run and
records their rows. Both executors run each cell the same way, in a forked child process
(:class:`CellProcess`) that is killed when it exceeds the per-cell timeout, so a cell that hangs
is recorded as ``timeout`` and never blocks the run:

- :class:`LocalExecutor` keeps at most ``jobs`` such children running on this machine;
- :class:`DaskExecutor` submits one task per cell to a Dask scheduler; the task forks the child
  on whichever worker runs it (:func:`run_isolated`). Dask is imported only here, and only when
  such an executor is made (``pip install 'infossl[dask]'``).

Every executor yields ``(cell, row)`` pairs as cells end, in any order; ``row`` holds the
cell's outcome (``status``, ``value``, ``kind``, ``ceiling``, ``seconds``, ``error``).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from infossl._checks import check_float, check_int
from infossl.bench.cells import Cell, run_cell

#: Seconds between two checks of the running children.
POLL_SECONDS = 0.01
#: The extra that installs the Dask engine.
DASK_EXTRA = "pip install 'infossl[dask]'"


class Executor(Protocol):
    """Runs cells and yields each with its outcome row as soon as it ends."""

    def run(self, cells: Sequence[Cell], timeout: float) -> Iterator[tuple[Cell, dict[str, Any]]]:
        """Run ``cells``, each stopped after ``timeout`` seconds; yield ``(cell, row)``."""
        ...


def timeout_row(timeout: float, seconds: float) -> dict[str, Any]:
    """The row of a cell stopped after ``timeout`` seconds."""
    return {"status": "timeout", "seconds": seconds, "error": f"exceeded {timeout:g} s"}


def error_row(message: str, seconds: float | None = None) -> dict[str, Any]:
    """The row of a cell whose worker failed before it could report."""
    return {"status": "error", "seconds": seconds, "error": message[:300]}


class CellProcess:
    """One cell running in a forked child process, which sends its row back through a pipe.

    ``os.fork`` is used directly, not :mod:`multiprocessing`, so that the child can also be
    started inside a daemonic process such as a Dask worker.
    """

    def __init__(self, cell: Cell) -> None:
        self.cell = cell
        read_fd, write_fd = os.pipe()
        _flush_std_streams()  # the child must not write the parent's pending output again
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            _child_main(cell, write_fd)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        self.pid, self._fd = pid, read_fd
        self.started = time.perf_counter()
        self._data = bytearray()

    @property
    def elapsed(self) -> float:
        """Seconds since the child started."""
        return time.perf_counter() - self.started

    def check(self, timeout: float) -> dict[str, Any] | None:
        """The cell's row once the child has ended, a timeout row (the child killed) once it has
        run longer than ``timeout`` seconds, else None."""
        self._drain()
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid != 0:
            return self._finish(os.waitstatus_to_exitcode(status))
        if self.elapsed > timeout:
            return self.kill(timeout_row(timeout, self.elapsed))
        return None

    def kill(self, row: dict[str, Any]) -> dict[str, Any]:
        """Kill the child, reap it and return ``row``."""
        seconds = self.elapsed
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self._fd)
        return {**row, "seconds": row.get("seconds", seconds)}

    def _drain(self) -> None:
        """Read what the child has written so far (the pipe never fills up)."""
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                return
            self._data.extend(chunk)

    def _finish(self, exit_code: int) -> dict[str, Any]:
        """The row sent by a child that ended with ``exit_code``."""
        self._drain()
        os.close(self._fd)
        try:
            return pickle.loads(bytes(self._data))
        except Exception:  # nothing, or a partial row: the child died
            return error_row(f"worker exited with code {exit_code}", self.elapsed)


def _child_main(cell: Cell, write_fd: int) -> None:
    """Body of a forked child: run the cell, write its pickled row, exit without cleanup."""
    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        data = pickle.dumps(run_cell(cell))
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(data)
        code = 0
    finally:
        _flush_std_streams()
        os._exit(code)


def _flush_std_streams() -> None:
    """Flush standard output and error, as :mod:`multiprocessing` does around a fork."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass


def run_isolated(cell: Cell, timeout: float) -> dict[str, Any]:
    """Run one cell in a child process and return its row; the child is killed (and the cell
    recorded as ``timeout``) after ``timeout`` seconds. The task each Dask worker runs."""
    proc = CellProcess(cell)
    while (row := proc.check(timeout)) is None:
        time.sleep(POLL_SECONDS)
    return row


class LocalExecutor:
    """At most ``jobs`` cells at a time, each in its own child process on this machine."""

    def __init__(self, jobs: int = 2) -> None:
        self.jobs = check_int(jobs, "jobs", low=1)

    def run(self, cells: Sequence[Cell], timeout: float) -> Iterator[tuple[Cell, dict[str, Any]]]:
        """Run ``cells``, each stopped after ``timeout`` seconds; yield ``(cell, row)``."""
        queue = list(cells)
        running: list[CellProcess] = []
        try:
            while queue or running:
                while queue and len(running) < self.jobs:
                    running.append(CellProcess(queue.pop(0)))
                still = []
                for proc in running:
                    row = proc.check(timeout)
                    if row is None:
                        still.append(proc)
                    else:
                        yield proc.cell, row
                running = still
                if running:
                    time.sleep(POLL_SECONDS)
        finally:  # interrupted: no child outlives the run
            for proc in running:
                proc.kill({})


class DaskExecutor:
    """One Dask task per cell on the cluster whose scheduler listens at ``address``
    (``tcp://host:port``); the cluster's worker threads set how many cells run at once.

    The workers need infossl (and whatever the estimators import) installed.
    """

    def __init__(self, address: str, connect_timeout: float = 30.0) -> None:
        if not isinstance(address, str) or not address.strip():
            raise ValueError(
                f"scheduler must be an address such as tcp://host:8786, got {address!r}"
            )
        self.address = address.strip()
        self.connect_timeout = check_float(connect_timeout, "connect_timeout", low=0.0)
        self._distributed = import_distributed()

    def run(self, cells: Sequence[Cell], timeout: float) -> Iterator[tuple[Cell, dict[str, Any]]]:
        """Run ``cells`` on the cluster, each stopped after ``timeout`` seconds; yield
        ``(cell, row)`` as tasks finish."""
        if not cells:
            return
        dd = self._distributed
        client = dd.Client(self.address, timeout=self.connect_timeout, set_as_default=False)
        futures: dict[Any, Cell] = {}
        try:
            run_id = uuid.uuid4().hex[:8]
            for i, cell in enumerate(cells):
                key = f"infossl-cell-{run_id}-{i}"
                futures[client.submit(run_isolated, cell, timeout, key=key, pure=False)] = cell
            for future in dd.as_completed(futures, loop=client.loop):
                yield futures[future], _future_row(future)
        finally:
            client.cancel([f for f in futures if not f.done()])
            client.close()


def _future_row(future: Any) -> dict[str, Any]:
    """The row a finished Dask future holds, or an error row when its task failed."""
    if future.status == "finished":
        return future.result()
    if future.status == "cancelled":
        return error_row("the Dask task was cancelled")
    err = future.exception()
    return error_row(f"the Dask task failed: {type(err).__name__}: {err}")


def import_distributed() -> Any:
    """The ``dask.distributed`` module; ``ModuleNotFoundError`` naming the extra without it."""
    try:
        import dask.distributed as distributed
    except ImportError as err:
        raise ModuleNotFoundError(
            f"running on a Dask scheduler needs dask.distributed ({err}); install it with "
            f"{DASK_EXTRA}",
            name=err.name or "distributed",
        ) from err
    return distributed


def make_executor(jobs: int = 2, scheduler: str | None = None) -> Executor:
    """A :class:`DaskExecutor` on ``scheduler`` when given, else a :class:`LocalExecutor`."""
    if scheduler is not None:
        return DaskExecutor(scheduler)
    return LocalExecutor(jobs)

"""One process per run folder: an exclusive lock on ``<out>/run.lock`` for the whole run.

The lock is ``fcntl.flock(LOCK_EX | LOCK_NB)`` on a file inside the run folder. The kernel
releases it when its holder closes the file or dies, however it dies (``SIGKILL`` included),
so a lock file left by a dead process never blocks a new run: the file stays, the lock does
not. The holder writes its pid, host name and start time into the file; a second process that
finds the folder locked reads them for its message and stops with :class:`RunLockedError`
before touching anything. On systems without ``fcntl`` (Windows) the lock is a no-op.

Use as a context manager or with :meth:`RunLock.acquire` / :meth:`RunLock.release`.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_NAME", "RunFolderError", "RunLock", "RunLockedError"]

#: The lock file's name inside the run folder.
LOCK_NAME = "run.lock"


class RunLockedError(OSError):
    """Another live process holds the run folder's lock; ``holder`` is what it wrote (pid,
    host, started) or ``{}`` when unreadable."""

    def __init__(self, folder: Path, holder: dict[str, Any]) -> None:
        who = f"process {holder.get('pid', '?')}"
        if holder.get("host"):
            who += f" on {holder['host']}"
        super().__init__(
            f"run folder {folder} is in use by {who} (lock {folder / LOCK_NAME}); wait for "
            "it to end or stop it, or choose another --out"
        )
        self.folder = folder
        self.holder = holder


class RunFolderError(OSError):
    """The run folder (or its lock file) cannot be created or written."""

    def __init__(self, folder: Path, err: OSError) -> None:
        reason = err.strerror or str(err)
        super().__init__(f"cannot write to run folder {folder}: {reason}; choose a writable --out")
        self.errno = err.errno
        self.path = folder


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 4096).decode("utf-8", "replace")
        data = json.loads(text)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


class RunLock:
    """The exclusive lock of run folder ``folder`` (created if missing)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> RunLock:
        """Take the lock, or raise :class:`RunLockedError` (held by a live process) or
        :class:`RunFolderError` (folder not writable). Idempotent."""
        if self._fd is not None:
            return self
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise RunFolderError(self.folder, err) from err
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise RunLockedError(self.folder, holder) from None
            except OSError as err:  # pragma: no cover - file systems without flock
                os.close(fd)
                raise RunFolderError(self.folder, err) from err
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        try:
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(info).encode())
        except OSError as err:
            os.close(fd)
            raise RunFolderError(self.folder, err) from err
        self._fd = fd
        return self

    def release(self) -> None:
        """Release the lock (closing the file releases it); the file stays. Idempotent."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

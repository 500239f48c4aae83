"""One process owns a persistent home at a time.

Chroma's PersistentClient and our write order assume a single writer, so the home is guarded by
an OS file lock on `home/.lock`, held for the life of the owning process (or until
`Wardrobe.close`). The OS drops it when the process dies, so a crash never leaves a stale lock.
The owner writes its pid into the file so a refused second process can say who holds it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

if sys.platform == "win32":  # pragma: no cover - exercised only on Windows
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class HomeLocked(RuntimeError):
    """Another process holds the home."""

    def __init__(self, home: Path, pid: int | None) -> None:
        self.home = home
        self.pid = pid
        who = f"process {pid}" if pid else "another process"
        super().__init__(
            f"{home} is in use by {who} (for example the app or another CLI command). "
            "Only one process may open a What2Wear home at a time: close it and try again."
        )


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


class HomeLock:
    """An exclusive, non-blocking lock on a home folder. Use `acquire`, then `release`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> HomeLock:
        """Take the lock or raise HomeLocked naming the holder's pid."""
        if self._handle is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # "a+" never truncates before we own the lock, so the holder's pid stays readable.
        handle = open(self.path, "a+")  # noqa: SIM115 - held open for the process's life
        if not _try_lock(handle):
            handle.close()
            raise HomeLocked(self.path.parent, _read_pid(self.path))
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is None:
            return
        try:
            self._handle.seek(0)
            self._handle.truncate()
            self._handle.flush()
            _unlock(self._handle)
        finally:
            self._handle.close()
            self._handle = None

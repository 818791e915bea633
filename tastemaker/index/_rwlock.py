"""A readers-writer lock: searches run side by side, an add or remove runs alone.

The service answers searches from a thread pool (NumPy and FAISS release the GIL while they
score), and an item added to the catalogue must not be seen half-written. Writers are
preferred: once one waits, new readers queue behind it, so a stream of searches cannot starve
an update. The sections are plain context-manager objects, not generator-based ones: a search
takes the read lock on every call, and this keeps it to about a microsecond.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

__all__ = ["ReadWriteLock"]


class ReadWriteLock:
    """Shared ``with lock.read():`` sections, exclusive ``with lock.write():`` (not re-entrant)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self._read = _Section(self._acquire_read, self._release_read)
        self._write = _Section(self._acquire_write, self._release_write)

    def read(self) -> _Section:
        return self._read

    def write(self) -> _Section:
        return self._write

    def _acquire_read(self) -> None:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def _release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if self._readers == 0:
                self._cond.notify_all()

    def _acquire_write(self) -> None:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writing = True

    def _release_write(self) -> None:
        with self._cond:
            self._writing = False
            self._cond.notify_all()


class _Section:
    """A reusable context manager calling ``enter`` and ``leave`` (holds no state itself)."""

    __slots__ = ("_enter", "_leave")

    def __init__(self, enter: Callable[[], None], leave: Callable[[], None]) -> None:
        self._enter, self._leave = enter, leave

    def __enter__(self) -> None:
        self._enter()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._leave()

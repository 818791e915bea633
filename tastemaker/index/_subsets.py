"""Per-filter contiguous copies of a table's rows, patched by each write instead of rebuilt.

A filtered exact search scores a contiguous copy of the rows passing its filter (gathering
them for every query cost 2-4x the product itself). The copies used to be dropped on every
add and removal and gathered again by the next search with that filter: up to 200 ms for a
gender filter at 44k x 384 (half the catalogue), during which that search and the ones
queued behind it waited (measured by bench_write_load: 157 re-gathers in one write phase,
the main cause of its p99 under writes). A write changes a few rows, so it now changes a
few rows of each copy.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

from tastemaker.index._vectors import Matrix

__all__ = ["SubsetCopy", "fill_plan", "grown"]

Positions = npt.NDArray[np.intp]
Buffer = TypeVar("Buffer", npt.NDArray[np.float32], npt.NDArray[np.intp])


def fill_plan(removed: Positions, size: int) -> tuple[int, Positions, Positions]:
    """How dropping the sorted unique places ``removed`` of ``size`` keeps the rest contiguous:
    ``(kept, movers, holes)``, the surviving places past the new end ``kept`` moving into the
    holes below it, one for one (the table and its copies drop rows the same way)."""
    kept = size - int(removed.size)
    holes = removed[removed < kept]
    movers = np.setdiff1d(np.arange(kept, size), removed, assume_unique=True)
    return kept, movers, holes


def grown(buffer: Buffer, used: int, size: int, fill: float | None = None) -> Buffer:
    """``buffer`` with room for ``size`` rows, its first ``used`` rows kept; the new rows
    hold ``fill`` (uninitialised when None)."""
    shape = (size, *buffer.shape[1:])
    bigger = np.empty(shape, buffer.dtype) if fill is None else np.full(shape, fill, buffer.dtype)
    bigger[:used] = buffer[:used]
    return bigger


def _capacity(count: int) -> int:
    """Room for ``count`` rows and a quarter more, so a run of adds grows a copy rarely."""
    return max(16, count + count // 4)


class SubsetCopy:
    """The table rows passing one filter and a contiguous copy of their vectors.

    ``rows[j]`` is the table position whose vector is ``vectors[j]``; the order is that of the
    writes, not of the table (results are ranked by score, ties by id, so it does not show).
    ``slots_of`` maps table positions back to places in the copy. Buffers keep spare capacity
    and double when it runs out, so a stream of adds costs amortised O(rows added).
    """

    def __init__(self, rows: Positions, vectors: Matrix, table_size: int) -> None:
        count = int(rows.shape[0])
        self._count = count
        self._rows: Positions = np.empty(_capacity(count), dtype=np.intp)
        self._rows[:count] = rows
        self._vectors: Matrix = np.empty((_capacity(count), vectors.shape[1]), dtype=np.float32)
        self._vectors[:count] = vectors
        self._slots: Positions = np.full(_capacity(table_size), -1, dtype=np.intp)
        self._slots[rows] = np.arange(count)

    @property
    def rows(self) -> Positions:
        """The table positions of the copied rows ``[count]`` (a read-only view)."""
        view = self._rows[: self._count]
        view.flags.writeable = False
        return view

    @property
    def vectors(self) -> Matrix:
        """The copied vectors ``[count, d]`` (a read-only view)."""
        view = self._vectors[: self._count]
        view.flags.writeable = False
        return view

    @property
    def nbytes(self) -> int:
        """Memory held, spare capacity included (what a cache budget should count)."""
        return int(self._rows.nbytes + self._vectors.nbytes + self._slots.nbytes)

    def slots_of(self, positions: Positions) -> Positions:
        """Places in the copy of the table rows ``positions``, all of which must pass."""
        slots = self._slots[positions]
        assert bool((slots >= 0).all()), "slots_of: a row outside the filter"
        return slots

    def append(self, positions: Positions, vectors: Matrix, table_size: int) -> None:
        """Add the new table rows ``positions`` (all passing) with their ``vectors``."""
        held = self._slots.shape[0]
        if table_size > held:
            self._slots = grown(self._slots, held, max(table_size, 2 * held), fill=-1)
        start, stop = self._count, self._count + int(positions.shape[0])
        if stop > self._rows.shape[0]:
            size = max(stop, 2 * self._rows.shape[0])
            self._rows = grown(self._rows, start, size)
            self._vectors = grown(self._vectors, start, size)
        self._rows[start:stop] = positions
        self._vectors[start:stop] = vectors
        self._slots[positions] = np.arange(start, stop)
        self._count = stop

    def delete(self, removed: Positions, moved_from: Positions, moved_to: Positions) -> None:
        """Follow :meth:`VectorTable.delete`: drop the ``removed`` table rows, then renumber
        the rows the table moved from ``moved_from`` to ``moved_to`` (their vectors stay)."""
        # Drop the copy's removed rows the way the table drops its own: the copy's last
        # surviving rows fill the holes, so the cost is that of the removed rows.
        gone = self._slots[removed]
        gone = np.sort(gone[gone >= 0])
        self._slots[removed] = -1
        kept, movers, holes = fill_plan(gone, self._count)
        if holes.size:
            self._rows[holes] = self._rows[movers]
            self._vectors[holes] = self._vectors[movers]
            self._slots[self._rows[holes]] = holes
        self._count = kept
        # The table's moved rows keep their place in the copy under their new position.
        slots = self._slots[moved_from]
        inside = slots >= 0
        self._slots[moved_from] = -1
        self._rows[slots[inside]] = moved_to[inside]
        self._slots[moved_to[inside]] = slots[inside]

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

import numpy as np
import numpy.typing as npt

from tastemaker.index._vectors import Matrix

__all__ = ["SubsetCopy"]

Positions = npt.NDArray[np.intp]


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
        if table_size > self._slots.shape[0]:
            grown = np.full(max(table_size, 2 * self._slots.shape[0]), -1, dtype=np.intp)
            grown[: self._slots.shape[0]] = self._slots
            self._slots = grown
        start, stop = self._count, self._count + int(positions.shape[0])
        if stop > self._rows.shape[0]:
            size = max(stop, 2 * self._rows.shape[0])
            rows = np.empty(size, dtype=np.intp)
            rows[:start] = self._rows[:start]
            grown_vectors = np.empty((size, self._vectors.shape[1]), dtype=np.float32)
            grown_vectors[:start] = self._vectors[:start]
            self._rows, self._vectors = rows, grown_vectors
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
        kept = self._count - int(gone.shape[0])
        holes = gone[gone < kept]
        movers = np.setdiff1d(np.arange(kept, self._count), gone, assume_unique=True)
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

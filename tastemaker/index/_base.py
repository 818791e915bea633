"""What every retriever keeps the same way: its items in a :class:`VectorTable` (ids, unit
vectors, filter metadata) behind a read-write lock, and the read-only views over it.

Searching, adding and removing differ per implementation and stay in each class."""

from __future__ import annotations

from collections.abc import Sequence

from tastemaker.index._rwlock import ReadWriteLock
from tastemaker.index._table import VectorTable
from tastemaker.index._vectors import Matrix
from tastemaker.index.filters import ItemMetadata

__all__ = ["TableRetriever"]


class TableRetriever:
    """The table, its lock, and the :class:`Retriever` members that only read the table."""

    def __init__(self, dim: int) -> None:
        self._table = VectorTable(dim)
        self._lock = ReadWriteLock()

    @property
    def dim(self) -> int:
        return self._table.dim

    @property
    def ids(self) -> tuple[str, ...]:
        with self._lock.read():
            return tuple(self._table.ids)

    @property
    def metadata(self) -> ItemMetadata:
        return self._table.metadata

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._table.positions

    def vectors_of(self, ids: Sequence[str]) -> Matrix:
        with self._lock.read():
            return self._table.vectors[self._table.rows_of(ids)].copy()

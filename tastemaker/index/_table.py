"""The rows of an index: ids, unit vectors and metadata by position, and exact search over them.

Both retrievers keep one :class:`VectorTable`: the exact retriever searches it directly, the
FAISS retriever uses it to map FAISS labels back to ids, to build filter masks, and to search
a small filtered subset exactly (where an approximate index would lose recall).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from tastemaker.catalog.schema import Item
from tastemaker.errors import DataError, NotFoundError
from tastemaker.index._subsets import SubsetCopy, fill_plan, grown
from tastemaker.index._topk import rank, top_k
from tastemaker.index._vectors import Matrix, check_new_ids, unit_rows
from tastemaker.index.filters import ItemFilter, ItemMetadata, Mask
from tastemaker.index.protocol import Hit, MetadataLike

__all__ = ["Candidates", "VectorTable", "as_metadata"]

Positions = npt.NDArray[np.intp]

#: A filtered query scores a cached contiguous copy of the filter's rows while they are at
#: most this share of the table; above it, every row is scored and the others masked out.
#: Scoring a copy costs its share of a full scan; gathering the rows anew for each query cost
#: 2-4x the product itself (measured at d = 384).
_SUBSET_BELOW = 0.6
#: Memory the per-filter row copies may use, least recently used dropped first (a copy larger
#: than all of it is used once and not kept). Writes patch the copies (see ``_subsets``).
_SUBSET_CACHE_BYTES = 256 << 20
#: Queries are scored in blocks of at most this many scores, bounding the memory of a batch.
_BLOCK_SCORES = 1 << 22
_TALL_PRODUCT_BELOW = 16


def as_metadata(metadata: MetadataLike | None, ids: Sequence[str]) -> ItemMetadata:
    """``metadata`` for the items ``ids`` as an :class:`ItemMetadata` of ``len(ids)`` rows."""
    if metadata is None:
        return ItemMetadata.empty(len(ids))
    if isinstance(metadata, ItemMetadata):
        table = metadata
    elif isinstance(metadata, Mapping):
        table = ItemMetadata.from_columns(metadata)
    else:
        for row, (item, item_id) in enumerate(zip(metadata, ids, strict=False)):
            if not isinstance(item, Item):
                raise DataError(f"metadata: row {row} is a {type(item).__name__}, not an Item")
            if item.id != item_id:
                raise DataError(f"metadata: row {row} describes item {item.id!r}, not {item_id!r}")
        table = ItemMetadata.from_items(metadata)
    if len(table) != len(ids):
        raise DataError(f"metadata: {len(table)} rows for {len(ids)} ids")
    return table


@dataclass(frozen=True)
class Candidates:
    """Which rows a query may return: the filter's mask and the excluded rows that pass it."""

    size: int
    item_filter: ItemFilter | None  # None: no filter (or an empty one)
    filter_mask: Mask | None  # None: no filter, every row passes
    filter_count: int
    excluded: Positions  # sorted positions that pass the filter but are excluded
    count: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", self.filter_count - len(self.excluded))

    @cached_property
    def mask(self) -> Mask | None:
        """The allowed rows ``[size]`` (filter and not excluded), None when all are allowed."""
        if self.excluded.size == 0:
            return self.filter_mask
        mask = np.ones(self.size, np.bool_) if self.filter_mask is None else self.filter_mask.copy()
        mask[self.excluded] = False
        return mask


class VectorTable:
    """Item ids, float32 unit vectors ``[n, d]`` and metadata, row ``i`` for item ``ids[i]``.

    Not thread-safe by itself: the retriever owning it serialises writes against reads.
    """

    def __init__(self, dim: int) -> None:
        if dim < 1:
            raise DataError(f"dim must be positive, got {dim}")
        self.dim = dim
        self.ids: list[str] = []
        self.positions: dict[str, int] = {}
        self.metadata = ItemMetadata.empty(0)
        self._buffer: Matrix = np.empty((0, dim), dtype=np.float32)
        self._subsets: LRUCache[ItemFilter, SubsetCopy] = LRUCache(
            maxsize=_SUBSET_CACHE_BYTES, getsizeof=_copy_bytes
        )
        self._subsets_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def vectors(self) -> Matrix:
        """The stored rows ``[n, d]`` (a read-only view)."""
        view = self._buffer[: len(self.ids)]
        view.flags.writeable = False
        return view

    def prepare(
        self, ids: Sequence[str], vectors: npt.ArrayLike, metadata: MetadataLike | None
    ) -> tuple[list[str], Matrix, ItemMetadata]:
        """Check a batch to add without changing anything: ids, unit rows, metadata."""
        checked = check_new_ids(ids, self.positions)
        rows = unit_rows(vectors, self.dim, what="vectors", ids=checked)
        if rows.shape[0] != len(checked):
            raise DataError(f"vectors: {rows.shape[0]} rows for {len(checked)} ids")
        return checked, rows, as_metadata(metadata, checked)

    def append(self, ids: list[str], rows: Matrix, metadata: ItemMetadata) -> None:
        """Append a batch checked by :meth:`prepare`.

        The buffer keeps a quarter of spare rows and doubles when they run out, so adds are
        amortised and the first add after a load does not copy the whole table under the
        write lock (a fresh 135 MB buffer for a 44k x 384 table took 150-500 ms here).
        """
        start, stop = len(self.ids), len(self.ids) + len(ids)
        if stop > self._buffer.shape[0]:
            self._buffer = grown(self._buffer, start, max(stop + stop // 4, 2 * len(self._buffer)))
        self._buffer[start:stop] = rows
        self._patch_subsets_for_append(start, rows, metadata)
        self.positions.update(zip(ids, range(start, stop), strict=True))
        self.ids.extend(ids)
        self.metadata = metadata if start == 0 else self.metadata.concat(metadata)

    def rows_of(self, ids: Sequence[str]) -> Positions:
        """The positions of ``ids``, in their order; NotFoundError naming the unknown ones."""
        unknown = sorted({i for i in ids if i not in self.positions})
        if unknown:
            shown = ", ".join(repr(i) for i in unknown[:5])
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            raise NotFoundError(f"not in the index: {shown}{more}")
        return np.array([self.positions[i] for i in ids], dtype=np.intp)

    def locate(self, ids: Iterable[str]) -> Positions:
        """Sorted unique positions of ``ids``; NotFoundError naming the unknown ones."""
        return np.unique(self.rows_of(list(set(ids))))

    def delete(self, positions: Positions) -> tuple[Positions, Positions]:
        """Drop the rows at ``positions``: the last surviving rows move into the holes.

        Returns the moves as ``(from_rows, to_rows)``, so an owner that maps rows (FAISS labels)
        can follow them. The cost is that of the removed rows, wherever they are: keeping the
        others in order meant copying every row after the first removed one, 30-300 ms for an
        old item of a 44k x 384 table, under the write lock, so every search waited for it.
        """
        positions = np.unique(positions)
        kept, movers, holes = fill_plan(positions, len(self.ids))
        with self._subsets_lock:
            for copy in self._subsets.values():
                copy.delete(positions, movers, holes)
        if holes.size:
            self._buffer[holes] = self._buffer[movers]
        for row in positions.tolist():
            del self.positions[self.ids[row]]
        for source, target in zip(movers.tolist(), holes.tolist(), strict=True):
            self.ids[target] = self.ids[source]
            self.positions[self.ids[target]] = target
        del self.ids[kept:]
        order = np.arange(kept)
        order[holes] = movers
        self.metadata = self.metadata.take(order)
        return movers, holes

    def candidates(
        self, item_filter: ItemFilter | None, exclude: Collection[str] | None
    ) -> Candidates:
        """The rows a query with this filter and these exclusions may return."""
        if item_filter is None or item_filter.is_empty:
            item_filter, mask, count = None, None, len(self.ids)
        else:
            mask, count = self.metadata.mask(item_filter)
        excluded: Positions = np.empty(0, dtype=np.intp)
        if exclude:
            rows = [self.positions[i] for i in exclude if i in self.positions]
            if rows:
                excluded = np.unique(np.array(rows, dtype=np.intp))
                if mask is not None:
                    excluded = excluded[mask[excluded]]
        return Candidates(len(self.ids), item_filter, mask, count, excluded)

    def search(self, queries: Matrix, k: int, allowed: Candidates) -> list[list[Hit]]:
        """Exact top-``k`` for unit ``queries`` ``[m, d]`` over the ``allowed`` rows.

        Scores every allowed row by inner product (float32 BLAS) and picks the top ``k``, ties
        by id. A filter keeping up to 60 % of the rows scores its cached copy of them; broader
        ones (and exclusions alone) score every row and mask the rest.
        """
        if allowed.count == 0 or len(self.ids) == 0:
            return [[] for _ in range(queries.shape[0])]
        k = min(k, allowed.count)
        subset: Positions | None = None
        vectors = self.vectors
        blocked: Mask | Positions | None = None
        if allowed.filter_mask is not None and allowed.filter_count <= _SUBSET_BELOW * allowed.size:
            copy = self._subset(allowed)
            subset, vectors = copy.rows, copy.vectors
            if allowed.excluded.size:  # excluded rows pass the filter, so all are in the copy
                blocked = copy.slots_of(allowed.excluded)
        elif allowed.mask is not None:
            blocked = ~allowed.mask
        step = max(1, _BLOCK_SCORES // vectors.shape[0])
        results: list[list[Hit]] = []
        for start in range(0, queries.shape[0], step):
            block = queries[start : start + step]
            # Both sides are finite unit rows (checked by unit_rows), so no product is invalid;
            # some OpenBLAS kernels still leave the FP "invalid" flag set (a spurious warning
            # seen on the CI machine's CPU, not reproducible here), which numpy would report.
            with np.errstate(invalid="ignore"):
                if block.shape[0] <= _TALL_PRODUCT_BELOW:
                    # [n, d] @ [d, m]: for a few queries OpenBLAS runs this tall product 3-5x
                    # faster than [m, d] @ [d, n] (measured here); its transpose's rows are strided.
                    scores = (vectors @ block.T).T
                else:
                    scores = block @ vectors.T
            if blocked is not None:
                scores[:, blocked] = -np.inf
            for row in scores:
                chosen = top_k(row, k)
                positions = chosen if subset is None else subset[chosen]
                results.append(rank(positions, row[chosen], k, self.ids))
        return results

    def _patch_subsets_for_append(self, start: int, rows: Matrix, metadata: ItemMetadata) -> None:
        """Add the new rows ``start...`` that pass each cached copy's filter to that copy."""
        with self._subsets_lock:
            grown: list[ItemFilter] = []
            for item_filter, copy in self._subsets.items():
                passing = np.flatnonzero(metadata.mask(item_filter)[0])
                if passing.size:
                    before = copy.nbytes
                    copy.append(start + passing, rows[passing], start + rows.shape[0])
                    if copy.nbytes != before:
                        grown.append(item_filter)
            for item_filter in grown:  # re-weigh: the LRU counts a value's size when it is set
                copy = self._subsets.pop(item_filter)
                if copy.nbytes <= self._subsets.maxsize:
                    self._subsets[item_filter] = copy

    def _subset(self, allowed: Candidates) -> SubsetCopy:
        """The rows passing ``allowed``'s filter and a contiguous copy of their vectors."""
        assert allowed.item_filter is not None
        assert allowed.filter_mask is not None
        with self._subsets_lock:  # an LRU's read reorders it, so reads take the lock too
            hit = self._subsets.get(allowed.item_filter)
        if hit is not None:
            return hit
        rows = np.flatnonzero(allowed.filter_mask)
        copy = SubsetCopy(rows, np.take(self.vectors, rows, axis=0), len(self.ids))
        if copy.nbytes <= self._subsets.maxsize:  # a copy larger than the budget is not kept
            with self._subsets_lock:
                self._subsets[allowed.item_filter] = copy
        return copy


def _copy_bytes(copy: SubsetCopy) -> int:
    """What a cached subset weighs against the budget: all it holds."""
    return copy.nbytes

"""The retriever protocol: one interface, an exact and several FAISS implementations.

Every implementation reports what it is (``kind``, ``is_exact``) so callers and tests can
tell an exact answer from an approximate one, and all of them keep the same promises:

- a result list holds at most ``k`` hits and never more than the candidates the filter and
  exclusions leave; ``k`` larger than that returns every candidate, best first;
- no padding (FAISS's ``-1`` ids), no excluded item, no removed item ever appears;
- equal scores are ordered by item id, so answers are deterministic;
- scores are cosine similarities: stored vectors and queries are L2-normalised float32.

The index is a separate artefact from the model (saved next to it, not baked into it), so
``k``, filters and the index kind can change without re-exporting the model.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, Protocol, Self, runtime_checkable

import numpy.typing as npt

from tastemaker.catalog.schema import Item
from tastemaker.index._vectors import Matrix
from tastemaker.index.filters import ItemFilter, ItemMetadata

__all__ = ["Hit", "MetadataLike", "Retriever"]

#: Metadata for a batch of items being added, row ``i`` describing ``ids[i]``: a ready table,
#: the catalogue items themselves, or ``{field: values}`` columns.
MetadataLike = ItemMetadata | Sequence[Item] | Mapping[str, Sequence[str | None]]


class Hit(NamedTuple):
    """One recommended item and its cosine similarity to the query (higher is better)."""

    item_id: str
    score: float


@runtime_checkable
class Retriever(Protocol):
    """A nearest-neighbour index over item vectors with metadata filters.

    Searches may run concurrently from several threads; ``add``, ``remove`` and ``save`` wait
    for running searches and block new ones while they change the index.
    """

    @property
    def kind(self) -> str:
        """``"exact"``, ``"flat"``, ``"hnsw"`` or ``"ivf"``."""
        ...

    @property
    def is_exact(self) -> bool:
        """True when results equal brute-force search (up to float rounding)."""
        ...

    @property
    def dim(self) -> int:
        """Vector dimension ``d``."""
        ...

    @property
    def ids(self) -> tuple[str, ...]:
        """Item ids in index order (row ``i`` of the stored vectors)."""
        ...

    @property
    def metadata(self) -> ItemMetadata:
        """The filterable fields of the indexed items, one row per id."""
        ...

    def __len__(self) -> int: ...

    def __contains__(self, item_id: object) -> bool: ...

    def search(
        self,
        queries: npt.ArrayLike,
        k: int,
        *,
        filter: ItemFilter | None = None,
        exclude: Collection[str] | None = None,
    ) -> list[list[Hit]]:
        """The ``k`` best items for each query row, best first.

        ``queries``: ``[n, d]`` (normalised here). ``filter`` keeps items whose metadata
        matches; ``exclude`` drops ids (e.g. what the shopper has already seen; ids not in the
        index are ignored). Returns ``n`` lists of at most ``k`` hits each.
        """
        ...

    def vectors_of(self, ids: Sequence[str]) -> Matrix:
        """The stored unit vectors ``[len(ids), d]`` of ``ids`` (NotFoundError if unknown)."""
        ...

    def add(
        self, ids: Sequence[str], vectors: npt.ArrayLike, metadata: MetadataLike | None = None
    ) -> None:
        """Add items: ``vectors`` ``[len(ids), d]``; ``metadata`` row ``i`` describes
        ``ids[i]`` (None: no metadata, so the items pass only unconstrained filters).
        Duplicate or already-indexed ids, NaN and wrong dimensions are refused (DataError)."""
        ...

    def remove(self, ids: Iterable[str]) -> None:
        """Remove items; an id not in the index raises NotFoundError and removes nothing."""
        ...

    def compact(self) -> None:
        """Reclaim what removals left behind (FAISS HNSW tombstones, relabelled rows) without
        stopping searches for the rebuild; a no-op where nothing is left behind."""
        ...

    def save(self, directory: Path) -> Path:
        """Write the index to ``directory`` (replaced atomically); returns it."""
        ...

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Read an index written by :meth:`save`, checking its manifest."""
        ...

"""Qdrant retrieval: the same protocol as FAISS, the vectors searched by a Qdrant collection.

The embedded local mode (``qdrant_location`` ":memory:" or a folder) runs in this process and
scans exactly, for tests and the demo; a server URL (a Qdrant node or cluster) is the
production setting, searched by its HNSW graph (or exactly with ``qdrant_exact``). Like
:class:`~tastemaker.index.faiss_index.FaissRetriever`, the retriever keeps its
:class:`~tastemaker.index._table.VectorTable` (ids, vectors, metadata) beside the index: it
answers ``ids``, ``metadata`` and ``vectors_of`` without a round trip, checks every batch
before Qdrant sees it, and is what :meth:`~QdrantRetriever.save` writes.

How a query keeps the protocol's promises:

- the filter becomes a Qdrant filter (``MatchAny`` per constrained field on the case-folded
  payload), so Qdrant never returns a disallowed item. Excluded ids, up to
  ``overfetch_max``, are dropped from an answer fetched that much longer (the embedded mode
  checks any condition point by point in Python: 0.5 s per query at 44k points); more go
  in the filter as a ``HasIdCondition`` under ``must_not``. Every answer holds
  ``min(k, candidates)`` hits;
- ties: Qdrant orders equal scores by its own internal order, not by id. Each query asks for
  one hit more than it needs; when the ``k``-th score equals the last one fetched (a tie that
  may run past what was fetched), it asks again for twice as many, until the tie ends inside
  the answer or every candidate is in it, and then orders by (score, id). The tie rule is
  thus kept exactly, at the cost of a larger fetch for queries meeting duplicated vectors;
- a server's HNSW may return fewer than asked for under a narrow filter: such a row is asked
  again with ``exact=True`` (a full scan over the filter's points), so no answer is short.

Scores are Qdrant's (``Distance.DOT`` over the unit rows, i.e. cosine); they equal the exact
retriever's up to rounding (the embedded scan scores in float64, FAISS and NumPy in float32),
so two items scoring within ~1e-7 may swap places against it. A retriever owns its
collection: building one replaces any collection of that name.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import httpx
import numpy as np
import numpy.typing as npt
from qdrant_client import QdrantClient, models
from qdrant_client.common.client_exceptions import QdrantException
from qdrant_client.http.exceptions import ApiException

from tastemaker.errors import ConfigError, IndexServerError
from tastemaker.index import _qdrant_parts as parts
from tastemaker.index._base import TableRetriever
from tastemaker.index._table import Candidates
from tastemaker.index._vectors import Matrix, check_k, unit_rows
from tastemaker.index.config import IndexConfig
from tastemaker.index.filters import FILTER_FIELDS, ItemFilter, ItemMetadata
from tastemaker.index.protocol import Hit, MetadataLike
from tastemaker.index.store import ids_digest, read_index, write_index

__all__ = ["QdrantRetriever"]

_SERVER_ERRORS = (ApiException, QdrantException, httpx.HTTPError, OSError)


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one search is asked of Qdrant: its filter, how many hits to fetch, which ids to
    drop from the answer, and how many points the filter lets Qdrant see (``visible``)."""

    where: models.Filter | None
    k: int
    fetch: int
    visible: int
    dropped: frozenset[str]

    @classmethod
    def make(
        cls,
        config: IndexConfig,
        item_filter: ItemFilter | None,
        excluded: list[str],
        k: int,
        allowed: Candidates,
    ) -> _Plan:
        """Up to ``config.overfetch_max`` excluded ids are dropped from an answer fetched
        ``len(excluded)`` longer; more go to Qdrant as a ``must_not`` condition. In the
        embedded mode any condition is checked point by point in Python (~0.5 s over 44k
        points, measured here), an over-fetch costs nothing; a server does either fast."""
        if len(excluded) <= config.overfetch_max:
            where = parts.query_filter(item_filter, ())
            visible = allowed.filter_count
            fetch = min(k + len(excluded) + 1, visible)
            return cls(where, k, fetch, visible, frozenset(excluded))
        where = parts.query_filter(item_filter, excluded)
        return cls(where, k, min(k + 1, allowed.count), allowed.count, frozenset())


class QdrantRetriever(TableRetriever):
    """A Qdrant collection behind the :class:`Retriever` protocol (see the module docstring)."""

    kind = "qdrant"

    def __init__(
        self,
        dim: int,
        config: IndexConfig | None = None,
        *,
        client: QdrantClient | None = None,
        api_key: str | None = None,
        fresh: bool = True,
    ) -> None:
        """An empty index for ``dim``-dimensional vectors in ``config.qdrant_collection`` at
        ``config.qdrant_location`` (or through ``client``), replacing any collection of that
        name; ``fresh=False`` leaves an existing one for :meth:`load` to check."""
        config = config or IndexConfig(kind="qdrant")
        if config.kind != "qdrant":
            raise ConfigError(f"QdrantRetriever: kind {config.kind!r} is not qdrant")
        super().__init__(dim)
        self.config = config
        self.collection = config.qdrant_collection
        self._client = client or parts.connect(
            config.qdrant_location, api_key=api_key, timeout_s=config.qdrant_timeout_s
        )
        self._local = parts.is_local(self._client)
        if fresh:
            self._create_collection()

    @property
    def is_exact(self) -> bool:
        """True in the embedded mode (a brute-force scan) or with ``qdrant_exact``."""
        return self._local or self.config.qdrant_exact

    @property
    def client(self) -> QdrantClient:
        return self._client

    def close(self) -> None:
        """Close the client (an embedded folder stays locked until then); a later call on
        this retriever fails. The collection itself is left as it is."""
        self._client.close()

    def __repr__(self) -> str:
        where = "embedded" if self._local else "server"
        return f"QdrantRetriever({where}, {self.collection!r}, dim={self.dim}, items={len(self)})"

    @contextmanager
    def _server(self, what: str) -> Iterator[None]:
        """Turns a failed request into an IndexServerError naming the collection and step."""
        try:
            yield
        except _SERVER_ERRORS as exc:
            raise IndexServerError(f"Qdrant collection {self.collection!r}: {what}: {exc}") from exc

    def _create_collection(self) -> None:
        hnsw = None if self._local else models.HnswConfigDiff(m=self.config.qdrant_hnsw_m)
        vectors = models.VectorParams(size=self.dim, distance=models.Distance.DOT, hnsw_config=hnsw)
        with self._server("create the collection"):
            if self._client.collection_exists(self.collection):
                self._client.delete_collection(self.collection)
            self._client.create_collection(self.collection, vectors_config=vectors)
            if not self._local:  # the embedded mode has no payload indexes (and warns)
                for field in FILTER_FIELDS:
                    self._client.create_payload_index(
                        self.collection, field, models.PayloadSchemaType.KEYWORD, wait=True
                    )

    # -- searching ----------------------------------------------------------------------------

    def search(
        self,
        queries: npt.ArrayLike,
        k: int,
        *,
        filter: ItemFilter | None = None,
        exclude: Collection[str] | None = None,
    ) -> list[list[Hit]]:
        """Top ``k`` per query row ``[n, d]``; see :meth:`Retriever.search`."""
        k = check_k(k)
        rows = unit_rows(queries, self.dim, what="queries", copy=False)
        with self._lock.read():
            allowed = self._table.candidates(filter, exclude)
            k = min(k, allowed.count)
            if k == 0 or rows.shape[0] == 0:
                return [[] for _ in range(rows.shape[0])]
            excluded = [self._table.ids[p] for p in allowed.excluded.tolist()]
            plan = _Plan.make(self.config, allowed.item_filter, excluded, k, allowed)
            answers = self._query(rows, plan.fetch, plan.where, exact=False)
            return [
                self._settle(rows[row : row + 1], hits, plan) for row, hits in enumerate(answers)
            ]

    def _settle(self, query: Matrix, hits: list[Hit], plan: _Plan) -> list[Hit]:
        """The ``k`` best of one row's answer, ties by id; asked again while the answer is
        short (HNSW under a filter) or a tie at the ``k``-th place may run past its end."""
        k, fetch = plan.k, plan.fetch
        while True:
            if len(hits) < fetch:  # an approximate walk came back short: scan exactly
                [hits] = self._query(query, fetch, plan.where, exact=True)
            kept = [h for h in hits if h.item_id not in plan.dropped] if plan.dropped else hits
            tied = len(kept) > k and kept[k - 1].score == kept[-1].score
            if not tied or fetch >= plan.visible:  # the tie ends inside, or all are in
                break
            fetch = min(2 * fetch, plan.visible)
            [hits] = self._query(query, fetch, plan.where, exact=False)
        return sorted(kept, key=lambda hit: (-hit.score, hit.item_id))[:k]

    def _query(
        self, queries: Matrix, limit: int, where: models.Filter | None, *, exact: bool
    ) -> list[list[Hit]]:
        params = None
        if not self._local:
            params = models.SearchParams(
                hnsw_ef=max(self.config.qdrant_hnsw_ef, limit),
                exact=exact or self.config.qdrant_exact,
            )
        requests = [
            models.QueryRequest(
                query=row.tolist(),
                filter=where,
                limit=limit,
                params=params,
                with_payload=[parts.ITEM_ID],
            )
            for row in queries
        ]
        with self._server("search"):
            answers = self._client.query_batch_points(self.collection, requests)
        return [
            [Hit(str((p.payload or {})[parts.ITEM_ID]), float(p.score)) for p in answer.points]
            for answer in answers
        ]

    # -- changing -----------------------------------------------------------------------------

    def add(
        self, ids: Sequence[str], vectors: npt.ArrayLike, metadata: MetadataLike | None = None
    ) -> None:
        with self._lock.write():
            checked, rows, table = self._table.prepare(ids, vectors, metadata)
            self._upsert(checked, rows, table)  # first: a failed upload leaves the table as is
            self._table.append(checked, rows, table)

    def _upsert(self, ids: list[str], rows: Matrix, metadata: ItemMetadata) -> None:
        """Upload in batches; when one fails, the batches already sent are deleted again."""
        step = self.config.qdrant_batch
        for start in range(0, len(ids), step):
            chunk = slice(start, start + step)
            try:
                where = np.arange(len(ids))[chunk]
                batch = parts.points(ids[chunk], rows[chunk], metadata.take(where))
                with self._server(f"add items {start}..{start + len(batch) - 1} of {len(ids)}"):
                    self._client.upsert(self.collection, batch, wait=True)
            except IndexServerError:
                if start:
                    self._delete(ids[:start], quiet=True)
                raise

    def remove(self, ids: Iterable[str]) -> None:
        with self._lock.write():
            rows = self._table.locate(ids)  # NotFoundError before anything is deleted
            if rows.size == 0:
                return
            self._delete([self._table.ids[r] for r in rows.tolist()])
            self._table.delete(rows)

    def _delete(self, ids: Sequence[str], *, quiet: bool = False) -> None:
        selector = models.PointIdsList(points=[parts.point_id(i) for i in ids])
        try:
            with self._server(f"remove {len(ids)} items"):
                self._client.delete(self.collection, points_selector=selector, wait=True)
        except IndexServerError:
            if not quiet:
                raise

    # -- persistence --------------------------------------------------------------------------

    def compact(self) -> None:
        """Nothing to do: qdrant's own optimizer vacuums deleted points in the background."""

    def save(self, directory: Path) -> Path:
        """Write the index folder (see :mod:`tastemaker.index.store`); the collection stays
        where it is, and :meth:`load` checks it against the saved ids."""
        with self._lock.read():
            return write_index(
                directory,
                config=self.config,
                ids=self._table.ids,
                vectors=self._table.vectors,
                metadata=self._table.metadata,
                write_faiss=lambda _: {"collection": self.collection, "points": len(self._table)},
            )

    @classmethod
    def load(
        cls,
        directory: Path,
        *,
        client: QdrantClient | None = None,
        api_key: str | None = None,
        **overrides: Any,
    ) -> Self:
        """Read an index written by :meth:`save`; ``overrides`` (``qdrant_location``,
        ``qdrant_collection``...) replace the saved settings. A collection already holding
        exactly the saved ids is reused; otherwise it is rebuilt from the saved vectors."""
        stored = read_index(directory, kinds=("qdrant",))
        config = stored.config
        if overrides:
            config = IndexConfig.model_validate({**config.model_dump(), **overrides})
        retriever = cls(
            int(stored.vectors.shape[1]), config, client=client, api_key=api_key, fresh=False
        )
        table = retriever._table
        table.append(*table.prepare(stored.ids, stored.vectors, stored.metadata))
        if retriever._collection_digest() != ids_digest(sorted(stored.ids)):
            retriever._create_collection()
            retriever._upsert(table.ids, table.vectors, table.metadata)
        return retriever

    def _collection_digest(self) -> str | None:
        """ids digest of the points in the collection (sorted), None when it does not exist."""
        with self._server("read the collection"):
            if not self._client.collection_exists(self.collection):
                return None
            found: list[str] = []
            offset: Any = None
            while True:
                points, offset = self._client.scroll(
                    self.collection, limit=4096, offset=offset, with_payload=[parts.ITEM_ID]
                )
                found.extend(str((p.payload or {})[parts.ITEM_ID]) for p in points)
                if offset is None:
                    return ids_digest(sorted(found))

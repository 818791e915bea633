"""FAISS retrieval: flat (exact), HNSW or IVF, with filters that keep their recall.

How a query is answered, and why (figures measured at 44k items, one thread):

1. The filter becomes a mask over rows (cached per filter), excluded ids become rows.
2. Exactly, in NumPy, when few candidates are left (``IndexConfig.exact_limit``: by default
   up to 10 % of the items for HNSW/IVF, 50 % for flat), when ``k`` asks for all of them, and
   for large flat batches (BLAS beats FAISS's scan there). A filtered graph or inverted-list
   search finds fewer than ``k`` of a few hundred allowed items (FAISS pads with ``-1``) and
   costs 3-8 ms with an ID selector (HNSW must walk past the others), whereas scoring a cached
   copy of the filter's rows costs its share of a full scan: 0.1-0.6 ms.
3. Otherwise FAISS searches unfiltered for ``2 (k + excluded + 1) / share`` results and the
   disallowed, excluded and removed ones are dropped. The allowed hits left are the best
   allowed ones (anything allowed scoring higher would be in the answer too), so the filter
   costs no recall beyond the index's own. A filtered walk with an ID selector does not have
   that property: when the query points away from the filter (a shopper of women's items
   asking for men's), HNSW's walk stays among disallowed nodes and returned a fifth of the
   right items in a test here; over a few percent of the items it also cost 3-8 ms. Only
   flat (exact whatever it visits) turns many exclusions (``overfetch_max``) into a
   per-request selector.
4. A row left with fewer than ``k`` + 1 allowed hits (a filter the query points away from),
   or whose k-th score ties the next (which tied item wins is then FAISS's visiting order, not
   id order), is answered exactly instead, so every promise of the protocol holds. Exact ties
   are rare with learnt vectors; items with identical vectors make them common.

Labels: FAISS stores each vector under an int64 label handed out on add; ``_rows[label]`` is
its row in the table (-1 once removed). Flat and IVF delete with ``remove_ids``; HNSW cannot
delete, so removed labels stay in the graph as tombstones, dropped from every answer, until
:meth:`FaissRetriever.compact` (run by :meth:`~FaissRetriever.save`) rebuilds it.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import faiss
import numpy as np
import numpy.typing as npt

from tastemaker.errors import ConfigError
from tastemaker.index import _faiss_parts as parts
from tastemaker.index._base import TableRetriever
from tastemaker.index._table import Candidates
from tastemaker.index._topk import rank
from tastemaker.index._vectors import Matrix, check_k, unit_rows
from tastemaker.index.config import IndexConfig
from tastemaker.index.filters import ItemFilter, Mask
from tastemaker.index.protocol import Hit, MetadataLike
from tastemaker.index.store import read_index, write_index

__all__ = ["FaissRetriever"]

_Labels = npt.NDArray[np.int64]
#: A flat batch with queries x dim at least this is scored by NumPy's BLAS instead: FAISS's
#: flat scan does not speed up with batch size here (one thread), NumPy's product does
#: (measured at 44k items: d=64 from ~16 queries, d=384 from ~4).
_BLAS_BATCH = 1024
_OVERFETCH = 2.0
#: A compaction replays the writes made during its build in up to this many rounds outside
#: the lock, until a round finds at most _CATCH_UP_FINAL; the rest is replayed under it.
_CATCH_UP_ROUNDS = 4
_CATCH_UP_FINAL = 8


@dataclass(frozen=True, slots=True)
class _Plan:
    """One FAISS search: its parameters, how many results to fetch, what to drop afterwards."""

    params: Any
    fetch: int
    dropped: frozenset[int] = frozenset()  # excluded rows (a set beats np.isin on dozens)
    wanted: Mask | None = None  # rows to keep from an unfiltered answer

    def keep(
        self, labels: _Labels, scores: npt.NDArray[np.float32], rows_of: _Labels
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Rows and scores of one answer, without padding, removed, disallowed or dropped."""
        found = labels >= 0  # FAISS pads a short answer with -1
        positions, scores = rows_of[labels[found]], scores[found]
        keep = positions >= 0
        if self.wanted is not None:
            keep[keep] = self.wanted[positions[keep]]
        if self.dropped:
            keep &= np.fromiter((p not in self.dropped for p in positions.tolist()), np.bool_)
        return positions[keep], scores[keep]


@dataclass
class _Changes:
    """Writes made while :meth:`FaissRetriever.compact` builds a new index off the lock: ids
    added (or moved to another row by a removal, see :meth:`VectorTable.delete`) and ids
    removed, so the new index can be brought up to date with them."""

    added: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed)


@dataclass
class _Rebuilt:
    """A new FAISS index being brought up to date with the table: ``labels[id]`` is each
    item's label in it; ``stale`` lists labels whose item is gone or was re-added (HNSW keeps
    them as tombstones, flat and IVF remove them)."""

    index: Any
    labels: dict[str, int]
    next_label: int
    stale: list[int] = field(default_factory=list)

    def drop(self, item_id: str) -> None:
        label = self.labels.pop(item_id, None)
        if label is not None:
            self.stale.append(label)

    def add(self, ids: list[str], vectors: Matrix) -> None:
        for item_id in ids:
            self.drop(item_id)  # a re-added or moved item: its old vector may differ
        labels = np.arange(self.next_label, self.next_label + len(ids), dtype=np.int64)
        if ids:
            self.index.add_with_ids(vectors, labels)
        self.labels.update(zip(ids, labels.tolist(), strict=True))
        self.next_label += len(ids)


def _at_low_priority(build: Callable[[Matrix, Any], Any], vectors: Matrix, ivf: Any) -> Any:
    """``build(vectors, ivf)`` in a thread of its own at the lowest CPU priority (nice 19, on
    Linux, where a thread has its own nice value): a rebuild takes seconds of one core, and
    on a small machine the searches it runs beside must get the core first. The thread ends
    with the build, since an unprivileged thread cannot raise its priority back."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            if sys.platform == "linux":
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
            faiss.omp_set_num_threads(1)  # per thread: one core, never both
            result.append(build(vectors, ivf))
        except BaseException as exc:  # handed to the caller
            failure.append(exc)

    thread = threading.Thread(target=run, name="tastemaker-compaction")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


class FaissRetriever(TableRetriever):
    """A FAISS index (``config.kind``: flat, hnsw or ivf) behind the :class:`Retriever` protocol."""

    def __init__(self, dim: int, config: IndexConfig | None = None) -> None:
        """An empty index for ``dim``-dimensional vectors; fill it with :meth:`add`."""
        config = config or IndexConfig()
        if config.kind not in ("flat", "hnsw", "ivf"):
            raise ConfigError(f"FaissRetriever: kind {config.kind!r} is not flat, hnsw or ivf")
        if config.threads is not None:
            faiss.omp_set_num_threads(config.threads)
        super().__init__(dim)
        self.config = config
        self._index: Any = None if config.kind == "ivf" else parts.new_index(config, dim)
        self._labels: _Labels = np.empty(0, dtype=np.int64)  # row -> label
        self._rows: _Labels = np.empty(0, dtype=np.int64)  # label -> row, -1 when removed
        self._next_label = 0
        self._tombstones = 0
        self._compacting = threading.Lock()
        self._since: _Changes | None = None  # what changed while a compaction builds

    @property
    def kind(self) -> str:
        return self.config.kind

    @property
    def is_exact(self) -> bool:
        return self.config.kind == "flat"

    @property
    def trained(self) -> bool:
        """False only for an IVF index still waiting for enough vectors to train on."""
        return self._index is not None

    @property
    def tombstones(self) -> int:
        """Removed items still inside the FAISS index (HNSW only; 0 after :meth:`compact`)."""
        return self._tombstones

    def __repr__(self) -> str:
        return f"FaissRetriever(kind={self.kind!r}, dim={self.dim}, items={len(self)})"

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
            if (
                self._index is None
                or k >= allowed.count
                or allowed.count <= self.config.exact_limit(len(self._table))
                or (self.is_exact and rows.shape[0] * self.dim >= _BLAS_BATCH)
            ):
                return self._table.search(rows, k, allowed)
            return self._search_faiss(rows, k, allowed)

    def _search_faiss(self, queries: Matrix, k: int, allowed: Candidates) -> list[list[Hit]]:
        """FAISS search for ``k`` < ``allowed.count`` hits per row; rows it leaves short, or
        whose tie at the k-th place runs to the end of what was fetched (so tied items may lie
        beyond it), are searched exactly. A tie that ends inside the fetched hits is settled
        there by id: catalogues repeat texts, so identical vectors are common, and sending each
        such query to an exact scan cost 25 ms instead of 0.3 ms."""
        plan = self._plan(k, allowed)
        scores, labels = self._index.search(queries, plan.fetch, params=plan.params)
        results: list[list[Hit]] = []
        exact: list[int] = []
        for row in range(queries.shape[0]):
            positions, row_scores = plan.keep(labels[row], scores[row], self._rows)
            if positions.size <= k or row_scores[k - 1] == row_scores[-1]:
                exact.append(row)
                results.append([])
            else:
                results.append(rank(positions, row_scores, k, self._table.ids))
        if exact:
            for row, hits in zip(
                exact, self._table.search(queries[exact], k, allowed), strict=True
            ):
                results[row] = hits
        return results

    def _plan(self, k: int, allowed: Candidates) -> _Plan:
        """How FAISS is asked: what to fetch, with which parameters, what to drop afterwards."""
        total, excluded = self._index.ntotal, frozenset(allowed.excluded.tolist())
        if self.is_exact and len(excluded) > self.config.overfetch_max:
            rows = allowed.mask if allowed.mask is not None else np.ones(len(self._table), bool)
            fetch = min(k + 1, total)  # k + 1 hits show whether a tie crosses the k-th place
            return _Plan(
                self._params(self._selector_for(rows), fetch, allowed.count / total), fetch
            )
        # Disallowed, removed (HNSW tombstones) and excluded items are dropped from an over-
        # fetched answer. The allowed hits that remain are exactly the best allowed ones (up to
        # the index's own recall): anything allowed scoring higher would also be in the answer.
        # Expect about the allowed share of what comes back, and fetch twice that.
        need = k + len(excluded) + 1
        share = allowed.filter_count / total
        fetch = need if share == 1.0 else math.ceil(_OVERFETCH * need / share)
        fetch = min(fetch, total)
        return _Plan(self._params(None, fetch, share), fetch, excluded, allowed.filter_mask)

    def _params(self, chosen: parts.Selector | None, fetch: int, share: float) -> Any:
        return parts.search_params(self.config, self._index, chosen, fetch, share)

    def _selector_for(self, rows: npt.NDArray[np.bool_]) -> parts.Selector:
        """A selector admitting the labels of the rows where ``rows`` ``[n]`` is True."""
        if self._next_label == len(self._table):  # nothing ever removed: labels are rows
            return parts.selector(rows)
        labels = np.zeros(self._next_label, dtype=np.bool_)
        labels[self._labels[rows]] = True
        return parts.selector(labels)

    # -- changing -----------------------------------------------------------------------------

    def add(
        self, ids: Sequence[str], vectors: npt.ArrayLike, metadata: MetadataLike | None = None
    ) -> None:
        with self._lock.write():
            checked, rows, table = self._table.prepare(ids, vectors, metadata)
            labels = np.arange(self._next_label, self._next_label + len(checked), dtype=np.int64)
            if self._index is not None:
                self._index.add_with_ids(rows, labels)  # first: a FAISS error changes nothing
            start = len(self._table)
            self._table.append(checked, rows, table)
            self._labels = np.concatenate([self._labels, labels])
            self._rows = np.concatenate([self._rows, np.arange(start, len(self._table))])
            self._next_label += len(checked)
            if self._since is not None:
                self._since.added.update(checked)
            if self._index is None and len(self._table) >= self.config.train_min():
                self._rebuild()

    def remove(self, ids: Iterable[str]) -> None:
        with self._lock.write():
            rows = self._table.locate(ids)
            if rows.size == 0:
                return
            labels = self._labels[rows]
            if self._index is not None:
                if self.kind == "hnsw":
                    self._tombstones += int(rows.size)
                else:
                    self._index.remove_ids(labels)
            if self._since is not None:
                self._since.removed.update(self._table.ids[row] for row in rows.tolist())
            moved_from, moved_to = self._table.delete(rows)
            self._rows[labels] = -1
            self._labels[moved_to] = self._labels[moved_from]
            self._labels = self._labels[: len(self._table)]
            self._rows[self._labels[moved_to]] = moved_to
            if self._since is not None:  # a compaction may have copied them mid-move
                self._since.added.update(self._table.ids[row] for row in moved_to.tolist())

    def compact(self) -> None:
        """Rebuild the FAISS index with labels equal to rows, dropping HNSW tombstones.

        Flat and IVF re-add their vectors (IVF keeps its trained quantizer); HNSW is rebuilt
        from scratch (seconds at 44k items), so it is done only when something was removed.
        Searches, adds and removes go on against the old index all along: the lock is held
        only to copy the ids, to read the items changed since, and, briefly, to install the
        new index. The vectors are copied and the index built outside it; the writes made
        meanwhile are then replayed into the new index in rounds outside the lock too, and
        only the last few under the write lock. Holding the write lock for the rebuild
        stalled every search for seconds; holding a lock for the 68 MB copy (a waiting
        writer queues the searches behind it) or for the replay of a rebuild's worth of
        HNSW inserts stalled them for 40-70 ms at 44k items.
        """
        with self._compacting:  # one compaction at a time; searches never wait on this
            with self._lock.read():
                if not self._needs_compaction():
                    return
                snapshot = list(self._table.ids)
                # A view: rows a removal overwrites meanwhile are logged (moved, removed), and
                # an append that grows the table leaves this buffer as it was.
                view = self._table.vectors
                template = self._index if self.kind == "ivf" else None
                clone = None if template is None else faiss.clone_index(template)
                self._since = _Changes()
            try:
                vectors = np.array(view)
                index = _at_low_priority(self._build, vectors, clone)
                rebuilt = _Rebuilt(index, {i: n for n, i in enumerate(snapshot)}, len(snapshot))
                del vectors, view
                for _ in range(_CATCH_UP_ROUNDS):
                    if self._catch_up(rebuilt, final=False) <= _CATCH_UP_FINAL:
                        break
            except BaseException:
                self._since = None
                raise
            with self._lock.write():
                self._catch_up(rebuilt, final=True)
                self._install(rebuilt)

    def _needs_compaction(self) -> bool:
        return self._next_label != len(self._table) or self._tombstones > 0

    def _build(self, vectors: Matrix, ivf: Any) -> Any:
        """A new FAISS index over ``vectors`` with labels 0..n-1 (no lock held)."""
        if self.kind == "ivf":
            index = ivf if ivf is not None else parts.train_ivf(self.config, vectors)
            index.reset()
        else:
            index = parts.new_index(self.config, self.dim)
        if len(vectors):
            index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
        return index

    def _catch_up(self, rebuilt: _Rebuilt, *, final: bool) -> int:
        """Replay the writes logged since the last round into ``rebuilt``; returns how many.

        Not ``final``: the log is read and restarted under the read lock, the inserts (the
        slow part) run outside any lock. ``final``: the caller holds the write lock, and the
        log ends."""
        if final:
            changes, self._since = self._since or _Changes(), None
            ids, rows = self._changed_rows(changes)
        else:
            with self._lock.read():
                changes, self._since = self._since or _Changes(), _Changes()
                ids, rows = self._changed_rows(changes)
        for item_id in changes.removed:
            rebuilt.drop(item_id)
        rebuilt.add(ids, rows)
        if rebuilt.stale and self.kind != "hnsw":
            rebuilt.index.remove_ids(np.array(rebuilt.stale, dtype=np.int64))
            rebuilt.stale.clear()
        return changes.count

    def _changed_rows(self, changes: _Changes) -> tuple[list[str], Matrix]:
        """The logged items still in the table and a copy of their vectors (lock held)."""
        ids = [i for i in changes.added if i in self._table.positions]
        return ids, self._table.vectors[self._table.rows_of(ids)].copy()

    def _install(self, rebuilt: _Rebuilt) -> None:
        """Make ``rebuilt`` (up to date with the table) the index (write lock held)."""
        current = self._table.ids
        labels = np.fromiter((rebuilt.labels[i] for i in current), np.int64, len(current))
        rows = np.full(rebuilt.next_label, -1, dtype=np.int64)
        rows[labels] = np.arange(len(current))
        self._index, self._labels, self._rows = rebuilt.index, labels, rows
        self._next_label = rebuilt.next_label
        self._tombstones = rebuilt.next_label - len(current) if self.kind == "hnsw" else 0

    def _rebuild(self) -> None:
        """Rebuild in place (the caller holds the write lock): for the first IVF training
        and for a loaded index without its FAISS file."""
        vectors, size = self._table.vectors, len(self._table)
        labels = np.arange(size, dtype=np.int64)
        if self.kind == "ivf":
            if self._index is None:
                self._index = parts.train_ivf(self.config, vectors)
            else:
                self._index.reset()
        else:
            self._index = parts.new_index(self.config, self.dim)
        if size:
            self._index.add_with_ids(vectors, labels)
        self._labels, self._rows = labels, labels.copy()
        self._next_label, self._tombstones = size, 0

    # -- persistence --------------------------------------------------------------------------

    def save(self, directory: Path) -> Path:
        """Compact, then write the index folder (see :mod:`tastemaker.index.store`).

        Searches never wait for the rebuild (see :meth:`compact`) nor for the files.
        """
        while True:
            self.compact()
            with self._lock.read():
                if self._needs_compaction():
                    continue  # a remove slipped in between: compact again
                return write_index(
                    directory,
                    config=self.config,
                    ids=self._table.ids,
                    vectors=self._table.vectors,
                    metadata=self._table.metadata,
                    write_faiss=self._write_faiss,
                )

    def _write_faiss(self, path: Path) -> dict[str, Any]:
        if self._index is None:
            return {"trained": False, "ntotal": 0}
        faiss.write_index(self._index, str(path))
        facts: dict[str, Any] = {"trained": True, "ntotal": int(self._index.ntotal)}
        if self.kind == "ivf":
            facts["nlist"] = int(self._index.nlist)
        return facts

    @classmethod
    def load(cls, directory: Path) -> Self:
        stored = read_index(directory, kinds=("flat", "hnsw", "ivf"))
        retriever = cls(int(stored.vectors.shape[1]), stored.config)
        table = retriever._table
        table.append(*table.prepare(stored.ids, stored.vectors, stored.metadata))
        size = len(table)
        retriever._labels = np.arange(size, dtype=np.int64)
        retriever._rows = retriever._labels.copy()
        retriever._next_label = size
        if "faiss" in stored.manifest["files"]:
            index = faiss.read_index(str(stored.faiss_path))
            where = str(stored.faiss_path)
            retriever._index = parts.check_loaded(stored.config, index, retriever.dim, size, where)
        elif stored.config.kind != "ivf" or size >= stored.config.train_min():
            retriever._rebuild()
        return retriever

"""The embedding cache: vectors in the store's ``embeddings`` table, keyed by what made them.

A row is keyed by ``(encoder_id, content_hash)``: the encoder id names the model and all that
changes its output, the content hash names the exact input (the item text's sha256). So an
unchanged item is never encoded twice, a changed one misses the cache by itself, and vectors of
two encoders never mix. Vectors are stored as little-endian float32 bytes (``dim * 4`` bytes,
a constraint the table checks).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

import numpy as np

from tastemaker.embed.protocol import Vectors
from tastemaker.errors import EncoderError, StoreError
from tastemaker.store.db import Store

__all__ = ["EmbeddingCache"]

_FLOAT32 = np.dtype("<f4")
#: Hashes per ``IN (...)`` query: under SQLite's oldest limit on bound variables (999).
_CHUNK = 900
#: From this many wanted hashes on, one scan of the encoder's rows beats indexed look-ups.
_SCAN_FROM = 2000


class EmbeddingCache:
    """Read and write cached vectors of one store; every vector is float32 ``[dim]``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get_many(self, encoder_id: str, hashes: Iterable[str]) -> dict[str, Vectors]:
        """The cached vectors among ``hashes`` for ``encoder_id``; misses are simply absent.

        Each value is a read-only float32 ``[dim]`` view on the stored bytes (no copy). Many
        hashes are served by one sequential scan of the encoder's rows (44k vectors in a few
        tenths of a second), a few by indexed ``IN (...)`` look-ups; random look-ups of many
        keys would be several times slower, the vectors being spread over the table's pages.
        """
        wanted = set(hashes)
        found: dict[str, Vectors] = {}
        try:
            if len(wanted) >= _SCAN_FROM:
                rows: Iterable[tuple[str, int, bytes]] = self._store.conn.execute(
                    "SELECT content_hash, dim, vector FROM embeddings WHERE encoder_id = ?",
                    (encoder_id,),
                )
                self._collect(encoder_id, rows, wanted, found)
            else:
                ordered = sorted(wanted)
                for start in range(0, len(ordered), _CHUNK):
                    chunk = ordered[start : start + _CHUNK]
                    rows = self._store.conn.execute(
                        "SELECT content_hash, dim, vector FROM embeddings WHERE encoder_id = ? "
                        f"AND content_hash IN ({', '.join('?' * len(chunk))})",
                        (encoder_id, *chunk),
                    )
                    self._collect(encoder_id, rows, wanted, found)
        except sqlite3.Error as exc:
            raise StoreError(f"{self._store.path}: cannot read embeddings: {exc}") from exc
        return found

    @staticmethod
    def _collect(
        encoder_id: str,
        rows: Iterable[tuple[str, int, bytes]],
        wanted: set[str],
        found: dict[str, Vectors],
    ) -> None:
        for content_hash, dim, blob in rows:
            if content_hash not in wanted:
                continue
            vector = np.frombuffer(blob, dtype=_FLOAT32)
            if vector.shape != (dim,):  # the table's CHECK makes this unreachable
                raise StoreError(f"embedding {encoder_id}/{content_hash} is corrupt")
            found[content_hash] = vector

    def put_many(self, encoder_id: str, vectors: Mapping[str, Vectors]) -> int:
        """Store ``{content_hash: float32 [dim]}`` for ``encoder_id`` in one transaction.

        All vectors must share one size; an existing row for the same key is replaced. Returns
        the number of rows written.
        """
        rows: list[tuple[str, str, int, bytes]] = []
        dim: int | None = None
        for content_hash, vector in vectors.items():
            array = np.asarray(vector)
            if array.ndim != 1 or array.size == 0:
                raise EncoderError(
                    f"{encoder_id}: vector for {content_hash} has shape {array.shape}, "
                    "expected one non-empty row"
                )
            if dim is None:
                dim = array.size
            elif array.size != dim:
                raise EncoderError(
                    f"{encoder_id}: vectors of sizes {dim} and {array.size} in one batch"
                )
            if not np.isfinite(array).all():
                raise EncoderError(f"{encoder_id}: vector for {content_hash} is not finite")
            rows.append((encoder_id, content_hash, dim, array.astype(_FLOAT32).tobytes()))
        if not rows:
            return 0
        try:
            with self._store.transaction() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO embeddings (encoder_id, content_hash, dim, vector) "
                    "VALUES (?, ?, ?, ?)",
                    rows,
                )
        except sqlite3.Error as exc:
            raise StoreError(f"{self._store.path}: cannot write embeddings: {exc}") from exc
        return len(rows)

    def count(self, encoder_id: str) -> int:
        """How many vectors are cached for ``encoder_id``."""
        row = self._store.conn.execute(
            "SELECT count(*) FROM embeddings WHERE encoder_id = ?", (encoder_id,)
        ).fetchone()
        return int(row[0])

    def prune(self, encoder_id: str, keep: Iterable[str]) -> int:
        """Delete ``encoder_id``'s vectors whose hash is not in ``keep``; returns how many.

        Edited items leave their old vectors behind; this reclaims them once no item uses them.
        """
        keep_set = set(keep)
        stale = [
            h
            for (h,) in self._store.conn.execute(
                "SELECT content_hash FROM embeddings WHERE encoder_id = ?", (encoder_id,)
            )
            if h not in keep_set
        ]
        with self._store.transaction() as conn:
            conn.executemany(
                "DELETE FROM embeddings WHERE encoder_id = ? AND content_hash = ?",
                [(encoder_id, h) for h in stale],
            )
        return len(stale)

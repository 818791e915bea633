"""The ``embed items`` stage: every item's text to a vector, cached, then exported to files.

The stage reads items from the store, encodes only texts the cache has not seen for this
encoder (new or edited items), and writes the export later stages read (see
:mod:`tastemaker.embed.export`). A re-run on an unchanged catalogue finds its export current
and stops there; with another export folder it rebuilds the export from the cache alone.

New vectors are committed to the cache after every batch, so an interrupted run resumes where
it stopped.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tastemaker.catalog.text import item_text, text_hash
from tastemaker.embed.cache import EmbeddingCache
from tastemaker.embed.export import (
    ExportPaths,
    content_digest,
    export_is_current,
    write_export,
)
from tastemaker.embed.protocol import TextEncoder, Vectors
from tastemaker.errors import EncoderError
from tastemaker.store.db import Store
from tastemaker.store.items import iter_items

__all__ = ["EmbedReport", "Progress", "embed_items", "encode_cached"]

#: Called with how many more items are done; over one run the calls add up to the item count.
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class EmbedReport:
    """What one ``embed items`` run did; ``encoded + cached == total`` (counted in items).

    ``texts_encoded`` counts encoder inputs: items sharing one text are encoded once.
    ``export_reused`` is True when the export on disk already matched and was left alone.
    """

    encoder_id: str
    dim: int
    total: int
    encoded: int
    cached: int
    texts_encoded: int
    seconds: float
    encode_seconds: float
    export_reused: bool
    paths: ExportPaths

    @property
    def texts_per_second(self) -> float:
        """Encoder throughput of this run (0 when nothing needed encoding)."""
        return self.texts_encoded / self.encode_seconds if self.encode_seconds > 0 else 0.0

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: for ``--json`` output and the run's stats in the store."""
        return {
            "encoder_id": self.encoder_id,
            "dim": self.dim,
            "total": self.total,
            "encoded": self.encoded,
            "cached": self.cached,
            "texts_encoded": self.texts_encoded,
            "seconds": round(self.seconds, 3),
            "encode_seconds": round(self.encode_seconds, 3),
            "texts_per_second": round(self.texts_per_second, 1),
            "export_reused": self.export_reused,
            "vectors": str(self.paths.vectors),
            "ids": str(self.paths.ids),
            "manifest": str(self.paths.manifest),
        }


@dataclass(frozen=True, slots=True)
class _Catalogue:
    """Every item's id and text hash in store order, and each distinct text once."""

    ids: list[str]
    hashes: list[str]
    texts: dict[str, str]  # text hash -> text
    items_per_hash: Counter[str]

    @classmethod
    def read(cls, store: Store) -> _Catalogue:
        ids: list[str] = []
        hashes: list[str] = []
        texts: dict[str, str] = {}
        for item in iter_items(store):
            text = item_text(item)
            digest = text_hash(text)
            ids.append(item.id)
            hashes.append(digest)
            texts.setdefault(digest, text)
        return cls(ids, hashes, texts, Counter(hashes))


def embed_items(
    store: Store,
    encoder: TextEncoder,
    *,
    out_dir: Path,
    batch_size: int = 128,
    progress: Progress | None = None,
) -> EmbedReport:
    """Embed every stored item's text with ``encoder``, reusing cached vectors; export them.

    The export (``vectors.npy``, ``ids.json``, ``manifest.json``) goes to ``out_dir``.

    ``batch_size`` texts go to the encoder per call and are committed to the cache together.
    ``progress`` is called with item counts: once for all items not needing the encoder, then
    after every batch.
    """
    if batch_size < 1:
        raise EncoderError(f"batch_size must be at least 1, got {batch_size}")
    started = time.perf_counter()
    catalogue = _Catalogue.read(store)
    digest = content_digest(catalogue.ids, catalogue.hashes)
    total = len(catalogue.ids)

    if export_is_current(out_dir, encoder_id=encoder.id, dim=encoder.dim, digest=digest):
        if progress is not None and total:
            progress(total)
        return EmbedReport(
            encoder_id=encoder.id,
            dim=encoder.dim,
            total=total,
            encoded=0,
            cached=total,
            texts_encoded=0,
            seconds=time.perf_counter() - started,
            encode_seconds=0.0,
            export_reused=True,
            paths=ExportPaths.of(out_dir),
        )

    cache = EmbeddingCache(store)
    vectors = cache.get_many(encoder.id, catalogue.texts)
    if any(v.shape != (encoder.dim,) for v in vectors.values()):
        raise EncoderError(
            f"cached vectors of {encoder.id} are not of size {encoder.dim}, the encoder's; "
            "two encoders share one id"
        )
    cached = sum(catalogue.items_per_hash[h] for h in vectors)
    if progress is not None and cached:
        progress(cached)

    # Longest first across the whole run, so each batch pads to similar lengths.
    missing = sorted(
        (h for h in catalogue.texts if h not in vectors), key=lambda h: -len(catalogue.texts[h])
    )
    encode_started = time.perf_counter()
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        encoded = encoder.encode_texts([catalogue.texts[h] for h in batch])
        fresh = dict(zip(batch, _checked(encoder, encoded, len(batch)), strict=True))
        cache.put_many(encoder.id, fresh)
        vectors.update(fresh)
        if progress is not None:
            progress(sum(catalogue.items_per_hash[h] for h in batch))
    encode_seconds = time.perf_counter() - encode_started

    matrix: Vectors = np.empty((total, encoder.dim), dtype=np.float32)  # [n_items, dim]
    if total:
        np.stack([vectors[h] for h in catalogue.hashes], out=matrix)
    paths = write_export(
        out_dir, encoder_id=encoder.id, ids=catalogue.ids, digest=digest, vectors=matrix
    )
    return EmbedReport(
        encoder_id=encoder.id,
        dim=encoder.dim,
        total=total,
        encoded=total - cached,
        cached=cached,
        texts_encoded=len(missing),
        seconds=time.perf_counter() - started,
        encode_seconds=encode_seconds,
        export_reused=False,
        paths=paths,
    )


def encode_cached(store: Store, encoder: TextEncoder, texts: Sequence[str]) -> Vectors:
    """``encoder`` over ``texts`` through the store's embedding cache: float32
    ``[len(texts), dim]``. Texts already embedded (by ``embed items``, or an earlier call) are
    read back; the others are encoded once and cached."""
    cache = EmbeddingCache(store)
    hashes = [text_hash(t) for t in texts]
    found = cache.get_many(encoder.id, hashes)
    missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in found}
    if missing:
        encoded = encoder.encode_texts(list(missing.values()))
        fresh = dict(zip(missing, _checked(encoder, encoded, len(missing)), strict=True))
        cache.put_many(encoder.id, fresh)
        found = {**found, **fresh}
    out: Vectors = np.empty((len(texts), encoder.dim), np.float32)
    for i, digest in enumerate(hashes):
        out[i] = found[digest]
    return out


def _checked(encoder: TextEncoder, vectors: Vectors, count: int) -> Vectors:
    """``vectors`` if it is what the protocol promises (float32 ``[count, dim]``, finite)."""
    if vectors.shape != (count, encoder.dim) or vectors.dtype != np.float32:
        raise EncoderError(
            f"{encoder.id} returned {vectors.dtype} {vectors.shape}, "
            f"expected float32 ({count}, {encoder.dim})"
        )
    if not np.isfinite(vectors).all():
        raise EncoderError(f"{encoder.id} returned vectors that are not finite")
    return vectors

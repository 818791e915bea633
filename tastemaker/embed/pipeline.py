"""The ``embed items`` stage: every item's text to a vector, cached, then exported to files.

The stage reads items from the store, encodes only texts the cache has not seen for this
encoder (new or edited items), and writes the export that later stages read:

- ``vectors.npy``: float32 ``[n, dim]``, unit rows, row ``i`` is item ``ids[i]``;
- ``ids.json``: the ``n`` item ids, in store order (by id);
- ``manifest.json``: encoder id, dim, count, a digest of (id, text hash) pairs, created_at.

New vectors are committed to the cache after every batch, so an interrupted run resumes where
it stopped. The export files are written to temporary names and renamed, manifest last, so a
reader never sees vectors and ids from two different runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from tastemaker.catalog.text import item_text, text_hash
from tastemaker.embed.cache import EmbeddingCache
from tastemaker.embed.protocol import TextEncoder, Vectors
from tastemaker.errors import EncoderError
from tastemaker.store.db import Store
from tastemaker.store.items import iter_items

__all__ = ["MANIFEST_VERSION", "EmbedReport", "embed_items", "read_export"]

MANIFEST_VERSION = 1

#: Called with how many more items are done; the calls add up to the number of items.
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class EmbedReport:
    """What one ``embed items`` run did. ``encoded + cached == total`` (counted in items)."""

    encoder_id: str
    dim: int
    total: int
    encoded: int
    cached: int
    texts_encoded: int
    seconds: float
    encode_seconds: float
    vectors_path: Path
    ids_path: Path
    manifest_path: Path

    @property
    def texts_per_second(self) -> float:
        """Encoder throughput of this run (0 when nothing needed encoding)."""
        return self.texts_encoded / self.encode_seconds if self.encode_seconds > 0 else 0.0


def embed_items(
    store: Store,
    encoder: TextEncoder,
    *,
    out_dir: Path,
    batch_size: int = 128,
    progress: Progress | None = None,
) -> EmbedReport:
    """Embed every stored item's text with ``encoder``, reusing cached vectors; export them.

    Items sharing one text (same name and fields) are encoded once. ``progress`` is called
    with item counts: once for the items served from the cache, then after every batch.
    """
    if batch_size < 1:
        raise EncoderError(f"batch_size must be at least 1, got {batch_size}")
    started = time.perf_counter()
    ids: list[str] = []
    hashes: list[str] = []
    texts: dict[str, str] = {}  # text hash -> text, one entry per distinct text
    for item in iter_items(store):
        text = item_text(item)
        digest = text_hash(text)
        ids.append(item.id)
        hashes.append(digest)
        texts.setdefault(digest, text)
    items_per_hash: dict[str, int] = {}
    for digest in hashes:
        items_per_hash[digest] = items_per_hash.get(digest, 0) + 1

    cache = EmbeddingCache(store)
    vectors = cache.get_many(encoder.id, texts)
    for vector in vectors.values():
        if vector.shape != (encoder.dim,):
            raise EncoderError(
                f"cached vectors of {encoder.id} have size {vector.shape[0]}, the encoder "
                f"gives {encoder.dim}; two encoders share one id"
            )
    cached_items = sum(items_per_hash[h] for h in vectors)
    if progress is not None and cached_items:
        progress(cached_items)

    # Longest first across the whole run, so each batch pads to similar lengths.
    missing = sorted((h for h in texts if h not in vectors), key=lambda h: -len(texts[h]))
    encode_started = time.perf_counter()
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        fresh = _checked(encoder, encoder.encode_texts([texts[h] for h in batch]), len(batch))
        new = dict(zip(batch, fresh, strict=True))
        cache.put_many(encoder.id, new)
        vectors.update(new)
        if progress is not None:
            progress(sum(items_per_hash[h] for h in batch))
    encode_seconds = time.perf_counter() - encode_started

    matrix = np.empty((len(ids), encoder.dim), dtype=np.float32)
    for row, digest in enumerate(hashes):
        matrix[row] = vectors[digest]
    paths = _write_export(out_dir, encoder, ids, hashes, matrix)
    return EmbedReport(
        encoder_id=encoder.id,
        dim=encoder.dim,
        total=len(ids),
        encoded=len(ids) - cached_items,
        cached=cached_items,
        texts_encoded=len(missing),
        seconds=time.perf_counter() - started,
        encode_seconds=encode_seconds,
        vectors_path=paths[0],
        ids_path=paths[1],
        manifest_path=paths[2],
    )


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


def _write_export(
    out_dir: Path, encoder: TextEncoder, ids: list[str], hashes: list[str], matrix: Vectors
) -> tuple[Path, Path, Path]:
    """Write vectors, ids and manifest under ``out_dir``, each atomically, manifest last."""
    out_dir.mkdir(parents=True, exist_ok=True)
    vectors_path = out_dir / "vectors.npy"
    ids_path = out_dir / "ids.json"
    manifest_path = out_dir / "manifest.json"
    digest = hashlib.sha256()
    for item_id, content_hash in zip(ids, hashes, strict=True):
        digest.update(f"{item_id}\t{content_hash}\n".encode())
    manifest: dict[str, Any] = {
        "version": MANIFEST_VERSION,
        "encoder_id": encoder.id,
        "dim": encoder.dim,
        "count": len(ids),
        "dtype": "float32",
        "normalized": True,
        "content_digest": digest.hexdigest(),
        "files": {"vectors": vectors_path.name, "ids": ids_path.name},
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with _replacing(vectors_path) as tmp, tmp.open("wb") as handle:
        np.save(handle, matrix, allow_pickle=False)
    with _replacing(ids_path) as tmp:
        tmp.write_text(json.dumps(ids), encoding="utf-8")
    with _replacing(manifest_path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return vectors_path, ids_path, manifest_path


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; renamed onto ``path`` only if the block succeeds."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def read_export(out_dir: Path) -> tuple[list[str], Vectors, dict[str, Any]]:
    """Read an export back: ``(ids, vectors float32 [n, dim], manifest)``, checked for agreement.

    For downstream stages and tests; a mismatch between the files raises
    :class:`~tastemaker.errors.EncoderError` naming the folder.
    """
    try:
        manifest: dict[str, Any] = json.loads((out_dir / "manifest.json").read_text("utf-8"))
        ids: list[str] = json.loads((out_dir / "ids.json").read_text("utf-8"))
        vectors = np.load(out_dir / "vectors.npy", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise EncoderError(f"{out_dir}: cannot read the embedding export: {exc}") from exc
    expected = (manifest.get("count"), manifest.get("dim"))
    if vectors.dtype != np.float32 or vectors.shape != expected or len(ids) != expected[0]:
        raise EncoderError(
            f"{out_dir}: export files disagree: vectors {vectors.dtype} {vectors.shape}, "
            f"{len(ids)} ids, manifest says {expected}"
        )
    return ids, vectors, manifest

"""The content runtime: recommendations from text embeddings alone, before any training.

Items are their text vectors (the ``embed`` export). A user is the normalised mean of the
liked items, minus half the mean of the disliked ones, plus the centroid of each chosen
category. Crude next to the two-tower model, but it serves from the first import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tastemaker.catalog.schema import Item
from tastemaker.index import Retriever, build_retriever, load_retriever
from tastemaker.service.runtime import Matrix, category_mask, unit
from tastemaker.store.users import UserProfile

if TYPE_CHECKING:
    from tastemaker.embed.protocol import TextEncoder
    from tastemaker.service.state import ServiceState

__all__ = ["HNSW_FROM", "ContentRuntime", "load_content_runtime"]

_DISLIKE_WEIGHT = 0.5

#: Above this many items a 384-d flat scan costs several ms per query on a small CPU, so the
#: content runtime uses HNSW (0.2–0.3 ms, recall@10 ≥ 0.99 measured by bench/bench_index.py).
HNSW_FROM = 5_000


@dataclass
class ContentRuntime:
    """Text-embedding recommendations (see the module docstring)."""

    version: str
    retriever: Retriever
    encoder: TextEncoder | None = None

    def encode_users(self, profiles: Sequence[UserProfile]) -> Matrix:
        rows = np.zeros((len(profiles), self.retriever.dim), dtype=np.float32)
        for row, profile in enumerate(profiles):
            liked = [i for i in profile.liked if i in self.retriever]
            disliked = [i for i in profile.disliked if i in self.retriever]
            if liked:
                rows[row] += self.retriever.vectors_of(liked).mean(axis=0)
            if disliked:
                rows[row] -= _DISLIKE_WEIGHT * self.retriever.vectors_of(disliked).mean(axis=0)
            for category in profile.categories:
                rows[row] += self._category_centroid(category)
        return unit(rows)

    def _category_centroid(self, category: str) -> Matrix:
        """Mean vector of the indexed items in ``category`` (zeros when none are)."""
        ids = self.retriever.ids
        rows = np.flatnonzero(category_mask(self.retriever.metadata, category))
        if len(rows) == 0:
            return np.zeros(self.retriever.dim, dtype=np.float32)
        centroid: Matrix = self.retriever.vectors_of([ids[r] for r in rows]).mean(axis=0)
        return centroid

    def encode_items(self, items: Sequence[Item]) -> Matrix:
        if self.encoder is None:
            from tastemaker.embed.process import ProcessTextEncoder

            # in a child process: the encoder's Python parts would hold the GIL the searches
            # need (tastemaker.embed.process)
            self.encoder = ProcessTextEncoder("minilm")
        from tastemaker.catalog.text import item_text

        return unit(self.encoder.encode_texts([item_text(i) for i in items]))

    def item_vectors(self, ids: Sequence[str]) -> Matrix:
        return self.retriever.vectors_of(ids)

    def close(self) -> None:
        close = getattr(self.encoder, "close", None)
        if close is not None:
            close()

    def similar_queries(self, ids: Sequence[str]) -> Matrix:
        return self.retriever.vectors_of(ids)


def load_content_runtime(state: ServiceState) -> ContentRuntime | None:
    """A content runtime over the newest text-embedding export (None without one).

    The index is saved beside the export and reused while the catalogue is unchanged.
    """
    from tastemaker.embed.export import read_export

    exports = sorted(
        (state.settings.data_dir / "embeddings").glob("*/manifest.json"),
        key=lambda p: p.stat().st_mtime,
    )
    if not exports:
        return None
    folder = exports[-1].parent
    export = read_export(folder)
    keep = [(n, item) for n, i in enumerate(export.ids) if (item := state.catalog.get(i))]
    ids = [item.id for _, item in keep]
    kind = "hnsw" if len(ids) >= HNSW_FROM else "flat"
    options = state.settings.index_options(f"content-{folder.name}")  # the engine: settings
    kind = "qdrant" if options else kind
    saved = folder / f"index-{kind}"
    retriever: Retriever | None = None
    if (saved / "manifest.json").is_file():
        loaded = load_retriever(saved, dim=int(export.manifest["dim"]), kind=kind, **options)
        if list(loaded.ids) == ids:  # the catalogue has not changed since it was built
            retriever = loaded
    if retriever is None:
        retriever = build_retriever(
            kind,
            ids,
            np.asarray(export.vectors)[[n for n, _ in keep]],
            [item for _, item in keep],
            **options,
        )
        retriever.save(saved)
    return ContentRuntime(version=f"content:{export.manifest['encoder_id']}", retriever=retriever)

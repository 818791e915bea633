"""The index configuration: which kind of index, and the knobs each kind has.

Frozen and strict like every run config: a misspelt key (``hnsw_ef_serach``) is an error, not a
silently ignored default. Saved in the index manifest so a loaded index searches as it did.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, ValidationError

from tastemaker.config import RunConfig
from tastemaker.errors import ConfigError
from tastemaker.validation import describe

__all__ = ["IndexConfig", "IndexKind", "make_config"]

IndexKind = Literal["exact", "flat", "hnsw", "ivf", "qdrant"]


class IndexConfig(RunConfig):
    """How to build and search an index.

    ``exact``: NumPy brute force (the reference). ``flat``: FAISS brute force, exact and faster.
    ``hnsw``: FAISS HNSW graph, approximate, fastest at large ``d``; cannot delete, so removed
    items are tombstoned until the next save. ``ivf``: FAISS inverted lists, approximate,
    trained once enough vectors are added (searched exactly until then). ``qdrant``: a Qdrant
    collection (embedded local mode, exact; or a server, HNSW unless ``qdrant_exact``).
    """

    kind: IndexKind = "flat"
    #: FAISS OpenMP threads, set process-wide when an index is built or loaded (None: leave as
    #: is). One query is scanned by one thread anyway; measured here on two shared cores, two
    #: threads made single queries 6x slower at p50 and batches no faster.
    threads: int | None = Field(default=1, ge=1)
    #: Queries with at most max(exact_below, exact_fraction * n) candidates are searched
    #: exactly over those candidates: no recall lost to a narrow filter, and cheaper than a
    #: filtered FAISS search. exact_fraction None: 0.5 for flat (scoring the filter's rows
    #: beats FAISS's full scan), 0.1 for hnsw and ivf.
    exact_below: int = Field(default=2048, ge=0)
    exact_fraction: float | None = Field(default=None, ge=0.0, le=1.0)
    #: Flat drops up to this many excluded items from an over-fetched answer and turns more
    #: into a FAISS ID selector (one per query batch); hnsw and ivf always over-fetch. Qdrant
    #: drops up to this many too and sends more as a ``must_not`` id condition.
    overfetch_max: int = Field(default=1024, ge=0)
    hnsw_m: int = Field(default=32, ge=4, le=256)
    hnsw_ef_construction: int = Field(default=200, ge=8)
    #: efSearch for unfiltered queries; a filter keeping a share p of the items raises it to
    #: ef / p (at most ``hnsw_ef_max``) so the graph walk still meets enough allowed items.
    hnsw_ef_search: int = Field(default=128, ge=1)
    hnsw_ef_max: int = Field(default=2048, ge=1)
    #: Inverted lists; None picks round(sqrt(n)) at training time.
    ivf_nlist: int | None = Field(default=None, ge=1)
    #: Lists probed per query; raised like efSearch (at most all lists) for filtered queries.
    ivf_nprobe: int = Field(default=16, ge=1)
    #: Train once this many vectors are in the index; None: 39 per list (FAISS's own minimum),
    #: and at least 1000.
    ivf_train_min: int | None = Field(default=None, ge=1)

    #: Where the Qdrant collection lives: ":memory:" (embedded, this process only), a folder
    #: (embedded local mode, persisted; one process at a time) or an http(s) server URL. The
    #: service sets it from its settings; an API key is never stored here.
    qdrant_location: str = ":memory:"
    qdrant_collection: str = Field(default="tastemaker-items", min_length=1, max_length=255)
    #: Server only (the embedded mode always scans exactly): a full scan instead of HNSW.
    qdrant_exact: bool = False
    #: Server only: HNSW ef at search time and the graph's m at build time.
    qdrant_hnsw_ef: int = Field(default=128, ge=1)
    qdrant_hnsw_m: int = Field(default=16, ge=4, le=256)
    #: Points per upsert request, and the seconds a server request may take.
    qdrant_batch: int = Field(default=512, ge=1)
    qdrant_timeout_s: float = Field(default=10.0, gt=0)

    def exact_limit(self, size: int) -> int:
        """Candidate count at or below which a filtered query is searched exactly."""
        fraction = self.exact_fraction
        if fraction is None:
            fraction = 0.5 if self.kind in ("exact", "flat") else 0.1
        return max(self.exact_below, math.ceil(fraction * size))

    def nlist_for(self, size: int) -> int:
        """Inverted lists for an index trained on ``size`` vectors."""
        return self.ivf_nlist or max(1, round(math.sqrt(size)))

    def train_min(self) -> int:
        """Vectors needed before an IVF index is trained."""
        if self.ivf_train_min is not None:
            return self.ivf_train_min
        return max(1000, 39 * self.ivf_nlist) if self.ivf_nlist else 1000


def make_config(**settings: Any) -> IndexConfig:
    """``IndexConfig(**settings)``, with a ConfigError naming each bad or unknown key."""
    try:
        return IndexConfig(**settings)
    except ValidationError as exc:
        raise ConfigError(f"index config: {describe(exc)}") from exc

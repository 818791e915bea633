"""Building and loading retrievers by kind: the one place that maps a config to a class.

``qdrant`` is imported only when asked for, so a FAISS-only service never loads its client.
An API key for a Qdrant server is passed as ``api_key``, never stored in the saved config."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tastemaker.errors import ConfigError, DataError
from tastemaker.index.config import IndexConfig, make_config
from tastemaker.index.exact import ExactRetriever
from tastemaker.index.faiss_index import FaissRetriever
from tastemaker.index.protocol import MetadataLike, Retriever
from tastemaker.index.store import read_manifest

__all__ = ["build_retriever", "load_retriever", "new_retriever"]


def new_retriever(dim: int, config: IndexConfig, *, api_key: str | None = None) -> Retriever:
    """An empty retriever of ``config.kind`` for ``dim``-dimensional vectors."""
    if config.kind == "exact":
        return ExactRetriever(dim, config)
    if config.kind == "qdrant":
        from tastemaker.index.qdrant_index import QdrantRetriever

        return QdrantRetriever(dim, config, api_key=api_key)
    if api_key is not None:
        raise ConfigError(f"api_key is for a qdrant index, not {config.kind!r}")
    return FaissRetriever(dim, config)


def build_retriever(
    kind: str,
    ids: Sequence[str],
    vectors: npt.ArrayLike,
    metadata: MetadataLike | None = None,
    *,
    api_key: str | None = None,
    **config: Any,
) -> Retriever:
    """A retriever of ``kind`` ("exact", "flat", "hnsw", "ivf", "qdrant") holding ``ids``.

    ``vectors``: ``[len(ids), d]`` (float32 unit rows; others are normalised, NaN refused).
    ``metadata``: row ``i`` describes ``ids[i]`` (items, columns or an ItemMetadata).
    ``config``: further :class:`IndexConfig` fields (``hnsw_m=16``...); unknown keys are a
    ConfigError.
    """
    settings = make_config(kind=kind, **config)
    shape = np.shape(vectors)
    if len(shape) != 2:
        raise DataError(f"vectors: expected a 2-d array [n, d], got shape {shape}")
    retriever = new_retriever(int(shape[1]), settings, api_key=api_key)
    retriever.add(ids, vectors, metadata)
    return retriever


def load_retriever(
    directory: Path,
    *,
    dim: int | None = None,
    kind: str | None = None,
    api_key: str | None = None,
    **qdrant: Any,
) -> Retriever:
    """The retriever saved in ``directory``, of whatever kind its manifest names.

    ``dim`` (the model's) and ``kind`` (the configured one), when given, must match the saved
    index: a mismatch is an error rather than a service answering with the wrong vectors.
    ``qdrant``: ``qdrant_*`` settings replacing the saved ones (this deployment's server URL
    and collection), with ``api_key``; only for a qdrant index.
    """
    manifest = read_manifest(directory)
    if kind is not None and manifest["kind"] != kind:
        raise ConfigError(f"{directory}: holds a {manifest['kind']!r} index, not {kind!r}")
    if dim is not None and manifest["dim"] != dim:
        raise DataError(
            f"{directory}: index vectors have dimension {manifest['dim']}, the model's {dim}"
        )
    unknown = sorted(k for k in qdrant if not k.startswith("qdrant_"))
    if unknown:
        raise ConfigError(f"load_retriever: unknown option(s) {', '.join(unknown)}")
    if manifest["kind"] == "qdrant":
        from tastemaker.index.qdrant_index import QdrantRetriever

        return QdrantRetriever.load(directory, api_key=api_key, **qdrant)
    if qdrant or api_key is not None:
        raise ConfigError(f"{directory}: qdrant settings given for a {manifest['kind']!r} index")
    if manifest["kind"] == "exact":
        return ExactRetriever.load(directory)
    return FaissRetriever.load(directory)

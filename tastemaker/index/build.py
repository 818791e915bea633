"""Building and loading retrievers by kind: the one place that maps a config to a class."""

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


def new_retriever(dim: int, config: IndexConfig) -> Retriever:
    """An empty retriever of ``config.kind`` for ``dim``-dimensional vectors."""
    if config.kind == "exact":
        return ExactRetriever(dim, config)
    return FaissRetriever(dim, config)


def build_retriever(
    kind: str,
    ids: Sequence[str],
    vectors: npt.ArrayLike,
    metadata: MetadataLike | None = None,
    **config: Any,
) -> Retriever:
    """A retriever of ``kind`` ("exact", "flat", "hnsw", "ivf") holding ``ids``.

    ``vectors``: ``[len(ids), d]`` (float32 unit rows; others are normalised, NaN refused).
    ``metadata``: row ``i`` describes ``ids[i]`` (items, columns or an ItemMetadata).
    ``config``: further :class:`IndexConfig` fields (``hnsw_m=16``...); unknown keys are a
    ConfigError.
    """
    settings = make_config(kind=kind, **config)
    shape = np.shape(vectors)
    if len(shape) != 2:
        raise DataError(f"vectors: expected a 2-d array [n, d], got shape {shape}")
    retriever = new_retriever(int(shape[1]), settings)
    retriever.add(ids, vectors, metadata)
    return retriever


def load_retriever(
    directory: Path, *, dim: int | None = None, kind: str | None = None
) -> Retriever:
    """The retriever saved in ``directory``, of whatever kind its manifest names.

    ``dim`` (the model's) and ``kind`` (the configured one), when given, must match the saved
    index: a mismatch is an error rather than a service answering with the wrong vectors.
    """
    manifest = read_manifest(directory)
    if kind is not None and manifest["kind"] != kind:
        raise ConfigError(f"{directory}: holds a {manifest['kind']!r} index, not {kind!r}")
    if dim is not None and manifest["dim"] != dim:
        raise DataError(
            f"{directory}: index vectors have dimension {manifest['dim']}, the model's {dim}"
        )
    if manifest["kind"] == "exact":
        return ExactRetriever.load(directory)
    return FaissRetriever.load(directory)

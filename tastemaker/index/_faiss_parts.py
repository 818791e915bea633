"""FAISS building blocks: the index of each kind, ID selectors and per-query search parameters.

FAISS labels here are int64 ids the retriever hands out (equal to row positions until an item
is removed); selectors are bitmaps over that label space, one bit per label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from tastemaker.errors import DataError
from tastemaker.index._vectors import Matrix
from tastemaker.index.config import IndexConfig

__all__ = [
    "Selector",
    "check_loaded",
    "new_index",
    "search_params",
    "selector",
    "train_ivf",
]

_TRAIN_SAMPLE_PER_LIST = 256  # k-means gains nothing from more points per centroid
_SEED = 1234


@dataclass(frozen=True, slots=True)
class Selector:
    """A FAISS ``IDSelectorBitmap`` and the bits it points into (kept alive with it)."""

    faiss_selector: Any
    bits: npt.NDArray[np.uint8]


def selector(allowed_labels: npt.NDArray[np.bool_]) -> Selector:
    """A selector admitting label ``i`` iff ``allowed_labels[i]`` (``[labels]`` bool)."""
    bits = np.packbits(allowed_labels, bitorder="little")
    return Selector(faiss.IDSelectorBitmap(bits.size, faiss.swig_ptr(bits)), bits)


def new_index(config: IndexConfig, dim: int) -> Any:
    """An empty, ready-to-add FAISS index of ``config.kind`` (flat or hnsw) over inner product."""
    if config.kind == "flat":
        return faiss.IndexIDMap(faiss.IndexFlatIP(dim))
    if config.kind == "hnsw":
        graph = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = config.hnsw_ef_construction
        return faiss.IndexIDMap(graph)
    raise ValueError(f"new_index: {config.kind!r} is built by train_ivf or not by FAISS")


def train_ivf(config: IndexConfig, vectors: Matrix) -> Any:
    """An empty IVF-Flat index whose coarse quantizer is trained on (a sample of) ``vectors``.

    ``vectors``: float32 ``[n, d]`` unit rows. At most 256 points per list are used: k-means
    gains nothing from more, and training time grows with them.
    """
    size, dim = vectors.shape
    nlist = min(config.nlist_for(size), size)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = vectors
    if size > nlist * _TRAIN_SAMPLE_PER_LIST:
        rng = np.random.default_rng(_SEED)
        picked = np.sort(rng.choice(size, nlist * _TRAIN_SAMPLE_PER_LIST, replace=False))
        sample = np.ascontiguousarray(vectors[picked])
    index.cp.seed = _SEED
    index.train(sample)
    return index


def search_params(
    config: IndexConfig, index: Any, chosen: Selector | None, fetch: int, share: float
) -> Any:
    """Fresh search parameters (FAISS's ID map rewrites them during a search: never share).

    ``share``: the fraction of indexed vectors a query may return. IVF probes 1 / share times
    more lists either way (the allowed items are spread over more of them); HNSW raises
    efSearch to ``fetch``, or, walking with a selector, to ef / share so the walk still meets
    enough admitted nodes (at most ``hnsw_ef_max``).
    """
    share = min(1.0, max(share, 1e-6))
    if config.kind == "hnsw":
        params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # not in the stubs
        ef = config.hnsw_ef_search
        if chosen is not None:
            ef = min(math.ceil(ef / share), config.hnsw_ef_max)
        params.efSearch = max(fetch, ef)
    elif config.kind == "ivf":
        params = faiss.SearchParametersIVF()
        params.nprobe = min(index.nlist, math.ceil(config.ivf_nprobe / share))
    else:
        params = faiss.SearchParameters()
    if chosen is not None:
        params.sel = chosen.faiss_selector
    return params


def check_loaded(config: IndexConfig, index: Any, dim: int, count: int, where: str) -> Any:
    """``index`` read from ``where``, checked to be of ``config.kind`` with ``count`` rows."""
    if config.kind == "ivf":
        ok = isinstance(index, faiss.IndexIVFFlat)
    else:
        inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else None
        wanted = faiss.IndexFlatIP if config.kind == "flat" else faiss.IndexHNSWFlat
        ok = isinstance(inner, wanted)
    if not ok:
        raise DataError(f"{where}: holds a {type(index).__name__}, not a {config.kind} index")
    if index.d != dim or index.ntotal != count:
        raise DataError(
            f"{where}: {index.ntotal} vectors of dimension {index.d}, expected {count} of {dim}"
        )
    if index.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise DataError(f"{where}: index metric is not inner product")
    if isinstance(index, faiss.IndexIDMap):
        labels = faiss.vector_to_array(index.id_map)
        if not np.array_equal(labels, np.arange(count)):
            raise DataError(f"{where}: labels are not the row positions 0..{count - 1}")
    return index

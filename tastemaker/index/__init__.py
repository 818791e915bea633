"""Retrieval: nearest-neighbour search over item vectors, with filters, kept beside the model.

One :class:`Retriever` protocol; :class:`ExactRetriever` (NumPy brute force, the reference)
and :class:`FaissRetriever` (flat, HNSW or IVF) implement it, and so does
:class:`tastemaker.index.qdrant_index.QdrantRetriever` (kind ``qdrant``: a Qdrant collection,
embedded or on a server; imported only when asked for, as its client takes ~2 s). Build one with
:func:`build_retriever`, save it in ``index_dir(model_dir)``, read it back with
:func:`load_retriever`.
"""

from tastemaker.index.build import build_retriever, load_retriever, new_retriever
from tastemaker.index.config import IndexConfig, IndexKind, make_config
from tastemaker.index.exact import ExactRetriever
from tastemaker.index.faiss_index import FaissRetriever
from tastemaker.index.filters import FILTER_FIELDS, FilterValues, ItemFilter, ItemMetadata
from tastemaker.index.protocol import Hit, MetadataLike, Retriever
from tastemaker.index.store import ids_digest, index_dir, read_manifest
from tastemaker.index.threads import set_search_threads

__all__ = [
    "FILTER_FIELDS",
    "ExactRetriever",
    "FaissRetriever",
    "FilterValues",
    "Hit",
    "IndexConfig",
    "IndexKind",
    "ItemFilter",
    "ItemMetadata",
    "MetadataLike",
    "Retriever",
    "build_retriever",
    "ids_digest",
    "index_dir",
    "load_retriever",
    "make_config",
    "new_retriever",
    "read_manifest",
    "set_search_threads",
]

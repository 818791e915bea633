"""build_retriever: one entry point by kind, strict configuration."""

from __future__ import annotations

import numpy as np
import pytest

from tastemaker.errors import ConfigError, DataError
from tastemaker.index import (
    ExactRetriever,
    FaissRetriever,
    IndexConfig,
    Retriever,
    build_retriever,
    make_config,
    new_retriever,
)


@pytest.mark.parametrize(
    ("kind", "cls", "exact"),
    [
        ("exact", ExactRetriever, True),
        ("flat", FaissRetriever, True),
        ("hnsw", FaissRetriever, False),
        ("ivf", FaissRetriever, False),
    ],
)
def test_each_kind_builds_its_class(kind: str, cls: type, exact: bool) -> None:
    index = build_retriever(kind, ["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    assert isinstance(index, cls)
    assert isinstance(index, Retriever)
    assert (index.kind, index.is_exact, index.dim, len(index)) == (kind, exact, 2, 2)
    assert index.search([[0.0, 1.0]], 1)[0][0].item_id == "b"


def test_unknown_kind_or_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="kind"):
        build_retriever("annoy", ["a"], [[1.0]])
    with pytest.raises(ConfigError, match="hnsw_ef_serach"):
        build_retriever("hnsw", ["a"], [[1.0]], hnsw_ef_serach=10)
    with pytest.raises(ConfigError, match="hnsw_m"):
        make_config(kind="hnsw", hnsw_m=1)


def test_config_is_frozen_and_knows_its_thresholds() -> None:
    config = IndexConfig()
    assert config.kind == "flat"
    with pytest.raises(ValueError, match="frozen"):
        config.kind = "hnsw"  # type: ignore[misc]
    assert config.exact_limit(44_000) == 22_000
    assert IndexConfig(kind="hnsw").exact_limit(44_000) == 4_400
    assert IndexConfig(kind="hnsw", exact_fraction=0.0).exact_limit(1_000) == 2_048
    assert IndexConfig(kind="ivf").nlist_for(44_000) == 210
    assert IndexConfig(kind="ivf", ivf_nlist=100).train_min() == 3_900


def test_vectors_must_be_a_matrix() -> None:
    with pytest.raises(DataError, match="2-d"):
        build_retriever("flat", ["a"], [1.0, 0.0])


def test_new_retriever_is_empty() -> None:
    index = new_retriever(8, IndexConfig(kind="hnsw"))
    assert len(index) == 0
    assert index.search(np.ones((1, 8)), 4) == [[]]

"""Saving and loading: identical answers after a round trip; clear errors for bad folders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tastemaker.errors import ConfigError, DataError
from tastemaker.index import (
    ExactRetriever,
    FaissRetriever,
    IndexConfig,
    ItemFilter,
    Retriever,
    build_retriever,
    ids_digest,
    index_dir,
    load_retriever,
    read_manifest,
)
from tests.index.helpers import random_catalogue

KINDS = ["exact", "flat", "hnsw", "ivf"]
FAISS_ALWAYS: dict[str, Any] = {"exact_below": 0, "exact_fraction": 0.0}


def _answers(index: Retriever) -> list[object]:
    rng = np.random.default_rng(21)
    queries = rng.standard_normal((25, index.dim)).astype(np.float32)
    return [
        index.search(queries, k, filter=f, exclude=index.ids[:40])
        for k in (1, 10, 3000)
        for f in (None, ItemFilter(gender="women"), ItemFilter(usage="formal", season="winter"))
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_gives_identical_results(tmp_path: Path, kind: str) -> None:
    catalogue = random_catalogue(2500, 16, seed=20)
    index = build_retriever(
        kind, catalogue.ids, catalogue.vectors, catalogue.columns, hnsw_ef_search=64, **FAISS_ALWAYS
    )
    index.remove(catalogue.ids[::7])  # tombstones (HNSW) and label holes (flat, IVF)
    saved = index.save(index_dir(tmp_path / "model-v3"))
    assert saved == tmp_path / "model-v3" / "index"
    loaded = load_retriever(saved, dim=16, kind=kind)
    assert type(loaded) is type(index)
    assert (loaded.kind, loaded.dim, loaded.ids) == (kind, 16, index.ids)
    assert loaded.metadata == index.metadata
    assert loaded.config == index.config  # type: ignore[attr-defined]
    assert np.array_equal(loaded.vectors_of(loaded.ids[:50]), index.vectors_of(index.ids[:50]))
    assert _answers(loaded) == _answers(index)
    manifest = read_manifest(saved)
    assert manifest["count"] == len(index) == 2500 - len(catalogue.ids[::7])
    assert manifest["ids_sha256"] == ids_digest(index.ids)
    assert manifest["config"]["hnsw_ef_search"] == 64
    # The loaded index keeps working incrementally.
    loaded.add(["new"], np.ones((1, 16)), {"gender": ["Women"]})
    [hits] = loaded.search(np.ones((1, 16)), 1, filter=ItemFilter(gender="women"))
    assert hits[0].item_id == "new"


def test_untrained_ivf_and_empty_indexes_round_trip(tmp_path: Path) -> None:
    ivf = FaissRetriever(4, IndexConfig(kind="ivf"))
    ivf.add(["a", "b"], [[1.0, 0, 0, 0], [0, 1.0, 0, 0]])
    loaded = load_retriever(ivf.save(tmp_path / "ivf"))
    assert isinstance(loaded, FaissRetriever)
    assert not loaded.trained
    assert loaded.search([[1.0, 0, 0, 0]], 1) == ivf.search([[1.0, 0, 0, 0]], 1)
    for kind in ("exact", "flat", "hnsw"):
        empty = build_retriever(kind, [], np.empty((0, 4), dtype=np.float32))
        again = load_retriever(empty.save(tmp_path / kind))
        assert len(again) == 0
        assert again.search([[1.0, 0, 0, 0]], 3) == [[]]


def test_save_replaces_the_previous_index(tmp_path: Path) -> None:
    target = tmp_path / "index"
    build_retriever("flat", ["a"], [[1.0, 0.0]]).save(target)
    build_retriever("flat", ["b", "c"], [[1.0, 0.0], [0.0, 1.0]]).save(target)
    assert load_retriever(target).ids == ("b", "c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]  # no staging left behind


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    index = build_retriever("hnsw", ["a", "b", "c"], np.eye(3, dtype=np.float32))
    return index.save(tmp_path / "index")


def test_missing_folder_or_file_is_named(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"manifest\.json missing"):
        load_retriever(tmp_path / "nowhere")
    (saved / "faiss.index").unlink()
    with pytest.raises(DataError, match=r"index files missing: faiss\.index"):
        load_retriever(saved)


def test_kind_and_dim_mismatches_are_refused(saved: Path) -> None:
    with pytest.raises(ConfigError, match="holds a 'hnsw' index, not 'flat'"):
        load_retriever(saved, kind="flat")
    with pytest.raises(DataError, match="dimension 3, the model's 64"):
        load_retriever(saved, dim=64)
    with pytest.raises(ConfigError, match="holds a 'hnsw' index, expected 'exact'"):
        ExactRetriever.load(saved)


def _edit_manifest(folder: Path, **changes: object) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count": 4}, r"manifest says float32 \(4, 3\)"),
        ({"ids_sha256": "0" * 64}, "ids do not match"),
        ({"version": 99}, "format version 99"),
        ({"format": "other"}, "not a tastemaker index manifest"),
        ({"config": {"kind": "hnsw", "hnsw_mm": 3}}, "bad index config"),
    ],
)
def test_inconsistent_folders_are_refused(
    saved: Path, changes: dict[str, object], message: str
) -> None:
    _edit_manifest(saved, **changes)
    with pytest.raises((DataError, ConfigError), match=message):
        load_retriever(saved)


def test_a_foreign_faiss_file_is_refused(saved: Path) -> None:
    build_retriever("flat", ["a", "b", "c"], np.eye(3, dtype=np.float32)).save(saved.parent / "f")
    (saved / "faiss.index").write_bytes((saved.parent / "f" / "faiss.index").read_bytes())
    with pytest.raises(DataError, match="not a hnsw index"):
        load_retriever(saved)

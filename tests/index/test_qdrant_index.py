"""The Qdrant retriever (real qdrant-client, embedded local mode) against exact search: the
same answers with filters, exclusions, ties and any k; add and remove; save and load; clear
errors for an unreachable server and a failed upload."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException

from tastemaker.errors import ConfigError, DataError, IndexServerError, NotFoundError
from tastemaker.index import (
    IndexConfig,
    ItemFilter,
    Retriever,
    build_retriever,
    load_retriever,
)
from tastemaker.index.qdrant_index import QdrantRetriever
from tests.index.helpers import (
    Catalogue,
    assert_same_hits,
    brute_force,
    random_catalogue,
    random_filter,
)
from tests.index.test_faiss_index import Case, cases


def _points(index: QdrantRetriever) -> int:
    return index.client.count(index.collection, exact=True).count


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), overfetch_max=st.sampled_from([0, 1024]))
def test_agrees_with_exact_search(case: Case, overfetch_max: int) -> None:
    """Exclusions both ways: dropped from an over-fetched answer, or sent as a must_not."""
    catalogue, query, k, item_filter, exclude = case
    index = build_retriever(
        "qdrant", catalogue.ids, catalogue.vectors, catalogue.columns, overfetch_max=overfetch_max
    )
    exact = build_retriever("exact", catalogue.ids, catalogue.vectors, catalogue.columns)
    [got] = index.search(query[None], k, filter=item_filter, exclude=exclude)
    [reference] = exact.search(query[None], k, filter=item_filter, exclude=exclude)
    want, allowed = brute_force(catalogue, query, k, item_filter, exclude)
    assert_same_hits(got, want, allowed)
    # Ids may differ from the exact retriever's only among scores tied within rounding (its
    # float32 BLAS and Qdrant's scan round differently, so an exact tie can be 1 ulp apart).
    assert_same_hits(got, reference, {h.item_id: h.score for h in reference} | allowed)
    assert len(got) == min(k, len(allowed))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return random_catalogue(3000, 32, seed=7)


def test_larger_catalogue_with_filters_exclusions_and_any_k(catalogue: Catalogue) -> None:
    index = build_retriever("qdrant", catalogue.ids, catalogue.vectors, catalogue.columns)
    assert isinstance(index, Retriever)
    assert (index.kind, index.is_exact, index.dim, len(index)) == ("qdrant", True, 32, 3000)
    rng = np.random.default_rng(9)
    queries = rng.standard_normal((4, 32)).astype(np.float32)
    for fields in (0, 1, 2):
        item_filter = random_filter(rng, catalogue, fields) if fields else None
        exclude = set(rng.choice(catalogue.ids, 30, replace=False))
        for k in (1, 10, 500):
            got = index.search(queries, k, filter=item_filter, exclude=exclude)
            for query, hits in zip(queries, got, strict=True):
                assert_same_hits(hits, *brute_force(catalogue, query, k, item_filter, exclude))


def test_equal_scores_are_ordered_by_id_however_many_tie() -> None:
    """40 identical vectors: Qdrant's own order among them is not by id; the answer is."""
    ids = [f"item-{i:02d}" for i in np.random.default_rng(1).permutation(40)]
    vectors = np.tile(np.array([[1.0, 0.0, 0.0]], dtype=np.float32), (40, 1))
    vectors[::7] = [0.0, 1.0, 0.0]  # a few others, scoring lower
    index = build_retriever("qdrant", ids, vectors)
    tied = sorted(i for row, i in enumerate(ids) if row % 7)
    for k in (1, 5, 20, len(tied)):
        [hits] = index.search([[1.0, 0.0, 0.0]], k)
        assert [h.item_id for h in hits] == tied[:k]
    [hits] = index.search([[1.0, 0.0, 0.0]], 3, exclude=tied[:2])
    assert [h.item_id for h in hits] == tied[2:5]


def test_filters_are_case_insensitive_and_may_keep_nothing() -> None:
    catalogue = random_catalogue(300, 8, seed=11)
    catalogue.columns["usage"] = ["Party", " travel ", "TRAVEL"] + ["Casual"] * 297
    index = build_retriever("qdrant", catalogue.ids, catalogue.vectors, catalogue.columns)
    query = np.ones((2, 8), dtype=np.float32)
    assert index.search(query, 10, filter=ItemFilter(usage="Home")) == [[], []]
    party = index.search(query, 10, filter=ItemFilter(usage="PARTY"))
    assert [[h.item_id for h in hits] for hits in party] == [[catalogue.ids[0]]] * 2
    travel = index.search(query, 10, filter=ItemFilter(usage="Travel"), exclude=[catalogue.ids[1]])
    assert [[h.item_id for h in hits] for hits in travel] == [[catalogue.ids[2]]] * 2
    # An item with a field missing never matches a constraint on it.
    catalogue.columns["gender"][3] = None
    index = build_retriever("qdrant", catalogue.ids, catalogue.vectors, catalogue.columns)
    genders = ItemFilter(gender=["men", "women", "unisex", "boys", "girls"])
    found = {h.item_id for h in index.search(query[:1], 300, filter=genders)[0]}
    assert catalogue.ids[3] not in found
    assert len(found) == sum(g is not None for g in catalogue.columns["gender"])


def test_add_and_remove_then_search(catalogue: Catalogue) -> None:
    first, rest = catalogue.subset(range(2000)), catalogue.subset(range(2000, 3000))
    index = QdrantRetriever(32, IndexConfig(kind="qdrant", qdrant_batch=300))
    index.add(first.ids, first.vectors, first.columns)
    index.add(rest.ids, rest.vectors, rest.columns)
    gone = catalogue.ids[::4]
    index.remove(gone)
    kept = catalogue.subset([r for r in range(3000) if r % 4])
    assert sorted(index.ids) == sorted(kept.ids)  # the last rows fill the holes
    assert _points(index) == len(kept.ids)
    rng = np.random.default_rng(13)
    queries = rng.standard_normal((5, 32)).astype(np.float32)
    for item_filter in (None, ItemFilter(gender="women"), random_filter(rng, kept, 2)):
        got = index.search(queries, 10, filter=item_filter)
        for query, hits in zip(queries, got, strict=True):
            assert_same_hits(hits, *brute_force(kept, query, 10, item_filter))
    # Removed ids can be added again (same point ids) and are found with their new metadata.
    index.add(gone[:5], catalogue.vectors[:20:4], {"gender": ["Girls"] * 5})
    found = index.search(catalogue.vectors[:20:4], 1, filter=ItemFilter(gender="girls"))
    assert [hits[0].item_id for hits in found] == gone[:5]


def test_bad_changes_are_refused_and_change_nothing(catalogue: Catalogue) -> None:
    head = catalogue.subset(range(50))
    index = build_retriever("qdrant", head.ids, head.vectors, head.columns)
    with pytest.raises(DataError, match="already in the index"):
        index.add([head.ids[0], "new"], head.vectors[:2])
    bad = head.vectors[:2].copy()
    bad[1, 3] = np.nan
    with pytest.raises(DataError, match="NaN"):
        index.add(["new-1", "new-2"], bad)
    with pytest.raises(NotFoundError, match="nope"):
        index.remove([head.ids[0], "nope"])
    assert len(index) == 50
    assert isinstance(index, QdrantRetriever)
    assert _points(index) == 50
    with pytest.raises(DataError, match="dimension"):
        index.search(np.ones((1, 31)), 3)


class UploadFailsAfterFirstBatch(QdrantClient):
    """Injects what a real server does mid-upload when it goes away: the second upsert fails
    (the embedded mode never fails an upsert by itself)."""

    upserts = 0

    def upsert(self, *args: Any, **kwargs: Any) -> Any:
        self.upserts += 1
        if self.upserts == 2:
            raise ResponseHandlingException(ConnectionError("server went away"))
        return super().upsert(*args, **kwargs)


def test_a_failed_upload_adds_nothing(catalogue: Catalogue) -> None:
    client = UploadFailsAfterFirstBatch(location=":memory:")
    index = QdrantRetriever(32, IndexConfig(kind="qdrant", qdrant_batch=100), client=client)
    with pytest.raises(IndexServerError, match="server went away"):
        index.add(catalogue.ids[:250], catalogue.vectors[:250])
    assert len(index) == 0
    assert _points(index) == 0  # the first batch, uploaded, was deleted again
    index.add(catalogue.ids[:250], catalogue.vectors[:250])  # the third upsert onwards work
    assert len(index) == _points(index) == 250


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_server_is_a_clear_error_before_any_work() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    started = time.perf_counter()
    with pytest.raises(IndexServerError, match=f"Qdrant at {url} does not answer"):
        build_retriever("qdrant", ["a"], [[1.0, 0.0]], qdrant_location=url)
    assert time.perf_counter() - started < 5
    with pytest.raises(ConfigError, match="api key"):
        build_retriever("qdrant", ["a"], [[1.0, 0.0]], api_key="secret")
    with pytest.raises(ConfigError, match="api_key"):
        build_retriever("flat", ["a"], [[1.0, 0.0]], api_key="secret")


def _answers(index: Retriever, queries: np.ndarray) -> list[object]:
    """Ids and scores (rounded: a reloaded collection's BLAS may differ in the last bit)."""
    return [
        [[(h.item_id, round(h.score, 6)) for h in hits] for hits in answer]
        for k in (1, 10, 100)
        for f in (None, ItemFilter(gender="women"), ItemFilter(usage="formal", season="winter"))
        for answer in [index.search(queries, k, filter=f, exclude=index.ids[:40])]
    ]


def test_save_and_load_reuse_a_matching_collection(tmp_path: Path, catalogue: Catalogue) -> None:
    head = catalogue.subset(range(150))  # the embedded folder commits each point: ~16 ms here
    where = str(tmp_path / "qdrant")
    index = build_retriever("qdrant", head.ids, head.vectors, head.columns, qdrant_location=where)
    assert isinstance(index, QdrantRetriever)
    queries = np.random.default_rng(21).standard_normal((5, 32)).astype(np.float32)
    before = _answers(index, queries)
    saved = index.save(tmp_path / "index")
    index.close()  # the embedded folder is locked while a client holds it

    loaded = load_retriever(saved, kind="qdrant", dim=32)
    assert isinstance(loaded, QdrantRetriever)
    assert list(loaded.ids) == head.ids
    assert loaded.metadata == index.metadata
    assert _answers(loaded, queries) == before
    # A collection that changed behind the index's back is rebuilt from the saved vectors.
    from tastemaker.index._qdrant_parts import point_id

    gone = models.PointIdsList(points=[point_id(head.ids[0])])
    loaded.client.delete(loaded.collection, points_selector=gone, wait=True)
    assert _points(loaded) == 149
    loaded.close()
    again = load_retriever(saved, kind="qdrant")
    assert isinstance(again, QdrantRetriever)
    assert _points(again) == 150
    assert _answers(again, queries) == before
    again.close()
    # This deployment's location replaces the saved one (here: a fresh in-memory collection).
    moved = load_retriever(saved, qdrant_location=":memory:", qdrant_collection="moved")
    assert isinstance(moved, QdrantRetriever)
    assert moved.collection == "moved"
    assert _answers(moved, queries) == before


def test_load_options_are_checked(tmp_path: Path, catalogue: Catalogue) -> None:
    head = catalogue.subset(range(20))
    flat = build_retriever("flat", head.ids, head.vectors).save(tmp_path / "flat")
    with pytest.raises(ConfigError, match="qdrant settings given"):
        load_retriever(flat, qdrant_location=":memory:")
    with pytest.raises(ConfigError, match="unknown option"):
        load_retriever(flat, hnsw_m=8)
    saved = build_retriever("qdrant", head.ids, head.vectors).save(tmp_path / "q")
    with pytest.raises(ConfigError, match="holds a 'qdrant' index"):
        load_retriever(saved, kind="flat")


def test_searches_run_beside_adds_and_removes() -> None:
    """Searches from several threads while items come and go: every answer holds 10 distinct
    ids, and the table and the collection end up holding the same 500 items."""
    catalogue = random_catalogue(1000, 16, seed=15)
    index = build_retriever("qdrant", catalogue.ids[:500], catalogue.vectors[:500])
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        rng = np.random.default_rng(threading.get_ident() % 1000)
        while not stop.is_set():
            try:
                [hits] = index.search(rng.standard_normal((1, 16)), 10, exclude=catalogue.ids[:3])
                assert len({h.item_id for h in hits}) == len(hits) == 10
            except BaseException as exc:  # surfaced in the main thread
                errors.append(exc)
                return

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for start in range(500, 1000, 100):
        index.add(catalogue.ids[start : start + 100], catalogue.vectors[start : start + 100])
        index.remove(catalogue.ids[start - 500 : start - 400])
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    assert list(index.ids) == catalogue.ids[500:]
    assert isinstance(index, QdrantRetriever)
    assert _points(index) == 500

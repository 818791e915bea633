"""ExactRetriever against brute force by hand; its promises; its refusals of bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tastemaker.catalog.schema import Item
from tastemaker.errors import DataError, NotFoundError
from tastemaker.index import ExactRetriever, Hit, ItemFilter, Retriever, build_retriever
from tests.index.helpers import (
    Catalogue,
    assert_same_hits,
    brute_force,
    random_catalogue,
    random_filter,
    unit,
)


@pytest.fixture(scope="module")
def catalogue_and_index() -> tuple[Catalogue, ExactRetriever]:
    catalogue = random_catalogue(3000, 24, seed=1)
    index = build_retriever("exact", catalogue.ids, catalogue.vectors, catalogue.columns)
    assert isinstance(index, ExactRetriever)
    return catalogue, index


def test_is_a_retriever_and_says_what_it_is() -> None:
    index = ExactRetriever(4)
    assert isinstance(index, Retriever)
    assert (index.kind, index.is_exact, index.dim, len(index)) == ("exact", True, 4, 0)
    assert index.search(np.ones((2, 4)), 5) == [[], []]


@pytest.mark.parametrize("fields", [0, 1, 2, 3])
def test_matches_brute_force_with_filters_and_exclusions(
    catalogue_and_index: tuple[Catalogue, ExactRetriever], fields: int
) -> None:
    catalogue, index = catalogue_and_index
    rng = np.random.default_rng(fields)
    for _ in range(15):
        item_filter = random_filter(rng, catalogue, fields) if fields else None
        exclude = set(rng.choice(catalogue.ids, 50, replace=False)) | {"not-an-id"}
        k = int(rng.choice([1, 10, 100, 5000]))
        query = rng.standard_normal((1, index.dim))
        [got] = index.search(query, k, filter=item_filter, exclude=exclude)
        want, allowed = brute_force(catalogue, query[0], k, item_filter, exclude)
        assert_same_hits(got, want, allowed)


def test_batch_equals_one_by_one(catalogue_and_index: tuple[Catalogue, ExactRetriever]) -> None:
    catalogue, index = catalogue_and_index
    queries = np.random.default_rng(5).standard_normal((40, index.dim)).astype(np.float32)
    item_filter = ItemFilter(gender=["men", "women"])
    batch = index.search(queries, 7, filter=item_filter, exclude=catalogue.ids[:300])
    single = [
        index.search(q[None], 7, filter=item_filter, exclude=catalogue.ids[:300])[0]
        for q in queries
    ]
    for got, want in zip(batch, single, strict=True):
        assert [h.item_id for h in got] == [h.item_id for h in want]
        np.testing.assert_allclose([h.score for h in got], [h.score for h in want], atol=1e-6)


def test_k_beyond_the_candidates_returns_them_all_sorted() -> None:
    vectors = unit([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [-1.0, 0.0]])
    index = build_retriever(
        "exact", ["a", "b", "c", "d"], vectors, {"gender": ["Men", "Men", "Women", None]}
    )
    [hits] = index.search([[1.0, 0.0]], 100)
    assert [h.item_id for h in hits] == ["a", "b", "c", "d"]
    assert [round(h.score, 6) for h in hits] == [1.0, 0.6, 0.0, -1.0]
    [men] = index.search([[1.0, 0.0]], 100, filter=ItemFilter(gender="men"), exclude=["a"])
    assert [(h.item_id, round(h.score, 6)) for h in men] == [("b", 0.6)]
    assert index.search([[1.0, 0.0]], 3, filter=ItemFilter(gender="Girls")) == [[]]
    assert index.search([[1.0, 0.0]], 3, exclude=["a", "b", "c", "d"]) == [[]]


def test_equal_scores_are_ordered_by_id() -> None:
    ids = ["z", "m", "a", "q", "b"]
    vectors = unit([[1, 0], [1, 0], [0, 1], [1, 0], [1, 0]])  # four tied items
    index = build_retriever("exact", ids, vectors)
    [hits] = index.search([[2.0, 0.0]], 3)
    assert [h.item_id for h in hits] == ["b", "m", "q"]


def test_queries_and_vectors_are_normalised() -> None:
    index = build_retriever("exact", ["a", "b"], [[3.0, 4.0], [0.0, 2.0]])
    stored = index.vectors_of(["b", "a"])
    np.testing.assert_allclose(stored, np.array([[0, 1], [0.6, 0.8]]), atol=1e-7)
    [hits] = index.search(np.array([[0.0, 10.0]]), 2)
    assert [(h.item_id, round(h.score, 6)) for h in hits] == [("b", 1.0), ("a", 0.8)]


def test_unit_rows_are_stored_bit_for_bit() -> None:
    rows = unit(np.random.default_rng(0).standard_normal((50, 16)))
    index = build_retriever("exact", [str(i) for i in range(50)], rows)
    assert np.array_equal(index.vectors_of([str(i) for i in range(50)]), rows)


def test_add_and_remove_then_search() -> None:
    catalogue = random_catalogue(400, 8, seed=3)
    index = ExactRetriever(8)
    first, rest = catalogue.subset(range(250)), catalogue.subset(range(250, 400))
    index.add(first.ids, first.vectors, first.columns)
    index.add(rest.ids, rest.vectors, rest.columns)
    gone = catalogue.ids[::3]
    index.remove(gone)
    assert len(index) == 400 - len(gone)
    assert not any(i in index for i in gone)
    kept = catalogue.subset([r for r in range(400) if r % 3])
    assert sorted(index.ids) == sorted(kept.ids)  # the last rows fill the holes
    rng = np.random.default_rng(4)
    for _ in range(20):
        query = rng.standard_normal(8)
        item_filter = random_filter(rng, kept)
        [got] = index.search(query[None], 12, filter=item_filter)
        want, allowed = brute_force(kept, query, 12, item_filter)
        assert_same_hits(got, want, allowed)
    index.add(gone[:1], catalogue.vectors[:1])  # a removed id can come back
    assert gone[0] in index


def test_items_as_metadata_must_match_the_ids() -> None:
    items = [Item("a", "A", gender="Women"), Item("b", "B", gender="Men")]
    index = build_retriever("exact", ["a", "b"], [[1.0, 0.0], [0.0, 1.0]], items)
    assert index.search([[1.0, 1.0]], 5, filter=ItemFilter(gender="men"))[0][0].item_id == "b"
    with pytest.raises(DataError, match="row 0 describes item 'a', not 'b'"):
        build_retriever("exact", ["b", "a"], [[1.0, 0.0], [0.0, 1.0]], items)


@pytest.mark.parametrize(
    ("ids", "vectors", "message"),
    [
        (["a"], [[1.0, 0.0, 0.0]], "expected dimension 2, got 3"),
        (["a", "b"], [[1.0, 0.0], [np.nan, 1.0]], r"row 1 \(item 'b'\) has NaN"),
        (["a", "b"], [[np.inf, 0.0], [0.0, 1.0]], r"row 0 \(item 'a'\) has NaN or infinite"),
        (["a"], [[0.0, 0.0]], "zero vector"),
        (["a", "a"], [[1.0, 0.0], [0.0, 1.0]], "'a' appears more than once"),
        (["x"], [[1.0, 0.0]], "'x' is already in the index"),
        (["a", "b"], [[1.0, 0.0]], "1 rows for 2 ids"),
        ([""], [[1.0, 0.0]], "not a non-empty string"),
        ([7], [[1.0, 0.0]], "not a non-empty string"),
        (["a"], [1.0, 0.0], r"shape \(2,\)"),
        (["a"], [["x", "y"]], "floating-point"),
    ],
)
def test_bad_additions_are_refused_and_change_nothing(
    ids: list[str], vectors: Any, message: str
) -> None:
    index = build_retriever("exact", ["x"], [[0.0, 1.0]])
    with pytest.raises(DataError, match=message):
        index.add(ids, vectors)
    assert list(index.ids) == ["x"]
    assert index.search([[0.0, 1.0]], 5) == [[Hit("x", 1.0)]]


def test_bad_searches_are_refused() -> None:
    index = build_retriever("exact", ["x"], [[0.0, 1.0]])
    with pytest.raises(DataError, match="expected dimension 2"):
        index.search([[1.0, 0.0, 0.0]], 1)
    with pytest.raises(DataError, match=r"single vector must be shaped \[1, dim\]"):
        index.search([1.0, 0.0], 1)
    with pytest.raises(DataError, match="NaN"):
        index.search([[np.nan, 0.0]], 1)
    for k in (0, -1, 1.5, True):
        with pytest.raises(DataError, match="k must be a positive integer"):
            index.search([[1.0, 0.0]], k)  # type: ignore[arg-type]


def test_removing_an_unknown_id_removes_nothing() -> None:
    index = build_retriever("exact", ["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(NotFoundError, match="'nope'"):
        index.remove(["a", "nope"])
    assert list(index.ids) == ["a", "b"]
    with pytest.raises(NotFoundError):
        index.vectors_of(["nope"])

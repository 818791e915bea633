"""FAISS retrievers against exact search: flat agrees (with filters, exclusions, any k),
HNSW and IVF reach their recall, add and remove keep every promise."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tastemaker.errors import ConfigError, DataError, NotFoundError
from tastemaker.index import (
    FaissRetriever,
    IndexConfig,
    ItemFilter,
    Retriever,
    build_retriever,
)
from tests.index.helpers import (
    Catalogue,
    assert_same_hits,
    brute_force,
    random_catalogue,
    random_filter,
    recall,
)

#: Sends every query through FAISS, however few its candidates (the default would search
#: these small test indexes exactly).
FAISS_ALWAYS: dict[str, Any] = {"exact_below": 0, "exact_fraction": 0.0}
FIELD_VALUES = st.sampled_from(["Men", "Women", "Unisex", None])


Case = tuple[Catalogue, np.ndarray, int, ItemFilter | None, set[str]]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n = draw(st.integers(1, 40))
    dim = draw(st.integers(2, 6))
    # Small integers: many exact duplicates and ties, the hard case for agreement.
    vectors = draw(arrays(np.float32, (n, dim), elements=st.integers(-2, 2)))
    vectors[~vectors.any(axis=1), 0] = 1.0
    genders = draw(st.lists(FIELD_VALUES, min_size=n, max_size=n))
    colours = draw(st.lists(st.sampled_from(["Red", "Blue", None]), min_size=n, max_size=n))
    catalogue = Catalogue(
        [f"i{i:03d}" for i in range(n)], vectors, {"gender": genders, "base_colour": colours}
    )
    query = draw(arrays(np.float32, (dim,), elements=st.integers(-8, 8).map(lambda x: x / 8)))
    if not query.any():
        query[0] = 1.0
    k = draw(st.integers(1, n + 5))
    item_filter = draw(
        st.one_of(
            st.none(),
            st.builds(ItemFilter, gender=st.lists(st.sampled_from(["men", "WOMEN", "unisex"]))),
            st.builds(
                ItemFilter,
                gender=st.sampled_from(["men", "women"]),
                base_colour=st.sampled_from(["red", "blue"]),
            ),
        )
    )
    exclude = set(draw(st.lists(st.sampled_from([*catalogue.ids, "unknown"]), max_size=n)))
    return catalogue, query, k, item_filter, exclude


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), always_faiss=st.booleans(), overfetch_max=st.sampled_from([0, 1024]))
def test_flat_agrees_with_brute_force(case: Case, always_faiss: bool, overfetch_max: int) -> None:
    catalogue, query, k, item_filter, exclude = case
    config = FAISS_ALWAYS if always_faiss else {}
    index = build_retriever(
        "flat",
        catalogue.ids,
        catalogue.vectors,
        catalogue.columns,
        overfetch_max=overfetch_max,
        **config,
    )
    exact = build_retriever("exact", catalogue.ids, catalogue.vectors, catalogue.columns)
    [got] = index.search(query[None], k, filter=item_filter, exclude=exclude)
    [reference] = exact.search(query[None], k, filter=item_filter, exclude=exclude)
    want, allowed = brute_force(catalogue, query, k, item_filter, exclude)
    assert_same_hits(got, want, allowed)
    assert_same_hits(reference, want, allowed)
    assert len(got) == min(k, len(allowed))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return random_catalogue(4000, 32, seed=7)


@pytest.fixture(scope="module")
def queries() -> np.ndarray:
    return np.random.default_rng(8).standard_normal((200, 32)).astype(np.float32)


@pytest.fixture(scope="module")
def exact(catalogue: Catalogue) -> Retriever:
    return build_retriever("exact", catalogue.ids, catalogue.vectors, catalogue.columns)


def test_flat_equals_exact_on_a_larger_catalogue(
    catalogue: Catalogue, queries: np.ndarray, exact: Retriever
) -> None:
    flat = build_retriever(
        "flat", catalogue.ids, catalogue.vectors, catalogue.columns, **FAISS_ALWAYS
    )
    assert flat.is_exact
    rng = np.random.default_rng(9)
    for fields in (0, 1, 1, 2):
        item_filter = random_filter(rng, catalogue, fields) if fields else None
        exclude = set(rng.choice(catalogue.ids, 30, replace=False))
        for k in (1, 10, 500):
            got = flat.search(queries[:10], k, filter=item_filter, exclude=exclude)
            reference = exact.search(queries[:10], k, filter=item_filter, exclude=exclude)
            for query, mine, theirs in zip(queries, got, reference, strict=False):
                want, allowed = brute_force(catalogue, query, k, item_filter, exclude)
                assert_same_hits(mine, want, allowed)
                assert_same_hits(theirs, want, allowed)


APPROXIMATE = [
    ("hnsw", {}),
    ("ivf", {"ivf_nprobe": 40}),  # of 63 lists: random vectors do not cluster (24 gave 0.91)
]


@pytest.mark.parametrize(("kind", "config"), APPROXIMATE)
def test_approximate_recall_at_10(
    catalogue: Catalogue,
    queries: np.ndarray,
    exact: Retriever,
    kind: str,
    config: dict[str, int],
) -> None:
    index = build_retriever(
        kind, catalogue.ids, catalogue.vectors, catalogue.columns, **FAISS_ALWAYS, **config
    )
    assert not index.is_exact
    assert recall(index.search(queries, 10), exact.search(queries, 10)) >= 0.95
    broad = ItemFilter(gender="men")  # ~45 % of the items
    got = index.search(queries, 10, filter=broad, exclude=catalogue.ids[:200])
    want = exact.search(queries, 10, filter=broad, exclude=catalogue.ids[:200])
    assert recall(got, want) >= 0.95


@pytest.mark.parametrize(("kind", "config"), APPROXIMATE)
def test_narrow_filters_keep_recall(
    catalogue: Catalogue,
    queries: np.ndarray,
    exact: Retriever,
    kind: str,
    config: dict[str, int],
) -> None:
    """A narrow filter is searched exactly by default; forced through FAISS, the raised
    efSearch / nprobe and the exact rescue of short rows keep the recall."""
    rng = np.random.default_rng(10)
    defaults = build_retriever(kind, catalogue.ids, catalogue.vectors, catalogue.columns, **config)
    forced = build_retriever(
        kind, catalogue.ids, catalogue.vectors, catalogue.columns, **FAISS_ALWAYS, **config
    )
    for _ in range(5):
        narrow = random_filter(rng, catalogue, 2)
        want = exact.search(queries[:50], 10, filter=narrow)
        got = defaults.search(queries[:50], 10, filter=narrow)
        assert got == want or recall(got, want) == 1.0
        forced_hits = forced.search(queries[:50], 10, filter=narrow)
        assert [len(h) for h in forced_hits] == [len(h) for h in want]
        assert recall(forced_hits, want) >= 0.95


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_filters_keeping_zero_one_or_few_items(kind: str) -> None:
    catalogue = random_catalogue(3000, 16, seed=11)
    catalogue.columns["usage"][:3] = ["Party", "Travel", "Travel"]
    catalogue.columns["usage"][3:] = ["Casual"] * 2997
    index = build_retriever(
        kind, catalogue.ids, catalogue.vectors, catalogue.columns, **FAISS_ALWAYS
    )
    query = np.ones((3, 16), dtype=np.float32)
    assert index.search(query, 10, filter=ItemFilter(usage="Home")) == [[], [], []]
    party = index.search(query, 10, filter=ItemFilter(usage="party"))
    assert [[h.item_id for h in hits] for hits in party] == [[catalogue.ids[0]]] * 3
    travel = index.search(query, 10, filter=ItemFilter(usage="travel"), exclude=[catalogue.ids[1]])
    assert [[h.item_id for h in hits] for hits in travel] == [[catalogue.ids[2]]] * 3
    few = index.search(query, 2, filter=ItemFilter(usage=["party", "travel"]))
    want, _ = brute_force(catalogue, query[0], 2, ItemFilter(usage=["party", "travel"]))
    assert [h.item_id for h in few[0]] == [h.item_id for h in want]


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_many_exclusions_use_a_selector(
    kind: str, catalogue: Catalogue, queries: np.ndarray, exact: Retriever
) -> None:
    index = build_retriever(
        kind,
        catalogue.ids,
        catalogue.vectors,
        catalogue.columns,
        overfetch_max=10,
        ivf_nprobe=40,
        **FAISS_ALWAYS,
    )
    seen = set(catalogue.ids[::3])
    got = index.search(queries[:30], 10, exclude=seen)
    assert not {h.item_id for hits in got for h in hits} & seen
    assert recall(got, exact.search(queries[:30], 10, exclude=seen)) >= 0.95


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_add_and_remove_then_search(kind: str) -> None:
    catalogue = random_catalogue(3000, 16, seed=12)
    first, rest = catalogue.subset(range(2000)), catalogue.subset(range(2000, 3000))
    index = FaissRetriever(16, IndexConfig(kind=kind, ivf_nlist=20, ivf_nprobe=10, **FAISS_ALWAYS))
    index.add(first.ids, first.vectors, first.columns)
    index.add(rest.ids, rest.vectors, rest.columns)
    gone = catalogue.ids[::4]
    index.remove(gone)
    if kind == "hnsw":
        assert index.tombstones == len(gone)
    kept = catalogue.subset([r for r in range(3000) if r % 4])
    assert sorted(index.ids) == sorted(kept.ids)  # the last rows fill the holes
    rng = np.random.default_rng(13)
    queries = rng.standard_normal((40, 16)).astype(np.float32)
    for item_filter in (None, ItemFilter(gender="women"), random_filter(rng, kept, 2)):
        got = index.search(queries, 10, filter=item_filter)
        assert not {h.item_id for hits in got for h in hits} & set(gone)
        want = [brute_force(kept, q, 10, item_filter)[0] for q in queries]
        assert recall(got, want) >= (1.0 if kind == "flat" else 0.95)
    # Removed ids can be added again and are found.
    index.add(gone[:5], catalogue.vectors[:20:4], {"gender": ["Girls"] * 5})
    found = index.search(catalogue.vectors[:20:4], 1, filter=ItemFilter(gender="girls"))
    assert [hits[0].item_id for hits in found] == gone[:5]
    index.compact()
    assert index.tombstones == 0
    again = index.search(catalogue.vectors[:20:4], 1, filter=ItemFilter(gender="girls"))
    assert again == found


def test_ivf_searches_exactly_until_trained() -> None:
    catalogue = random_catalogue(1500, 8, seed=14)
    index = FaissRetriever(8, IndexConfig(kind="ivf", ivf_nlist=10, ivf_train_min=1000))
    index.add(catalogue.ids[:900], catalogue.vectors[:900])
    assert not index.trained
    head = catalogue.subset(range(900))
    query = catalogue.vectors[5]
    assert_same_hits(index.search(query[None], 5)[0], *brute_force(head, query, 5))
    index.add(catalogue.ids[900:], catalogue.vectors[900:])
    assert index.trained
    assert index.search(query[None], 1)[0][0].item_id == catalogue.ids[5]


def test_ties_are_broken_by_id_as_in_exact() -> None:
    ids = ["e", "d", "c", "b", "a", "f"]
    vectors = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [1, 0], [0.6, 0.8]], dtype=np.float32)
    for kind in ("flat", "hnsw", "ivf"):
        index = build_retriever(kind, ids, vectors, ivf_train_min=1, ivf_nlist=1, **FAISS_ALWAYS)
        [hits] = index.search([[1.0, 0.0]], 2)
        assert [h.item_id for h in hits] == ["a", "c"], kind
        [hits] = index.search([[1.0, 0.0]], 5, exclude=["c"])
        assert [h.item_id for h in hits] == ["a", "d", "e", "f", "b"], kind


def test_bad_input_is_refused() -> None:
    index = build_retriever("hnsw", ["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(DataError, match="expected dimension 2, got 3"):
        index.add(["c"], [[1.0, 0.0, 0.0]])
    with pytest.raises(DataError, match="NaN"):
        index.add(["c"], [[np.nan, 0.0]])
    with pytest.raises(DataError, match="already in the index"):
        index.add(["a"], [[1.0, 0.0]])
    with pytest.raises(NotFoundError, match="'zzz'"):
        index.remove(["zzz"])
    with pytest.raises(DataError, match="expected dimension 2"):
        index.search([[1.0, 0.0, 0.0]], 3)
    assert list(index.ids) == ["a", "b"]
    with pytest.raises(ConfigError, match="not flat, hnsw or ivf"):
        FaissRetriever(2, IndexConfig(kind="exact"))


def test_concurrent_searches_and_updates() -> None:
    catalogue = random_catalogue(2000, 16, seed=15)
    index = build_retriever("flat", catalogue.ids[:1000], catalogue.vectors[:1000], **FAISS_ALWAYS)
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        rng = np.random.default_rng(threading.get_ident() % 1000)
        while not stop.is_set():
            try:
                [hits] = index.search(rng.standard_normal((1, 16)), 10)
                assert len({h.item_id for h in hits}) == len(hits) == 10
            except BaseException as exc:  # surfaced in the main thread
                errors.append(exc)
                return

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for start in range(1000, 2000, 100):
        index.add(catalogue.ids[start : start + 100], catalogue.vectors[start : start + 100])
        index.remove(catalogue.ids[start - 1000 : start - 900])
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    assert sorted(index.ids) == sorted(catalogue.ids[1000:])


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_a_filter_pointing_away_from_the_query_keeps_recall(kind: str) -> None:
    """Men's items lie on one side, women's on the other: over-fetching for a women's shopper
    filtered to men finds no man, so the candidates are scored exactly. (A filtered HNSW walk
    with an ID selector found a fifth of the right items here.)"""
    rng = np.random.default_rng(16)
    vectors = rng.standard_normal((3000, 16)).astype(np.float32)
    vectors[:, 0] = np.abs(vectors[:, 0]) + 2.0
    vectors[1500:, 0] *= -1
    genders: list[str | None] = [*(["Men"] * 1500), *(["Women"] * 1500)]
    catalogue = Catalogue([f"i{i:04d}" for i in range(3000)], vectors, {"gender": genders})
    index = build_retriever(kind, catalogue.ids, vectors, catalogue.columns, **FAISS_ALWAYS)
    queries = vectors[1500:1540] + 0.1 * rng.standard_normal((40, 16)).astype(np.float32)
    men = ItemFilter(gender="men")
    got = index.search(queries, 10, filter=men)
    want = [brute_force(catalogue, q, 10, men)[0] for q in queries]
    assert all(h.item_id < "i1500" for hits in got for h in hits)
    assert recall(got, want) == 1.0


def _gated_build(building: threading.Event, release: threading.Event) -> Any:
    """A ``new_index`` that sets ``building`` and waits for ``release`` before it builds, so a
    test can write to the index while a compaction is in the middle of its build."""
    from tastemaker.index import _faiss_parts

    real_new_index = _faiss_parts.new_index

    def slow_new_index(config: IndexConfig, dim: int) -> Any:
        building.set()
        assert release.wait(10), "the test never released the build"
        return real_new_index(config, dim)

    return slow_new_index


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_compaction_builds_off_the_lock_and_keeps_writes_made_meanwhile(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While compact() builds the new FAISS index, searches, adds and removes go on (they
    used to wait for the whole rebuild: seconds at 44k items); the swap then keeps them."""
    from tastemaker.index import _faiss_parts

    catalogue = random_catalogue(1200, 8, seed=21)
    index = FaissRetriever(8, IndexConfig(kind=kind, **FAISS_ALWAYS))
    first = catalogue.subset(range(1000))
    index.add(first.ids, first.vectors, first.columns)
    index.remove(first.ids[::5])  # something for compact() to reclaim

    building, release = threading.Event(), threading.Event()
    real_new_index = _faiss_parts.new_index
    slow_new_index = _gated_build(building, release)

    monkeypatch.setattr(_faiss_parts, "new_index", slow_new_index)
    compaction = threading.Thread(target=index.compact)
    compaction.start()
    assert building.wait(10)

    def writes_while_building() -> None:
        index.search(catalogue.vectors[:3], 5)
        rest = catalogue.subset(range(1000, 1200))
        index.add(rest.ids, rest.vectors, rest.columns)
        index.remove([*first.ids[1:5], *rest.ids[::10]])
        again = catalogue.subset([5, 10])  # removed before, added back with new vectors
        index.add(again.ids, catalogue.vectors[[1100, 1101]], again.columns)

    writer = threading.Thread(target=writes_while_building)
    writer.start()
    writer.join(5)
    blocked = writer.is_alive()
    release.set()
    compaction.join(10)
    writer.join(10)
    assert not blocked, "a search or write waited for the rebuild"

    monkeypatch.setattr(_faiss_parts, "new_index", real_new_index)
    gone = {*first.ids[::5], *first.ids[1:5], *catalogue.ids[1000:1200:10]}
    gone -= {catalogue.ids[5], catalogue.ids[10]}
    expected_ids = [i for i in catalogue.ids if i not in gone]
    assert sorted(index.ids) == sorted(expected_ids)
    rows = [catalogue.ids.index(i) for i in index.ids]
    reference = catalogue.subset(rows)
    reference.vectors[index.ids.index(catalogue.ids[5])] = catalogue.vectors[1100]
    reference.vectors[index.ids.index(catalogue.ids[10])] = catalogue.vectors[1101]
    queries = np.random.default_rng(22).standard_normal((30, 8)).astype(np.float32)
    want = [brute_force(reference, q, 10, None)[0] for q in queries]
    assert recall(index.search(queries, 10), want) >= (1.0 if kind == "flat" else 0.95)
    index.compact()  # what the swap left behind (removed since the snapshot) goes too
    assert index.tombstones == 0
    assert recall(index.search(queries, 10), want) >= (1.0 if kind == "flat" else 0.95)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_compaction_replays_the_writes_made_during_its_build_outside_the_write_lock(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writes made while the new index was built are inserted into it in rounds outside
    the lock; only the last few are inserted under the write lock (inserting a rebuild's worth
    of HNSW additions under it stalled every search for 70 ms at 44k items)."""
    from tastemaker.index import _faiss_parts, faiss_index

    catalogue = random_catalogue(1600, 8, seed=23)
    index = FaissRetriever(8, IndexConfig(kind=kind, **FAISS_ALWAYS))
    first = catalogue.subset(range(1000))
    index.add(first.ids, first.vectors, first.columns)
    index.remove(first.ids[:50])  # old items: the last rows move into their holes

    building, release = threading.Event(), threading.Event()
    real_new_index = _faiss_parts.new_index
    slow_new_index = _gated_build(building, release)

    replayed: list[tuple[int, bool]] = []  # (ids inserted, under the write lock)
    real_add = faiss_index._Rebuilt.add

    def recording_add(self: Any, ids: list[str], vectors: Any) -> None:
        replayed.append((len(ids), index._lock._writing))
        real_add(self, ids, vectors)

    monkeypatch.setattr(_faiss_parts, "new_index", slow_new_index)
    monkeypatch.setattr(faiss_index._Rebuilt, "add", recording_add)
    compaction = threading.Thread(target=index.compact)
    compaction.start()
    assert building.wait(10)
    rest = catalogue.subset(range(1000, 1600))
    index.add(rest.ids, rest.vectors, rest.columns)
    index.remove([*first.ids[100:130], *rest.ids[::7]])
    release.set()
    compaction.join(20)
    assert not compaction.is_alive()

    surviving = [i for i in rest.ids if i not in set(rest.ids[::7])]
    assert sum(n for n, _ in replayed) >= len(surviving)  # every addition still there
    assert sum(n for n, locked in replayed if locked) <= faiss_index._CATCH_UP_FINAL
    gone = {*first.ids[:50], *first.ids[100:130], *rest.ids[::7]}
    kept = catalogue.subset([r for r, i in enumerate(catalogue.ids) if i not in gone])
    assert sorted(index.ids) == sorted(kept.ids)
    queries = np.random.default_rng(24).standard_normal((30, 8)).astype(np.float32)
    want = [brute_force(kept, q, 10, None)[0] for q in queries]
    assert recall(index.search(queries, 10), want) >= (1.0 if kind == "flat" else 0.95)
    monkeypatch.setattr(_faiss_parts, "new_index", real_new_index)
    index.compact()
    assert index.tombstones == 0
    assert len(index) == len(kept.ids)
    assert recall(index.search(queries, 10), want) >= (1.0 if kind == "flat" else 0.95)

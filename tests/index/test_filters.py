"""ItemFilter normalisation and ItemMetadata masks against a by-hand predicate."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tastemaker.catalog.schema import Item
from tastemaker.errors import DataError
from tastemaker.index import FILTER_FIELDS, ItemFilter, ItemMetadata
from tastemaker.index import filters as filters

VALUES = st.sampled_from(["Men", "men ", "WOMEN", "Women", "Unisex", "", None])


def test_filter_values_are_case_folded_and_stripped() -> None:
    item_filter = ItemFilter(gender=[" Men", "WOMEN"], usage="Casual")
    assert item_filter.gender == frozenset({"men", "women"})
    assert item_filter.usage == frozenset({"casual"})
    assert item_filter == ItemFilter(gender=["women", "men"], usage="casual")
    assert hash(item_filter) == hash(ItemFilter(gender=["women", "men"], usage="casual"))
    assert item_filter.constraints() == {"gender": {"men", "women"}, "usage": {"casual"}}


def test_single_string_is_one_value_not_characters() -> None:
    assert ItemFilter(gender="Men").gender == frozenset({"men"})


def test_empty_filters_constrain_nothing() -> None:
    assert ItemFilter().is_empty
    assert ItemFilter(gender=[], usage=None, season="  ").is_empty
    assert not ItemFilter(season="Summer").is_empty


def test_from_mapping_rejects_unknown_fields() -> None:
    assert ItemFilter.from_mapping({"article_type": "Tshirts"}) == ItemFilter(
        article_type="tshirts"
    )
    with pytest.raises(DataError, match="colour"):
        ItemFilter.from_mapping({"colour": "Red"})


def test_non_string_values_are_refused() -> None:
    with pytest.raises(DataError, match="gender"):
        ItemFilter(gender=[1])  # type: ignore[list-item]


def _expected(columns: dict[str, list[str | None]], item_filter: ItemFilter) -> list[bool]:
    n = len(next(iter(columns.values())))
    return [
        all(
            (value := columns.get(field, [None] * n)[row]) is not None
            and value.strip().casefold() in allowed
            for field, allowed in item_filter.constraints().items()
        )
        for row in range(n)
    ]


@settings(max_examples=150, deadline=None)
@given(
    genders=st.lists(VALUES, min_size=0, max_size=30),
    wanted=st.lists(st.sampled_from(["men", "Women", "unisex", "kids"]), max_size=3),
    seasons=st.sampled_from([None, "summer", ["Summer", "Winter"]]),
)
def test_mask_matches_predicate(
    genders: list[str | None], wanted: list[str], seasons: str | list[str] | None
) -> None:
    rng = np.random.default_rng(len(genders))
    columns: dict[str, list[str | None]] = {
        "gender": genders,
        "season": [str(rng.choice(["Summer", "Winter", "Fall"])) for _ in genders],
    }
    metadata = ItemMetadata.from_columns(columns)
    item_filter = ItemFilter(gender=wanted, season=seasons)
    mask, count = metadata.mask(item_filter)
    expected = _expected(columns, item_filter) if genders else []
    assert mask.tolist() == expected
    assert count == sum(expected)
    assert not mask.flags.writeable  # cached: nobody may change it


def test_masks_are_cached_per_equal_filter() -> None:
    metadata = ItemMetadata.from_columns({"gender": ["Men", "Women", None]})
    first, _ = metadata.mask(ItemFilter(gender="men"))
    second, _ = metadata.mask(ItemFilter(gender="MEN"))
    assert first is second
    assert first.tolist() == [True, False, False]


def test_the_mask_cache_drops_the_least_recently_used_filter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(filters, "_CACHE_SIZE", 2)
    metadata = ItemMetadata.from_columns({"gender": ["Men", "Women", None]})
    men, women, other = ItemFilter(gender="men"), ItemFilter(gender="women"), ItemFilter(gender="x")
    first_men, _ = metadata.mask(men)
    first_women, _ = metadata.mask(women)
    assert metadata.mask(men)[0] is first_men  # men is now the most recent
    metadata.mask(other)  # evicts women, the least recently used
    assert metadata.mask(men)[0] is first_men
    again, count = metadata.mask(women)
    assert again is not first_women  # computed anew
    assert again.tolist() == first_women.tolist()
    assert count == 1


def test_masks_are_shared_safely_between_threads() -> None:
    metadata = ItemMetadata.from_columns({"gender": ["Men", "Women", None] * 100})
    wanted = [ItemFilter(gender=g) for g in ("men", "women", "unisex")]
    counts: list[int] = []

    def work() -> None:
        for i in range(600):
            counts.append(metadata.mask(wanted[i % 3])[1])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(counts)) == [0, 100]
    assert len(counts) == 2400


def test_missing_values_never_match_a_constraint() -> None:
    metadata = ItemMetadata.empty(3)
    assert metadata.mask(ItemFilter())[1] == 3
    assert metadata.mask(ItemFilter(gender="Men"))[1] == 0


def test_from_items_keeps_first_spelling_and_concat_merges_vocabularies() -> None:
    left = ItemMetadata.from_items(
        [Item("1", "a", gender="Men", base_colour="Navy Blue"), Item("2", "b", gender="Women")]
    )
    right = ItemMetadata.from_columns({"gender": ["women", "Boys"], "base_colour": [None, "red"]})
    both = left.concat(right)
    assert len(both) == 4
    assert both.vocabulary("gender") == ("Men", "Women", "Boys")
    assert [both.value("gender", i) for i in range(4)] == ["Men", "Women", "Women", "Boys"]
    assert both.mask(ItemFilter(gender="women"))[0].tolist() == [False, True, True, False]
    assert both.mask(ItemFilter(base_colour="NAVY BLUE"))[0].tolist() == [True, False, False, False]
    kept = both.take(np.array([3, 0]))
    assert [kept.value("gender", i) for i in range(2)] == ["Boys", "Men"]
    assert kept == ItemMetadata.from_columns(
        {"gender": ["boys", "men"], "base_colour": ["RED", "Navy Blue"]}
    )


def test_bad_columns_are_refused() -> None:
    with pytest.raises(DataError, match="unknown metadata field"):
        ItemMetadata.from_columns({"colour": ["Red"]})
    with pytest.raises(DataError, match="differ in length"):
        ItemMetadata.from_columns({"gender": ["Men"], "usage": ["Casual", "Formal"]})
    with pytest.raises(DataError, match="out of range"):
        ItemMetadata({"gender": np.array([2], dtype=np.int32)}, {"gender": ["Men"]})


def test_every_filter_field_is_an_item_field() -> None:
    item = Item("1", "x")
    assert all(hasattr(item, field) for field in FILTER_FIELDS)

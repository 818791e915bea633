from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tastemaker.catalog.importer import import_catalog
from tastemaker.catalog.schema import FieldError, Item, item_from_fields
from tastemaker.store import Store
from tastemaker.store.items import iter_items


def test_normalises_case_and_float_years_and_ids() -> None:
    item = item_from_fields(
        {"id": "15970.0", "name": " Shirt ", "gender": "men", "season": "FALL", "year": "2011.0"}
    )
    assert (item.id, item.name, item.gender, item.season, item.year) == (
        "15970",
        "Shirt",
        "Men",
        "Fall",
        2011,
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id": "1"}, "name"),
        ({"id": "1", "name": "NA"}, "name"),
        ({"id": "../etc", "name": "x"}, "id"),
        ({"id": "1", "name": "x", "year": "1850"}, "year"),
        ({"id": "1", "name": "x", "season": "Monsoon"}, "season"),
        ({"id": "1", "name": "x" * 301}, "name"),
    ],
)
def test_bad_fields_are_named(fields: dict[str, object], field: str) -> None:
    with pytest.raises(FieldError) as info:
        item_from_fields(fields)
    assert info.value.field == field


#: Cells that mean "missing" (see ``clean_cell``), so never a valid id or name.
MISSING_MARKERS = {"NA", "NAN", "NULL"}


@given(
    item_id=st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True).filter(
        lambda s: s.upper() not in MISSING_MARKERS
    ),
    name=st.text(min_size=1, max_size=80).filter(
        lambda s: s.strip() and s.strip().upper() not in MISSING_MARKERS
    ),
)
def test_valid_rows_round_trip_through_the_content_hash(item_id: str, name: str) -> None:
    a = item_from_fields({"id": item_id, "name": name})
    b = item_from_fields({"id": item_id, "name": name})
    assert a == b
    assert a.content_hash() == b.content_hash()
    assert a.name == name.strip()


@pytest.mark.parametrize(
    ("cell", "price"),
    [
        ("12.99", 12.99),
        ("$12.99", 12.99),
        (" € 12,99 ", 12.99),
        ("12,99 €", 12.99),
        ("£1,299.50", 1299.5),
        ("1,299", 1299.0),
        ("0", 0.0),
        (".5", 0.5),
        (7, 7.0),
        (19.5, 19.5),
    ],
)
def test_prices_as_shops_write_them(cell: object, price: float) -> None:
    assert item_from_fields({"id": "1", "name": "x", "price": cell}).price == price


@pytest.mark.parametrize(
    "cell", ["-3", "$5.99 - $9.99", "free", "1.299,00", "1,2345", float("inf"), -1.0, True]
)
def test_a_bad_price_is_a_field_error(cell: object) -> None:
    with pytest.raises(FieldError) as info:
        item_from_fields({"id": "1", "name": "x", "price": cell})
    assert info.value.field == "price"


@given(cents=st.integers(min_value=0, max_value=10**9), symbol=st.sampled_from(["", "$", "€"]))
def test_a_price_written_with_a_currency_symbol_reads_back(cents: int, symbol: str) -> None:
    text = f"{symbol}{cents // 100}.{cents % 100:02d}"
    price = item_from_fields({"id": "1", "name": "x", "price": text}).price
    assert price == pytest.approx(cents / 100)


def test_descriptions_may_be_long_and_lists_are_joined() -> None:
    long = "word " * 999  # 4,995 characters: past the 300 of a label, inside the 5,000
    assert item_from_fields({"id": "1", "name": "x", "description": long}).description == (
        long.strip()
    )
    joined = item_from_fields({"id": "1", "name": "x", "description": ["One.", " ", "Two."]})
    assert joined.description == "One. Two."
    for fields, field in [
        ({"description": "x" * 5001}, "description"),
        ({"brand": "x" * 301}, "brand"),
        ({"name": ["a", "b"]}, "name"),
        ({"brand": {"name": "a"}}, "brand"),
    ]:
        with pytest.raises(FieldError) as info:
            item_from_fields({"id": "1", "name": "x", **fields})
        assert info.value.field == field


#: The fields an item had before brand, price and description, and the hash they had then.
FIRST_FIELDS = (
    "id", "name", "gender", "master_category", "sub_category", "article_type", "base_colour",
    "season", "year", "usage", "image_path",
)  # fmt: skip


def _first_hash(item: Item) -> str:
    payload = {f: getattr(item, f) for f in FIRST_FIELDS}
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def test_items_without_the_later_fields_hash_as_they_did_before(
    store: Store, sample_catalog: Path
) -> None:
    import_catalog(store, sample_catalog)
    items = list(iter_items(store))
    assert len(items) == 200
    assert all(item.content_hash() == _first_hash(item) for item in items)
    shirt = items[0]
    for change in ({"brand": "Quill"}, {"price": 0.0}, {"description": "Soft."}):
        assert replace(shirt, **change).content_hash() != shirt.content_hash()  # type: ignore[arg-type]

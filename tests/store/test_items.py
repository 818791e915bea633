from __future__ import annotations

from dataclasses import replace

from tastemaker.catalog.schema import Item
from tastemaker.store import Store
from tastemaker.store.items import count_items, get_item, iter_items, upsert_items


def _items() -> list[Item]:
    return [
        Item(id="1", name="Navy Shirt", gender="Men", base_colour="Navy Blue", year=2012),
        Item(id="2", name="Red Dress", gender="Women", image_path="/tmp/2.jpg"),
        Item(id="0108775015", name="Strap top", brand="H&M", price=4.99,
             description="Jersey top with narrow shoulder straps, in a soft, stretchy weave."),
    ]  # fmt: skip


def test_upsert_inserts_then_skips_unchanged_rows(store: Store) -> None:
    first = upsert_items(store, _items(), source="t")
    second = upsert_items(store, _items(), source="t")
    assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 3)
    assert count_items(store) == 3


def test_upsert_rewrites_a_changed_row_in_place(store: Store) -> None:
    upsert_items(store, _items(), source="t")
    changed = replace(_items()[0], base_colour="Black")
    counts = upsert_items(store, [changed], source="t")
    assert (counts.inserted, counts.updated) == (0, 1)
    assert get_item(store, "1") == changed
    assert count_items(store) == 3
    cheaper = replace(_items()[2], price=3.99)
    assert upsert_items(store, [cheaper], source="t").updated == 1
    assert get_item(store, "0108775015") == cheaper


def test_round_trip_keeps_every_field(store: Store) -> None:
    upsert_items(store, _items(), source="t")
    assert list(iter_items(store)) == sorted(_items(), key=lambda i: i.id)
    assert get_item(store, "missing") is None

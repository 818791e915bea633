from __future__ import annotations

from tastemaker.catalog.schema import Item
from tastemaker.catalog.stats import BREAKDOWNS, catalog_stats
from tastemaker.store import Store
from tastemaker.store.items import upsert_items


def test_every_breakdown_sums_to_the_total(store: Store) -> None:
    upsert_items(
        store,
        [
            Item(id="1", name="a", gender="Men", usage="Casual", image_path="/x/1.jpg"),
            Item(id="2", name="b", gender="Men"),
            Item(id="3", name="c", gender="Women", usage="Casual"),
        ],
        source="t",
    )
    stats = catalog_stats(store)
    assert stats["items"] == 3
    assert stats["with_image"] == 1
    assert stats["by_gender"] == {"Men": 2, "Women": 1}
    assert stats["by_usage"] == {"Casual": 2, "(none)": 1}
    for key in BREAKDOWNS:
        counts = stats[key]
        assert isinstance(counts, dict)
        assert sum(counts.values()) == 3


def test_empty_store_has_zero_totals(store: Store) -> None:
    stats = catalog_stats(store)
    assert (stats["items"], stats["with_image"]) == (0, 0)

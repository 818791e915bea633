from __future__ import annotations

from tastemaker.catalog.schema import Item
from tastemaker.catalog.text import item_text, text_hash


def test_text_names_every_categorical_field() -> None:
    item = Item(
        id="1",
        name="Peter England Men Party Blue Jeans",
        gender="Men",
        master_category="Apparel",
        sub_category="Bottomwear",
        article_type="Jeans",
        base_colour="Blue",
        season="Summer",
        usage="Casual",
    )
    text = item_text(item)
    assert text.startswith("Peter England Men Party Blue Jeans.")
    for word in ("Casual Jeans", "for men", "in blue", "for summer", "Apparel", "Bottomwear"):
        assert word in text


def test_text_of_a_bare_item_is_still_a_sentence() -> None:
    assert item_text(Item(id="1", name="Scarf")) == "Scarf. An item."


def test_changing_a_field_changes_the_hash() -> None:
    a = Item(id="1", name="Shirt", base_colour="Blue")
    b = Item(id="1", name="Shirt", base_colour="Red")
    assert text_hash(item_text(a)) != text_hash(item_text(b))
    assert len(text_hash("x")) == 64

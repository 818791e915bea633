"""The one descriptive text of an item, composed from its fields, that the encoders embed.

The text reads like a shop's product line so that sentence encoders trained on natural
language place it well, and it names every categorical field so that items differing only in
colour or season get different vectors.
"""

from __future__ import annotations

import hashlib

from tastemaker.catalog.schema import Item

__all__ = ["item_text", "text_hash"]

_AUDIENCE = {"Men": "men", "Women": "women", "Boys": "boys", "Girls": "girls", "Unisex": "everyone"}


def item_text(item: Item) -> str:
    """e.g. 'Peter England Men Party Blue Jeans. Casual jeans for men in blue, for summer
    (Apparel, Bottomwear).'"""
    parts = [item.name.rstrip(".") + "."]
    kind = " ".join(p for p in (item.usage, item.article_type) if p)
    detail = kind[:1].upper() + kind[1:] if kind else "An item"
    if item.gender:
        detail += f" for {_AUDIENCE.get(item.gender, item.gender.lower())}"
    if item.base_colour:
        detail += f" in {item.base_colour.lower()}"
    if item.season:
        detail += f", for {item.season.lower()}"
    categories = ", ".join(c for c in (item.master_category, item.sub_category) if c)
    if categories:
        detail += f" ({categories})"
    parts.append(detail + ".")
    return " ".join(parts)


def text_hash(text: str) -> str:
    """The content hash that keys the embedding cache: sha256 of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

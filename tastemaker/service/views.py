"""The API's views of domain objects, shared by the routes and the recommendation path."""

from __future__ import annotations

from functools import lru_cache

from tastemaker.catalog.schema import Item
from tastemaker.service.schemas import ItemPublic

__all__ = ["public"]


@lru_cache(maxsize=65_536)
def public(item: Item) -> ItemPublic:
    """The API view of an item: the image as a URL of this API, never a file path.

    Cached by value (items are frozen): every recommendation list builds ten of these, and a
    changed item is a different key."""
    return ItemPublic(
        id=item.id,
        name=item.name,
        gender=item.gender,
        master_category=item.master_category,
        sub_category=item.sub_category,
        article_type=item.article_type,
        base_colour=item.base_colour,
        season=item.season,
        year=item.year,
        usage=item.usage,
        brand=item.brand,
        price=item.price,
        description=item.description,
        image_url=f"/api/items/{item.id}/image" if item.image_path else None,
    )

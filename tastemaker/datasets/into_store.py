"""A MovieLens dataset into the store, as real shoppers: movies as items, users, ratings.

This is the real-data workflow's benchmark path (twins, fidelity, augmentation on ML-100K):
the same tables and rules as ``interactions import`` and ``users import`` — ratings kept on
their 1–5 (or 0.5–5) scale and mapped onto the model's by the one rule, users with their age,
gender, occupation and region — so everything downstream reads MovieLens exactly as it would
read a shop's own files. Movies become catalogue items: the title as the name, the year, and
the genres as the description the item text shows.
"""

from __future__ import annotations

from collections.abc import Iterator

from tastemaker.catalog.schema import Item
from tastemaker.datasets.interactions import Interaction
from tastemaker.datasets.real_users import RealUser
from tastemaker.datasets.scales import RatingScale
from tastemaker.datasets.schema import Interactions
from tastemaker.datasets.text import zip_region
from tastemaker.store.db import Store
from tastemaker.store.items import upsert_items
from tastemaker.store.real import StoredCounts, insert_interactions, upsert_real_users

__all__ = ["movielens_into_store"]

_GENDERS = {"M": "man", "F": "woman"}


def _items(data: Interactions) -> Iterator[Item]:
    for item_id, title, year, genre_list in zip(
        data.items["item_id"],
        data.items["title"],
        data.items["year"],
        data.items["genres"],
        strict=True,
    ):
        genres = [g for g in str(genre_list).split("|") if g]
        yield Item(
            id=str(item_id),
            name=str(title) or f"Movie {item_id}",
            year=int(year) if 1900 <= int(year) <= 2100 else None,
            description=f"A movie: {', '.join(genres)}." if genres else "A movie.",
        )


def _users(data: Interactions) -> Iterator[RealUser]:
    users = data.users
    for user_id, age, gender, occupation, zip_code in zip(
        users["user_id"],
        users["age"],
        users["gender"],
        users["occupation"],
        users["zip_code"],
        strict=True,
    ):
        attributes: dict[str, str | int] = {}
        if int(age) >= 0:
            attributes["age"] = int(age)
        if str(gender).upper() in _GENDERS:
            attributes["gender"] = _GENDERS[str(gender).upper()]
        if str(occupation):
            attributes["occupation"] = str(occupation)
        if region := zip_region(str(zip_code)):
            attributes["region"] = region
        yield RealUser(str(user_id), attributes)


def movielens_into_store(store: Store, data: Interactions, dataset: str) -> dict[str, StoredCounts]:
    """Store ``data``'s movies, users and ratings (``dataset`` names the users and ratings);
    a second call stores nothing new."""
    ratings = data.ratings
    low, high = float(ratings["rating"].min()), float(ratings["rating"].max())
    scale = RatingScale.from_spec(
        "0.5-5" if low < 1 else "1-5" if high <= 5 else f"{low:g}-{high:g}"
    )
    items = upsert_items(store, list(_items(data)), source=f"{data.layout}:{data.source}")
    users = upsert_real_users(store, dataset, list(_users(data)))
    rows = [
        Interaction(str(u), str(i), "rating", int(t), float(r), scale.spec,
                    scale.to_model(float(r)), 1.0, 0, n)
        for n, (u, i, r, t) in enumerate(
            zip(ratings["user_id"], ratings["item_id"], ratings["rating"], ratings["timestamp"],
                strict=True), start=1)
    ]  # fmt: skip
    return {
        "items": StoredCounts(items.inserted, items.updated, items.unchanged),
        "users": users,
        "interactions": insert_interactions(store, dataset, rows),
    }

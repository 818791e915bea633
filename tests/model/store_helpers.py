"""A tiny fashion store: catalogue items, personas and calibrated ratings with planted tastes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tastemaker.catalog.schema import Item
from tastemaker.datasets.interactions import Interaction
from tastemaker.datasets.real_users import RealUser
from tastemaker.personas.schema import Persona
from tastemaker.personas.store import save_personas
from tastemaker.ratings.records import RatingKey, RatingRecord, insert_rating
from tastemaker.ratings.strategies import RatingOutcome
from tastemaker.store.db import Store
from tastemaker.store.items import upsert_items
from tastemaker.store.real import insert_interactions, upsert_real_users

COLOURS = ("Red", "Blue", "Green")
TYPES = ("Tshirts", "Jeans", "Casual Shoes")
#: The key :func:`plant_tastes` rates under.
PLANTED = RatingKey(template_version="t1", model="planted", strategy="logprobs")


def fill_store(store: Store, n_items: int = 36, n_personas: int = 12, seed: int = 0) -> None:
    """Each persona likes one colour: 8-10 for its items, -1..3 for two others."""
    items = [
        Item(
            id=str(1000 + i),
            name=f"{COLOURS[i % 3]} {TYPES[(i // 3) % 3]} {i}",
            gender="Women" if i % 2 else "Men",
            article_type=TYPES[(i // 3) % 3],
            base_colour=COLOURS[i % 3],
            season="Summer",
            usage="Casual",
        )
        for i in range(n_items)
    ]
    upsert_items(store, items, source="test")
    plant_tastes(
        store,
        [[item.id for item in items[colour::3]] for colour in range(3)],
        n_personas,
        seed,
        prefix="p",
        bio=lambda j: f"Persona {j} likes {COLOURS[j % 3].lower()} clothes. They shop online.",
    )


def plant_tastes(
    store: Store,
    groups: list[list[str]],
    n_personas: int = 12,
    seed: int = 0,
    *,
    prefix: str = "t",
    bio: Callable[[int], str] = lambda j: (
        f"Shopper {j} buys the same kind of thing again and again. They shop online."
    ),
) -> list[str]:
    """Personas over items already in the store: persona ``j`` loves group ``j % len(groups)``
    (8-10 for eight of its items) and dislikes three items of the other groups (-1..3).
    Ratings are calibrated as given; returns the persona ids."""
    rng = np.random.default_rng(seed)
    personas = [
        Persona(
            id=f"{prefix}{j:02d}",
            name=f"Shopper {j}",
            gender="woman" if j % 2 else "man",
            age_band="25-34",
            aesthetic=("minimal", "sporty", "boho")[j % 3],
            budget="mid",
            bio=bio(j),
        )
        for j in range(n_personas)
    ]
    save_personas(store, personas)
    key = PLANTED
    for j, persona in enumerate(personas):
        own = groups[j % len(groups)]
        other = [i for g, group in enumerate(groups) if g != j % len(groups) for i in group]
        loved = rng.choice(own, min(8, len(own)), replace=False)
        hated = rng.choice(other, 3, replace=False)
        for item_id, answer in [
            *((str(i), int(rng.integers(8, 11))) for i in loved),
            *((str(i), int(rng.choice([-1, 2, 3]))) for i in hated),
        ]:
            outcome = RatingOutcome(answer, None if answer == -1 else float(answer))
            insert_rating(
                store, RatingRecord(persona.id, item_id, key, "test", 0.0, 0, outcome), None
            )
    store.conn.execute("UPDATE ratings SET calibrated = answer")
    store.conn.commit()
    return [p.id for p in personas]


def rate_again(store: Store, key: RatingKey, limit: int) -> int:
    """The first ``limit`` planted ratings once more under ``key`` (another LLM, strategy or
    template), calibrated as given; returns how many were added."""
    rows = store.conn.execute(
        "SELECT persona_id, item_id, answer FROM ratings WHERE template_version = ? "
        "AND model = ? AND strategy = ? ORDER BY persona_id, item_id LIMIT ?",
        (PLANTED.template_version, PLANTED.model, PLANTED.strategy, limit),
    ).fetchall()
    for persona_id, item_id, answer in rows:
        outcome = RatingOutcome(int(answer), None if answer == -1 else float(answer))
        insert_rating(store, RatingRecord(persona_id, item_id, key, "test", 0.0, 0, outcome), None)
    store.conn.execute("UPDATE ratings SET calibrated = answer WHERE calibrated IS NULL")
    store.conn.commit()
    return len(rows)


def _rating(user: str, item: str, value: float, line: int) -> Interaction:
    return Interaction(user, item, "rating", line, value, "1-5", 1.0 + 9.0 * (value - 1) / 4,
                       1.0, 0, line)  # fmt: skip


def _event(user: str, item: str, kind: str, weight: float, line: int) -> Interaction:
    return Interaction(user, item, kind, line, None, None, None, weight, 0, line)


def real_shop(store: Store) -> None:
    """Two real users of dataset 'shop' over the test catalogue (ids 1000..1035): u1 rates
    red items (1000, 1003 …) high and a blue one low; u2 bought and clicked."""
    upsert_real_users(store, "shop", [RealUser("u1", {"gender": "Women", "age": 31}),
                                      RealUser("u2", {"gender": "Men"})])  # fmt: skip
    rows = [_rating("u1", "1000", 5, 1), _rating("u1", "1003", 4, 2),
            _rating("u1", "1006", 5, 3), _rating("u1", "1001", 1, 4),
            _event("u2", "1002", "purchase", 1.0, 5), _event("u2", "1002", "click", 0.2, 6),
            _event("u2", "1005", "click", 0.2, 7)]  # fmt: skip
    insert_interactions(store, "shop", rows)

"""Where the personas and items to rate come from: the store, or files from elsewhere.

Files from outside the store follow the interface scripts depend on: personas as JSONL (each
line at least ``id``, ``name``, ``gender``, ``bio``; any other key becomes an attribute) and
items as a CSV with the ``styles.csv`` columns (at least ``id`` and ``productDisplayName``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tastemaker.catalog.readers import RowProblem, read_rows
from tastemaker.catalog.schema import FieldError, item_from_fields
from tastemaker.catalog.text import item_text
from tastemaker.errors import DataError
from tastemaker.personas.twins import twin_histories
from tastemaker.ratings.prompts import PersonaView
from tastemaker.store.db import Store
from tastemaker.store.items import iter_items

__all__ = [
    "ItemView",
    "load_items_csv",
    "load_personas_jsonl",
    "pair_up",
    "store_items",
    "store_personas",
]

_REQUIRED = ("id", "name", "gender", "bio")
_ATTRIBUTES = ("age_band", "occupation", "region", "aesthetic", "palette", "budget", "brands")


@dataclass(frozen=True)
class ItemView:
    """What a rating prompt needs of an item: its id, text and category fields for selection."""

    id: str
    text: str
    categories: tuple[str, ...] = ()


def load_personas_jsonl(path: Path) -> list[PersonaView]:
    """Personas from JSONL; a bad line is an error naming the file, line and field."""
    personas: list[PersonaView] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: line {number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(raw, dict):
            raise DataError(f"{path}: line {number}: expected a JSON object")
        for field in _REQUIRED:
            if not isinstance(raw.get(field), str | int) or not str(raw[field]).strip():
                raise DataError(f"{path}: line {number}: field '{field}' is missing or empty")
        attributes = {k: v for k, v in raw.items() if k not in _REQUIRED and v not in (None, "")}
        personas.append(
            PersonaView(
                id=str(raw["id"]),
                name=str(raw["name"]),
                gender=str(raw["gender"]),
                bio=str(raw["bio"]),
                attributes={k: v if isinstance(v, list) else str(v) for k, v in attributes.items()},
            )
        )
    if not personas:
        raise DataError(f"{path}: no personas")
    return personas


def load_items_csv(path: Path) -> tuple[list[ItemView], list[RowProblem]]:
    """Items from a styles-like CSV (or Parquet); bad rows are returned, not rated."""
    items: list[ItemView] = []
    problems: list[RowProblem] = []
    for row in read_rows(path):
        if isinstance(row, RowProblem):
            if row.repaired:
                continue
            problems.append(row)
            continue
        try:
            item = item_from_fields(row.fields)
        except FieldError as exc:
            problems.append(RowProblem(line=row.line, field=exc.field, reason=exc.reason))
            continue
        items.append(ItemView(item.id, item_text(item), _categories(item)))
    return items, problems


def _categories(item: object) -> tuple[str, ...]:
    fields = ("gender", "master_category", "sub_category", "article_type", "usage")
    return tuple(str(v) for f in fields if (v := getattr(item, f, None)))


def store_items(store: Store) -> list[ItemView]:
    return [ItemView(i.id, item_text(i), _categories(i)) for i in iter_items(store)]


def store_personas(store: Store, *, twins: bool | None = None) -> list[PersonaView]:
    """Personas in the store, ordered by id; a twin carries its history lines. ``twins``:
    True only twins, False only invented personas, None both."""
    where = {None: "", True: " WHERE id IN (SELECT persona_id FROM twins)",
             False: " WHERE id NOT IN (SELECT persona_id FROM twins)"}[twins]  # fmt: skip
    rows = store.conn.execute(
        f"SELECT id, name, gender, bio, {', '.join(_ATTRIBUTES)} FROM personas{where} ORDER BY id"
    ).fetchall()
    histories = twin_histories(store) if twins is not False else {}
    personas = []
    for row in rows:
        attributes: dict[str, str | list[str]] = {}
        for field in _ATTRIBUTES:
            value = row[field]
            if field == "brands":
                value = json.loads(value or "[]")
            if value:
                attributes[field] = value
        personas.append(
            PersonaView(
                row["id"],
                row["name"],
                row["gender"],
                row["bio"],
                attributes,
                histories.get(row["id"], ()),
            )
        )
    return personas


def pair_up(
    personas: Sequence[PersonaView],
    items: Sequence[ItemView],
    *,
    per_persona: int | None = None,
    category: str | None = None,
    seed: int = 0,
) -> list[tuple[PersonaView, ItemView]]:
    """The (persona, item) pairs to rate, grouped by persona so its prompt prefix is reused.

    ``category`` keeps items whose gender, master/sub category, article type or usage equals
    it (case-insensitive); ``per_persona`` draws that many items per persona, seeded.
    """
    pool = list(items)
    if category is not None:
        wanted = category.lower()
        pool = [i for i in pool if wanted in (c.lower() for c in i.categories)]
        if not pool:
            raise DataError(f"--category {category}: no item has that category")
    pairs: list[tuple[PersonaView, ItemView]] = []
    for persona in personas:
        chosen = pool
        if per_persona is not None and per_persona < len(pool):
            chosen = random.Random(f"{seed}:{persona.id}").sample(pool, per_persona)
        pairs.extend((persona, item) for item in chosen)
    return pairs

"""Reading and writing the ``items`` table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from tastemaker.catalog.schema import Item
from tastemaker.store.db import Store

__all__ = ["UpsertCounts", "count_items", "get_item", "item_hashes", "iter_items", "upsert_items"]

_COLUMNS = (
    "id",
    "name",
    "gender",
    "master_category",
    "sub_category",
    "article_type",
    "base_colour",
    "season",
    "year",
    "usage",
    "brand",
    "price",
    "description",
    "image_path",
)


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    inserted: int
    updated: int
    unchanged: int


def _row_to_item(row: sqlite3.Row) -> Item:
    return Item(**{column: row[column] for column in _COLUMNS})


#: Ids per ``IN (...)`` look-up (SQLite allows 32,766 variables; fewer keeps each short).
_LOOKUP_CHUNK = 900


def item_hashes(store: Store, ids: Sequence[str] | None = None) -> dict[str, str]:
    """Stored item ids with their content hash: every item, or those of ``ids`` that exist.

    ``ids`` keeps a small upsert from reading the whole table: one item added through the
    API read all 44k hashes (190 ms, most of it building the dict while holding the GIL)."""
    if ids is None:
        return dict(store.conn.execute("SELECT id, content_hash FROM items").fetchall())
    known: dict[str, str] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _LOOKUP_CHUNK):
        chunk = unique[start : start + _LOOKUP_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        query = f"SELECT id, content_hash FROM items WHERE id IN ({marks})"
        known.update(store.conn.execute(query, chunk).fetchall())
    return known


def upsert_items(store: Store, items: Iterable[Item], source: str) -> UpsertCounts:
    """Insert new items and rewrite changed ones in one transaction; unchanged rows are skipped."""
    items = list(items)
    known = item_hashes(store, [item.id for item in items])
    inserted = updated = unchanged = 0
    rows: list[tuple[object, ...]] = []
    for item in items:
        digest = item.content_hash()
        previous = known.get(item.id)
        if previous == digest:
            unchanged += 1
            continue
        if previous is None:
            inserted += 1
        else:
            updated += 1
        rows.append((*(getattr(item, c) for c in _COLUMNS), int(item.has_image), source, digest))
    placeholders = ", ".join("?" for _ in range(len(_COLUMNS) + 3))
    assignments = ", ".join(
        f"{c} = excluded.{c}" for c in (*_COLUMNS[1:], "has_image", "source", "content_hash")
    )
    with store.transaction() as conn:
        conn.executemany(
            f"INSERT INTO items ({', '.join(_COLUMNS)}, has_image, source, content_hash) "
            f"VALUES ({placeholders}) ON CONFLICT (id) DO UPDATE SET {assignments}, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            rows,
        )
    return UpsertCounts(inserted=inserted, updated=updated, unchanged=unchanged)


def iter_items(store: Store) -> Iterator[Item]:
    """All items, ordered by id."""
    cursor = store.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM items ORDER BY id")
    for row in cursor:
        yield _row_to_item(row)


def get_item(store: Store, item_id: str) -> Item | None:
    row = store.conn.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM items WHERE id = ?", (item_id,)
    ).fetchone()
    return None if row is None else _row_to_item(row)


def count_items(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM items").fetchone()[0])

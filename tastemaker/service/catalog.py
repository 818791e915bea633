"""The catalogue as the service holds it: every item in memory, in id order.

44k items take a few MB, and answering ``GET /api/items`` from memory keeps the store out of
the read path. Writes (admin add/remove) go to the store first, then here, under a lock.
Pagination is keyset-based: the cursor is the last id of the previous page, so pages stay
stable while items are added or removed.
"""

from __future__ import annotations

import base64
import bisect
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from tastemaker.catalog.schema import Item
from tastemaker.errors import ConfigError
from tastemaker.index.filters import FILTER_FIELDS

__all__ = ["CATEGORY_FIELDS", "CatalogView", "ItemQuery"]

#: Fields the API can filter and count by: the retriever's filter fields, so a value the
#: catalogue counts is always one a recommendation query can filter on.
CATEGORY_FIELDS = FILTER_FIELDS


@dataclass(frozen=True)
class ItemQuery:
    """Filters of ``GET /api/items``: each field a set of allowed values (case-insensitive)."""

    allowed: tuple[tuple[str, frozenset[str]], ...] = ()
    text: str | None = None

    def matches(self, item: Item) -> bool:
        for field, values in self.allowed:
            value = getattr(item, field)
            if value is None or value.lower() not in values:
                return False
        if self.text:
            haystack = " ".join(
                str(v) for v in (item.name, *(getattr(item, f) for f in CATEGORY_FIELDS)) if v
            ).lower()
            return all(word in haystack for word in self.text.lower().split())
        return True


def encode_cursor(item_id: str) -> str:
    return base64.urlsafe_b64encode(item_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"cursor {cursor!r} is not one this API returned") from None


class CatalogView:
    """Items by id, in sorted order, with category counts; safe for concurrent readers."""

    def __init__(self, items: Iterable[Item]) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, Item] = {}
        self._order: list[str] = []
        self._categories: dict[str, list[tuple[str, int]]] | None = None
        self.replace(items)

    def replace(self, items: Iterable[Item]) -> None:
        by_id = {item.id: item for item in items}
        with self._lock:
            self._by_id = by_id
            self._order = sorted(by_id)
            self._categories = None

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def get(self, item_id: str) -> Item | None:
        return self._by_id.get(item_id)

    def items(self) -> list[Item]:
        """Every item, in id order (a snapshot)."""
        by_id = self._by_id
        return [by_id[i] for i in list(self._order) if i in by_id]

    def upsert(self, item: Item) -> None:
        with self._lock:
            if item.id not in self._by_id:
                bisect.insort(self._order, item.id)
            self._by_id = {**self._by_id, item.id: item}
            self._categories = None

    def remove(self, item_id: str) -> bool:
        with self._lock:
            if item_id not in self._by_id:
                return False
            by_id = dict(self._by_id)
            del by_id[item_id]
            order = list(self._order)
            order.pop(bisect.bisect_left(order, item_id))
            self._by_id, self._order = by_id, order
            self._categories = None
        return True

    def page(
        self, query: ItemQuery, limit: int, cursor: str | None
    ) -> tuple[list[Item], str | None, int]:
        """Items matching ``query`` after ``cursor``, at most ``limit``; plus next cursor, total."""
        order, by_id = self._order, self._by_id  # one consistent snapshot
        filtered = bool(query.allowed or query.text)
        matching = [i for i in order if query.matches(by_id[i])] if filtered else order
        first = bisect.bisect_right(matching, decode_cursor(cursor)) if cursor else 0
        chosen = [by_id[i] for i in matching[first : first + limit]]
        more = first + limit < len(matching)
        return chosen, encode_cursor(chosen[-1].id) if chosen and more else None, len(matching)

    def categories(self) -> dict[str, list[tuple[str, int]]]:
        """Per field, (value, count) pairs, most frequent first (cached until a write)."""
        cached = self._categories
        if cached is not None:
            return cached
        by_id = self._by_id
        counts: dict[str, Counter[str]] = {field: Counter() for field in CATEGORY_FIELDS}
        for item in by_id.values():
            for field in CATEGORY_FIELDS:
                value = getattr(item, field)
                if value is not None:
                    counts[field][value] += 1
        result = {f: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for f, c in counts.items()}
        self._categories = result
        return result

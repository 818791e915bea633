"""Filters over item metadata: which catalogue positions a query may return.

A shopper asks for "women's dresses in red": the service turns that into an :class:`ItemFilter`
and the retriever asks the index's :class:`ItemMetadata` for the allowed positions. The
metadata is columnar (one ``int32`` code array per field into a small vocabulary), so a mask
over the 44k-item catalogue is a few vectorised look-ups, and masks are cached per filter:
a service sees the same handful of filters over and over.

Matching is case-insensitive and ignores surrounding spaces (``"men"`` matches ``"Men"``). An
item whose field is missing never matches a constraint on that field.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from tastemaker.catalog.schema import Item
from tastemaker.errors import DataError

__all__ = ["FILTER_FIELDS", "FilterValues", "ItemFilter", "ItemMetadata", "Mask"]

#: The item fields a query can filter on, in the order they are stored.
FILTER_FIELDS: Final = (
    "gender",
    "master_category",
    "sub_category",
    "article_type",
    "base_colour",
    "season",
    "usage",
)

#: What a filter field accepts: one value, several, or nothing (no constraint).
FilterValues = str | Iterable[str] | None
#: A boolean array ``[n]`` over index positions: True where the item may be returned.
Mask = npt.NDArray[np.bool_]
Codes = npt.NDArray[np.int32]

_MISSING = 0  # code of a missing value in every column; vocabularies start at 1
_CACHE_SIZE = 256


def _key(value: str) -> str:
    return value.strip().casefold()


def _values(field: str, raw: FilterValues) -> frozenset[str]:
    if raw is None:
        return frozenset()
    items = [raw] if isinstance(raw, str) else list(raw)
    for value in items:
        if not isinstance(value, str):
            raise DataError(f"filter {field}: {value!r} is not a string")
    return frozenset(_key(v) for v in items if v.strip())


@dataclass(frozen=True, slots=True, init=False, repr=False)
class ItemFilter:
    """Allowed values per field; an empty field is no constraint, so ``ItemFilter()`` allows all.

    Fields are AND-ed, values within a field OR-ed: ``ItemFilter(gender="Women",
    article_type=["Dresses", "Tops"])`` keeps women's dresses and tops. Values are stored
    case-folded, so equal filters hash equal and share one cached mask. A value no item has
    matches nothing: the answer is empty, not an error.
    """

    gender: frozenset[str]
    master_category: frozenset[str]
    sub_category: frozenset[str]
    article_type: frozenset[str]
    base_colour: frozenset[str]
    season: frozenset[str]
    usage: frozenset[str]

    def __init__(
        self,
        *,
        gender: FilterValues = None,
        master_category: FilterValues = None,
        sub_category: FilterValues = None,
        article_type: FilterValues = None,
        base_colour: FilterValues = None,
        season: FilterValues = None,
        usage: FilterValues = None,
    ) -> None:
        raw = {
            "gender": gender,
            "master_category": master_category,
            "sub_category": sub_category,
            "article_type": article_type,
            "base_colour": base_colour,
            "season": season,
            "usage": usage,
        }
        for field, value in raw.items():
            object.__setattr__(self, field, _values(field, value))

    @classmethod
    def from_mapping(cls, fields: Mapping[str, FilterValues]) -> ItemFilter:
        """Build from ``{field: values}``; an unknown field is an error, not ignored."""
        unknown = sorted(set(fields) - set(FILTER_FIELDS))
        if unknown:
            raise DataError(
                f"unknown filter field(s) {', '.join(unknown)}; known: {', '.join(FILTER_FIELDS)}"
            )
        return cls(**fields)

    @property
    def is_empty(self) -> bool:
        """True when no field is constrained (every item passes)."""
        return not any(getattr(self, field) for field in FILTER_FIELDS)

    def constraints(self) -> dict[str, frozenset[str]]:
        """The constrained fields only, with their case-folded allowed values."""
        return {f: getattr(self, f) for f in FILTER_FIELDS if getattr(self, f)}

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={sorted(v)!r}" for f, v in self.constraints().items())
        return f"ItemFilter({shown})"


class ItemMetadata:
    """Categorical metadata for the items of an index, one row per index position.

    Immutable: adding or removing items builds a new table (:meth:`concat`, :meth:`take`), so
    the per-filter mask cache can never describe other rows than its own. Each column is an
    ``int32`` code array ``[n]`` into a vocabulary of case-folded values (code 0 = missing);
    the first spelling seen of a value is kept for display.
    """

    __slots__ = ("_cache", "_codes", "_lock", "_n", "_vocab")

    def __init__(self, codes: Mapping[str, Codes], vocab: Mapping[str, Sequence[str]]) -> None:
        """Low-level: ``codes[field]`` int32 ``[n]``, ``vocab[field][c - 1]`` spells code ``c``.

        Prefer :meth:`from_items`, :meth:`from_columns` or :meth:`empty`.
        """
        lengths = {int(np.asarray(codes[f]).shape[0]) for f in FILTER_FIELDS if f in codes}
        if len(lengths) > 1:
            raise DataError(f"metadata columns differ in length: {sorted(lengths)}")
        self._n = lengths.pop() if lengths else 0
        self._codes: dict[str, Codes] = {}
        self._vocab: dict[str, tuple[str, ...]] = {}
        for field in FILTER_FIELDS:
            column = np.ascontiguousarray(codes.get(field, np.zeros(self._n)), dtype=np.int32)
            words = tuple(vocab.get(field, ()))
            if column.ndim != 1 or (
                column.size and (column.min() < 0 or column.max() > len(words))
            ):
                raise DataError(f"metadata column {field}: codes out of range of its vocabulary")
            column.setflags(write=False)
            self._codes[field] = column
            self._vocab[field] = words
        self._cache: LRUCache[ItemFilter, tuple[Mask, int]] = LRUCache(maxsize=_CACHE_SIZE)
        self._lock = threading.Lock()

    @classmethod
    def empty(cls, n: int) -> ItemMetadata:
        """``n`` rows with every field missing (they pass only unconstrained filters)."""
        return cls({f: np.zeros(n, dtype=np.int32) for f in FILTER_FIELDS}, {})

    @classmethod
    def from_columns(
        cls, columns: Mapping[str, Sequence[str | None]], n: int | None = None
    ) -> ItemMetadata:
        """Build from ``{field: values}`` (each a sequence of ``n`` strings or None).

        Fields left out are missing for every row; an unknown field name is an error.
        """
        unknown = sorted(set(columns) - set(FILTER_FIELDS))
        if unknown:
            raise DataError(f"unknown metadata field(s) {', '.join(unknown)}")
        sizes = {len(values) for values in columns.values()}
        if n is not None:
            sizes.add(n)
        if len(sizes) > 1:
            raise DataError(f"metadata columns differ in length: {sorted(sizes)}")
        rows = sizes.pop() if sizes else 0
        codes: dict[str, Codes] = {}
        vocab: dict[str, list[str]] = {}
        for field in FILTER_FIELDS:
            words: list[str] = []
            index: dict[str, int] = {}
            column = np.zeros(rows, dtype=np.int32)
            for row, value in enumerate(columns.get(field, ())):
                if value is None or not str(value).strip():
                    continue
                key = _key(str(value))
                if key not in index:
                    words.append(str(value).strip())
                    index[key] = len(words)
                column[row] = index[key]
            codes[field], vocab[field] = column, words
        return cls(codes, vocab)

    @classmethod
    def from_items(cls, items: Sequence[Item]) -> ItemMetadata:
        """One row per item, in the given order."""
        return cls.from_columns({f: [getattr(it, f) for it in items] for f in FILTER_FIELDS})

    def __len__(self) -> int:
        return self._n

    def codes(self, field: str) -> Codes:
        """The read-only code array ``[n]`` of ``field`` (0 = missing)."""
        return self._codes[field]

    def vocabulary(self, field: str) -> tuple[str, ...]:
        """The distinct values of ``field`` as first spelt; code ``c`` is entry ``c - 1``."""
        return self._vocab[field]

    def value(self, field: str, position: int) -> str | None:
        """The value of ``field`` at ``position`` (None when missing)."""
        code = int(self._codes[field][position])
        return None if code == _MISSING else self._vocab[field][code - 1]

    def mask(self, item_filter: ItemFilter) -> tuple[Mask, int]:
        """The read-only allowed-position mask ``[n]`` and its count of True, cached per filter."""
        with self._lock:  # an LRU's read reorders it, so reads take the lock too
            hit = self._cache.get(item_filter)
        if hit is not None:
            return hit
        mask = np.ones(self._n, dtype=np.bool_)
        for field, allowed in item_filter.constraints().items():
            # A look-up table over codes turns "value in allowed set" into one gather.
            table = np.zeros(len(self._vocab[field]) + 1, dtype=np.bool_)
            for code, word in enumerate(self._vocab[field], start=1):
                table[code] = _key(word) in allowed
            mask &= table[self._codes[field]]
        mask.setflags(write=False)
        entry = (mask, int(np.count_nonzero(mask)))
        with self._lock:
            self._cache[item_filter] = entry
        return entry

    def concat(self, other: ItemMetadata) -> ItemMetadata:
        """This table's rows followed by ``other``'s, vocabularies merged (case-insensitively)."""
        codes: dict[str, Codes] = {}
        vocab: dict[str, list[str]] = {}
        for field in FILTER_FIELDS:
            words = list(self._vocab[field])
            index = {_key(w): i for i, w in enumerate(words, start=1)}
            remap = np.zeros(len(other._vocab[field]) + 1, dtype=np.int32)
            for code, word in enumerate(other._vocab[field], start=1):
                if _key(word) not in index:
                    words.append(word)
                    index[_key(word)] = len(words)
                remap[code] = index[_key(word)]
            codes[field] = np.concatenate([self._codes[field], remap[other._codes[field]]])
            vocab[field] = words
        return ItemMetadata(codes, vocab)

    def take(self, positions: npt.NDArray[np.intp] | Mask) -> ItemMetadata:
        """The rows at ``positions`` (indices or a boolean mask ``[n]``), same vocabularies."""
        return ItemMetadata({f: self._codes[f][positions] for f in FILTER_FIELDS}, self._vocab)

    def __eq__(self, other: object) -> bool:
        """Equal when every row has the same values (codes may differ)."""
        if not isinstance(other, ItemMetadata):
            return NotImplemented
        if len(self) != len(other):
            return False
        for field in FILTER_FIELDS:
            mine = np.array([""] + [_key(w) for w in self._vocab[field]], dtype=object)
            theirs = np.array([""] + [_key(w) for w in other._vocab[field]], dtype=object)
            if not np.array_equal(mine[self._codes[field]], theirs[other._codes[field]]):
                return False
        return True

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{f}={len(self._vocab[f])}" for f in FILTER_FIELDS)
        return f"ItemMetadata(n={self._n}, vocabulary sizes: {sizes})"

"""VectorTable: deleting rows (the last rows fill the holes) and the per-filter copies of rows,
bounded in bytes, least recently used dropped first."""

from __future__ import annotations

import numpy as np
import pytest

from tastemaker.index import ItemFilter, ItemMetadata
from tastemaker.index import _table as table_module
from tastemaker.index._table import VectorTable

# 100 rows of 8 float32 (32 bytes a row): groups a, b, c of 10 rows, d of 60, e of 10.
GROUPS = ["a"] * 10 + ["b"] * 10 + ["c"] * 10 + ["d"] * 60 + ["e"] * 10


def _table() -> VectorTable:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(GROUPS), 8)).astype(np.float32)
    table = VectorTable(8)
    ids = [f"i{n}" for n in range(len(GROUPS))]
    table.append(*table.prepare(ids, vectors, ItemMetadata.from_columns({"gender": GROUPS})))
    return table


def _search(table: VectorTable, group: str) -> list[str]:
    query = np.ones((1, 8), dtype=np.float32) / np.sqrt(8.0)
    allowed = table.candidates(ItemFilter(gender=group), None)
    hits = table.search(query, 5, allowed)[0]
    assert all(GROUPS[int(h.item_id[1:])] == group for h in hits)  # only the filter's rows
    return [h.item_id for h in hits]


def _cached(table: VectorTable) -> set[str]:
    return {next(iter(f.constraints()["gender"])) for f in table._subsets}


def test_subsets_beyond_the_byte_budget_drop_the_least_recently_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(table_module, "_SUBSET_CACHE_BYTES", 700)  # two 320-byte copies
    table = _table()
    _search(table, "a")
    _search(table, "b")
    _search(table, "a")  # a is now the most recent
    _search(table, "c")
    assert _cached(table) == {"a", "c"}


def test_a_subset_larger_than_the_budget_is_not_kept_and_keeps_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(table_module, "_SUBSET_CACHE_BYTES", 700)
    table = _table()
    _search(table, "a")
    _search(table, "b")
    first = _search(table, "d")  # 60 rows, 1920 bytes: over the whole budget
    assert _cached(table) == {"a", "b"}
    assert _search(table, "d") == first


def test_adding_or_deleting_rows_forgets_the_copies() -> None:
    table = _table()
    _search(table, "a")
    assert _cached(table) == {"a"}
    table.delete(np.array([0], dtype=np.intp))
    assert _cached(table) == set()
    assert len(_search(table, "a")) == 5


def test_deleting_old_rows_moves_only_the_last_ones_into_the_holes() -> None:
    """Removing an old item used to shift every later row up (a copy of most of the table
    under the write lock); now only as many rows move as were deleted, each id keeping its
    vector and metadata."""
    table = _table()
    before = {item_id: table.vectors[row].copy() for row, item_id in enumerate(table.ids)}
    group = dict(zip(table.ids, GROUPS, strict=True))
    gone = np.array([3, 40, 97, 99], dtype=np.intp)  # two holes below the new end, two above
    moved_from, moved_to = table.delete(gone)

    assert moved_from.tolist() == [96, 98]
    assert moved_to.tolist() == [3, 40]
    assert table.ids[3] == "i96"
    assert table.ids[40] == "i98"
    untouched = [row for row in range(96) if row not in (3, 40)]
    assert [table.ids[row] for row in untouched] == [f"i{row}" for row in untouched]
    assert len(table) == 96
    assert sorted(table.positions.values()) == list(range(96))
    assert not {"i3", "i40", "i97", "i99"} & set(table.positions)
    for row, item_id in enumerate(table.ids):
        assert table.positions[item_id] == row
        assert np.array_equal(table.vectors[row], before[item_id])
    women = table.metadata.mask(ItemFilter(gender="d"))[0]
    assert [table.ids[row] for row in np.flatnonzero(women)] == [
        item_id for item_id in table.ids if group[item_id] == "d"
    ]

"""VectorTable: deleting rows (the last rows fill the holes) and the per-filter copies of rows,
bounded in bytes, least recently used dropped first, patched by adds and deletes."""

from __future__ import annotations

import numpy as np
import pytest

from tastemaker.index import ItemFilter, ItemMetadata
from tastemaker.index import _table as table_module
from tastemaker.index._subsets import SubsetCopy
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


def _budget_for_two_groups() -> int:
    """A byte budget holding two copies of a 10-row group of the 100-row table, not three."""
    one = SubsetCopy(np.arange(10), np.zeros((10, 8), np.float32), len(GROUPS)).nbytes
    return int(2.1 * one)  # the 60-row group weighs more (checked below)


def test_subsets_beyond_the_byte_budget_drop_the_least_recently_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(table_module, "_SUBSET_CACHE_BYTES", _budget_for_two_groups())
    table = _table()
    _search(table, "a")
    _search(table, "b")
    _search(table, "a")  # a is now the most recent
    _search(table, "c")
    assert _cached(table) == {"a", "c"}


def test_a_subset_larger_than_the_budget_is_not_kept_and_keeps_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(table_module, "_SUBSET_CACHE_BYTES", _budget_for_two_groups())
    table = _table()
    _search(table, "a")
    _search(table, "b")
    sixty = SubsetCopy(np.arange(60), np.zeros((60, 8), np.float32), len(GROUPS)).nbytes
    assert sixty > table_module._SUBSET_CACHE_BYTES
    first = _search(table, "d")  # 60 rows: over the whole budget
    assert _cached(table) == {"a", "b"}
    assert _search(table, "d") == first


def _exact(table: VectorTable, group: str, exclude: set[str], k: int = 5) -> list[str]:
    """The top ``k`` of ``group`` minus ``exclude``, scored row by row (no copy)."""
    query = np.ones(8, dtype=np.float32) / np.sqrt(8.0)
    scored = [
        (-float(table.vectors[row] @ query), item_id)
        for row, item_id in enumerate(table.ids)
        if table.metadata.value("gender", row) == group and item_id not in exclude
    ]
    return [item_id for _, item_id in sorted(scored)[:k]]


def test_adding_or_deleting_rows_patches_the_copies_instead_of_gathering_them_again() -> None:
    """Dropping the copies on every write made the next search per filter gather its rows
    again, up to 200 ms at 44k x 384 for a gender filter (the read stalls of bench_write_load).
    The copy now follows each write and answers as a fresh gather would."""
    rng = np.random.default_rng(1)
    table = _table()
    _search(table, "a")
    _search(table, "d")
    copies = {key: table._subsets[key] for key in table._subsets}
    added = 0
    for step in range(40):
        if step % 3 == 2:
            doomed = rng.choice(len(table), size=int(rng.integers(1, 6)), replace=False)
            table.delete(np.asarray(doomed, dtype=np.intp))
        else:
            count = int(rng.integers(1, 5))
            ids = [f"n{added + j}" for j in range(count)]
            added += count
            groups = list(rng.choice(["a", "d", "e"], size=count))
            vectors = rng.normal(size=(count, 8)).astype(np.float32)
            table.append(
                *table.prepare(ids, vectors, ItemMetadata.from_columns({"gender": groups}))
            )
        for key, copy in copies.items():
            assert table._subsets[key] is copy  # patched, not gathered again
            group = next(iter(key.constraints()["gender"]))
            mask = table.metadata.mask(key)[0]
            assert sorted(copy.rows.tolist()) == np.flatnonzero(mask).tolist()
            assert np.array_equal(copy.vectors, table.vectors[copy.rows])
            exclude = set(rng.choice(table.ids, size=3, replace=False).tolist())
            allowed = table.candidates(key, exclude)
            query = np.ones((1, 8), dtype=np.float32) / np.sqrt(8.0)
            found = [hit.item_id for hit in table.search(query, 5, allowed)[0]]
            assert found == _exact(table, group, exclude)


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

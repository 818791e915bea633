"""Any table file as numbered rows: CSV, Parquet and JSON Lines read the same way."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tastemaker.datasets.schema import BadRow
from tastemaker.datasets.tables import read_table
from tastemaker.errors import DataError

ROWS = [
    {"user": "a", "item": "0108775015", "rating": "4"},
    {"user": "b", "item": "2", "rating": None},
]


def test_csv_parquet_and_jsonl_give_the_same_cells(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS)
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_json(tmp_path / "t.jsonl", orient="records", lines=True)
    read = {}
    for name in ("t.csv", "t.parquet", "t.jsonl"):
        problems: list[BadRow] = []
        table = read_table(tmp_path / name, problems)
        read[name] = [
            (cells["user"], cells["item"], cells["rating"] or None) for _, cells in table.rows
        ]
        assert problems == []
        assert table.header == ("user", "item", "rating")
    assert read["t.csv"] == read["t.parquet"] == read["t.jsonl"] == [
        ("a", "0108775015", "4"), ("b", "2", None),
    ]  # fmt: skip


def test_csv_rows_are_numbered_by_file_line_and_bad_ones_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'user,item\na,1\n"b\nb",2\nc\n\xff\xfe,3\nd,4\n')
    problems: list[BadRow] = []
    rows = list(read_table(path, problems).rows)
    assert [(line, cells["item"]) for line, cells in rows] == [
        (2, "1"),
        (3, "2"),
        (6, "3"),
        (7, "4"),
    ]
    assert [(p.line, p.repaired) for p in problems] == [(5, False), (6, True)]
    assert "expected 2 fields, found 1" in problems[0].reason


def test_jsonl_lines_that_are_not_objects_are_named(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"user": "a", "item": 1}\nnot json\n[1]\n{"user": "b", "item": 2.0}\n')
    problems: list[BadRow] = []
    rows = list(read_table(path, problems).rows)
    assert [cells for _, cells in rows] == [{"user": "a", "item": "1"}, {"user": "b", "item": "2"}]
    assert [(p.line, p.reason.split(":")[0]) for p in problems] == [
        (2, "not valid JSON"), (3, "not a JSON object"),
    ]  # fmt: skip


@pytest.mark.parametrize(("name", "body"), [("e.csv", b""), ("e.jsonl", b""), ("x.parquet", b"no")])
def test_unreadable_files_are_data_errors_naming_the_file(
    tmp_path: Path, name: str, body: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(body)
    with pytest.raises(DataError, match=name):
        read_table(path, [])
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "missing.csv", [])

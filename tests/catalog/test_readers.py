from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tastemaker.catalog.readers import RawRow, RowProblem, read_rows
from tastemaker.errors import CatalogError


def test_json_lines_read_through_gzip_with_physical_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "meta.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write('{"asin": "A1", "title": "Tee"}\n\n{"asin": "A2", "title": "Cap", "x": 1}\n')
    rows = read_rows(path, {"asin": "id", "title": "name"})
    assert rows.header == ["asin", "title", "x"]  # every key any line uses
    assert [(r.line, r.fields) for r in rows if isinstance(r, RawRow)] == [
        (1, {"id": "A1", "name": "Tee"}),
        (3, {"id": "A2", "name": "Cap"}),
    ]


def test_csv_reads_through_gzip(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv.gz"
    path.write_bytes(gzip.compress(b"id,name,colour\n1,Shirt,Navy\n"))
    assert [r.fields for r in read_rows(path) if isinstance(r, RawRow)] == [
        {"id": "1", "name": "Shirt", "base_colour": "Navy"}  # "colour" names base_colour
    ]


def test_a_truncated_gzip_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "meta.jsonl.gz"
    whole = gzip.compress(b'{"id": "1", "name": "a"}\n' * 2000)
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CatalogError, match=r"meta\.jsonl\.gz: cannot be read"):
        list(read_rows(path))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[{"id": "1", "name": "a"}]\n', "a JSON array; expected JSON Lines"),
        ("not json\n", "no line is a JSON object"),
        ('{"sku": "1"}\n', "no column for required field 'id'"),
    ],
)
def test_unreadable_json_lines_files_are_named(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"items\.jsonl: " + message):
        read_rows(path)


def test_a_layout_column_the_file_lacks_is_skipped_a_map_column_is_an_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("sku,title\n1,Shirt\n", encoding="utf-8")
    rows = read_rows(path, layout_columns={"sku": "id", "title": "name", "price_usd": "price"})
    assert rows.absent == ("price_usd",)
    assert [r.fields for r in rows if isinstance(r, RawRow)] == [{"id": "1", "name": "Shirt"}]
    with pytest.raises(CatalogError, match=r"--map names column.* price_usd not in the header"):
        read_rows(path, {"price_usd": "price"}, layout_columns={"sku": "id", "title": "name"})


def test_non_json_lines_are_rejected_rows(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"id": "1", "name": "a"}\n{"id": "2",\n7\n', encoding="utf-8")
    problems = [r for r in read_rows(path) if isinstance(r, RowProblem)]
    assert [(p.line, p.reason.split(":")[0]) for p in problems] == [
        (2, "not valid JSON"),
        (3, "a JSON int, expected an object"),
    ]

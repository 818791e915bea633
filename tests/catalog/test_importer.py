from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tastemaker.catalog.importer import import_catalog, parse_column_map
from tastemaker.errors import CatalogError
from tastemaker.store import Store
from tastemaker.store.items import count_items, get_item

HEADER = (
    "id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,"
    "productDisplayName\n"
)
GOOD = [
    "1,Men,Apparel,Topwear,Shirts,Navy Blue,Fall,2011.0,Casual,Turtle Men Navy Blue Shirt\n",
    "2,Women,Footwear,Shoes,Heels,Black,Winter,2016.0,Party,Quill Women Black Heels\n",
]


def _write(path: Path, body: str | bytes) -> Path:
    if isinstance(body, str):
        body = body.encode("utf-8")
    path.write_bytes(body)
    return path


def test_unquoted_commas_in_the_name_are_joined_and_reported(store: Store, tmp_path: Path) -> None:
    row = "3,Men,Apparel,Topwear,Tshirts,Red,Summer,2012.0,Casual,Nike Men, Red, Polo Tshirt\n"
    report = import_catalog(store, _write(tmp_path / "s.csv", HEADER + GOOD[0] + row))
    assert report.inserted == 2
    assert [p.line for p in report.repaired] == [3]
    assert "joined 2 extra field" in report.repaired[0].reason
    item = get_item(store, "3")
    assert item is not None
    assert item.name == "Nike Men, Red, Polo Tshirt"


def test_bad_rows_are_reported_by_line_and_good_rows_stored(store: Store, tmp_path: Path) -> None:
    body = (
        HEADER
        + GOOD[0]
        + "1,Men,Apparel,Topwear,Shirts,Blue,Fall,2011.0,Casual,Duplicate Shirt\n"  # line 3
        + "4,Men,Apparel,Topwear,Shirts,Blue,Fall,2011.0,Casual,\n"  # line 4: no name
        + ",Men,Apparel,Topwear,Shirts,Blue,Fall,2011.0,Casual,No Id\n"  # line 5: no id
        + "6,Martian,Apparel,Topwear,Shirts,Blue,Fall,2011.0,Casual,Odd Gender\n"  # line 6
        + "7,Men,Apparel,Topwear,Shirts,Blue,Fall,twenty,Casual,Bad Year\n"  # line 7
        + "8,Men,Apparel\n"  # line 8: too few fields
        + GOOD[1]  # line 9
    )
    report = import_catalog(store, _write(tmp_path / "s.csv", body))
    problems = {p.line: (p.field, p.reason) for p in report.rejected}
    assert set(problems) == {3, 4, 5, 6, 7, 8}
    assert problems[3][0] == "id"
    assert "first seen on line 2" in problems[3][1]
    assert problems[4] == ("name", "missing")
    assert problems[5] == ("id", "missing")
    assert problems[6][0] == "gender"
    assert problems[7][0] == "year"
    assert "expected 10 fields, found 3" in problems[8][1]
    assert report.inserted == 2
    stored = get_item(store, "1")
    assert stored is not None
    assert stored.name == "Turtle Men Navy Blue Shirt"  # the first of the duplicates wins


def test_non_utf8_bytes_spoil_only_their_row(store: Store, tmp_path: Path) -> None:
    bad = b"5,Men,Apparel,Topwear,Shirts,Blue,Fall,2011.0,Casual,Caf\xe9 Shirt\n"
    path = _write(tmp_path / "s.csv", (HEADER + GOOD[0]).encode() + bad + GOOD[1].encode())
    report = import_catalog(store, path)
    assert [(p.line, p.field) for p in report.rejected] == [(3, "name")]
    assert "UTF-8" in report.rejected[0].reason
    assert report.inserted == 2


def test_quoted_names_with_commas_and_newlines_keep_their_line_numbers(
    store: Store, tmp_path: Path
) -> None:
    body = (
        HEADER
        + '9,Men,Apparel,Topwear,Shirts,Blue,Fall,2011.0,Casual,"Shirt, ""Classic""\nEdition"\n'
        + "10,Men,Apparel,Topwear,Shirts,Blue,Fall,2011.0,Casual,\n"
    )
    report = import_catalog(store, _write(tmp_path / "s.csv", body))
    item = get_item(store, "9")
    assert item is not None
    assert item.name == 'Shirt, "Classic"\nEdition'
    assert [p.line for p in report.rejected] == [4]


@pytest.mark.parametrize("body", [b"", b"\n\n"])
def test_an_empty_file_is_a_clear_error(store: Store, tmp_path: Path, body: bytes) -> None:
    with pytest.raises(CatalogError, match=r"s\.csv: .*empty"):
        import_catalog(store, _write(tmp_path / "s.csv", body))


def test_header_only_imports_nothing(store: Store, tmp_path: Path) -> None:
    report = import_catalog(store, _write(tmp_path / "s.csv", HEADER))
    assert (report.rows_read, report.stored, report.rejected) == (0, 0, [])


def test_reimport_updates_changed_rows_and_duplicates_nothing(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "".join(GOOD))
    import_catalog(store, path)
    _write(path, HEADER + GOOD[0].replace("Navy Blue,", "Black,") + GOOD[1])
    report = import_catalog(store, path)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    assert count_items(store) == 2
    item = get_item(store, "1")
    assert item is not None
    assert item.base_colour == "Black"


def test_a_failed_import_loses_nothing_already_stored(store: Store, tmp_path: Path) -> None:
    import_catalog(store, _write(tmp_path / "s.csv", HEADER + "".join(GOOD)))
    with pytest.raises(CatalogError):
        import_catalog(store, _write(tmp_path / "broken.csv", b"title\nno id column\n"))
    assert count_items(store) == 2


def test_items_without_an_image_are_kept_and_flagged(store: Store, tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "1.jpg").write_bytes(b"\xff\xd8")
    _write(tmp_path / "styles.csv", HEADER + "".join(GOOD))
    report = import_catalog(store, tmp_path)
    one, two = get_item(store, "1"), get_item(store, "2")
    assert one is not None
    assert two is not None
    assert one.image_path == str((tmp_path / "images" / "1.jpg").resolve())
    assert two.image_path is None
    assert report.without_image == 1


def test_generic_csv_with_a_column_map(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "shop.csv", "sku,title,colour\nA-1,Linen Shirt,White\nA-2,,Red\n")
    report = import_catalog(
        store, path, column_map=parse_column_map(["sku=id", "title=name", "colour=base_colour"])
    )
    assert report.inserted == 1
    assert [(p.line, p.field) for p in report.rejected] == [(3, "name")]
    item = get_item(store, "A-1")
    assert item is not None
    assert (item.name, item.base_colour) == ("Linen Shirt", "White")


def test_parquet_with_a_column_map(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "shop.parquet"
    pd.DataFrame(
        {"sku": [1, 2, 2], "title": ["Wool Coat", "Silk Scarf", "Again"], "year": [2020, None, 1]}
    ).to_parquet(path)
    report = import_catalog(store, path, column_map={"sku": "id", "title": "name"})
    assert report.inserted == 2
    assert {p.line for p in report.rejected} == {3}
    coat = get_item(store, "1")
    assert coat is not None
    assert coat.year == 2020


@pytest.mark.parametrize(
    ("pairs", "message"),
    [(["title"], "expected source_column=field"), (["title=colour"], "unknown field")],
)
def test_bad_column_maps_are_named(
    store: Store, tmp_path: Path, pairs: list[str], message: str
) -> None:
    path = _write(tmp_path / "shop.csv", "sku,title\n1,Shirt\n")
    with pytest.raises(CatalogError, match=message):
        import_catalog(store, path, column_map=parse_column_map(pairs))


def test_real_catalogue_imports_every_valid_row(store: Store, fashion_catalog: Path) -> None:
    report = import_catalog(store, fashion_catalog)
    assert report.rows_read == 44446
    assert report.stored == report.rows_read - len(report.rejected)
    assert len(report.rejected) < 50  # a handful of rows have 'NA' as their name
    assert all(p.field == "name" for p in report.rejected)
    assert report.stored - report.without_image > 43_000
    again = import_catalog(store, fashion_catalog)
    assert (again.inserted, again.updated) == (0, 0)
    assert again.unchanged == report.stored

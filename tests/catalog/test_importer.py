from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from tastemaker.catalog.importer import import_catalog
from tastemaker.catalog.layout import load_layout, parse_column_map, parse_value_map
from tastemaker.errors import CatalogError, ConfigError
from tastemaker.store import Store, open_store
from tastemaker.store.items import count_items, get_item, iter_items
from tastemaker.store.migrations import MIGRATIONS

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
        + "6,Men,Apparel,Topwear,Shirts,Blue,Monsoon,2011.0,Casual,\n"  # line 6: no name
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
    assert problems[6] == ("name", "missing")  # its unknown season is not counted: not stored
    assert problems[7][0] == "year"
    assert "expected 10 fields, found 3" in problems[8][1]
    assert report.inserted == 2
    assert report.unknown_values == {}
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
    ("pairs", "error", "message"),
    [
        (["title"], ConfigError, "expected source_column=field"),
        (["title=size"], CatalogError, "unknown field"),
        (["title=name", "sku=name"], CatalogError, "all map to field 'name'"),
    ],
)
def test_bad_column_maps_are_named(
    store: Store, tmp_path: Path, pairs: list[str], error: type[Exception], message: str
) -> None:
    path = _write(tmp_path / "shop.csv", "sku,title\n1,Shirt\n")
    with pytest.raises(error, match=message):
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


# Retail layouts: H&M articles.csv and Amazon metadata ----------------------------------------

DATA = Path(__file__).resolve().parent / "data"
HM_ARTICLES = DATA / "hm_articles.csv"
AMAZON_META = DATA / "amazon_meta.jsonl"
#: What the built-in hm-articles layout maps index_group_name to; other groups stay empty.
HM_GENDERS = {"Ladieswear": "Women", "Menswear": "Men", "Divided": "Women"}


def _hm_rows() -> list[dict[str, str]]:
    with HM_ARTICLES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_hm_fixture_covers_what_the_tests_claim() -> None:
    rows = _hm_rows()
    assert len(rows) >= 30
    assert {r["index_group_name"] for r in rows} == {
        "Ladieswear", "Menswear", "Divided", "Baby/Children", "Sport",
    }  # fmt: skip
    assert all(r["article_id"].startswith("0") and len(r["article_id"]) == 10 for r in rows)
    assert sum("," in r["detail_desc"] for r in rows) > 10  # quoted commas
    assert any('"' in r["detail_desc"] for r in rows)
    assert any(not r["detail_desc"] for r in rows)


def test_hm_articles_import_every_row_with_gender_mapped_and_description_kept(
    store: Store,
) -> None:
    rows = _hm_rows()
    report = import_catalog(store, HM_ARTICLES, layout=load_layout("hm-articles"))
    assert (report.rows_read, report.inserted, report.rejected) == (len(rows), len(rows), [])
    assert count_items(store) == len(rows)
    for row in rows:
        item = get_item(store, row["article_id"])  # the leading zero is kept
        assert item is not None, row["article_id"]
        assert item.name == row["prod_name"]
        assert item.gender == HM_GENDERS.get(row["index_group_name"])
        assert item.description == (row["detail_desc"] or None)
        assert item.master_category == row["product_group_name"]
        assert item.article_type == row["product_type_name"]
        assert item.sub_category == row["garment_group_name"]
        assert item.base_colour == row["colour_group_name"]
    unmapped = Counter(
        ("gender", r["index_group_name"]) for r in rows if r["index_group_name"] not in HM_GENDERS
    )
    assert report.unknown_values == unmapped
    assert set(dict(unmapped)) == {("gender", "Baby/Children"), ("gender", "Sport")}
    assert f"gender: 'Baby/Children' unknown in {unmapped['gender', 'Baby/Children']} rows" in (
        "\n".join(report.warnings())
    )
    again = import_catalog(store, HM_ARTICLES, layout=load_layout("hm-articles"))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(rows))


def test_value_maps_override_the_layout_and_may_store_empty_on_purpose(store: Store) -> None:
    report = import_catalog(
        store,
        HM_ARTICLES,
        layout=load_layout("hm-articles"),
        value_map=parse_value_map(
            ["gender:Divided=Girls", "gender:baby/children=Unisex", "gender:Sport="]
        ),
    )
    assert report.unknown_values == {}  # Sport is mapped to empty: on purpose, not unknown
    genders = {r["index_group_name"]: r["article_id"] for r in _hm_rows()}
    expected = {"Ladieswear": "Women", "Divided": "Girls", "Baby/Children": "Unisex", "Sport": None}
    for group, gender in expected.items():
        item = get_item(store, genders[group])
        assert item is not None
        assert item.gender == gender


def test_map_on_the_command_line_takes_a_field_from_the_layout(store: Store) -> None:
    import_catalog(
        store,
        HM_ARTICLES,
        layout=load_layout("hm-articles"),
        column_map={"section_name": "sub_category"},
    )
    row = _hm_rows()[0]
    item = get_item(store, row["article_id"])
    assert item is not None
    assert item.sub_category == row["section_name"]


def test_unknown_closed_values_are_stored_empty_and_counted(store: Store, tmp_path: Path) -> None:
    body = (
        HEADER
        + GOOD[0]
        + "6,Martian,Apparel,Topwear,Shirts,Blue,Monsoon,2011.0,Casual,Odd Shirt\n"
        + "7,Martian,Apparel,Topwear,Shirts,Blue,Fall,2011.0,Casual,Odd Shirt Two\n"
    )
    report = import_catalog(store, _write(tmp_path / "s.csv", body))
    assert (report.inserted, report.rejected) == (3, [])
    assert report.unknown_values == {("gender", "Martian"): 2, ("season", "Monsoon"): 1}
    assert report.warnings() == [
        "gender: 'Martian' unknown in 2 rows (stored empty)",
        "season: 'Monsoon' unknown in 1 row (stored empty)",
    ]
    odd = get_item(store, "6")
    assert odd is not None
    assert (odd.gender, odd.season, odd.name) == (None, None, "Odd Shirt")
    assert report.as_dict()["unknown_values"] == [
        {"field": "gender", "value": "Martian", "rows": 2},
        {"field": "season", "value": "Monsoon", "rows": 1},
    ]


def test_amazon_metadata_lines_import_every_product(store: Store) -> None:
    lines = [json.loads(line) for line in AMAZON_META.read_text(encoding="utf-8").splitlines()]
    report = import_catalog(store, AMAZON_META, layout=load_layout("amazon-meta"))
    assert (report.rows_read, report.inserted, report.rejected) == (len(lines), len(lines), [])
    assert report.absent_columns == ["parent_asin", "store"]  # the 2023 release's names
    fleece = get_item(store, "B000ALPINE1")
    assert fleece is not None
    assert (fleece.brand, fleece.price) == ("Alpine Trail", 34.99)
    assert fleece.description == " ".join(lines[0]["description"])
    prices = {}
    for line in lines:
        item = get_item(store, line["asin"])
        assert item is not None
        assert item.name == line["title"]
        prices[line["asin"]] = item.price
    assert prices["B00HARBOR02"] is None  # "" in the file
    assert prices["B00KESTREL2"] is None  # no price key
    assert prices["B00KESTREL1"] == 1299.0  # "$1,299.00"
    shoe, belt = get_item(store, "B00KESTREL1"), get_item(store, "B00LUMINA02")
    assert shoe is not None
    assert belt is not None
    assert (shoe.description, belt.brand) == (None, None)  # [] and ""


def test_the_amazon_layout_reads_the_2023_release_too(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "meta.jsonl"
    lines = [
        {"parent_asin": "B0C1", "title": "Wrap Skirt", "store": "Quill", "price": 21.5,
         "description": [], "features": ["Midi length"]},
        {"parent_asin": "B0C2", "title": "Clogs", "store": None, "price": None},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    report = import_catalog(store, path, layout=load_layout("amazon-meta"))
    assert (report.inserted, report.rejected) == (2, [])
    skirt = get_item(store, "B0C1")
    assert skirt is not None
    assert (skirt.brand, skirt.price, skirt.description) == ("Quill", 21.5, None)


def test_bad_json_lines_and_prices_are_rejected_by_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "meta.jsonl"
    path.write_text(
        '{"asin": "A1", "title": "Good Tee", "price": "$9.99"}\n'
        '{"asin": "A2", "title": "Broken\n'  # line 2: not JSON
        "\n"
        '["A3", "a list"]\n'  # line 4
        '{"asin": "A4", "title": "Range Tee", "price": "$5.99 - $9.99"}\n'  # line 5
        '{"asin": "A5", "title": ["two", "titles"]}\n',  # line 6
        encoding="utf-8",
    )
    report = import_catalog(store, path, layout=load_layout("amazon-meta"))
    problems = {p.line: p for p in report.rejected}
    assert set(problems) == {2, 4, 5, 6}
    assert "not valid JSON" in problems[2].reason
    assert "expected an object" in problems[4].reason
    assert (problems[5].field, problems[5].item_id) == ("price", "A4")
    assert "'$5.99 - $9.99' is not a price" in str(problems[5])
    assert problems[6].field == "name"
    assert report.inserted == 1


def test_a_mapping_file_with_an_unknown_key_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "layout.toml"
    path.write_text('[columns]\ntitle = "name"\n\n[colums]\nsku = "id"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"layout\.toml: colums: Extra inputs"):
        load_layout(str(path))


def test_reimporting_the_sample_into_a_store_from_before_the_new_fields_updates_nothing(
    tmp_path: Path, sample_catalog: Path
) -> None:
    """A store written before brand/price/description existed: schema 2, the hash of the eleven
    fields it had. Upgrading and re-importing the same catalogue must rewrite no row."""
    path = tmp_path / "old.sqlite"
    with open_store(tmp_path / "scratch.sqlite") as scratch:
        import_catalog(scratch, sample_catalog)
        items = list(iter_items(scratch))
    conn = sqlite3.connect(path)
    for statements in MIGRATIONS[:2]:
        for statement in statements:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    old_fields = (
        "id", "name", "gender", "master_category", "sub_category", "article_type",
        "base_colour", "season", "year", "usage", "image_path",
    )  # fmt: skip
    for item in items:
        payload = {f: getattr(item, f) for f in old_fields}
        digest = hashlib.sha256(
            json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        ).hexdigest()
        conn.execute(
            f"INSERT INTO items ({', '.join(old_fields)}, has_image, source, content_hash) "
            f"VALUES ({', '.join('?' * (len(old_fields) + 3))})",
            (*payload.values(), int(item.has_image), "old", digest),
        )
    conn.commit()
    conn.close()
    with open_store(path) as upgraded:
        report = import_catalog(upgraded, sample_catalog)
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, len(items))

from __future__ import annotations

from pathlib import Path

import pytest

from tastemaker.catalog.layout import builtin_layouts, load_layout, parse_value_map
from tastemaker.errors import ConfigError


def test_the_built_in_layouts_load_by_name() -> None:
    assert builtin_layouts() == ["amazon-meta", "hm-articles"]
    hm = load_layout("hm-articles")
    assert hm.columns["article_id"] == "id"
    assert hm.columns["detail_desc"] == "description"
    assert hm.values["gender"] == {"Ladieswear": "Women", "Menswear": "Men", "Divided": "Women"}
    amazon = load_layout("amazon-meta")
    assert (amazon.columns["asin"], amazon.columns["title"]) == ("id", "name")


def test_a_path_is_read_before_a_built_in_name(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    path.write_text(
        'about = "my shop"\n[columns]\nshade = "colour"\n'
        '[values.gender]\nF = "women"\n[values.colour]\nnavy = "Navy Blue"\n',
        encoding="utf-8",
    )
    layout = load_layout(str(path))
    assert layout.columns == {"shade": "colour"}  # resolved to base_colour by the reader
    # the alias resolved, the closed field's target in its canonical spelling
    assert layout.values == {"gender": {"F": "Women"}, "base_colour": {"navy": "Navy Blue"}}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[colums]\nsku = "id"\n', "colums: Extra inputs are not permitted"),
        ('[columns]\nsku = "identifier"\n', "sku = 'identifier': unknown field"),
        ('[values.year]\n"2010" = "2011"\n', "'year' cannot take a value map"),
        ('[values.gender]\nLadieswear = "Ladies"\n', "'Ladieswear' maps to 'Ladies', not one of"),
        ("[columns\n", "not valid TOML"),
    ],
)
def test_a_bad_layout_file_names_the_key(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml: .*" + message.replace("(", r"\(")):
        load_layout(str(path))


def test_an_unknown_layout_name_lists_the_built_in_ones() -> None:
    with pytest.raises(ConfigError, match=r"no such file, nor a built-in layout \(amazon-meta"):
        load_layout("zara")


def test_value_map_pairs() -> None:
    assert parse_value_map(
        ["gender:Ladieswear=women", "gender:Sport=", "colour:Navy=Navy Blue", "usage:a=b=c"]
    ) == {
        "gender": {"Ladieswear": "Women", "Sport": ""},
        "base_colour": {"Navy": "Navy Blue"},
        "usage": {"a=b": "c"},  # the target follows the last '='
    }


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("Ladieswear=Women", "expected field:source_value=target_value"),
        ("gender:Ladieswear", "expected field:source_value=target_value"),
        ("gender:=Women", "expected field:source_value=target_value"),
        ("season:Monsoon=Wet", "not one of Spring, Summer, Fall, Winter"),
        ("name:a=b", "'name' cannot take a value map"),
    ],
)
def test_bad_value_map_pairs_are_named(pair: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"--value-map '{pair}': .*{message}"):
        parse_value_map([pair])

"""Pools: the shipped file loads, and a user's file with a mistake is an error naming it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tastemaker.errors import ConfigError
from tastemaker.personas.pools import (
    DEFAULT_POOLS_PATH,
    SCALAR_ATTRIBUTES,
    Pools,
    age_range,
    load_pools,
)
from tastemaker.personas.schema import NAME_WORD_PATTERN

SMALL = """
gender = ["woman", "man"]
age_band = ["18-29", "30+"]
occupation = ["nurse", "chef"]
region = ["North"]
aesthetic = ["minimalist", "grunge"]
palette = ["neutrals"]
budget = ["low", "high"]
brands_per_persona = 2
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pools.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_pools_load_with_budget_tiers(pools: Pools) -> None:
    assert DEFAULT_POOLS_PATH.is_file()
    assert pools.gender == ["woman", "man"]
    assert isinstance(pools.brands, dict)
    assert list(pools.brands) == pools.budget
    for attribute in SCALAR_ATTRIBUTES:
        assert pools.values(attribute)
    assert len(pools.all_brands()) == len(set(pools.all_brands()))


def test_shipped_first_names_cover_every_gender_and_region_and_decode(pools: Pools) -> None:
    for gender in pools.gender:
        for region in pools.region:
            names = pools.first_names_for(gender, region)
            assert names is not None
            assert len(names) >= 8, (gender, region)
            for name in names:  # the constrained decoder must be able to write "<name> <last>"
                assert re.fullmatch(NAME_WORD_PATTERN, name), name


def test_first_names_are_optional_and_may_be_one_list_per_gender(tmp_path: Path) -> None:
    assert load_pools(write(tmp_path, SMALL + 'brands = ["A", "B"]\n')).first_names is None
    text = SMALL + 'brands = ["A", "B"]\n[first_names]\nwoman = ["Anna"]\nman = ["Jonas"]\n'
    pools = load_pools(write(tmp_path, text))
    assert pools.first_names_for("man", "North") == ["Jonas"]
    assert pools.first_names_for("non-binary", "North") is None


@pytest.mark.parametrize(
    ("table", "complaint"),
    [
        ('woman = ["Anna"]\nmen = ["Jonas"]', r"gender values; missing: \['man'\]"),
        ('woman = ["Anna"]\n[first_names.man]\nSouth = ["Jonas"]', r"missing: \['North'\]"),
        ('woman = ["anna"]\nman = ["Jonas"]', "cannot be decoded as a name"),
        ('woman = ["Łucja"]\nman = ["Jonas"]', "cannot be decoded as a name"),
        ('woman = ["Anna", "Anna"]\nman = ["Jonas"]', "duplicate values"),
    ],
)
def test_bad_first_names_are_config_errors(tmp_path: Path, table: str, complaint: str) -> None:
    text = SMALL + f'brands = ["A", "B"]\n[first_names]\n{table}\n'
    with pytest.raises(ConfigError, match=complaint):
        load_pools(write(tmp_path, text))


def test_flat_brand_list_is_accepted(tmp_path: Path) -> None:
    pools = load_pools(write(tmp_path, SMALL + 'brands = ["A", "B", "C"]\n'))
    assert pools.brands_for("low") == ["A", "B", "C"]
    assert pools.all_brands() == ["A", "B", "C"]


def test_misspelt_key_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL.replace("aesthetic =", "aesthetc =") + 'brands = ["A", "B"]\n')
    with pytest.raises(ConfigError) as info:
        load_pools(path)
    message = str(info.value)
    assert str(path) in message
    assert "aesthetc" in message  # the unknown key
    assert "aesthetic" in message  # and the one now missing


def test_brand_tiers_must_match_the_budget_values(tmp_path: Path) -> None:
    text = SMALL + '[brands]\nlow = ["A", "B"]\nhihg = ["C", "D"]\n'
    with pytest.raises(ConfigError, match=r"missing tiers: \['high'\].*not in budget: \['hihg'\]"):
        load_pools(write(tmp_path, text))


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ('gender = ["woman", "woman"]', "duplicate values"),
        ("gender = []", "gender"),
        ('gender = ["woman", "  "]', "non-empty"),
        ("brands_per_persona = 3", "brands_per_persona is 3"),
    ],
)
def test_bad_values_are_config_errors(tmp_path: Path, change: str, complaint: str) -> None:
    key = change.split(" =")[0]
    lines = [line for line in SMALL.splitlines() if not line.startswith(f"{key} =")]
    text = "\n".join([*lines, change, 'brands = ["A", "B"]', ""])
    with pytest.raises(ConfigError, match=complaint):
        load_pools(write(tmp_path, text))


def test_missing_file_and_bad_toml_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_pools(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_pools(write(tmp_path, "gender = [woman"))


@pytest.mark.parametrize(
    ("band", "expected"),
    [("25-34", (25, 34)), ("65+", (65, 80)), (" 18 – 24 ", (18, 24)), ("young", None)],
)
def test_age_range_reads_bands(band: str, expected: tuple[int, int] | None) -> None:
    assert age_range(band) == expected

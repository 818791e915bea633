from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tastemaker.catalog.schema import FieldError, item_from_fields


def test_normalises_case_and_float_years_and_ids() -> None:
    item = item_from_fields(
        {"id": "15970.0", "name": " Shirt ", "gender": "men", "season": "FALL", "year": "2011.0"}
    )
    assert (item.id, item.name, item.gender, item.season, item.year) == (
        "15970",
        "Shirt",
        "Men",
        "Fall",
        2011,
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id": "1"}, "name"),
        ({"id": "1", "name": "NA"}, "name"),
        ({"id": "../etc", "name": "x"}, "id"),
        ({"id": "1", "name": "x", "year": "1850"}, "year"),
        ({"id": "1", "name": "x", "season": "Monsoon"}, "season"),
        ({"id": "1", "name": "x" * 301}, "name"),
    ],
)
def test_bad_fields_are_named(fields: dict[str, object], field: str) -> None:
    with pytest.raises(FieldError) as info:
        item_from_fields(fields)
    assert info.value.field == field


#: Cells that mean "missing" (see ``_clean``), so never a valid id or name.
MISSING_MARKERS = {"NA", "NAN", "NULL"}


@given(
    item_id=st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True).filter(
        lambda s: s.upper() not in MISSING_MARKERS
    ),
    name=st.text(min_size=1, max_size=80).filter(
        lambda s: s.strip() and s.strip().upper() not in MISSING_MARKERS
    ),
)
def test_valid_rows_round_trip_through_the_content_hash(item_id: str, name: str) -> None:
    a = item_from_fields({"id": item_id, "name": name})
    b = item_from_fields({"id": item_id, "name": name})
    assert a == b
    assert a.content_hash() == b.content_hash()
    assert a.name == name.strip()

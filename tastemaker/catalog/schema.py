"""The item schema: the fields tastemaker knows, how they are checked and normalised.

Column names in the store are snake_case; the Fashion Product Images ``styles.csv`` uses
camelCase, so :data:`STYLES_COLUMNS` maps one onto the other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Final

__all__ = [
    "FIELDS",
    "GENDERS",
    "OPTIONAL_FIELDS",
    "REQUIRED_FIELDS",
    "STYLES_COLUMNS",
    "FieldError",
    "Item",
    "item_from_fields",
]

REQUIRED_FIELDS: Final = ("id", "name")
OPTIONAL_FIELDS: Final = (
    "gender",
    "master_category",
    "sub_category",
    "article_type",
    "base_colour",
    "season",
    "year",
    "usage",
)
FIELDS: Final = REQUIRED_FIELDS + OPTIONAL_FIELDS

#: ``styles.csv`` column -> item field.
STYLES_COLUMNS: Final[dict[str, str]] = {
    "id": "id",
    "productDisplayName": "name",
    "gender": "gender",
    "masterCategory": "master_category",
    "subCategory": "sub_category",
    "articleType": "article_type",
    "baseColour": "base_colour",
    "season": "season",
    "year": "year",
    "usage": "usage",
}

#: Accepted genders, keyed by their lower-case spelling.
GENDERS: Final[dict[str, str]] = {g.lower(): g for g in ("Men", "Women", "Boys", "Girls", "Unisex")}
SEASONS: Final[dict[str, str]] = {s.lower(): s for s in ("Spring", "Summer", "Fall", "Winter")}
_MAX_TEXT = 300
_YEARS = range(1900, 2101)


class FieldError(ValueError):
    """One field of one row is missing or has a bad value."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Item:
    """One catalogue item as stored. ``image_path`` is absolute, or None when no image exists."""

    id: str
    name: str
    gender: str | None = None
    master_category: str | None = None
    sub_category: str | None = None
    article_type: str | None = None
    base_colour: str | None = None
    season: str | None = None
    year: int | None = None
    usage: str | None = None
    image_path: str | None = None

    @property
    def has_image(self) -> bool:
        return self.image_path is not None

    def content_hash(self) -> str:
        """A digest of every stored field; a re-import rewrites the row only when it changes."""
        payload = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _clean(value: object) -> str | None:
    """Strip a raw cell; empty cells, NaN and the literal 'NA' count as missing."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from Parquet/pandas
        return None
    text = str(value).strip()
    if not text or text.upper() in {"NA", "NAN", "NULL"}:
        return None
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # surrogateescape'd bytes
        raise ValueError("contains bytes that are not valid UTF-8")
    return text


def _year(text: str) -> int:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a year") from None
    if not number.is_integer() or int(number) not in _YEARS:
        raise ValueError(f"{text!r} is not a year between 1900 and 2100")
    return int(number)


def item_from_fields(raw: dict[str, object], image_path: str | None = None) -> Item:
    """Validate one row keyed by item field; raises :class:`FieldError` on the first bad field."""
    values: dict[str, str | None] = {}
    for field in FIELDS:
        try:
            values[field] = _clean(raw.get(field))
        except ValueError as exc:
            raise FieldError(field, str(exc)) from None
        text = values[field]
        if text is not None and len(text) > _MAX_TEXT:
            raise FieldError(field, f"longer than {_MAX_TEXT} characters")
    for field in REQUIRED_FIELDS:
        if values[field] is None:
            raise FieldError(field, "missing")
    item_id = values["id"]
    assert item_id is not None
    if item_id.endswith(".0") and item_id[:-2].isdigit():
        item_id = item_id[:-2]  # integer ids read back from float columns
    if any(ch in item_id for ch in "/\\\0") or item_id in {".", ".."}:
        raise FieldError("id", f"{item_id!r} contains a path separator")
    gender = values["gender"]
    if gender is not None:
        if gender.lower() not in GENDERS:
            raise FieldError("gender", f"{gender!r} is not one of {', '.join(GENDERS.values())}")
        gender = GENDERS[gender.lower()]
    season = values["season"]
    if season is not None:
        if season.lower() not in SEASONS:
            raise FieldError("season", f"{season!r} is not one of {', '.join(SEASONS.values())}")
        season = SEASONS[season.lower()]
    year: int | None = None
    if values["year"] is not None:
        try:
            year = _year(values["year"])
        except ValueError as exc:
            raise FieldError("year", str(exc)) from None
    name = values["name"]
    assert name is not None
    return Item(
        id=item_id,
        name=name,
        gender=gender,
        master_category=values["master_category"],
        sub_category=values["sub_category"],
        article_type=values["article_type"],
        base_colour=values["base_colour"],
        season=season,
        year=year,
        usage=values["usage"],
        image_path=image_path,
    )

"""The item schema: the fields tastemaker knows, how they are checked and normalised.

Column names in the store are snake_case; the Fashion Product Images ``styles.csv`` uses
camelCase, so :data:`STYLES_COLUMNS` maps one onto the other. ``colour`` is accepted as another
name of ``base_colour`` (:data:`FIELD_ALIASES`): one stored column, two spellings in layouts.

Closed fields (:data:`CLOSED_FIELDS`: gender, season) take one of a fixed set of values;
:func:`item_from_fields` rejects any other, and the importer, which maps values first, stores an
unknown one as empty and counts it instead (see ``importer``). ``description`` may be long
(:data:`MAX_DESCRIPTION`); every other text field is a short label.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, fields
from typing import Final

__all__ = [
    "CLOSED_FIELDS",
    "FIELDS",
    "FIELD_ALIASES",
    "GENDERS",
    "MAX_DESCRIPTION",
    "OPTIONAL_FIELDS",
    "REQUIRED_FIELDS",
    "SEASONS",
    "STYLES_COLUMNS",
    "FieldError",
    "Item",
    "canonical_field",
    "clean_cell",
    "closed_value",
    "item_from_fields",
    "parse_price",
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
    "brand",
    "price",
    "description",
)
FIELDS: Final = REQUIRED_FIELDS + OPTIONAL_FIELDS

#: Other names a layout may use for a field (``--map shade=colour``); stored under the field.
FIELD_ALIASES: Final[dict[str, str]] = {"colour": "base_colour"}

#: Fields added after the first release: left out of :meth:`Item.content_hash` when empty, so
#: rows stored before they existed do not all read as changed on the next import.
_LATER_FIELDS: Final = ("brand", "price", "description")

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
#: Fields whose value is one of a fixed set, keyed by lower-case spelling.
CLOSED_FIELDS: Final[dict[str, dict[str, str]]] = {"gender": GENDERS, "season": SEASONS}
_MAX_TEXT = 300
#: A product description is prose (H&M's ``detail_desc`` runs to about 700 characters).
MAX_DESCRIPTION: Final = 5000
_YEARS = range(1900, 2101)
#: Prices as shops write them: "12.99", "$12.99", "12,99 €" (decimal comma), "1,299.00".
_CURRENCY = "$€£¥₹"
_PLAIN_PRICE = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_THOUSANDS_PRICE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL_COMMA_PRICE = re.compile(r"\d+,\d{1,2}")


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
    brand: str | None = None
    price: float | None = None
    description: str | None = None
    image_path: str | None = None

    @property
    def has_image(self) -> bool:
        return self.image_path is not None

    def content_hash(self) -> str:
        """A digest of every stored field; a re-import rewrites the row only when it changes.

        Empty later fields are left out, so an item without them hashes as it did before they
        were added (a store written then re-imports as unchanged)."""
        # Every field is a scalar, so no deep copy (``asdict``) is needed: a third of the
        # import's time on 44k rows went to it.
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in _LATER_FIELDS:
            if values[name] is None:
                del values[name]
        payload = json.dumps(values, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def canonical_field(name: str) -> str | None:
    """The item field ``name`` stands for (a field or an alias), or None."""
    return name if name in FIELDS else FIELD_ALIASES.get(name)


def closed_value(field: str, text: str) -> str | None:
    """The canonical spelling of ``text`` for closed ``field``, or None when it is not allowed."""
    return CLOSED_FIELDS[field].get(text.strip().lower())


def parse_price(value: object) -> float:
    """A non-negative price from a number or shop text ('12.99', '$12.99', '12,99 €', '1,299').

    A comma followed by exactly three digits groups thousands; followed by one or two digits it
    is a decimal comma. Anything else (ranges such as '$5 - $9', words) is a ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a price")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().strip(_CURRENCY).strip()
        if _THOUSANDS_PRICE.fullmatch(text):
            text = text.replace(",", "")
        elif _DECIMAL_COMMA_PRICE.fullmatch(text):
            text = text.replace(",", ".")
        elif not _PLAIN_PRICE.fullmatch(text):
            raise ValueError(f"{value!r} is not a price")
        number = float(text)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{value!r} is not a non-negative price")
    return number


def clean_cell(value: object) -> str | None:
    """Strip a raw cell; empty cells, NaN and the literal 'NA' count as missing."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from Parquet/pandas
        return None
    text = str(value).strip()
    if not text or text.upper() in {"NA", "NAN", "NULL"}:
        return None
    if not text.isascii():
        try:
            text.encode("utf-8")  # fails on surrogateescape'd bytes (and lone JSON surrogates)
        except UnicodeEncodeError:
            raise ValueError("contains bytes that are not valid UTF-8") from None
    return text


def _year(text: str) -> int:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a year") from None
    if not number.is_integer() or int(number) not in _YEARS:
        raise ValueError(f"{text!r} is not a year between 1900 and 2100")
    return int(number)


def _cell(field: str, value: object) -> str | None:
    """One cleaned text cell; JSON lists are joined for ``description`` and refused elsewhere."""
    if isinstance(value, list) and field == "description":
        parts = (clean_cell(part) for part in value)  # Amazon metadata: a list of paragraphs
        return " ".join(p for p in parts if p) or None
    if isinstance(value, list | dict):
        raise ValueError(f"is a JSON {type(value).__name__}, expected one value")
    text = clean_cell(value)
    limit = MAX_DESCRIPTION if field == "description" else _MAX_TEXT
    if text is not None and len(text) > limit:
        raise ValueError(f"longer than {limit} characters")
    return text


def item_from_fields(raw: dict[str, object], image_path: str | None = None) -> Item:
    """Validate one row keyed by item field; raises :class:`FieldError` on the first bad field."""
    values: dict[str, str | None] = {}
    for field in FIELDS:
        try:
            values[field] = _cell(field, raw.get(field))
        except ValueError as exc:
            raise FieldError(field, str(exc)) from None
    for field in REQUIRED_FIELDS:
        if values[field] is None:
            raise FieldError(field, "missing")
    item_id = values["id"]
    assert item_id is not None
    if item_id.endswith(".0") and item_id[:-2].isdigit():
        item_id = item_id[:-2]  # integer ids read back from float columns
    if any(ch in item_id for ch in "/\\\0") or item_id in {".", ".."}:
        raise FieldError("id", f"{item_id!r} contains a path separator")
    for field, allowed in CLOSED_FIELDS.items():
        text = values[field]
        if text is not None:
            values[field] = closed_value(field, text)
            if values[field] is None:
                raise FieldError(field, f"{text!r} is not one of {', '.join(allowed.values())}")
    year: int | None = None
    if values["year"] is not None:
        try:
            year = _year(values["year"])
        except ValueError as exc:
            raise FieldError("year", str(exc)) from None
    price: float | None = None
    if values["price"] is not None:
        number = raw.get("price")  # JSON and Parquet give numbers; parse text from its cleaned form
        try:
            price = parse_price(number if isinstance(number, int | float) else values["price"])
        except ValueError as exc:
            raise FieldError("price", str(exc)) from None
    name = values["name"]
    assert name is not None
    return Item(
        id=item_id,
        name=name,
        gender=values["gender"],
        master_category=values["master_category"],
        sub_category=values["sub_category"],
        article_type=values["article_type"],
        base_colour=values["base_colour"],
        season=values["season"],
        year=year,
        usage=values["usage"],
        brand=values["brand"],
        price=price,
        description=values["description"],
        image_path=image_path,
    )

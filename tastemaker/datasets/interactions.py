"""Rows of a real interactions file (ratings or events) checked into :class:`Interaction`\\s.

The fields a file can hold, each from a column named after it or mapped with ``--map``:
``user``, ``item`` (required), ``rating`` (an explicit rating, on the declared ``--scale``),
``event`` (``purchase``, ``add_to_cart``, ``click``, ``view``; or ``--event KIND`` for a file
of one kind), ``timestamp`` (Unix seconds — milliseconds when 13 digits or more — or an ISO
date or date-time, read as UTC) and ``weight`` (an event's weight; default
:data:`~tastemaker.datasets.scales.EVENT_WEIGHTS`).

A row with a rating is a rating; any other row is an event. Identical rows (the same user,
item, kind and time: a basket with two of one article) are all kept, numbered by
``occurrence`` in file order, so the key of a row — (dataset, user, item, kind, time,
occurrence) — is the same on every import of the file and a re-import adds nothing.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from pydantic import Field, field_validator

from tastemaker.datasets.scales import EVENT_KINDS, EVENT_WEIGHTS, RatingScale
from tastemaker.datasets.schema import BadRow
from tastemaker.datasets.tables import Table
from tastemaker.errors import ConfigError
from tastemaker.mapping import ImportMapping

__all__ = [
    "INTERACTION_FIELDS",
    "Interaction",
    "InteractionsMapping",
    "parse_interactions",
    "parse_timestamp",
    "resolve_fields",
]

INTERACTION_FIELDS: Final = ("user", "item", "rating", "event", "timestamp", "weight")
_MS_DIGITS: Final = 13


class InteractionsMapping(ImportMapping):
    """A ``--mapping`` file for interactions: columns, value maps, and the file's settings."""

    scale: str | None = Field(default=None, description="Scale of the ratings: 1-5, thumbs, …")
    event: str | None = Field(default=None, description="Event kind of every row without one.")

    @field_validator("event")
    @classmethod
    def _known_event(cls, value: str | None) -> str | None:
        if value is not None and value not in EVENT_KINDS:
            raise ValueError(f"event {value!r} is not one of {', '.join(EVENT_KINDS)}")
        return value


@dataclass(frozen=True, slots=True)
class Interaction:
    """One real interaction: a rating (``value`` on ``scale``, ``rating`` on the model's
    scale) or an event (``value``, ``scale`` and ``rating`` None), with its ``weight``."""

    user_id: str
    item_id: str
    kind: str
    timestamp: int | None
    value: float | None
    scale: str | None
    rating: float | None
    weight: float
    occurrence: int
    line: int

    def key(self, dataset: str) -> str:
        """The row's identity: the same on every import of the same file."""
        parts = (dataset, self.user_id, self.item_id, self.kind, str(self.timestamp),
                 str(self.occurrence))  # fmt: skip
        return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def parse_timestamp(text: str) -> int:
    """Unix seconds from digits (milliseconds when 13+ digits) or an ISO date / date-time."""
    cell = text.strip()
    if cell.isdigit():
        number = int(cell)
        return number // 1000 if len(cell) >= _MS_DIGITS else number
    try:
        moment = datetime.fromisoformat(cell.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{cell!r} is neither Unix seconds nor an ISO date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def resolve_fields(table: Table, mapping: InteractionsMapping) -> dict[str, str]:
    """Field -> source column: the mapping's columns, then columns named like a field."""
    unknown = sorted(set(mapping.columns.values()) - set(INTERACTION_FIELDS))
    if unknown:
        raise ConfigError(
            f"--map targets unknown field(s) {', '.join(unknown)}; "
            f"fields are {', '.join(INTERACTION_FIELDS)}"
        )
    columns = table.columns_for(mapping.columns, INTERACTION_FIELDS, ("user", "item"))
    if "rating" in columns and mapping.scale is None:
        raise ConfigError(
            f"{table.path}: column {columns['rating']!r} holds ratings; declare their scale "
            "with --scale (e.g. 1-5, 0.5-5, thumbs)"
        )
    if "rating" not in columns and "event" not in columns and mapping.event is None:
        raise ConfigError(
            f"{table.path}: no rating or event column; map one, or pass --event "
            f"({', '.join(EVENT_KINDS)}) for a file of one event kind"
        )
    return columns


def parse_interactions(
    table: Table, mapping: InteractionsMapping, problems: list[BadRow]
) -> Iterator[Interaction]:
    """Each good row of ``table`` as an :class:`Interaction`; each bad one into ``problems``
    (named by file, line and field). Raises ConfigError when the layout cannot work at all."""
    columns = resolve_fields(table, mapping)
    scale = RatingScale.from_spec(mapping.scale) if mapping.scale is not None else None
    seen: Counter[tuple[str, str, str, int | None]] = Counter()
    name = table.path.name
    for line, cells in table.rows:

        def cell(field: str, cells: dict[str, str | None] = cells) -> str:
            column = columns.get(field)
            raw = cells.get(column) if column is not None else None
            return mapping.map_value(field, raw.strip()) if raw is not None else ""

        user, item = cell("user"), cell("item")
        if not user or not item:
            problems.append(BadRow(name, line, f"{'user' if not user else 'item'}: missing"))
            continue
        try:
            row = _row(cell, scale, mapping.event)
        except ValueError as exc:
            problems.append(BadRow(name, line, str(exc)))
            continue
        kind, timestamp, value, rating, weight = row
        occurrence = seen[(user, item, kind, timestamp)]
        seen[(user, item, kind, timestamp)] += 1
        yield Interaction(user, item, kind, timestamp, value,
                          None if scale is None or value is None else scale.spec,
                          rating, weight, occurrence, line)  # fmt: skip


def _row(
    cell: Callable[[str], str], scale: RatingScale | None, default_event: str | None
) -> tuple[str, int | None, float | None, float | None, float]:
    """(kind, timestamp, value, model-scale rating, weight) of one row, ``cell`` reading a
    field's mapped text; ValueError names the field that is wrong."""
    stamp = cell("timestamp")
    try:
        timestamp = parse_timestamp(stamp) if stamp else None
    except ValueError as exc:
        raise ValueError(f"timestamp: {exc}") from None
    rated = cell("rating")
    if rated and scale is not None:
        try:
            value = scale.parse(rated)
        except ValueError as exc:
            raise ValueError(f"rating: {exc}") from None
        return "rating", timestamp, value, scale.to_model(value), 1.0
    kind = cell("event").lower() or (default_event or "")
    if not kind:
        raise ValueError("rating/event: the row has neither a rating nor an event")
    if kind not in EVENT_KINDS:
        raise ValueError(f"event: {kind!r} is not one of {', '.join(EVENT_KINDS)}")
    weighted = cell("weight")
    if not weighted:
        return kind, timestamp, None, None, EVENT_WEIGHTS[kind]
    try:
        weight = float(weighted)
    except ValueError:
        raise ValueError(f"weight: {weighted!r} is not a number") from None
    if not math.isfinite(weight) or weight < 0:
        raise ValueError(f"weight: {weighted!r} is not a non-negative number")
    return kind, timestamp, None, None, weight

"""Importing a catalogue into the store without losing good rows to bad ones.

Accepted layouts:

* a Fashion Product Images directory: ``styles.csv`` plus ``images/{id}.jpg``;
* a CSV, Parquet or JSON Lines file, its columns named like ``styles.csv``, like item fields,
  mapped with ``--map source_column=field``, or by a layout (``--mapping``, see ``layout``);
  images from ``--images DIR`` when given.

Every bad row is reported with its line and reason and skipped; the rest is stored in one
transaction, so a failure part-way stores nothing new and loses nothing already stored.
Duplicate ids inside one file keep the first row and report the later ones.

Values are mapped first (``--value-map gender:Ladieswear=Women``); a closed field (gender,
season) whose value is still not one it allows is stored empty and counted per field and
value, so a retailer's own vocabulary costs the field, never the item.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from tastemaker.catalog.images import ImageIndex
from tastemaker.catalog.layout import Layout, parse_column_map
from tastemaker.catalog.readers import RawRow, RowProblem, read_rows
from tastemaker.catalog.schema import (
    CLOSED_FIELDS,
    FieldError,
    Item,
    clean_cell,
    closed_value,
    item_from_fields,
)
from tastemaker.errors import CatalogError
from tastemaker.store.db import Store
from tastemaker.store.items import upsert_items

__all__ = ["ImportReport", "import_catalog", "locate_catalog", "parse_column_map"]


@dataclass(slots=True)
class ImportReport:
    """What one import did: row counts, and every rejected or repaired row."""

    source: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    without_image: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    repaired: list[RowProblem] = field(default_factory=list)
    #: (field, source value) -> stored rows whose closed field held it and was stored empty.
    unknown_values: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: Layout columns the file does not have.
    absent_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def stored(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def warnings(self) -> list[str]:
        """One line per unknown closed-field value, most rows first."""
        return [
            f"{name}: {value!r} unknown in {rows} row{'s' * (rows != 1)} (stored empty)"
            for (name, value), rows in self.unknown_values.most_common()
        ]

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "stored": self.stored,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "without_image": self.without_image,
            "rejected": [str(p) for p in self.rejected],
            "repaired": [str(p) for p in self.repaired],
            "unknown_values": [
                {"field": name, "value": value, "rows": rows}
                for (name, value), rows in self.unknown_values.most_common()
            ],
            "absent_columns": self.absent_columns,
            "seconds": round(self.seconds, 3),
        }


def locate_catalog(path: Path, images: Path | None) -> tuple[Path, Path | None]:
    """Resolve PATH to (table file, images directory); a directory means the styles layout."""
    if path.is_dir():
        styles = path / "styles.csv"
        if not styles.is_file():
            raise CatalogError(f"{path}: directory has no styles.csv")
        default_images = path / "images"
        return styles, images or (default_images if default_images.is_dir() else None)
    if not path.exists():
        raise CatalogError(f"{path}: no such file or directory")
    if images is None and (path.parent / "images").is_dir():
        images = path.parent / "images"
    return path, images


def import_catalog(
    store: Store,
    path: Path,
    *,
    column_map: Mapping[str, str] | None = None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
    layout: Layout | None = None,
    images: Path | None = None,
) -> ImportReport:
    """Read, validate and upsert a catalogue; returns the report (never raises for bad rows).

    ``column_map`` and ``value_map`` (the command line's ``--map``, ``--value-map``) add to
    ``layout`` and override it."""
    started = time.perf_counter()
    table, images_dir = locate_catalog(path, images)
    layout = (layout or Layout()).with_values({f: dict(t) for f, t in (value_map or {}).items()})
    rows = read_rows(table, column_map, layout_columns=layout.columns)
    image_index = ImageIndex(images_dir)
    report = ImportReport(source=str(table), absent_columns=list(rows.absent))
    values = layout.lookup()
    seen: dict[str, int] = {}
    items: list[Item] = []
    for row in rows:
        if isinstance(row, RowProblem):
            (report.repaired if row.repaired else report.rejected).append(row)
            continue
        report.rows_read += 1
        unknown = _map_values(row.fields, values)
        problem = _validate(row, image_index, seen)
        if isinstance(problem, RowProblem):
            report.rejected.append(problem)
            continue
        seen[problem.id] = row.line
        items.append(problem)
        report.without_image += not problem.has_image
        report.unknown_values.update(unknown)
    counts = upsert_items(store, items, source=str(table))
    report.inserted, report.updated, report.unchanged = (
        counts.inserted,
        counts.updated,
        counts.unchanged,
    )
    report.seconds = time.perf_counter() - started
    return report


def _map_values(
    fields: dict[str, object], values: Mapping[str, Mapping[str, str]]
) -> list[tuple[str, str]]:
    """Apply the value maps to ``fields`` in place, then empty closed fields holding a value
    they do not allow; returns those (field, value) pairs."""
    for name, table in values.items():
        cell = fields.get(name)
        if isinstance(cell, str | int | float) and not isinstance(cell, bool):
            target = table.get(str(cell).strip().casefold())
            if target is not None:
                fields[name] = target or None
    unknown: list[tuple[str, str]] = []
    for name in CLOSED_FIELDS:
        cell = fields.get(name)
        if isinstance(cell, list | dict):
            continue  # validation names the field
        try:
            text = clean_cell(cell)
        except ValueError:
            continue  # undecodable bytes: validation rejects the row, naming the field
        if text is not None and closed_value(name, text) is None:
            unknown.append((name, text))
            fields[name] = None
    return unknown


def _validate(row: RawRow, images: ImageIndex, seen: dict[str, int]) -> Item | RowProblem:
    raw_id = row.fields.get("id")
    shown_id = str(raw_id).strip() if raw_id not in (None, "") else None
    try:
        item = item_from_fields(row.fields)
    except FieldError as exc:
        return RowProblem(line=row.line, item_id=shown_id, field=exc.field, reason=exc.reason)
    if item.id in seen:
        return RowProblem(
            line=row.line,
            item_id=item.id,
            field="id",
            reason=f"duplicate id (first seen on line {seen[item.id]}); row skipped",
        )
    image = images.find(item.id)
    return item if image is None else replace(item, image_path=image)

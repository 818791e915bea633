"""Importing a catalogue into the store without losing good rows to bad ones.

Accepted layouts:

* a Fashion Product Images directory: ``styles.csv`` plus ``images/{id}.jpg``;
* a CSV or Parquet file, its columns named like ``styles.csv``, like item fields, or mapped
  with ``--map source_column=field``; images from ``--images DIR`` when given.

Every bad row is reported with its line and reason and skipped; the rest is stored in one
transaction, so a failure part-way stores nothing new and loses nothing already stored.
Duplicate ids inside one file keep the first row and report the later ones.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from tastemaker.catalog.images import ImageIndex
from tastemaker.catalog.readers import RawRow, RowProblem, read_rows
from tastemaker.catalog.schema import FieldError, Item, item_from_fields
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
    seconds: float = 0.0

    @property
    def stored(self) -> int:
        return self.inserted + self.updated + self.unchanged

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
            "seconds": round(self.seconds, 3),
        }


def parse_column_map(pairs: list[str]) -> dict[str, str]:
    """``["name_col=name", ...]`` -> ``{"name_col": "name"}``; a malformed pair is an error."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise CatalogError(f"--map {pair!r}: expected source_column=field")
        mapping[source.strip()] = target.strip()
    return mapping


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
    images: Path | None = None,
) -> ImportReport:
    """Read, validate and upsert a catalogue; returns the report (never raises for bad rows)."""
    started = time.perf_counter()
    table, images_dir = locate_catalog(path, images)
    image_index = ImageIndex(images_dir)
    report = ImportReport(source=str(table))
    seen: dict[str, int] = {}
    items: list[Item] = []
    for row in read_rows(table, column_map):
        if isinstance(row, RowProblem):
            (report.repaired if row.repaired else report.rejected).append(row)
            continue
        report.rows_read += 1
        problem = _validate(row, image_index, seen)
        if isinstance(problem, RowProblem):
            report.rejected.append(problem)
            continue
        seen[problem.id] = row.line
        items.append(problem)
        report.without_image += not problem.has_image
    counts = upsert_items(store, items, source=str(table))
    report.inserted, report.updated, report.unchanged = (
        counts.inserted,
        counts.updated,
        counts.unchanged,
    )
    report.seconds = time.perf_counter() - started
    return report


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

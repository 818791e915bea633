"""Reading catalogue files row by row, reporting bad rows instead of stopping.

CSV files are decoded as UTF-8 with ``surrogateescape`` so that a stray non-UTF-8 byte spoils
only its own row (validation rejects it, naming the line), never the whole file. The public
``styles.csv`` has rows whose product names hold unquoted commas; since the name is the last
column, the extra fields can be joined back losslessly, and such rows are reported as repaired.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from tastemaker.catalog.schema import FIELDS, STYLES_COLUMNS
from tastemaker.errors import CatalogError

__all__ = ["RawRow", "RowProblem", "read_rows", "resolve_columns"]


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row keyed by item field; ``line`` is the file line (header = 1) or Parquet row."""

    line: int
    fields: dict[str, object]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that was rejected (``repaired=False``) or fixed and kept (``repaired=True``)."""

    line: int
    reason: str
    item_id: str | None = None
    field: str | None = None
    repaired: bool = False

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.item_id is not None:
            where += f" (id {self.item_id})"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.reason}"


def resolve_columns(
    header: list[str], column_map: Mapping[str, str], source: Path
) -> dict[str, str]:
    """Map source columns to item fields: the user's ``--map`` first, then styles/field names."""
    unknown_fields = sorted(set(column_map.values()) - set(FIELDS))
    if unknown_fields:
        raise CatalogError(
            f"{source}: --map targets unknown field(s) {', '.join(unknown_fields)}; "
            f"fields are {', '.join(FIELDS)}"
        )
    missing_sources = sorted(set(column_map) - set(header))
    if missing_sources:
        raise CatalogError(
            f"{source}: --map names column(s) {', '.join(missing_sources)} not in the header "
            f"({', '.join(header)})"
        )
    resolved: dict[str, str] = dict(column_map)
    taken = set(resolved.values())
    for column in header:
        if column in resolved:
            continue
        field = STYLES_COLUMNS.get(column) or (column if column in FIELDS else None)
        if field is not None and field not in taken:
            resolved[column] = field
            taken.add(field)
    for required in ("id", "name"):
        if required not in taken:
            raise CatalogError(
                f"{source}: no column for required field '{required}' "
                f"(header: {', '.join(header)}); pass --map COLUMN={required}"
            )
    return resolved


def _read_csv(path: Path, column_map: Mapping[str, str]) -> Iterator[RawRow | RowProblem]:
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip().lstrip("\ufeff") for h in next(reader)]
        except StopIteration:
            raise CatalogError(f"{path}: file is empty (no header row)") from None
        except csv.Error as exc:
            raise CatalogError(f"{path}: header row is not valid CSV: {exc}") from exc
        if not any(header):
            raise CatalogError(f"{path}: header row is empty")
        columns = resolve_columns(header, column_map, path)
        width = len(header)
        name_last = columns.get(header[-1]) == "name"
        previous_end = reader.line_num
        while True:
            start = previous_end + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                previous_end = reader.line_num
                yield RowProblem(line=start, reason=f"not valid CSV: {exc}")
                continue
            previous_end = reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue  # blank line
            if len(cells) > width and name_last:
                extra = len(cells) - width
                cells = [*cells[: width - 1], ",".join(cells[width - 1 :])]
                yield RowProblem(
                    line=start,
                    item_id=cells[0] or None,
                    field="name",
                    reason=f"unquoted comma(s) in the last column: joined {extra} extra field(s)",
                    repaired=True,
                )
            elif len(cells) != width:
                yield RowProblem(
                    line=start,
                    item_id=cells[0] or None,
                    reason=f"expected {width} fields, found {len(cells)}",
                )
                continue
            yield RawRow(
                line=start,
                fields={columns[h]: c for h, c in zip(header, cells, strict=True) if h in columns},
            )


def _read_parquet(path: Path, column_map: Mapping[str, str]) -> Iterator[RawRow | RowProblem]:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        raise CatalogError(f"{path}: not a readable Parquet file: {exc}") from exc
    header = table.column_names
    columns = resolve_columns(header, column_map, path)
    data = table.select([c for c in header if c in columns]).to_pylist()
    for index, record in enumerate(data, start=1):
        yield RawRow(line=index, fields={columns[k]: v for k, v in record.items()})


def read_rows(
    path: Path, column_map: Mapping[str, str] | None = None
) -> Iterator[RawRow | RowProblem]:
    """Yield every data row of a CSV or Parquet file, or a problem for a row that cannot be read."""
    if not path.is_file():
        raise CatalogError(f"{path}: no such file")
    column_map = column_map or {}
    if path.suffix.lower() in {".parquet", ".pq"}:
        return _read_parquet(path, column_map)
    if path.stat().st_size == 0:
        raise CatalogError(f"{path}: file is empty (no header row)")
    return _read_csv(path, column_map)

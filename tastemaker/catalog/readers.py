"""Reading catalogue files row by row, reporting bad rows instead of stopping.

Three formats, told apart by the file name (``.gz`` is read through gzip for CSV and JSON Lines):

* CSV, decoded as UTF-8 with ``surrogateescape`` so that a stray non-UTF-8 byte spoils only its
  own row (validation rejects it, naming the line), never the whole file. The public
  ``styles.csv`` has rows whose product names hold unquoted commas; since the name is the last
  column, the extra fields can be joined back losslessly, and such rows are reported as repaired.
* Parquet (``.parquet``, ``.pq``).
* JSON Lines (``.jsonl``, ``.ndjson``, ``.json``): one object per line, as Amazon's product
  metadata ships. Its "header" is every key any line uses (one pass over the file before the
  rows are read); a line that is not a JSON object is a rejected row naming the line.

Which column feeds which field is settled once, when the reader is made (:func:`read_rows`),
so a bad map is an error before any row is read: the command line's ``--map`` first, then a
layout's columns, then columns named like ``styles.csv`` or like item fields.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyarrow.parquet as pq

from tastemaker.catalog.schema import FIELDS, STYLES_COLUMNS, canonical_field
from tastemaker.errors import CatalogError

__all__ = ["RawRow", "RowProblem", "TableReader", "read_rows", "resolve_columns"]

_PARQUET = {".parquet", ".pq"}
_JSON_LINES = {".jsonl", ".ndjson", ".json"}


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row keyed by item field; ``line`` is the file line (a CSV's header is 1), or
    the row number in a Parquet file."""

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


def _targets(column_map: Mapping[str, str], what: str, source: Path) -> dict[str, str]:
    """``column_map`` with aliases resolved; an unknown field is an error naming ``what``."""
    resolved = {column: canonical_field(field) for column, field in column_map.items()}
    unknown = sorted({column_map[c] for c, f in resolved.items() if f is None})
    if unknown:
        raise CatalogError(
            f"{source}: {what} targets unknown field(s) {', '.join(unknown)}; "
            f"fields are {', '.join(FIELDS)} (colour = base_colour)"
        )
    return {column: field for column, field in resolved.items() if field is not None}


def resolve_columns(
    header: list[str],
    column_map: Mapping[str, str],
    source: Path,
    layout_columns: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Map source columns to item fields: ``--map`` first, then the layout, then known names.

    A ``--map`` column missing from the header is an error (a typo); a layout column missing is
    skipped (a layout describes a family of files, and not every file has every column). A field
    fed by two columns is an error; ``--map`` to a field takes it from the layout's column."""
    cli = _targets(column_map, "--map", source)
    missing_sources = sorted(set(cli) - set(header))
    if missing_sources:
        raise CatalogError(
            f"{source}: --map names column(s) {', '.join(missing_sources)} not in the header "
            f"({', '.join(header)})"
        )
    layout = _targets(layout_columns or {}, "the layout", source)
    resolved = {
        column: field
        for column, field in layout.items()
        if column in header and column not in cli and field not in cli.values()
    }
    resolved.update(cli)
    by_field: dict[str, list[str]] = {}
    for column, field in resolved.items():
        by_field.setdefault(field, []).append(column)
    doubled = {field: columns for field, columns in by_field.items() if len(columns) > 1}
    if doubled:
        field, columns = sorted(doubled.items())[0]
        raise CatalogError(
            f"{source}: columns {', '.join(columns)} all map to field '{field}'; keep one"
        )
    taken = set(resolved.values())
    for column in header:
        if column in resolved:
            continue
        known = STYLES_COLUMNS.get(column) or canonical_field(column)
        if known is not None and known not in taken:
            resolved[column] = known
            taken.add(known)
    for required in ("id", "name"):
        if required not in taken:
            raise CatalogError(
                f"{source}: no column for required field '{required}' "
                f"(header: {', '.join(header)}); pass --map COLUMN={required}"
            )
    return resolved


def _open_text(path: Path) -> IO[str]:
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(
            gzip.open(path, "rb"), encoding="utf-8", errors="surrogateescape", newline=""
        )
    return path.open(encoding="utf-8", errors="surrogateescape", newline="")


def _format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    last = suffixes[-1] if suffixes else ""
    if last in _PARQUET:
        return "parquet"
    return "jsonl" if last in _JSON_LINES else "csv"


class TableReader:
    """The rows of one catalogue file, each a :class:`RawRow` or a :class:`RowProblem`.

    Making one reads the header and resolves the columns (raising :class:`CatalogError` for a
    file that cannot be read at all); iterating reads the rows, once."""

    def __init__(
        self,
        path: Path,
        column_map: Mapping[str, str] | None = None,
        layout_columns: Mapping[str, str] | None = None,
    ) -> None:
        if not path.is_file():
            raise CatalogError(f"{path}: no such file")
        self.path = path
        self.format = _format(path)
        if self.format != "parquet" and path.stat().st_size == 0:
            raise CatalogError(f"{path}: file is empty (no header row)")
        read_header = {"csv": self._csv_header, "parquet": self._parquet_header}.get(
            self.format, self._jsonl_header
        )
        with self._unreadable():
            self.header = read_header()
        self.columns = resolve_columns(self.header, column_map or {}, path, layout_columns)
        #: Layout columns this file does not have (their fields stay empty).
        self.absent = tuple(c for c in (layout_columns or {}) if c not in self.header)

    def __iter__(self) -> Iterator[RawRow | RowProblem]:
        if self.format == "parquet":
            rows = self._parquet_rows()
        else:
            rows = self._jsonl_rows() if self.format == "jsonl" else self._csv_rows()
        with self._unreadable():
            yield from rows

    @contextmanager
    def _unreadable(self) -> Iterator[None]:
        """A file that breaks off (a truncated or corrupt ``.gz``) is one clear error."""
        try:
            yield
        except (OSError, EOFError) as exc:
            raise CatalogError(f"{self.path}: cannot be read: {exc}") from exc

    # CSV ---------------------------------------------------------------------------------

    def _csv_header(self) -> list[str]:
        with _open_text(self.path) as handle:
            try:
                header = [h.strip().lstrip("\ufeff") for h in next(csv.reader(handle))]
            except StopIteration:
                raise CatalogError(f"{self.path}: file is empty (no header row)") from None
            except csv.Error as exc:
                raise CatalogError(f"{self.path}: header row is not valid CSV: {exc}") from exc
        if not any(header):
            raise CatalogError(f"{self.path}: header row is empty")
        return header

    def _csv_rows(self) -> Iterator[RawRow | RowProblem]:
        header, columns = self.header, self.columns
        width = len(header)
        name_last = columns.get(header[-1]) == "name"
        with _open_text(self.path) as handle:
            reader = csv.reader(handle)
            next(reader)
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
                        reason=f"unquoted comma(s) in the last column: joined {extra} extra "
                        "field(s)",
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
                    fields={
                        columns[h]: c for h, c in zip(header, cells, strict=True) if h in columns
                    },
                )

    # Parquet -----------------------------------------------------------------------------

    def _parquet_header(self) -> list[str]:
        try:
            return list(pq.read_schema(self.path).names)
        except Exception as exc:  # pyarrow raises several unrelated types for bad files
            raise CatalogError(f"{self.path}: not a readable Parquet file: {exc}") from exc

    def _parquet_rows(self) -> Iterator[RawRow | RowProblem]:
        columns = self.columns
        try:
            table = pq.read_table(self.path, columns=[c for c in self.header if c in columns])
        except Exception as exc:  # as above
            raise CatalogError(f"{self.path}: not a readable Parquet file: {exc}") from exc
        for index, record in enumerate(table.to_pylist(), start=1):
            yield RawRow(line=index, fields={columns[k]: v for k, v in record.items()})

    # JSON Lines --------------------------------------------------------------------------

    def _jsonl_header(self) -> list[str]:
        keys: dict[str, None] = {}  # insertion-ordered set
        with _open_text(self.path) as handle:
            for text in handle:
                if not text.strip():
                    continue
                if not keys and text.lstrip().startswith("["):
                    raise CatalogError(
                        f"{self.path}: a JSON array; expected JSON Lines (one object per line)"
                    )
                try:
                    record = json.loads(text)
                except ValueError:
                    continue  # reported as a rejected row when the rows are read
                if isinstance(record, dict):
                    keys.update(dict.fromkeys(record))
        if not keys:
            raise CatalogError(f"{self.path}: no line is a JSON object")
        return list(keys)

    def _jsonl_rows(self) -> Iterator[RawRow | RowProblem]:
        columns = self.columns
        with _open_text(self.path) as handle:
            for line, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                except ValueError as exc:
                    yield RowProblem(line=line, reason=f"not valid JSON: {exc}")
                    continue
                if not isinstance(record, dict):
                    yield RowProblem(
                        line=line, reason=f"a JSON {type(record).__name__}, expected an object"
                    )
                    continue
                yield RawRow(
                    line=line,
                    fields={columns[k]: v for k, v in record.items() if k in columns},
                )


def read_rows(
    path: Path,
    column_map: Mapping[str, str] | None = None,
    *,
    layout_columns: Mapping[str, str] | None = None,
) -> TableReader:
    """Every data row of a CSV, Parquet or JSON Lines file, or a problem for one that cannot be
    read; raises :class:`CatalogError` at once for a file that cannot be read at all."""
    return TableReader(path, column_map, layout_columns)

"""Any tabular file of real feedback (CSV, Parquet, JSON Lines) as numbered rows of cells.

Importers of interactions and users read their files through :func:`read_table`, which knows
formats but no fields: it yields each data row as ``{column: cell}`` with the row's line in
the file (CSV and JSON Lines: the file line, header = 1; Parquet: the 1-based row), so every
later problem can be named by file, line and field. CSV lines are decoded one by one (UTF-8,
then Latin-1, see :func:`~tastemaker.datasets.readers.decoded_lines`), so a stray byte spoils
one row, not the file. Cells are text; Parquet and JSON values become text the same way a CSV
would spell them (``None`` stays None), so one validation path serves every format.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyarrow.parquet as pq

from tastemaker.datasets.readers import csv_records, decoded_lines
from tastemaker.datasets.schema import BadRow
from tastemaker.errors import ConfigError, DataError

__all__ = ["TABLE_SUFFIXES", "Table", "read_table"]

#: File suffixes read as each format (anything else is read as CSV).
TABLE_SUFFIXES: Final = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
Cells = dict[str, str | None]


@dataclass(frozen=True)
class Table:
    """A file's header (column names in file order) and its data rows as ``(line, cells)``."""

    path: Path
    header: tuple[str, ...]
    rows: Iterator[tuple[int, Cells]]

    def columns_for(
        self, mapped: Mapping[str, str], fields: Collection[str], required: Sequence[str]
    ) -> dict[str, str]:
        """Field -> source column: ``mapped`` (column -> field, from ``--map``), then the
        header's columns named like one of ``fields``; ConfigError naming the file when a
        mapped column is not in the header or a ``required`` field has no column."""
        missing = sorted(set(mapped) - set(self.header))
        if missing:
            raise ConfigError(
                f"{self.path}: --map names column(s) {', '.join(missing)} not in the header "
                f"({', '.join(self.header)})"
            )
        columns = {field: column for column, field in mapped.items()}
        for column in self.header:
            if column in fields and column not in columns and column not in mapped:
                columns[column] = column
        for field in required:
            if field not in columns:
                raise ConfigError(
                    f"{self.path}: no column for {field!r} (header: {', '.join(self.header)}); "
                    f"pass --map COLUMN={field}"
                )
        return columns


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # None and NaN
        return None
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv(path: Path, problems: list[BadRow]) -> Table:
    raw_header, records = csv_records(path, problems)
    header = tuple(h.strip() for h in raw_header)

    def rows() -> Iterator[tuple[int, Cells]]:
        for start, cells in records:
            if len(cells) != len(header):
                problems.append(
                    BadRow(path.name, start, f"expected {len(header)} fields, found {len(cells)}")
                )
                continue
            yield start, dict(zip(header, cells, strict=True))

    return Table(path, header, rows())


def _jsonl(path: Path, problems: list[BadRow]) -> Table:
    lines = [(n, t) for n, t in decoded_lines(path, problems) if t.strip()]
    records: list[tuple[int, dict[str, object]]] = []
    header: dict[str, None] = {}
    for number, text in lines:
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(BadRow(path.name, number, f"not valid JSON: {exc.msg}"))
            continue
        if not isinstance(record, dict):
            problems.append(BadRow(path.name, number, "not a JSON object"))
            continue
        header.update(dict.fromkeys(record))
        records.append((number, record))
    if not records and not problems:
        raise DataError(f"{path}: file is empty (no JSON objects)")
    rows = ((n, {c: _text(r.get(c)) for c in header}) for n, r in records)
    return Table(path, tuple(header), rows)


def _parquet(path: Path) -> Table:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        raise DataError(f"{path}: not a readable Parquet file: {exc}") from exc
    header = tuple(table.column_names)
    rows = (
        (n, {c: _text(v) for c, v in record.items()})
        for n, record in enumerate(table.to_pylist(), start=1)
    )
    return Table(path, header, rows)


def read_table(path: Path, problems: list[BadRow]) -> Table:
    """Open ``path`` as CSV, Parquet or JSON Lines (by suffix); row problems go to ``problems``.

    Raises :class:`DataError` when the file as a whole cannot be read (missing, empty, not the
    format its suffix says).
    """
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    kind = TABLE_SUFFIXES.get(path.suffix.lower(), "csv")
    if kind == "parquet":
        return _parquet(path)
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    return _jsonl(path, problems) if kind == "jsonl" else _csv(path, problems)

"""Reading real-world ratings files row by row, reporting bad rows instead of stopping.

Real MovieLens copies are messy in small ways: a stray empty column (a trailing tab, pipe or
comma on every line), Windows line ends, a byte-order mark, Latin-1 bytes in a file that is
otherwise UTF-8 (or the reverse), a truncated last line. Each line is decoded on its own, so
one odd byte spoils nothing else: UTF-8 first, then Latin-1 (which decodes any byte). Empty
trailing fields are dropped, so a stray empty column costs nothing. A line that still does not
fit is reported with its file, line number and reason, and skipped.

Large rating files (ml-latest has tens of millions of lines) go through pandas' C parser
first; only when that strict fast path finds anything odd are they re-read line by line.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from tastemaker.datasets.schema import INTERACTION_COLUMNS, BadRow
from tastemaker.errors import DataError

__all__ = ["csv_rows", "decoded_lines", "delimited_rows", "fast_ratings", "parse_ratings"]

_RATING_NAMES = ("user_id", "item_id", "rating", "timestamp")


def decoded_lines(
    path: Path, problems: list[BadRow], *, expected: str = "utf-8"
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for each line of ``path`` (1-based, without the line end).

    Lines are decoded with ``expected`` first, then UTF-8, then Latin-1. A line that needed
    Latin-1 when UTF-8 was expected is reported as repaired; ``expected="latin-1"`` (ML-100K's
    own encoding) tries UTF-8 first so a re-saved UTF-8 copy also reads right, silently.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, raw in enumerate(lines, start=1):
        raw = raw.rstrip(b"\r")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
            if expected == "utf-8":
                problems.append(
                    BadRow(path.name, number, "not valid UTF-8: decoded as Latin-1", True)
                )
        yield number, text


def _trim(fields: list[str], width: int) -> list[str]:
    """Drop empty fields past ``width`` (a stray empty column); keep everything else."""
    while len(fields) > width and not fields[-1].strip():
        fields.pop()
    return fields


def delimited_rows(
    path: Path, sep: str, width: int, problems: list[BadRow], *, expected: str = "utf-8"
) -> Iterator[tuple[int, list[str]]]:
    """Rows of an unquoted ``sep``-separated file with ``width`` fields (no header).

    Blank lines are skipped silently; a row with the wrong number of fields is reported.
    """
    for number, text in decoded_lines(path, problems, expected=expected):
        if not text.strip():
            continue
        fields = _trim(text.split(sep), width)
        if len(fields) != width:
            problems.append(
                BadRow(path.name, number, f"expected {width} fields, found {len(fields)}")
            )
            continue
        yield number, fields


def csv_records(
    path: Path, problems: list[BadRow]
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """A quoted CSV file's header and its non-blank rows as ``(line, cells)``, lazily.

    ``line`` is where a row began (a quoted field may span lines). A row that is not valid CSV
    is recorded in ``problems`` and skipped; an empty file or a header that is not valid CSV
    makes the file unusable (:class:`DataError`). Field counts are the caller's to check.
    """
    numbers: list[int] = []

    def feed() -> Iterator[str]:
        for number, text in decoded_lines(path, problems):
            numbers.append(number)
            yield text + "\n"

    reader = csv.reader(feed())
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(f"{path}: file is empty (no header row)") from None
    except csv.Error as exc:
        raise DataError(f"{path}: header is not valid CSV: {exc}") from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            before = len(numbers)
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                problems.append(BadRow(path.name, numbers[before], f"not valid CSV: {exc}"))
                continue
            if cells and any(c.strip() for c in cells):
                yield numbers[before], cells

    return header, rows()


def csv_rows(
    path: Path, required: Iterable[str], problems: list[BadRow], free_text: str | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a quoted CSV file with a header, as ``{column: text}`` (lower-cased ``required``).

    Header names are matched case-insensitively; extra columns (and empty ones) are ignored. A
    header lacking a required column makes the file unusable (:class:`DataError`). When a row
    has too many fields and ``free_text`` names a column (a title), the surplus is taken for
    unquoted commas in that column: joined back and reported as repaired.
    """
    raw_header, rows = csv_records(path, problems)
    header = [h.strip().lower() for h in raw_header]
    required = list(required)
    missing = [c for c in required if c.lower() not in header]
    if missing:
        raise DataError(
            f"{path}: header {header} lacks column(s) {', '.join(missing)}; "
            f"expected {', '.join(required)}"
        )
    index = {c.lower(): header.index(c.lower()) for c in required}
    width = len(_trim(list(header), 1))
    for start, row in rows:
        cells = _trim(row, width)
        if len(cells) > width and free_text is not None:
            at, extra = header.index(free_text.lower()), len(cells) - width
            cells = [*cells[:at], ",".join(cells[at : at + extra + 1]), *cells[at + extra + 1 :]]
            problems.append(
                BadRow(path.name, start, f"unquoted comma(s) in {free_text}: joined back", True)
            )
        if len(cells) != width:
            problems.append(
                BadRow(path.name, start, f"expected {width} fields, found {len(cells)}")
            )
            continue
        yield start, {c: cells[i] for c, i in index.items()}


def parse_ratings(
    rows: Iterable[tuple[int, list[str]]], file: str, problems: list[BadRow]
) -> pd.DataFrame:
    """Check ``(line, [user, item, rating, timestamp])`` rows; returns the interactions frame.

    The frame has the :data:`INTERACTION_COLUMNS` plus ``line`` (the file line, for later
    reports). Ids and timestamps must be non-negative integers; ratings finite numbers.
    """
    lines: list[int] = []
    values: list[tuple[int, int, float, int]] = []
    for number, fields in rows:
        parsed: list[float | int] = []
        reason = None
        for name, text in zip(_RATING_NAMES, fields, strict=True):
            try:
                value: float | int = float(text) if name == "rating" else int(text.strip())
            except ValueError:
                reason = f"{name} {text.strip()!r} is not a number"
                break
            if name == "rating" and not math.isfinite(value):
                reason = f"rating {text.strip()!r} is not a finite number"
                break
            if name != "rating" and value < 0:
                reason = f"{name} {value} is negative"
                break
            parsed.append(value)
        if reason is not None:
            problems.append(BadRow(file, number, reason))
            continue
        lines.append(number)
        values.append((int(parsed[0]), int(parsed[1]), float(parsed[2]), int(parsed[3])))
    columns = list(zip(*values, strict=True)) if values else [(), (), (), ()]
    frame = pd.DataFrame(
        {
            name: np.array(column, dtype=INTERACTION_COLUMNS[name])
            for name, column in zip(_RATING_NAMES, columns, strict=True)
        }
    )
    frame["line"] = np.array(lines, dtype=np.int64)
    return frame


def fast_ratings(path: Path, sep: str, header: bool) -> pd.DataFrame | None:
    """Strict C-parser read of a clean ratings file; ``None`` when anything looks odd.

    Columns are taken by name when there is a header (``userId, movieId, rating, timestamp``
    in any order), else by position. Returns the same frame as :func:`parse_ratings`.
    """
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            header=0 if header else None,
            engine="c",
            skip_blank_lines=False,
            encoding="utf-8",
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, OSError):
        return None
    if header:
        names = {str(c).strip().lower(): c for c in frame.columns}
        wanted = ("userid", "movieid", "rating", "timestamp")
        if any(w not in names for w in wanted):
            return None
        frame = frame[[names[w] for w in wanted]]
    else:
        frame = frame.dropna(axis=1, how="all")
        if frame.shape[1] != 4:
            return None
    frame.columns = list(_RATING_NAMES)
    for name in ("user_id", "item_id", "timestamp"):
        if frame[name].dtype.kind not in "iu" or bool((frame[name] < 0).any()):
            return None
    if frame["rating"].dtype.kind not in "iuf" or not np.isfinite(frame["rating"]).all():
        return None
    out = frame.astype(INTERACTION_COLUMNS).reset_index(drop=True)
    out["line"] = np.arange(len(out), dtype=np.int64) + (2 if header else 1)
    return out

"""MovieLens, in either of its two public layouts, as an :class:`Interactions`.

* ML-100K: ``u.data`` (tab-separated ``user item rating timestamp``), ``u.item`` (pipe-separated,
  Latin-1: id, title, release date, video date, IMDb URL, 19 genre flags), ``u.user``
  (pipe-separated: id, age, gender, occupation, ZIP code) and, optionally, ``u.genre``.
* ml-latest / ml-latest-small / ml-25m: ``ratings.csv`` (``userId,movieId,rating,timestamp``)
  and ``movies.csv`` (``movieId,title,genres``, UTF-8, titles quoted when they hold commas,
  genres "|"-separated). These layouts carry no demographics.

Bad rows are reported (file, line, reason) and skipped; a :class:`DataError` is raised only
when a file is unusable (missing, empty, no valid row). Ratings naming an unknown user or movie
are skipped and reported; a repeated (user, movie) pair keeps the latest rating.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from tastemaker.datasets.readers import (
    csv_rows,
    delimited_rows,
    fast_ratings,
    parse_ratings,
)
from tastemaker.datasets.schema import (
    ITEM_COLUMNS,
    USER_COLUMNS,
    BadRow,
    Interactions,
)
from tastemaker.datasets.text import item_text, split_title, user_text
from tastemaker.errors import DataError

__all__ = ["ML100K_GENRES", "detect_layout", "load_movielens"]

#: The genre flags of ``u.item``, in column order (used when ``u.genre`` is absent).
ML100K_GENRES: Final = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance",
    "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip
_NO_GENRES: Final = {"(no genres listed)", "unknown", ""}


def detect_layout(path: Path) -> tuple[str, Path]:
    """Return ``(layout, directory)`` for a MovieLens directory (or a file inside one)."""
    directory = path.parent if path.is_file() else path
    if not directory.is_dir():
        raise DataError(f"{path}: no such directory")
    if (directory / "u.data").is_file():
        return "ml-100k", directory
    if (directory / "ratings.csv").is_file():
        return "ml-latest", directory
    raise DataError(
        f"{directory}: not a MovieLens directory (expected u.data + u.item for ML-100K, "
        "or ratings.csv + movies.csv for ml-latest)"
    )


def load_movielens(path: Path) -> Interactions:
    """Read the MovieLens dataset at ``path`` (either layout; see the module docstring)."""
    layout, directory = detect_layout(Path(path))
    problems: list[BadRow] = []
    if layout == "ml-100k":
        items, item_file = _ml100k_items(directory, problems), "u.item"
        users = _ml100k_users(directory, problems)
        ratings = _ratings(directory / "u.data", "\t", False, problems)
    else:
        items, item_file = _latest_items(directory, problems), "movies.csv"
        users = None
        ratings = _ratings(directory / "ratings.csv", ",", True, problems)
    ratings = _known_only(
        ratings, "item_id", items["item_id"], f"movie id {{}} is not in {item_file}", problems
    )
    if users is not None:
        ratings = _known_only(
            ratings, "user_id", users["user_id"], "user id {} is not in u.user", problems
        )
    else:
        users = _anonymous_users(np.unique(ratings["user_id"].to_numpy()))
    ratings = _dedupe(ratings, problems)
    if ratings.empty:
        raise DataError(f"{directory}: no valid rating rows")
    problems.sort(key=lambda p: (p.file, p.line))
    return Interactions(
        ratings=ratings.drop(columns=["line", "file"]).reset_index(drop=True),
        users=users,
        items=items,
        source=str(directory),
        layout=layout,
        problems=tuple(problems),
    )


def _ratings(path: Path, sep: str, header: bool, problems: list[BadRow]) -> pd.DataFrame:
    frame = fast_ratings(path, sep, header)
    if frame is None:  # something odd: re-read line by line to name each bad row
        rows: Iterator[tuple[int, list[str]]]
        if header:
            rows = (
                (n, [r["userid"], r["movieid"], r["rating"], r["timestamp"]])
                for n, r in csv_rows(path, ("userId", "movieId", "rating", "timestamp"), problems)
            )
        else:
            rows = delimited_rows(path, sep, 4, problems)
        frame = parse_ratings(rows, path.name, problems)
    frame["file"] = path.name
    return frame


def _known_only(
    ratings: pd.DataFrame, column: str, known: pd.Series, reason: str, problems: list[BadRow]
) -> pd.DataFrame:
    """Drop (and report, ``reason`` formatted with the id) ratings whose ``column`` is unknown."""
    mask = ratings[column].isin(known).to_numpy()
    for line, file, value in ratings.loc[~mask, ["line", "file", column]].itertuples(index=False):
        problems.append(BadRow(str(file), int(line), reason.format(value)))
    return ratings.loc[mask]


def _dedupe(ratings: pd.DataFrame, problems: list[BadRow]) -> pd.DataFrame:
    """Keep the latest rating of each (user, item); report the others. File order is kept."""
    ordered = ratings.sort_values(["timestamp", "line"], kind="stable")
    keep = ~ordered.duplicated(["user_id", "item_id"], keep="last")
    if keep.all():
        return ratings
    dropped = ordered.loc[~keep, ["line", "file", "user_id", "item_id"]]
    for line, file, user, item in dropped.itertuples(index=False):
        reason = f"repeated rating of movie {item} by user {user}: the latest one is kept"
        problems.append(BadRow(str(file), int(line), reason))
    return ratings.loc[keep.reindex(ratings.index).to_numpy()]


def _ml100k_genres(directory: Path, problems: list[BadRow]) -> list[str]:
    path = directory / "u.genre"
    if not path.is_file():
        return list(ML100K_GENRES)
    named = sorted(
        (int(f[1]), f[0])
        for _, f in delimited_rows(path, "|", 2, problems, expected="latin-1")
        if f[1].strip().isdigit()
    )
    return [name for _, name in named] or list(ML100K_GENRES)


def _ml100k_items(directory: Path, problems: list[BadRow]) -> pd.DataFrame:
    path = directory / "u.item"
    if not path.is_file():
        raise DataError(f"{directory}: ML-100K layout without u.item (the movie titles)")
    genres = _ml100k_genres(directory, problems)
    width = 5 + len(genres)
    rows: list[tuple[int, str, int, str]] = []
    for number, fields in delimited_rows(path, "|", width, problems, expected="latin-1"):
        if not fields[0].strip().isdigit():
            problems.append(BadRow(path.name, number, f"movie id {fields[0]!r} is not a number"))
            continue
        flags = fields[5:]
        if any(f.strip() not in ("0", "1") for f in flags):
            problems.append(BadRow(path.name, number, "genre flags must be 0 or 1"))
            continue
        title, year = split_title(fields[1])
        if year < 0 and fields[2].strip()[-4:].isdigit():  # release date 01-Jan-1995
            year = int(fields[2].strip()[-4:])
        names = [g for g, f in zip(genres, flags, strict=True) if f.strip() == "1"]
        rows.append(
            (int(fields[0]), title, year, "|".join(n for n in names if n not in _NO_GENRES))
        )
    return _items_frame(rows, path)


def _latest_items(directory: Path, problems: list[BadRow]) -> pd.DataFrame:
    path = directory / "movies.csv"
    if not path.is_file():
        raise DataError(f"{directory}: ml-latest layout without movies.csv (the movie titles)")
    rows: list[tuple[int, str, int, str]] = []
    for number, row in csv_rows(path, ("movieId", "title", "genres"), problems, free_text="title"):
        if not row["movieid"].strip().isdigit():
            problems.append(
                BadRow(path.name, number, f"movieId {row['movieid']!r} is not a number")
            )
            continue
        title, year = split_title(row["title"])
        names = [g.strip() for g in row["genres"].split("|") if g.strip() not in _NO_GENRES]
        rows.append((int(row["movieid"]), title, year, "|".join(names)))
    return _items_frame(rows, path)


def _items_frame(rows: list[tuple[int, str, int, str]], path: Path) -> pd.DataFrame:
    if not rows:
        raise DataError(f"{path}: no valid movie rows")
    frame = pd.DataFrame(rows, columns=["item_id", "title", "year", "genres"])
    frame = frame.drop_duplicates("item_id", keep="first").sort_values("item_id")
    frame["text"] = [
        item_text(t, y, g.split("|") if g else [])
        for t, y, g in zip(frame["title"], frame["year"], frame["genres"], strict=True)
    ]
    return _typed(frame, ITEM_COLUMNS)


def _ml100k_users(directory: Path, problems: list[BadRow]) -> pd.DataFrame | None:
    path = directory / "u.user"
    if not path.is_file():
        return None  # demographics are optional: users then come from u.data
    rows: list[tuple[int, int, str, str, str]] = []
    for number, f in delimited_rows(path, "|", 5, problems, expected="latin-1"):
        if not f[0].strip().isdigit():
            problems.append(BadRow(path.name, number, f"user id {f[0]!r} is not a number"))
            continue
        age = int(f[1]) if f[1].strip().isdigit() else -1
        rows.append((int(f[0]), age, f[2].strip(), f[3].strip(), f[4].strip()))
    if not rows:
        raise DataError(f"{path}: no valid user rows")
    frame = pd.DataFrame(rows, columns=["user_id", "age", "gender", "occupation", "zip_code"])
    frame = frame.drop_duplicates("user_id", keep="first").sort_values("user_id")
    frame["text"] = [
        user_text(a, g, o, z)
        for a, g, o, z in frame[["age", "gender", "occupation", "zip_code"]].itertuples(index=False)
    ]
    return _typed(frame, USER_COLUMNS)


def _anonymous_users(ids: np.ndarray) -> pd.DataFrame:
    n = len(ids)
    frame = pd.DataFrame(
        {
            "user_id": ids.astype(np.int64),
            "age": np.full(n, -1, dtype=np.int64),
            "gender": [""] * n,
            "occupation": [""] * n,
            "zip_code": [""] * n,
            "text": [user_text(-1, "", "", "")] * n,
        }
    )
    return _typed(frame, USER_COLUMNS)


def _typed(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    out = frame[list(columns)].reset_index(drop=True)
    return out.astype({c: d for c, d in columns.items() if d != "object"}).astype(
        {c: object for c, d in columns.items() if d == "object"}
    )

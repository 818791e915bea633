"""The declared schema of a real ratings dataset: interactions, users and items.

Every loader returns an :class:`Interactions`: three pandas frames whose columns and dtypes
are fixed here (so the evaluation and the two-tower model never guess), plus the rows it had
to skip or repair, each named by file, line and reason. Ids are the dataset's own integer ids;
dense 0-based indices are the evaluation's business (:mod:`tastemaker.evaluate.data`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

from tastemaker.errors import DataError

__all__ = [
    "INTERACTION_COLUMNS",
    "ITEM_COLUMNS",
    "USER_COLUMNS",
    "BadRow",
    "Interactions",
    "check_frame",
]

#: interactions: one row per (user, item), in file order. ``rating`` is the dataset's scale
#: (1..5 for ML-100K, 0.5..5 for ml-latest); ``timestamp`` is Unix seconds.
INTERACTION_COLUMNS: Final[dict[str, str]] = {
    "user_id": "int64",
    "item_id": "int64",
    "rating": "float64",
    "timestamp": "int64",
}
#: users: one row per user id, sorted by id. Demographics are empty strings / -1 where the
#: layout has none (ml-latest); ``text`` is what a text encoder embeds for the user tower.
USER_COLUMNS: Final[dict[str, str]] = {
    "user_id": "int64",
    "age": "int64",
    "gender": "object",
    "occupation": "object",
    "zip_code": "object",
    "text": "object",
}
#: items: one row per item id, sorted by id. ``year`` is -1 when unknown; ``genres`` is a
#: "|"-joined list (empty when none); ``text`` is what a text encoder embeds for the item tower.
ITEM_COLUMNS: Final[dict[str, str]] = {
    "item_id": "int64",
    "title": "object",
    "year": "int64",
    "genres": "object",
    "text": "object",
}


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that was skipped (``repaired=False``) or fixed and kept (``repaired=True``)."""

    file: str
    line: int
    reason: str
    repaired: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Interactions:
    """A loaded dataset: ``ratings``, ``users`` and ``items`` frames (schemas above).

    ``layout`` names the file layout read (``"ml-100k"`` or ``"ml-latest"``); ``problems``
    lists every skipped or repaired row, in file order.
    """

    ratings: pd.DataFrame
    users: pd.DataFrame
    items: pd.DataFrame
    source: str
    layout: str
    problems: tuple[BadRow, ...] = ()

    def __post_init__(self) -> None:
        check_frame(self.ratings, INTERACTION_COLUMNS, "ratings")
        check_frame(self.users, USER_COLUMNS, "users")
        check_frame(self.items, ITEM_COLUMNS, "items")

    @property
    def skipped(self) -> list[BadRow]:
        return [p for p in self.problems if not p.repaired]

    @property
    def repaired(self) -> list[BadRow]:
        return [p for p in self.problems if p.repaired]

    def summary(self) -> dict[str, object]:
        """Counts for a report: sizes, density, rating range, problems."""
        n_users, n_items = len(self.users), len(self.items)
        ratings = self.ratings["rating"]
        return {
            "source": self.source,
            "layout": self.layout,
            "ratings": len(self.ratings),
            "users": n_users,
            "items": n_items,
            "density": round(len(self.ratings) / max(1, n_users * n_items), 6),
            "rating_min": float(ratings.min()) if len(ratings) else None,
            "rating_max": float(ratings.max()) if len(ratings) else None,
            "skipped_rows": len(self.skipped),
            "repaired_rows": len(self.repaired),
        }


def check_frame(frame: pd.DataFrame, columns: dict[str, str], name: str) -> None:
    """Raise :class:`DataError` unless ``frame`` has exactly ``columns`` with those dtypes."""
    if list(frame.columns) != list(columns):
        raise DataError(f"{name} frame: columns {list(frame.columns)}, expected {list(columns)}")
    for column, dtype in columns.items():
        actual = str(frame[column].dtype)
        # pandas 3 may store text as its own string dtype: accept it where object is declared.
        if actual != dtype and not (dtype == "object" and actual in ("str", "string")):
            raise DataError(f"{name} frame: column {column} is {actual}, expected {dtype}")

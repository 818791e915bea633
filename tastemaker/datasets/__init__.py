"""Real ratings datasets (MovieLens) read into one declared schema, for benchmarks and training.

Offers :func:`load_movielens` (ML-100K and ml-latest layouts, detected by :func:`detect_layout`)
returning an :class:`Interactions` (``ratings``, ``users`` and ``items`` frames whose columns
are declared in :data:`INTERACTION_COLUMNS`, :data:`USER_COLUMNS` and :data:`ITEM_COLUMNS`),
and :class:`BadRow`, one skipped or repaired row named by file, line and reason;
:func:`write_interactions` / :func:`read_interactions` store one as Parquet files.
"""

from __future__ import annotations

from tastemaker.datasets.export import read_interactions, write_interactions
from tastemaker.datasets.movielens import detect_layout, load_movielens
from tastemaker.datasets.schema import (
    INTERACTION_COLUMNS,
    ITEM_COLUMNS,
    USER_COLUMNS,
    BadRow,
    Interactions,
)

__all__ = [
    "INTERACTION_COLUMNS",
    "ITEM_COLUMNS",
    "USER_COLUMNS",
    "BadRow",
    "Interactions",
    "detect_layout",
    "load_movielens",
    "read_interactions",
    "write_interactions",
]

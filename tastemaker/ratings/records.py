"""Rating records: how ratings are keyed, stored, read back and exported.

A rating is keyed by (persona, item, template version, model, strategy): a re-run skips the
keys already stored, so an interrupted run resumes where it stopped and never duplicates.
Each record is committed on its own (one short WAL transaction), so a killed run loses at
most the requests in flight, which the next run simply makes again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tastemaker.ratings.scale import ANSWER_COLUMNS
from tastemaker.ratings.strategies import RatingOutcome
from tastemaker.store.db import Store

__all__ = [
    "PARQUET_SCHEMA",
    "RatingKey",
    "RatingRecord",
    "delete_failures",
    "insert_rating",
    "load_ratings",
    "save_calibrated",
    "stored_keys",
    "write_parquet",
]

#: The declared schema of a ratings Parquet export (scripts depend on these columns).
PARQUET_SCHEMA: Final = pa.schema(
    [
        pa.field("persona_id", pa.string(), nullable=False),
        pa.field("item_id", pa.string(), nullable=False),
        pa.field("strategy", pa.string(), nullable=False),
        pa.field("model", pa.string(), nullable=False),
        pa.field("answer", pa.int8()),
        pa.field("expected_rating", pa.float64()),
        *(pa.field(c, pa.float64()) for c in ANSWER_COLUMNS),
        pa.field("template_version", pa.string(), nullable=False),
        pa.field("temperature", pa.float64()),
        pa.field("seed", pa.int64()),
        pa.field("error", pa.string()),
    ]
)


@dataclass(frozen=True)
class RatingKey:
    """What makes a rating unique besides its persona and item."""

    template_version: str
    model: str
    strategy: str


@dataclass(frozen=True)
class RatingRecord:
    """One stored rating (or recorded failure) with its full provenance."""

    persona_id: str
    item_id: str
    key: RatingKey
    server: str
    temperature: float | None
    seed: int
    outcome: RatingOutcome

    def row(self) -> dict[str, object]:
        probabilities = (
            [None] * len(ANSWER_COLUMNS)
            if self.outcome.probabilities is None
            else [float(p) for p in self.outcome.probabilities]
        )
        return {
            "persona_id": self.persona_id,
            "item_id": self.item_id,
            "strategy": self.key.strategy,
            "model": self.key.model,
            "answer": self.outcome.answer,
            "expected_rating": self.outcome.expected,
            **dict(zip(ANSWER_COLUMNS, probabilities, strict=True)),
            "template_version": self.key.template_version,
            "temperature": self.temperature,
            "seed": self.seed,
            "error": self.outcome.error,
        }


def stored_keys(store: Store, key: RatingKey) -> set[tuple[str, str]]:
    """(persona, item) pairs already rated (or recorded as failed) under ``key``."""
    rows = store.conn.execute(
        "SELECT persona_id, item_id FROM ratings "
        "WHERE template_version = ? AND model = ? AND strategy = ?",
        (key.template_version, key.model, key.strategy),
    )
    return {(p, i) for p, i in rows}


def delete_failures(store: Store, key: RatingKey) -> int:
    """Forget the recorded failures under ``key`` so that a re-run tries them again."""
    with store.transaction() as conn:
        cursor = conn.execute(
            "DELETE FROM ratings WHERE answer IS NULL AND template_version = ? AND model = ? "
            "AND strategy = ?",
            (key.template_version, key.model, key.strategy),
        )
    return cursor.rowcount


_INSERT_COLUMNS: Final = (
    "persona_id", "item_id", "template_version", "model", "strategy", "server", "temperature",
    "seed", "answer", "expected_rating", *ANSWER_COLUMNS, "raw_output", "error", "run_id",
)  # fmt: skip
_INSERT: Final = (
    f"INSERT INTO ratings ({', '.join(_INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_INSERT_COLUMNS))}) ON CONFLICT DO NOTHING"
)


def insert_rating(store: Store, record: RatingRecord, run_id: str | None) -> None:
    """Store one record in its own transaction; an existing key is left as it is."""
    row = record.row()
    with store.transaction() as conn:
        conn.execute(
            _INSERT,
            (
                record.persona_id,
                record.item_id,
                record.key.template_version,
                record.key.model,
                record.key.strategy,
                record.server,
                record.temperature,
                record.seed,
                record.outcome.answer,
                record.outcome.expected,
                *(row[c] for c in ANSWER_COLUMNS),
                record.outcome.raw_output,
                record.outcome.error,
                run_id,
            ),
        )


def load_ratings(
    store: Store,
    *,
    model: str | None = None,
    strategy: str | None = None,
    template_version: str | None = None,
) -> pd.DataFrame:
    """Stored ratings as a frame (Parquet columns plus ``server`` and ``raw_output``)."""
    where, params = [], []
    for column, value in (
        ("model", model),
        ("strategy", strategy),
        ("template_version", template_version),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (
        "SELECT persona_id, item_id, strategy, model, answer, expected_rating, "
        f"{', '.join(ANSWER_COLUMNS)}, template_version, temperature, seed, error, server, "
        "raw_output, calibrated FROM ratings"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY persona_id, item_id"
    )
    frame = pd.read_sql_query(sql, store.conn, params=params)
    frame["answer"] = frame["answer"].astype("Int64")
    frame["calibrated"] = frame["calibrated"].astype("Int64")
    return frame


def save_calibrated(store: Store, frame: pd.DataFrame) -> int:
    """Write the ``calibrated`` column of ``frame`` (keyed like the ratings table) back."""
    values = frame["calibrated"].astype("Int64").tolist()
    rows = [
        (None if pd.isna(value) else int(value), *key)
        for value, key in zip(
            values,
            frame[["persona_id", "item_id", "template_version", "model", "strategy"]].itertuples(
                index=False, name=None
            ),
            strict=True,
        )
    ]
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE ratings SET calibrated = ? WHERE persona_id = ? AND item_id = ? "
            "AND template_version = ? AND model = ? AND strategy = ?",
            rows,
        )
    return len(rows)


def write_parquet(records: Iterable[dict[str, object]] | pd.DataFrame, path: Path) -> int:
    """Write rows in :data:`PARQUET_SCHEMA` (extra columns dropped); returns the row count."""
    frame = records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    if frame.empty:
        frame = pd.DataFrame({name: [] for name in PARQUET_SCHEMA.names})
    frame = frame[PARQUET_SCHEMA.names]
    table = pa.Table.from_pandas(frame, schema=PARQUET_SCHEMA, preserve_index=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return int(table.num_rows)

"""Rating records: how ratings are keyed, stored, read back and exported.

A rating is keyed by (persona, item, template version, model, strategy, request hash); the
request hash covers everything sent or that changes how the reply is read (the rendered
prompt, format, temperature, n, constraint, thresholds: :mod:`tastemaker.ratings.requests`).
A re-run skips the keys already stored, so an interrupted run resumes where it stopped and
never duplicates, while a changed request rates afresh. Each record is committed on its own
(one short WAL transaction), so a killed run loses at most the requests in flight.

Reading back (:func:`load_ratings`), a pair rated more than once in one (template, model,
strategy) group gives its newest rating (an older one was made for an older prompt text,
e.g. before a persona's bio changed), and the ratings of one group must then all come from
one *request set* (one run configuration): a silent mix of, say, two temperatures is an
error naming the sets; pick one with ``request_set``.

Columns beyond the Parquet schema's meaning: ``expected_rating`` is the expected rating over
1..10 *given not a dislike* (None when the rating is certainly a dislike) and ``p_neg1`` the
probability of the dislike, so a −1 is never averaged with ratings as if it were a number
below 1 (:mod:`tastemaker.ratings.scale`). ``raw_output`` is the strategy's JSON: its share
of output on allowed answers is ``p_valid`` there (see :mod:`tastemaker.ratings.strategies`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tastemaker.errors import DataError
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
        pa.field("request_hash", pa.string(), nullable=False),
        pa.field("request_set", pa.string(), nullable=False),
        pa.field("request", pa.string()),
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
    #: The request's identity (:class:`~tastemaker.ratings.requests.RequestSpec`); '' for a
    #: record made by hand rather than by a rating run.
    request_hash: str = ""
    request_set: str = ""
    request: str | None = None

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
            "request_hash": self.request_hash,
            "request_set": self.request_set,
            "request": self.request,
        }


def stored_keys(store: Store, key: RatingKey) -> set[tuple[str, str, str]]:
    """(persona, item, request hash) of the ratings (and recorded failures) under ``key``."""
    rows = store.conn.execute(
        "SELECT persona_id, item_id, request_hash FROM ratings "
        "WHERE template_version = ? AND model = ? AND strategy = ?",
        (key.template_version, key.model, key.strategy),
    )
    return {(p, i, h) for p, i, h in rows}


def delete_failures(store: Store, key: RatingKey, request_set: str | None = None) -> int:
    """Forget the recorded failures under ``key`` (of one request set, when given) so that a
    re-run tries them again."""
    sql = (
        "DELETE FROM ratings WHERE answer IS NULL AND template_version = ? AND model = ? "
        "AND strategy = ?"
    )
    params: list[str] = [key.template_version, key.model, key.strategy]
    if request_set is not None:
        sql += " AND request_set = ?"
        params.append(request_set)
    with store.transaction() as conn:
        cursor = conn.execute(sql, params)
    return cursor.rowcount


_INSERT_COLUMNS: Final = (
    "persona_id", "item_id", "template_version", "model", "strategy", "server", "temperature",
    "seed", "answer", "expected_rating", *ANSWER_COLUMNS, "raw_output", "error", "run_id",
    "request_hash", "request_set", "request",
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
                record.request_hash,
                record.request_set,
                record.request,
            ),
        )


def load_ratings(
    store: Store,
    *,
    model: str | None = None,
    strategy: str | None = None,
    template_version: str | None = None,
    request_set: str | None = None,
) -> pd.DataFrame:
    """Stored ratings as a frame (Parquet columns plus ``server``, ``raw_output``,
    ``calibrated`` and ``created_at``), one row per (persona, item, template, model, strategy).

    A pair rated under several requests of one group gives its newest row; the group's rows
    must then come from one request set, else a DataError names the sets (choose one with
    ``request_set``). See the module docstring.
    """
    where, params = [], []
    for column, value in (
        ("model", model),
        ("strategy", strategy),
        ("template_version", template_version),
        ("request_set", request_set),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (
        "SELECT persona_id, item_id, strategy, model, answer, expected_rating, "
        f"{', '.join(ANSWER_COLUMNS)}, template_version, temperature, seed, error, "
        "request_hash, request_set, request, server, raw_output, calibrated, created_at "
        "FROM ratings"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY persona_id, item_id, created_at, request_hash"
    )
    frame = pd.read_sql_query(sql, store.conn, params=params)
    frame = frame.drop_duplicates(_GROUP_PAIR, keep="last").reset_index(drop=True)
    _refuse_mixed_sets(frame)
    frame["answer"] = frame["answer"].astype("Int64")
    frame["calibrated"] = frame["calibrated"].astype("Int64")
    return frame


_GROUP: Final = ["template_version", "model", "strategy"]
_GROUP_PAIR: Final = ["persona_id", "item_id", *_GROUP]
_KEY_COLUMNS: Final = [*_GROUP_PAIR, "request_hash"]


def _refuse_mixed_sets(frame: pd.DataFrame) -> None:
    counts = frame.groupby([*_GROUP, "request_set"]).size().reset_index(name="n")
    sets: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for template, model, strategy, request_set, n in counts.itertuples(index=False, name=None):
        sets[(str(template), str(model), str(strategy))].append(f"{request_set} ({n} ratings)")
    for (template, model, strategy), found in sets.items():
        if len(found) > 1:
            raise DataError(
                f"ratings of template {template}, model {model}, strategy {strategy} come "
                f"from {len(found)} request sets (prompt, format, temperature, n or constraint "
                f"changed between runs): {', '.join(found)}; choose one request set "
                "(--request-set), or re-rate the missing pairs with one configuration"
            )


def save_calibrated(store: Store, frame: pd.DataFrame) -> int:
    """Write the ``calibrated`` column of ``frame`` (keyed like the ratings table) back."""
    values = frame["calibrated"].astype("Int64").tolist()
    rows = [
        (None if pd.isna(value) else int(value), *key)
        for value, key in zip(
            values,
            frame[_KEY_COLUMNS].itertuples(index=False, name=None),
            strict=True,
        )
    ]
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE ratings SET calibrated = ? WHERE persona_id = ? AND item_id = ? "
            "AND template_version = ? AND model = ? AND strategy = ? AND request_hash = ?",
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

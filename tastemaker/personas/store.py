"""Personas in the store's ``personas`` table, and their JSONL and Parquet exports.

The table has one column per attribute the other stages filter on (gender, age band, budget,
...) and a JSON ``attributes`` column for the rest: the exact age and how the text was written
(prompt version, seed, temperature, attempts). Writes are upserts by id in one transaction, so
re-running a generation with the same seed rewrites nothing it should not. Exports carry every
field, one flat record per persona, with a declared Parquet schema.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from tastemaker.errors import ConfigError, DataError, NotFoundError, StoreError
from tastemaker.personas.schema import Persona
from tastemaker.store.db import Store

__all__ = [
    "PERSONA_PARQUET_SCHEMA",
    "ExportFormat",
    "count_personas",
    "export_personas",
    "get_persona",
    "iter_personas",
    "list_personas",
    "persona_ids",
    "persona_record",
    "save_personas",
]

ExportFormat = Literal["jsonl", "parquet"]

_COLUMNS: Final = (
    "id",
    "name",
    "gender",
    "age_band",
    "occupation",
    "region",
    "aesthetic",
    "palette",
    "budget",
    "brands",
    "bio",
    "model",
    "attributes",
)
_SELECT: Final = f"SELECT {', '.join(_COLUMNS)}, created_at FROM personas"

#: The columns of a persona Parquet export; ``generation`` is a JSON object as text.
PERSONA_PARQUET_SCHEMA: Final = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("gender", pa.string(), nullable=False),
        pa.field("age_band", pa.string()),
        pa.field("age", pa.int32()),
        pa.field("occupation", pa.string()),
        pa.field("region", pa.string()),
        pa.field("aesthetic", pa.string()),
        pa.field("palette", pa.string()),
        pa.field("budget", pa.string()),
        pa.field("brands", pa.list_(pa.string()), nullable=False),
        pa.field("bio", pa.string(), nullable=False),
        pa.field("model", pa.string()),
        pa.field("generation", pa.string(), nullable=False),
    ]
)


def save_personas(store: Store, personas: Iterable[Persona]) -> int:
    """Insert or replace ``personas`` by id in one transaction; returns how many were written."""
    rows = [
        (
            p.id,
            p.name,
            p.gender,
            p.age_band,
            p.occupation,
            p.region,
            p.aesthetic,
            p.palette,
            p.budget,
            json.dumps(p.brands, ensure_ascii=False),
            p.bio,
            p.model,
            json.dumps({"age": p.age, "generation": p.generation}, ensure_ascii=False),
        )
        for p in personas
    ]
    updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
    try:
        with store.transaction() as conn:
            conn.executemany(
                f"INSERT INTO personas ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _COLUMNS)}) "
                f"ON CONFLICT (id) DO UPDATE SET {updates}",
                rows,
            )
    except sqlite3.Error as exc:
        raise StoreError(f"{store.path}: cannot save personas: {exc}") from exc
    return len(rows)


def _from_row(row: sqlite3.Row) -> Persona:
    try:
        extra: dict[str, Any] = json.loads(row["attributes"] or "{}")
        brands = json.loads(row["brands"] or "[]")
    except json.JSONDecodeError as exc:
        raise DataError(f"personas row {row['id']}: corrupt JSON column: {exc}") from exc
    return Persona(
        id=row["id"],
        name=row["name"],
        gender=row["gender"],
        age_band=row["age_band"],
        age=extra.get("age"),
        occupation=row["occupation"],
        region=row["region"],
        aesthetic=row["aesthetic"],
        palette=row["palette"],
        budget=row["budget"],
        brands=brands,
        bio=row["bio"],
        model=row["model"],
        generation=extra.get("generation") or {},
    )


def iter_personas(store: Store) -> Iterator[Persona]:
    """Every stored persona, ordered by id."""
    for row in store.conn.execute(f"{_SELECT} ORDER BY id"):
        yield _from_row(row)


def list_personas(store: Store, *, limit: int | None = None, offset: int = 0) -> list[Persona]:
    """Stored personas ordered by id, ``limit`` of them from ``offset`` (all when None)."""
    rows = store.conn.execute(
        f"{_SELECT} ORDER BY id LIMIT ? OFFSET ?", (-1 if limit is None else limit, offset)
    )
    return [_from_row(row) for row in rows]


def get_persona(store: Store, persona_id: str) -> Persona:
    """The persona with ``persona_id``; :class:`NotFoundError` when there is none."""
    row = store.conn.execute(f"{_SELECT} WHERE id = ?", (persona_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no persona with id {persona_id!r}")
    return _from_row(row)


def persona_ids(store: Store) -> set[str]:
    """Ids of every stored persona (to skip work already done)."""
    return {row[0] for row in store.conn.execute("SELECT id FROM personas")}


def count_personas(store: Store) -> int:
    """How many personas are stored."""
    return int(store.conn.execute("SELECT count(*) FROM personas").fetchone()[0])


def persona_record(persona: Persona) -> dict[str, Any]:
    """One flat export record: id, name, gender, bio and every attribute, plus provenance."""
    return persona.model_dump(mode="json")


def export_personas(
    personas: Iterable[Persona], path: Path, format: ExportFormat | None = None
) -> int:
    """Write ``personas`` to ``path`` as JSONL or Parquet (by suffix unless ``format`` is given).

    The file is written beside its destination and renamed into place, so an interrupted
    export never leaves a half-written file under the final name. Returns the row count.
    """
    chosen = format or _format_from_suffix(path)
    records = [persona_record(p) for p in personas]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if chosen == "jsonl":
            with tmp.open("w", encoding="utf-8") as fh:
                for record in records:
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            for record in records:
                record["generation"] = json.dumps(record["generation"], ensure_ascii=False)
            table = pa.Table.from_pylist(records, schema=PERSONA_PARQUET_SCHEMA)
            pq.write_table(table, tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; an export is meant to be shared
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(records)


def _format_from_suffix(path: Path) -> ExportFormat:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise ConfigError(
        f"{path}: cannot tell the export format from {suffix or 'no suffix'!r}; "
        "use .jsonl or .parquet, or pass the format"
    )

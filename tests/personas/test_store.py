"""Persona persistence: upsert round-trip, lookups, JSONL and Parquet exports."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tastemaker.errors import ConfigError, NotFoundError, StoreError
from tastemaker.personas.store import (
    PERSONA_PARQUET_SCHEMA,
    count_personas,
    export_personas,
    get_persona,
    iter_personas,
    list_personas,
    persona_ids,
    save_personas,
)
from tastemaker.store import Store
from tests.personas.helpers import make_persona


def test_save_and_read_back_every_field(store: Store) -> None:
    personas = [make_persona(i) for i in range(3)]
    assert save_personas(store, personas) == 3
    assert list_personas(store) == personas
    assert list(iter_personas(store)) == personas
    assert get_persona(store, personas[1].id) == personas[1]
    assert persona_ids(store) == {p.id for p in personas}
    assert count_personas(store) == 3


def test_columns_hold_what_other_stages_read(store: Store) -> None:
    save_personas(store, [make_persona(0)])
    row = store.conn.execute("SELECT * FROM personas").fetchone()
    assert row["gender"] == "woman"
    assert json.loads(row["brands"]) == ["COS", "Arket"]
    assert json.loads(row["attributes"])["age"] == 25
    assert json.loads(row["attributes"])["generation"]["prompt_version"] == "persona-v1"


def test_saving_again_updates_in_place(store: Store) -> None:
    save_personas(store, [make_persona(0), make_persona(1)])
    changed = make_persona(1, name="New Name", bio="Changed bio here. It has two sentences now.")
    save_personas(store, [changed])
    assert count_personas(store) == 2
    assert get_persona(store, changed.id) == changed


def test_a_failing_batch_leaves_the_table_untouched(store: Store) -> None:
    save_personas(store, [make_persona(0)])
    store.conn.execute(
        "CREATE TRIGGER no_second BEFORE INSERT ON personas WHEN NEW.id LIKE '%0001%' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    with pytest.raises(StoreError, match="refused"):
        save_personas(store, [make_persona(2), make_persona(1)])
    assert persona_ids(store) == {make_persona(0).id}


def test_list_pages_by_id(store: Store) -> None:
    save_personas(store, [make_persona(i) for i in (3, 1, 2, 0)])
    assert [p.id for p in list_personas(store, limit=2, offset=1)] == [
        make_persona(1).id,
        make_persona(2).id,
    ]


def test_unknown_id_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        get_persona(store, "nope")


def test_jsonl_export_has_id_name_gender_bio_and_every_attribute(tmp_path: Path) -> None:
    personas = [make_persona(i) for i in range(2)]
    path = tmp_path / "out" / "personas.jsonl"
    assert export_personas(personas, path) == 2
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    first = lines[0]
    for key in ("id", "name", "gender", "bio", "age_band", "age", "occupation", "region"):
        assert first[key] == getattr(personas[0], key)
    for key in ("aesthetic", "palette", "budget", "brands", "model", "generation"):
        assert first[key] == getattr(personas[0], key)
    assert not list(path.parent.glob("*.partial"))  # written aside, then renamed


def test_parquet_export_follows_the_declared_schema(tmp_path: Path) -> None:
    personas = [make_persona(i) for i in range(3)]
    path = tmp_path / "personas.parquet"
    assert export_personas(personas, path) == 3
    table = pq.read_table(path)
    assert table.schema.equals(PERSONA_PARQUET_SCHEMA)
    rows = table.to_pylist()
    assert rows[2]["brands"] == ["COS", "Arket"]
    assert json.loads(rows[2]["generation"]) == personas[2].generation


def test_export_format_comes_from_the_suffix_or_the_argument(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\.csv"):
        export_personas([make_persona(0)], tmp_path / "personas.csv")
    path = tmp_path / "personas.data"
    export_personas([make_persona(0)], path, format="jsonl")
    assert json.loads(path.read_text(encoding="utf-8"))["id"] == make_persona(0).id

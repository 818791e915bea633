from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tastemaker.errors import MigrationError
from tastemaker.store import SCHEMA_VERSION, migrate, open_store
from tastemaker.store.migrations import MIGRATIONS

TABLES = {"items", "personas", "ratings", "users", "feedback", "runs", "embeddings"}


def test_migrates_an_empty_file_to_the_current_schema(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite") as store:
        version = store.conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            row[0]
            for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        journal = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
        foreign_keys = store.conn.execute("PRAGMA foreign_keys").fetchone()[0]
    assert version == SCHEMA_VERSION
    assert tables >= TABLES
    assert journal == "wal"
    assert foreign_keys == 1


def test_reopening_applies_nothing_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with open_store(path) as store, store.transaction() as conn:
        conn.execute("INSERT INTO users (id) VALUES ('u1')")
    with open_store(path) as store:
        assert migrate(store.conn) == 0
        assert store.conn.execute("SELECT id FROM users").fetchall()[0][0] == "u1"


def test_refuses_a_store_from_a_newer_version(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(MigrationError, match="newer"):
        open_store(path)


def test_ratings_key_makes_reruns_idempotent(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite") as store, store.transaction() as conn:
        conn.execute(
            "INSERT INTO personas (id, name, gender, bio) VALUES ('p', 'Ann', 'Women', 'b')"
        )
        conn.execute(
            "INSERT INTO items (id, name, source, content_hash) VALUES ('i', 'Shirt', 't', 'h')"
        )
        insert = (
            "INSERT INTO ratings (persona_id, item_id, template_version, model, strategy, server, "
            "answer, p_neg1) VALUES ('p', 'i', 'v1', 'm', 'logprobs', 's', ?, 0.1) "
            "ON CONFLICT DO NOTHING"
        )
        conn.execute(insert, (7,))
        conn.execute(insert, (3,))
        rows = conn.execute("SELECT answer FROM ratings").fetchall()
    assert [r[0] for r in rows] == [7]


@pytest.mark.parametrize(("column", "value"), [("answer", 0), ("answer", 11), ("p_3", 1.5)])
def test_ratings_reject_values_off_the_scale(tmp_path: Path, column: str, value: float) -> None:
    with open_store(tmp_path / "s.sqlite") as store:
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO personas (id, name, gender, bio) VALUES ('p', 'A', 'Men', 'b')"
            )
            conn.execute(
                "INSERT INTO items (id, name, source, content_hash) VALUES ('i', 'S', 't', 'h')"
            )
        with pytest.raises(sqlite3.IntegrityError), store.transaction() as conn:
            conn.execute(
                "INSERT INTO ratings (persona_id, item_id, template_version, model, strategy, "
                f"server, {column}) VALUES ('p', 'i', 'v1', 'm', 'free', 's', ?)",
                (value,),
            )


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite") as store:
        with pytest.raises(sqlite3.IntegrityError), store.transaction() as conn:
            conn.execute("INSERT INTO feedback (user_id, item_id, kind) VALUES ('x', 'y', 'like')")
        assert store.conn.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0


def test_migration_3_adds_the_retail_fields_and_keeps_the_items(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    conn = sqlite3.connect(path)
    for statements in MIGRATIONS[:2]:
        for statement in statements:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO items (id, name, source, content_hash) VALUES ('i', 'S', 't', 'h')")
    conn.commit()
    conn.close()
    with open_store(path) as store:
        row = store.conn.execute("SELECT name, brand, price, description FROM items").fetchone()
        assert tuple(row) == ("S", None, None, None)
        with pytest.raises(sqlite3.IntegrityError), store.transaction() as tx:
            tx.execute("UPDATE items SET price = -1 WHERE id = 'i'")


def test_request_hash_migration_keeps_old_ratings_under_a_legacy_hash(tmp_path: Path) -> None:
    """Migration 6 rebuilds the ratings table with the request hash in its key."""
    from tastemaker.store.migrations import MIGRATIONS

    path = tmp_path / "s.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, statements in enumerate(MIGRATIONS[:2], start=1):
        for statement in statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO personas (id, name, gender, bio) VALUES ('p', 'Ann', 'Women', 'b')")
    conn.execute("INSERT INTO items (id, name, source, content_hash) VALUES ('i', 'S', 't', 'h')")
    conn.execute(
        "INSERT INTO ratings (persona_id, item_id, template_version, model, strategy, server, "
        "answer, expected_rating, p_7, raw_output, calibrated) "
        "VALUES ('p', 'i', 'v1', 'm', 'logprobs', 's', 7, 6.5, 0.4, '{}', 9)"
    )
    conn.close()
    with open_store(path) as store:
        row = dict(store.conn.execute("SELECT * FROM ratings").fetchone())
        assert (row["answer"], row["expected_rating"], row["p_7"], row["calibrated"]) == (
            7, 6.5, 0.4, 9
        )  # fmt: skip
        assert row["request_hash"] == "legacy:p/i/v1/m/logprobs"
        assert row["request_set"] == "legacy:v1/m/logprobs"
        with store.transaction() as tx:  # the same pair under a new request is a new rating
            tx.execute(
                "INSERT INTO ratings (persona_id, item_id, template_version, model, strategy, "
                "server, answer, request_hash, request_set) "
                "VALUES ('p', 'i', 'v1', 'm', 'logprobs', 's', 3, 'abc', 'set')"
            )
        assert store.conn.execute("SELECT count(*) FROM ratings").fetchone()[0] == 2
        indexes = {r[1] for r in store.conn.execute("PRAGMA index_list(ratings)")}
        assert "ratings_item" in indexes

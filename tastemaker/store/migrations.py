"""Versioned schema migrations, in code.

The schema version lives in SQLite's ``PRAGMA user_version``. Each migration is a list of
statements applied in one transaction, so a failed step leaves the file at the previous
version. Never edit a released migration: append a new one.

Keys are chosen so that every re-run of a stage is idempotent: items by id, ratings by
(persona, item, template version, model, strategy, request hash), embeddings by (encoder,
content hash), real interactions by a digest of (dataset, user, item, kind, time,
occurrence). SQLite cannot change a primary key in place, so a migration that does rebuilds
the table (create, copy, drop, rename) inside its one transaction.
"""

from __future__ import annotations

import sqlite3

from tastemaker.errors import MigrationError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate"]

_ANSWER_NAMES = ", ".join(["p_neg1", *(f"p_{k}" for k in range(1, 11))])
_ANSWER_COLUMNS = ", ".join(
    f"{name} REAL CHECK ({name} IS NULL OR ({name} >= 0 AND {name} <= 1))"
    for name in ["p_neg1", *(f"p_{k}" for k in range(1, 11))]
)

MIGRATIONS: list[list[str]] = [
    # 1: the ground floor.
    [
        """
        CREATE TABLE items (
            id               TEXT PRIMARY KEY,
            name             TEXT NOT NULL,
            gender           TEXT,
            master_category  TEXT,
            sub_category     TEXT,
            article_type     TEXT,
            base_colour      TEXT,
            season           TEXT,
            year             INTEGER,
            usage            TEXT,
            image_path       TEXT,
            has_image        INTEGER NOT NULL DEFAULT 0 CHECK (has_image IN (0, 1)),
            source           TEXT NOT NULL,
            content_hash     TEXT NOT NULL,
            created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ) WITHOUT ROWID
        """,
        "CREATE INDEX items_article_type ON items (article_type)",
        "CREATE INDEX items_gender ON items (gender)",
        """
        CREATE TABLE personas (
            id          TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            gender      TEXT NOT NULL,
            age_band    TEXT,
            occupation  TEXT,
            region      TEXT,
            aesthetic   TEXT,
            palette     TEXT,
            budget      TEXT,
            brands      TEXT NOT NULL DEFAULT '[]',
            bio         TEXT NOT NULL,
            model       TEXT,
            attributes  TEXT NOT NULL DEFAULT '{}',
            created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ) WITHOUT ROWID
        """,
        f"""
        CREATE TABLE ratings (
            persona_id        TEXT NOT NULL REFERENCES personas (id) ON DELETE CASCADE,
            item_id           TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            template_version  TEXT NOT NULL,
            model             TEXT NOT NULL,
            strategy          TEXT NOT NULL
                              CHECK (strategy IN ('logprobs', 'sample', 'free', 'yesno')),
            server            TEXT NOT NULL,
            temperature       REAL,
            seed              INTEGER,
            answer            INTEGER
                              CHECK (answer IS NULL OR answer = -1 OR answer BETWEEN 1 AND 10),
            expected_rating   REAL,
            {_ANSWER_COLUMNS},
            raw_output        TEXT,
            error             TEXT,
            run_id            TEXT REFERENCES runs (id) ON DELETE SET NULL,
            created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            PRIMARY KEY (persona_id, item_id, template_version, model, strategy)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX ratings_item ON ratings (item_id)",
        """
        CREATE TABLE users (
            id          TEXT PRIMARY KEY,
            profile     TEXT NOT NULL DEFAULT '{}',
            version     INTEGER NOT NULL DEFAULT 1,
            created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE feedback (
            user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            item_id     TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            kind        TEXT NOT NULL CHECK (kind IN ('like', 'dislike', 'rating')),
            value       REAL,
            created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            PRIMARY KEY (user_id, item_id)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE runs (
            id           TEXT PRIMARY KEY,
            stage        TEXT NOT NULL,
            config       TEXT NOT NULL DEFAULT '{}',
            status       TEXT NOT NULL DEFAULT 'running'
                         CHECK (status IN ('running', 'done', 'failed')),
            stats        TEXT NOT NULL DEFAULT '{}',
            started_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            finished_at  TEXT
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE embeddings (
            encoder_id    TEXT NOT NULL,
            content_hash  TEXT NOT NULL,
            dim           INTEGER NOT NULL CHECK (dim > 0),
            vector        BLOB NOT NULL CHECK (length(vector) = 4 * dim),
            PRIMARY KEY (encoder_id, content_hash)
        ) WITHOUT ROWID
        """,
    ],
    # 2: calibrated answers live beside the raw ones, so both stay inspectable.
    [
        "ALTER TABLE ratings ADD COLUMN calibrated INTEGER "
        "CHECK (calibrated IS NULL OR calibrated = -1 OR calibrated BETWEEN 1 AND 10)",
    ],
    # 3: what retail catalogues add to an item (H&M's detail_desc, Amazon's brand and price).
    [
        "ALTER TABLE items ADD COLUMN brand TEXT",
        "ALTER TABLE items ADD COLUMN price REAL CHECK (price IS NULL OR price >= 0)",
        "ALTER TABLE items ADD COLUMN description TEXT",
    ],
    # 4: real shoppers: imported users (attributes for twins) and their interactions, each
    # row keyed so that re-importing a file adds nothing (see tastemaker.datasets.interactions).
    [
        """
        CREATE TABLE real_users (
            dataset     TEXT NOT NULL,
            id          TEXT NOT NULL,
            attributes  TEXT NOT NULL DEFAULT '{}',
            created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            PRIMARY KEY (dataset, id)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE interactions (
            key         TEXT PRIMARY KEY,
            dataset     TEXT NOT NULL,
            user_id     TEXT NOT NULL,
            item_id     TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            kind        TEXT NOT NULL CHECK (kind IN ('rating', 'purchase', 'add_to_cart',
                                                      'click', 'view')),
            timestamp   INTEGER,
            value       REAL,
            scale       TEXT,
            rating      REAL CHECK (rating IS NULL OR rating = -1 OR rating BETWEEN 1 AND 10),
            weight      REAL NOT NULL CHECK (weight >= 0),
            occurrence  INTEGER NOT NULL DEFAULT 0,
            run_id      TEXT REFERENCES runs (id) ON DELETE SET NULL,
            created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            FOREIGN KEY (dataset, user_id) REFERENCES real_users (dataset, id) ON DELETE CASCADE,
            CHECK ((kind = 'rating') = (rating IS NOT NULL))
        ) WITHOUT ROWID
        """,
        "CREATE INDEX interactions_user ON interactions (dataset, user_id, timestamp)",
        "CREATE INDEX interactions_item ON interactions (item_id)",
    ],
    # 5: twins: personas that mirror a real user, with the history their prompt shows.
    [
        """
        CREATE TABLE twins (
            persona_id  TEXT PRIMARY KEY REFERENCES personas (id) ON DELETE CASCADE,
            dataset     TEXT NOT NULL,
            user_id     TEXT NOT NULL,
            history     TEXT NOT NULL DEFAULT '[]',
            cutoff      INTEGER,
            created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            FOREIGN KEY (dataset, user_id) REFERENCES real_users (dataset, id) ON DELETE CASCADE
        ) WITHOUT ROWID
        """,
        "CREATE INDEX twins_user ON twins (dataset, user_id)",
    ],
    # 6: the request hash (prompt text, format, temperature, n, constraint … see
    # tastemaker/ratings/requests.py) joins the ratings key, so a changed request rates afresh.
    # Rows stored before it keep their values under 'legacy:' hashes, which no sha256 hex
    # digest can equal; `request` (the request's description as JSON) is unknown for them.
    # '' is the hash of a rating stored without a request (hand-made records, e.g. in tests).
    [
        f"""
        CREATE TABLE ratings_v6 (
            persona_id        TEXT NOT NULL REFERENCES personas (id) ON DELETE CASCADE,
            item_id           TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            template_version  TEXT NOT NULL,
            model             TEXT NOT NULL,
            strategy          TEXT NOT NULL
                              CHECK (strategy IN ('logprobs', 'sample', 'free', 'yesno')),
            request_hash      TEXT NOT NULL DEFAULT '',
            request_set       TEXT NOT NULL DEFAULT '',
            request           TEXT,
            server            TEXT NOT NULL,
            temperature       REAL,
            seed              INTEGER,
            answer            INTEGER
                              CHECK (answer IS NULL OR answer = -1 OR answer BETWEEN 1 AND 10),
            expected_rating   REAL,
            {_ANSWER_COLUMNS},
            raw_output        TEXT,
            error             TEXT,
            run_id            TEXT REFERENCES runs (id) ON DELETE SET NULL,
            created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            calibrated        INTEGER
                              CHECK (calibrated IS NULL OR calibrated = -1
                                     OR calibrated BETWEEN 1 AND 10),
            PRIMARY KEY (persona_id, item_id, template_version, model, strategy, request_hash)
        ) WITHOUT ROWID
        """,
        f"""
        INSERT INTO ratings_v6 (persona_id, item_id, template_version, model, strategy,
            request_hash, request_set, server, temperature, seed, answer, expected_rating,
            {_ANSWER_NAMES}, raw_output, error, run_id, created_at, calibrated)
        SELECT persona_id, item_id, template_version, model, strategy,
            'legacy:' || persona_id || '/' || item_id || '/' || template_version || '/' || model
                || '/' || strategy,
            'legacy:' || template_version || '/' || model || '/' || strategy,
            server, temperature, seed, answer, expected_rating,
            {_ANSWER_NAMES}, raw_output, error, run_id, created_at, calibrated
        FROM ratings
        """,
        "DROP TABLE ratings",
        "ALTER TABLE ratings_v6 RENAME TO ratings",
        "CREATE INDEX ratings_item ON ratings (item_id)",
        "CREATE INDEX ratings_set ON ratings (template_version, model, strategy, request_set)",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring ``conn`` to :data:`SCHEMA_VERSION`; returns the number of migrations applied."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current > SCHEMA_VERSION:
        raise MigrationError(
            f"store schema version {current} is newer than this tastemaker "
            f"({SCHEMA_VERSION}); upgrade tastemaker"
        )
    for version in range(current, SCHEMA_VERSION):
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise MigrationError(f"migration {version + 1} failed: {exc}") from exc
    return SCHEMA_VERSION - current

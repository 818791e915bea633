"""The ``real_users`` and ``interactions`` tables: real shoppers and what they did.

Real feedback has two sources, and every row read back says which:

* ``real`` — imported files (``tastemaker interactions import``, ``users import``), grouped by
  the ``dataset`` name given at import, each row keyed so a re-import adds nothing;
* ``web`` — likes, dislikes and ratings given in the web app (the ``feedback`` table of
  :mod:`tastemaker.store.users`), read here on the same model scale (like = 10, dislike = −1,
  the thumbs rule of :mod:`tastemaker.datasets.scales`).

Synthetic ratings (LLM personas) live in the ``ratings`` table with their LLM, strategy and
prompt version; :func:`load_interactions` never mixes them in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import pandas as pd

from tastemaker.datasets.interactions import Interaction
from tastemaker.datasets.real_users import RealUser
from tastemaker.datasets.scales import THUMBS_DOWN, THUMBS_UP
from tastemaker.store.db import Store

__all__ = [
    "INTERACTION_FRAME_COLUMNS",
    "WEB_DATASET",
    "StoredCounts",
    "add_bare_users",
    "dataset_summary",
    "insert_interactions",
    "load_interactions",
    "real_user_attributes",
    "upsert_real_users",
]

#: The dataset name under which the web app's feedback is read back.
WEB_DATASET: Final = "web"
#: Columns of :func:`load_interactions`, in order.
INTERACTION_FRAME_COLUMNS: Final = (
    "source", "dataset", "user_id", "item_id", "kind", "timestamp", "value", "scale",
    "rating", "weight",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StoredCounts:
    """What a write did: rows new to the store, rows changed, rows already there as given."""

    inserted: int
    updated: int
    unchanged: int


def _count(store: Store, table: str, dataset: str) -> int:
    sql = f"SELECT count(*) FROM {table} WHERE dataset = ?"  # table is one of ours, not input
    return int(store.conn.execute(sql, (dataset,)).fetchone()[0])


def upsert_real_users(store: Store, dataset: str, users: Iterable[RealUser]) -> StoredCounts:
    """Store users' attributes in one transaction; a user seen again gets the file's values
    merged over the stored ones (a later file can add an attribute, never erase one)."""
    # json() stores the minified text json_patch returns, so "nothing changed" compares equal.
    rows = [(dataset, u.id, json.dumps(u.attributes, sort_keys=True)) for u in users]
    before = _count(store, "real_users", dataset)
    with store.transaction() as conn:
        changed_before = conn.total_changes
        conn.executemany(
            "INSERT INTO real_users (dataset, id, attributes) VALUES (?, ?, json(?)) "
            "ON CONFLICT (dataset, id) DO UPDATE SET "
            "attributes = json_patch(real_users.attributes, excluded.attributes), "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
            "WHERE json_patch(real_users.attributes, excluded.attributes) "
            "IS NOT real_users.attributes",
            rows,
        )
        changes = conn.total_changes - changed_before
    inserted = _count(store, "real_users", dataset) - before
    return StoredCounts(inserted, changes - inserted, len(rows) - changes)


def add_bare_users(store: Store, dataset: str, user_ids: Iterable[str]) -> list[str]:
    """Add users an interactions file names but no users file described (no attributes);
    returns the ids that were new, in the order given."""
    known = {
        row[0]
        for row in store.conn.execute("SELECT id FROM real_users WHERE dataset = ?", (dataset,))
    }
    new = list(dict.fromkeys(u for u in user_ids if u not in known))
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO real_users (dataset, id) VALUES (?, ?)", [(dataset, u) for u in new]
        )
    return new


def insert_interactions(
    store: Store, dataset: str, rows: Sequence[Interaction], run_id: str | None = None
) -> StoredCounts:
    """Store interactions in one transaction, keyed by :meth:`Interaction.key`: a row already
    stored is left alone unless its value or weight changed (a corrected file updates it)."""
    before = _count(store, "interactions", dataset)
    with store.transaction() as conn:
        changed_before = conn.total_changes
        conn.executemany(
            "INSERT INTO interactions (key, dataset, user_id, item_id, kind, timestamp, value, "
            f"scale, rating, weight, occurrence, run_id) VALUES ({', '.join('?' * 12)}) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, scale = excluded.scale, "
            "rating = excluded.rating, weight = excluded.weight, run_id = excluded.run_id "
            "WHERE interactions.value IS NOT excluded.value "
            "OR interactions.scale IS NOT excluded.scale "
            "OR interactions.weight IS NOT excluded.weight",
            [
                (r.key(dataset), dataset, r.user_id, r.item_id, r.kind, r.timestamp, r.value,
                 r.scale, r.rating, r.weight, r.occurrence, run_id)
                for r in rows
            ],
        )  # fmt: skip
        changes = conn.total_changes - changed_before
    inserted = _count(store, "interactions", dataset) - before
    return StoredCounts(inserted, changes - inserted, len(rows) - changes)


def real_user_attributes(store: Store, dataset: str) -> dict[str, dict[str, str | int]]:
    """Every user of ``dataset`` with their attributes (empty for bare users)."""
    rows = store.conn.execute(
        "SELECT id, attributes FROM real_users WHERE dataset = ? ORDER BY id", (dataset,)
    )
    return {row[0]: json.loads(row[1]) for row in rows}


def load_interactions(store: Store, datasets: Sequence[str] | None = None) -> pd.DataFrame:
    """Real feedback as one frame (:data:`INTERACTION_FRAME_COLUMNS`), ordered by dataset,
    user and time. ``datasets`` picks imported datasets and/or :data:`WEB_DATASET`; None reads
    all of them. ``rating`` is on the model's scale; events have none."""
    wanted = None if datasets is None else list(datasets)
    frames = []
    imported = [d for d in wanted if d != WEB_DATASET] if wanted is not None else None
    if imported is None or imported:
        where = "" if imported is None else f" WHERE dataset IN ({', '.join('?' * len(imported))})"
        frames.append(
            pd.read_sql_query(
                "SELECT 'real' AS source, dataset, user_id, item_id, kind, timestamp, value, "
                f"scale, rating, weight FROM interactions{where}",
                store.conn,
                params=imported or (),
            )
        )
    if wanted is None or WEB_DATASET in wanted:
        frames.append(
            pd.read_sql_query(
                "SELECT 'web' AS source, ? AS dataset, user_id, item_id, 'rating' AS kind, "
                "CAST(strftime('%s', created_at) AS INTEGER) AS timestamp, "
                "CASE kind WHEN 'like' THEN 1.0 WHEN 'dislike' THEN 0.0 ELSE value END AS value, "
                "CASE kind WHEN 'rating' THEN 'model' ELSE 'thumbs' END AS scale, "
                f"CASE kind WHEN 'like' THEN {THUMBS_UP} WHEN 'dislike' THEN {THUMBS_DOWN} "
                "ELSE value END AS rating, 1.0 AS weight FROM feedback",
                store.conn,
                params=(WEB_DATASET,),
            )
        )
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: [] for c in INTERACTION_FRAME_COLUMNS})
    frame = pd.concat(frames, ignore_index=True)[list(INTERACTION_FRAME_COLUMNS)]
    frame["timestamp"] = frame["timestamp"].astype("Int64")
    return frame.sort_values(["dataset", "user_id", "timestamp"], kind="stable").reset_index(
        drop=True
    )


def dataset_summary(store: Store) -> list[dict[str, object]]:
    """Per imported dataset: users, interactions by kind, rating scales (for `interactions
    list` and for the errors that must say what the store holds)."""
    rows = store.conn.execute(
        "SELECT d.dataset, (SELECT count(*) FROM real_users u WHERE u.dataset = d.dataset), "
        "i.kind, count(i.key), group_concat(DISTINCT i.scale) FROM "
        "(SELECT DISTINCT dataset FROM real_users) d "
        "LEFT JOIN interactions i ON i.dataset = d.dataset GROUP BY d.dataset, i.kind "
        "ORDER BY d.dataset, i.kind"
    ).fetchall()
    summary: dict[str, dict[str, object]] = {}
    for dataset, users, kind, count, scales in rows:
        entry = summary.setdefault(
            dataset, {"dataset": dataset, "users": int(users), "kinds": {}, "scales": []}
        )
        if kind is not None:
            kinds = entry["kinds"]
            assert isinstance(kinds, dict)
            kinds[kind] = int(count)
        if scales:
            scale_list = entry["scales"]
            assert isinstance(scale_list, list)
            scale_list.extend(s for s in str(scales).split(",") if s not in scale_list)
    return list(summary.values())

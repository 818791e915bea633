"""The ``runs`` table: one row per stage invocation, with its config and final stats."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping

from tastemaker.store.db import Store

__all__ = ["finish_run", "start_run"]


def start_run(store: Store, stage: str, config: Mapping[str, object]) -> str:
    """Record that ``stage`` started with ``config``; returns the new run id."""
    run_id = uuid.uuid4().hex
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO runs (id, stage, config) VALUES (?, ?, ?)",
            (run_id, stage, json.dumps(dict(config), default=str, sort_keys=True)),
        )
    return run_id


def finish_run(store: Store, run_id: str, stats: Mapping[str, object], *, ok: bool = True) -> None:
    """Close a run with its outcome and statistics."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE runs SET status = ?, stats = ?, "
            "finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
            ("done" if ok else "failed", json.dumps(dict(stats), default=str), run_id),
        )

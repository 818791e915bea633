"""A content-addressed cache of LLM responses in one SQLite file.

The key is the sha256 of the canonical JSON of everything that determines the answer: model,
endpoint, prompt or messages, and every sampling parameter (including server-specific extras
such as a grammar). The server URL is deliberately *not* part of the key: the embedded server
listens on a new random port each run, and the same model behind another URL gives the same
answer. Re-running a stage therefore costs nothing for requests already answered, and changing
any parameter, even one a server ignores, is a miss rather than a stale hit.

Only successful, parsed responses are stored. SQLite calls run synchronously on the event loop's
thread; each is short (one indexed row), and because no ``await`` happens inside a call, tasks
of one asyncio loop cannot interleave within it. Several processes may share the file (WAL
journal, busy timeout).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tastemaker.errors import StoreError

__all__ = ["CACHE_KEY_VERSION", "ResponseCache", "cache_key", "is_cacheable"]

CACHE_KEY_VERSION = 1  # bump when the key or the stored shape changes; old rows become misses

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key        TEXT PRIMARY KEY,
    model      TEXT NOT NULL,
    endpoint   TEXT NOT NULL,
    response   TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""


def cache_key(request: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON (sorted keys, no whitespace) of a request description."""
    canonical = json.dumps(
        {"v": CACHE_KEY_VERSION, **request},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def is_cacheable(temperature: float | None, seed: int | None) -> bool:
    """Whether a request's answer may be replayed from the cache.

    Greedy requests (temperature 0) and seeded samples are reproducible, so replaying them is
    exact. A temperature > 0 request without a seed asks for a *fresh* random draw: the
    ``sample`` rating strategy relies on independent draws, and a cache would hand back the
    same draw every time, silently collapsing n samples into one. A missing temperature means
    the server's default, which is usually > 0, so it is treated the same way.
    """
    if seed is not None:
        return True
    return temperature is not None and temperature == 0


class ResponseCache:
    """Key → response JSON in SQLite; use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the LLM response cache: {exc}") from exc
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored response for ``key``, or None."""
        row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        value: dict[str, Any] = json.loads(row[0])
        return value

    def put(self, key: str, response: Mapping[str, Any], *, model: str, endpoint: str) -> None:
        """Store ``response`` under ``key`` (replacing an older entry)."""
        self._db.execute(
            "INSERT OR REPLACE INTO responses (key, model, endpoint, response, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (key, model, endpoint, json.dumps(response, separators=(",", ":")), time.time()),
        )

    def __len__(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM responses").fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the connection; the file stays for the next run."""
        self._db.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

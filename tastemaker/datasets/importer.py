"""Importing real users and interactions into the store without losing good rows to bad ones.

Both importers read any table (:mod:`tastemaker.datasets.tables`), check every row (bad rows
are named by file, line and field and skipped; the good ones are stored in one transaction),
and key each row so that re-importing the same file adds nothing. An interaction whose item is
not in the catalogue is rejected and counted (the first few ids named); a user an interactions
file names but no users file described is added without attributes, and counted too.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from tastemaker.datasets.interactions import Interaction, InteractionsMapping, parse_interactions
from tastemaker.datasets.real_users import UsersMapping, UsersParse, parse_users
from tastemaker.datasets.schema import BadRow
from tastemaker.datasets.tables import read_table
from tastemaker.store.db import Store
from tastemaker.store.real import (
    StoredCounts,
    add_bare_users,
    insert_interactions,
    upsert_real_users,
)

__all__ = ["ImportSummary", "import_interactions", "import_users"]

#: How many ids a report names before it only counts.
SHOWN_IDS: Final = 5


@dataclass
class ImportSummary:
    """What one import did. ``stored`` counts rows new, changed and already there;
    ``rejected`` lists each bad row; ``notes`` says what was counted but not an error."""

    source: str
    dataset: str
    rows_read: int = 0
    stored: StoredCounts = field(default_factory=lambda: StoredCounts(0, 0, 0))
    by_kind: dict[str, int] = field(default_factory=dict)
    rejected: list[BadRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "dataset": self.dataset,
            "rows_read": self.rows_read,
            "inserted": self.stored.inserted,
            "updated": self.stored.updated,
            "unchanged": self.stored.unchanged,
            "by_kind": self.by_kind,
            "rejected": [str(p) for p in self.rejected],
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


def _bad(problems: list[BadRow]) -> int:
    return sum(1 for p in problems if not p.repaired)


def _named(ids: list[str]) -> str:
    shown = ", ".join(ids[:SHOWN_IDS])
    return shown + (f", … ({len(ids) - SHOWN_IDS} more)" if len(ids) > SHOWN_IDS else "")


def import_interactions(
    store: Store,
    path: Path,
    mapping: InteractionsMapping,
    *,
    dataset: str,
    run_id: str | None = None,
) -> ImportSummary:
    """Read, check and store an interactions file (ratings and/or events) as ``dataset``."""
    started = time.perf_counter()
    problems: list[BadRow] = []
    table = read_table(path, problems)
    rows = list(parse_interactions(table, mapping, problems))
    summary = ImportSummary(source=str(path), dataset=dataset, rows_read=len(rows) + _bad(problems))
    catalogue = {row[0] for row in store.conn.execute("SELECT id FROM items")}
    kept: list[Interaction] = []
    unknown: dict[str, int] = {}
    for row in rows:
        if row.item_id in catalogue:
            kept.append(row)
            continue
        unknown[row.item_id] = unknown.get(row.item_id, 0) + 1
        problems.append(
            BadRow(path.name, row.line, f"item: {row.item_id!r} is not in the catalogue")
        )
    if unknown:
        summary.notes.append(
            f"{sum(unknown.values())} row(s) name {len(unknown)} item(s) not in the catalogue "
            f"(import the catalogue first): {_named(list(unknown))}"
        )
    new_users = add_bare_users(store, dataset, (r.user_id for r in kept))
    if new_users:
        summary.notes.append(
            f"{len(new_users)} user(s) not imported before were added without attributes "
            f"(`tastemaker users import` describes them): {_named(new_users)}"
        )
    summary.stored = insert_interactions(store, dataset, kept, run_id)
    summary.by_kind = dict(Counter(r.kind for r in kept))
    summary.rejected = sorted((p for p in problems if not p.repaired), key=lambda p: p.line)
    summary.notes.extend(str(p) for p in problems if p.repaired)
    summary.seconds = time.perf_counter() - started
    return summary


def import_users(store: Store, path: Path, mapping: UsersMapping, *, dataset: str) -> ImportSummary:
    """Read, check and store a users file's attributes as ``dataset``."""
    started = time.perf_counter()
    problems: list[BadRow] = []
    found = UsersParse()
    table = read_table(path, problems)
    users = list(parse_users(table, mapping, problems, found))
    summary = ImportSummary(
        source=str(path), dataset=dataset, rows_read=len(users) + _bad(problems)
    )
    seen: set[str] = set()
    unique = []
    for user in users:
        if user.id in seen:
            problems.append(
                BadRow(path.name, user.line, f"user: {user.id!r} repeated; row skipped")
            )
            continue
        seen.add(user.id)
        unique.append(user)
    summary.stored = upsert_real_users(store, dataset, unique)
    summary.rejected = sorted((p for p in problems if not p.repaired), key=lambda p: p.line)
    for (name, value), count in sorted(found.unknown_values.items()):
        summary.notes.append(f"{name}: {value!r} unknown in {count} row(s) (stored empty)")
    if found.ignored_columns:
        summary.notes.append(f"columns left out: {', '.join(found.ignored_columns)}")
    summary.seconds = time.perf_counter() - started
    return summary

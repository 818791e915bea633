"""Twins: personas that mirror real users, built from their attributes and their history.

A twin is a persona (so it goes through the same rating strategies, cache and ledger as an
invented one) plus a row in the ``twins`` table that points at the real user it mirrors and
holds the history its prompt shows: the user's ``k`` most recent interactions, or the ``k``
most telling (the ratings farthest from the user's own mean, alternating liked and disliked,
then the strongest events). The twin is built from what it is given — for a fidelity run,
only the training side of the user's history — so a held-out interaction can never leak
into its prompt. No LLM writes anything here: a twin's bio is its real attributes, stated.

The persona id carries a digest of the history shown, so a twin with another history (other
``k``, another cut-off) is another persona, and ratings keyed by persona never mix the two.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import zip_longest
from typing import Any, Final, Literal

import pandas as pd

from tastemaker.catalog.text import item_text
from tastemaker.personas.schema import Persona
from tastemaker.personas.store import save_personas
from tastemaker.store.db import Store
from tastemaker.store.items import get_item

__all__ = [
    "HistoryChoice",
    "HistoryEntry",
    "Twin",
    "build_twins",
    "history_lines",
    "real_user_bio",
    "save_twins",
    "twin_histories",
]

HistoryChoice = Literal["recent", "telling"]
_VERBS: Final = {"purchase": "bought", "add_to_cart": "put in the basket", "click": "looked at",
                 "view": "viewed"}  # fmt: skip
#: The generation record of every twin (no LLM wrote it).
TWIN_VERSION: Final = "twin-v1"


@dataclass(frozen=True)
class HistoryEntry:
    """One interaction a twin's prompt shows: a rating on its own scale, or an event."""

    item_id: str
    kind: str
    value: float | None = None
    scale: str | None = None
    timestamp: int | None = None


@dataclass(frozen=True)
class Twin:
    """A persona mirroring ``user_id`` of ``dataset``; ``cutoff`` is the time its history ends
    (None when it saw everything)."""

    persona: Persona
    dataset: str
    user_id: str
    history: tuple[HistoryEntry, ...]
    cutoff: int | None


def _choose(rows: pd.DataFrame, k: int, choose: HistoryChoice) -> pd.DataFrame:
    """``k`` of one user's rows, shown oldest first. "telling": ratings farthest above and
    below the user's own mean, alternating, then the strongest (and latest) events."""
    ordered = rows.sort_values("timestamp", kind="stable", na_position="first")
    if choose == "recent" or len(ordered) <= k:
        return ordered.tail(k)
    rated = ordered[ordered["kind"] == "rating"]
    gap = rated["rating"] - rated["rating"].mean()
    liked = gap[gap >= 0].sort_values(ascending=False, kind="stable").index.tolist()
    disliked = gap[gap < 0].sort_values(kind="stable").index.tolist()
    alternating = [i for pair in zip_longest(liked, disliked) for i in pair if i is not None]
    events = ordered[ordered["kind"] != "rating"].sort_values(
        ["weight", "timestamp"], ascending=False, kind="stable"
    )
    keep = set([*alternating, *events.index][:k])
    return ordered.loc[[i for i in ordered.index if i in keep]]


def _entry(record: Mapping[Hashable, Any]) -> HistoryEntry:
    def given(key: str) -> Any:
        value = record.get(key)
        return None if value is None or pd.isna(value) else value

    value, scale, stamp = given("value"), given("scale"), given("timestamp")
    return HistoryEntry(
        str(record["item_id"]), str(record["kind"]),
        None if value is None else float(value), None if scale is None else str(scale),
        None if stamp is None else int(stamp),
    )  # fmt: skip


def real_user_bio(dataset: str, attributes: Mapping[str, object]) -> str:
    """A real user's attributes, stated (a twin's bio; the user tower's text for the user)."""
    facts = [f"{attributes['age']} years old" if "age" in attributes else None,
             str(attributes.get("gender") or "") or None,
             str(attributes.get("occupation") or "") or None,
             f"from {attributes['region']}" if attributes.get("region") else None]  # fmt: skip
    known = [f for f in facts if f]
    line = f"A real customer of {dataset}" + (f": {', '.join(known)}." if known else ".")
    extra = [f"{k}: {v}" for k, v in sorted(attributes.items())
             if k not in ("age", "gender", "occupation", "region", "bio")]  # fmt: skip
    parts = [line, *([f"Also known: {'; '.join(extra)}."] if extra else [])]
    if attributes.get("bio"):
        parts.append(str(attributes["bio"]))
    return " ".join(parts)


def build_twins(
    dataset: str,
    interactions: pd.DataFrame,
    attributes: Mapping[str, Mapping[str, str | int]],
    *,
    k: int = 10,
    choose: HistoryChoice = "recent",
    min_history: int = 3,
) -> tuple[list[Twin], dict[str, str]]:
    """One twin per user of ``interactions`` (columns of
    :func:`~tastemaker.store.real.load_interactions`, only what the twin may see) with at least
    ``min_history`` rows. Returns the twins and, per user skipped, the reason."""
    twins: list[Twin] = []
    skipped: dict[str, str] = {}
    for user_id, rows in interactions.groupby("user_id", sort=True):
        user = str(user_id)
        if len(rows) < min_history:
            skipped[user] = f"{len(rows)} interaction(s), fewer than --min-history {min_history}"
            continue
        shown = _choose(rows, k, choose)
        history = tuple(_entry(record) for record in shown.to_dict("records"))
        stamps = rows["timestamp"].dropna()
        cutoff = int(stamps.max()) if len(stamps) else None
        user_attributes = dict(attributes.get(user, {}))
        digest = hashlib.sha256(
            json.dumps([asdict(h) for h in history], sort_keys=True).encode()
        ).hexdigest()[:10]
        persona = Persona(
            id=f"twin-{dataset}-{user}-{digest}",
            name=f"Customer {user[:12]}",
            gender=str(user_attributes.get("gender") or "unspecified"),
            age=int(user_attributes["age"]) if "age" in user_attributes else None,
            occupation=str(user_attributes["occupation"])
            if "occupation" in user_attributes
            else None,
            region=str(user_attributes["region"]) if "region" in user_attributes else None,
            bio=real_user_bio(dataset, user_attributes),
            model=None,
            generation={"version": TWIN_VERSION, "k": k, "choose": choose},
        )
        twins.append(Twin(persona, dataset, user, history, cutoff))
    return twins, skipped


def save_twins(store: Store, twins: Sequence[Twin]) -> int:
    """Store the twins' personas and their pointers and histories (upserts by persona id)."""
    save_personas(store, [t.persona for t in twins])
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO twins (persona_id, dataset, user_id, history, cutoff) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (persona_id) DO NOTHING",
            [(t.persona.id, t.dataset, t.user_id, json.dumps([asdict(h) for h in t.history]),
              t.cutoff) for t in twins],
        )  # fmt: skip
    return len(twins)


def history_lines(store: Store, history: Sequence[HistoryEntry]) -> tuple[str, ...]:
    """How a twin's prompt shows its history: one line per interaction, oldest first."""
    lines = []
    for entry in history:
        item = get_item(store, entry.item_id)
        text = item_text(item) if item is not None else f"item {entry.item_id}"
        if entry.kind != "rating":
            lines.append(f"{_VERBS.get(entry.kind, entry.kind)}: {text}")
        elif entry.scale == "thumbs":
            lines.append(f"{'liked' if (entry.value or 0) >= 0.5 else 'disliked'}: {text}")
        else:
            lines.append(f"rated {entry.value:g} on a {entry.scale} scale: {text}")
    return tuple(lines)


def twin_histories(store: Store) -> dict[str, tuple[str, ...]]:
    """Every twin's persona id with its prompt's history lines (see :func:`history_lines`)."""
    rows = store.conn.execute("SELECT persona_id, history FROM twins").fetchall()
    return {
        row[0]: history_lines(store, [HistoryEntry(**h) for h in json.loads(row[1])])
        for row in rows
    }

"""The ``users`` and ``feedback`` tables: shoppers of the web app and what they told us.

A user's profile (liked and disliked items, chosen categories, optional words) is one JSON
document; every change bumps ``version``, which keys the service's cached results.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from tastemaker.errors import NotFoundError
from tastemaker.store.db import Store

__all__ = ["StoredUser", "UserProfile", "create_user", "get_user", "iter_users", "record_feedback"]

#: An explicit rating at or above this counts as a like, at or below DISLIKE_AT (or -1) a dislike.
LIKE_AT = 6
DISLIKE_AT = 3


@dataclass(frozen=True)
class UserProfile:
    """What the recommender knows of a shopper."""

    liked: tuple[str, ...] = ()
    disliked: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    text: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> UserProfile:
        raw = json.loads(text or "{}")
        return cls(
            liked=tuple(raw.get("liked", ())),
            disliked=tuple(raw.get("disliked", ())),
            categories=tuple(raw.get("categories", ())),
            text=raw.get("text"),
        )

    def with_feedback(self, item_id: str, kind: str, value: int | None) -> UserProfile:
        """The profile after one like, dislike or rating (the latest word on an item wins)."""
        liked = [i for i in self.liked if i != item_id]
        disliked = [i for i in self.disliked if i != item_id]
        if kind == "like" or (kind == "rating" and value is not None and value >= LIKE_AT):
            liked.append(item_id)
        elif kind == "dislike" or (
            kind == "rating" and value is not None and (value == -1 or value <= DISLIKE_AT)
        ):
            disliked.append(item_id)
        return UserProfile(tuple(liked), tuple(disliked), self.categories, self.text)


@dataclass(frozen=True)
class StoredUser:
    id: str
    version: int
    profile: UserProfile = field(default_factory=UserProfile)


def create_user(store: Store, profile: UserProfile) -> StoredUser:
    user = StoredUser(id=uuid.uuid4().hex, version=1, profile=profile)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO users (id, profile, version) VALUES (?, ?, 1)",
            (user.id, profile.to_json()),
        )
    return user


def get_user(store: Store, user_id: str) -> StoredUser:
    row = store.conn.execute(
        "SELECT id, version, profile FROM users WHERE id = ?", (user_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"user {user_id!r} not found")
    return StoredUser(row["id"], int(row["version"]), UserProfile.from_json(row["profile"]))


def iter_users(store: Store) -> Iterator[StoredUser]:
    for row in store.conn.execute("SELECT id, version, profile FROM users ORDER BY id"):
        yield StoredUser(row["id"], int(row["version"]), UserProfile.from_json(row["profile"]))


def record_feedback(
    store: Store, user_id: str, item_id: str, kind: str, value: int | None
) -> StoredUser:
    """Store the feedback event and the updated profile in one transaction."""
    with store.transaction() as conn:
        row = conn.execute("SELECT version, profile FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"user {user_id!r} not found")
        if conn.execute("SELECT 1 FROM items WHERE id = ?", (item_id,)).fetchone() is None:
            raise NotFoundError(f"item {item_id!r} not found")
        profile = UserProfile.from_json(row["profile"]).with_feedback(item_id, kind, value)
        version = int(row["version"]) + 1
        conn.execute(
            "INSERT INTO feedback (user_id, item_id, kind, value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id, item_id) DO UPDATE SET kind = excluded.kind, "
            "value = excluded.value, created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            (user_id, item_id, kind, value),
        )
        conn.execute(
            "UPDATE users SET profile = ?, version = ?, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
            (profile.to_json(), version, user_id),
        )
    return StoredUser(user_id, version, profile)

"""Shoppers in memory: each user's profile, version and query vector.

The recommendation route must not touch SQLite or the user tower: vectors are computed when a
user is created or gives feedback (and for every stored user at start-up), then read from
here. The store stays the system of record; this is a cache of it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tastemaker.errors import NotFoundError
from tastemaker.store.users import UserProfile

__all__ = ["UserEntry", "UserRegistry"]


@dataclass(frozen=True)
class UserEntry:
    id: str
    version: int
    profile: UserProfile
    vector: npt.NDArray[np.float32]  # [d], unit, in the space of model `model_version`
    model_version: str

    @property
    def seen(self) -> tuple[str, ...]:
        return self.profile.liked + self.profile.disliked


class UserRegistry:
    def __init__(self) -> None:
        self._entries: dict[str, UserEntry] = {}
        self._lock = threading.Lock()

    def put(self, entry: UserEntry) -> None:
        """Keep ``entry`` unless a newer version of the user is already here."""
        with self._lock:
            current = self._entries.get(entry.id)
            if current is None or current.version <= entry.version:
                self._entries[entry.id] = entry

    def get(self, user_id: str) -> UserEntry:
        entry = self._entries.get(user_id)
        if entry is None:
            raise NotFoundError(f"user {user_id!r} not found")
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def ids(self) -> list[str]:
        return list(self._entries)

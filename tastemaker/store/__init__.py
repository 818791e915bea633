"""The system of record: a SQLite file (WAL) with versioned migrations.

Offers :func:`open_store`, :class:`Store`, and the table helpers in :mod:`.items` and :mod:`.runs`.
"""

from tastemaker.store.db import Store, open_store
from tastemaker.store.migrations import SCHEMA_VERSION, migrate

__all__ = ["SCHEMA_VERSION", "Store", "migrate", "open_store"]

"""Qdrant building blocks: connecting (checked before any work), point ids, payloads, filters.

Each item is one Qdrant point: its id is a UUID derived from the item id (Qdrant accepts only
unsigned integers and UUIDs), its payload holds the item id and the filter fields case-folded
and stripped, as :mod:`tastemaker.index.filters` compares them, so a ``MatchAny`` on keywords
matches exactly what the FAISS path's masks match (a missing field is absent from the payload
and so never matches a constraint on it).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qdrant_client import QdrantClient, models
from qdrant_client.local.qdrant_local import QdrantLocal

from tastemaker.errors import ConfigError, IndexServerError
from tastemaker.index._vectors import Matrix
from tastemaker.index.filters import FILTER_FIELDS, ItemFilter, ItemMetadata

__all__ = [
    "ITEM_ID",
    "connect",
    "is_local",
    "payloads",
    "point_id",
    "points",
    "query_filter",
]

#: The payload key holding the tastemaker item id of a point.
ITEM_ID = "item_id"
_NAMESPACE = uuid.UUID("5b0c1f1e-3a0d-4d8e-9a53-7461737465b1")  # fixed: ids stay stable


def point_id(item_id: str) -> str:
    """The Qdrant point id of ``item_id``: a UUID5, the same in every process and run."""
    return str(uuid.uuid5(_NAMESPACE, item_id))


def connect(location: str, *, api_key: str | None = None, timeout_s: float = 10.0) -> QdrantClient:
    """A client for ``location``, checked to answer before anything is built on it.

    ``":memory:"``: embedded, in this process, gone with it. An ``http://`` or ``https://``
    URL: a Qdrant server or cluster (an unreachable one is an :class:`IndexServerError` here,
    naming the URL, not a failure half-way through an upload). Anything else: a folder for the
    embedded local mode (one process at a time: Qdrant locks it).
    """
    if not location.strip():
        raise ConfigError("qdrant_location is empty: give ':memory:', a folder or a URL")
    if location.startswith(("http://", "https://")):
        client = QdrantClient(
            url=location,
            api_key=api_key,
            timeout=max(1, round(timeout_s)),
            check_compatibility=False,  # its own background check would fail in a thread
        )
        try:
            client.get_collections()
        except Exception as exc:  # httpx, grpc and Qdrant's own errors: all mean "no answer"
            client.close()
            raise IndexServerError(f"Qdrant at {location} does not answer: {exc}") from exc
        return client
    if api_key is not None:
        raise ConfigError("qdrant api key given for an embedded location; it needs a URL")
    if location == ":memory:":
        return QdrantClient(location=":memory:")
    folder = Path(location)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"qdrant_location {location}: exists and is not a folder")
    try:
        return QdrantClient(path=str(folder))
    except (OSError, RuntimeError) as exc:  # RuntimeError: another process holds its lock
        raise IndexServerError(f"embedded Qdrant at {location}: cannot open it: {exc}") from exc


def is_local(client: QdrantClient) -> bool:
    """True for the embedded local mode (exact brute force, payload indexes unused)."""
    return isinstance(getattr(client, "_client", None), QdrantLocal)


def payloads(ids: Sequence[str], metadata: ItemMetadata) -> list[dict[str, str]]:
    """One payload per item: its id and each present filter field, case-folded and stripped."""
    rows: list[dict[str, str]] = []
    for row, item_id in enumerate(ids):
        payload = {ITEM_ID: item_id}
        for field in FILTER_FIELDS:
            value = metadata.value(field, row)
            if value is not None:
                payload[field] = value.strip().casefold()
        rows.append(payload)
    return rows


def points(ids: Sequence[str], vectors: Matrix, metadata: ItemMetadata) -> list[models.PointStruct]:
    """The points of a checked batch, row ``i`` being ``ids[i]``."""
    return [
        models.PointStruct(id=point_id(item_id), vector=vector.tolist(), payload=payload)
        for item_id, vector, payload in zip(ids, vectors, payloads(ids, metadata), strict=True)
    ]


def query_filter(item_filter: ItemFilter | None, excluded: Sequence[str]) -> models.Filter | None:
    """Qdrant's filter for an :class:`ItemFilter` (fields AND-ed, values OR-ed) and the item
    ids to leave out (None when nothing is constrained)."""
    must: list[Any] = []
    if item_filter is not None:
        for field, allowed in item_filter.constraints().items():
            condition = models.FieldCondition(key=field, match=models.MatchAny(any=sorted(allowed)))
            must.append(condition)
    must_not: list[Any] = []
    if excluded:
        must_not.append(models.HasIdCondition(has_id=[point_id(i) for i in excluded]))
    if not must and not must_not:
        return None
    return models.Filter(must=must or None, must_not=must_not or None)

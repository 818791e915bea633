"""Admin routes (bearer token): add and remove items live, compact the index, reload the model.

Each runs its blocking part (the item tower, the SQLite write, the index change, the
compaction) in the service's worker pool, so searches keep being answered meanwhile."""

from __future__ import annotations

import asyncio
import gc

from fastapi import APIRouter, Depends, status

from tastemaker.catalog.schema import FieldError, Item, item_from_fields
from tastemaker.errors import DataError, NotFoundError
from tastemaker.service.deps import StateDep, require_admin
from tastemaker.service.loading import load_runtime
from tastemaker.service.problems import problem_responses
from tastemaker.service.schemas import Compaction, ItemIn, ItemPublic
from tastemaker.service.state import ServiceState
from tastemaker.service.users import UserEntry
from tastemaker.service.views import public
from tastemaker.store.items import upsert_items

#: Seconds the replaced runtime keeps its helpers (an encoder process) after a reload.
RELOAD_GRACE_S = 30.0

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(401, 403),
)


@router.post(
    "/items",
    operation_id="addItem",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 413, 422, 503),
)
async def add_item(body: ItemIn, state: StateDep) -> ItemPublic:
    """Store a new (or changed) item and make it searchable at once, through the item tower."""
    state.require_runtime()
    try:
        item = item_from_fields(body.model_dump())
    except FieldError as exc:
        raise DataError(f"{exc.field}: {exc.reason}") from None
    await state.run(_add_item, state, item)
    return public(item)


def _add_item(state: ServiceState, item: Item) -> None:
    runtime = state.require_runtime()
    vector = runtime.encode_items([item])  # first: an encoder error changes nothing
    upsert_items(state.store, [item], source="api")
    if item.id in runtime.retriever:
        runtime.retriever.remove([item.id])
    runtime.retriever.add([item.id], vector, [item])
    state.catalog.upsert(item)
    state.results.clear()  # cached lists were computed without the item


@router.delete(
    "/items/{item_id}",
    operation_id="removeItem",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 422),
)
async def remove_item(item_id: str, state: StateDep) -> None:
    """Remove an item from the store, the catalogue and the index."""
    if item_id not in state.catalog:
        raise NotFoundError(f"item {item_id!r} not found")
    await state.run(_remove_item, state, item_id)


def _remove_item(state: ServiceState, item_id: str) -> None:
    with state.store.transaction() as conn:
        conn.execute("DELETE FROM items WHERE id = ?", (item_id,))
    state.catalog.remove(item_id)
    runtime = state.runtime
    if runtime is not None and item_id in runtime.retriever:
        runtime.retriever.remove([item_id])
    state.results.clear()  # cached lists may hold the item


@router.post("/compact", operation_id="compactIndex", responses=problem_responses(503))
async def compact_index(state: StateDep) -> Compaction:
    """Reclaim what removals left in the index (HNSW tombstones, relabelled rows). The new
    index is built while searches and writes go on; only the swap pauses them."""
    runtime = state.require_runtime()
    before = len(runtime.retriever)
    await state.run(runtime.retriever.compact)
    return Compaction(model_version=runtime.version, items=before)


@router.post("/reload", operation_id="reloadModel", responses=problem_responses(404, 422))
async def reload_model(state: StateDep) -> dict[str, str | int]:
    """Load the newest model and swap it in; requests in flight finish on the old one."""
    runtime = await state.run(load_runtime, state)
    if runtime is None:
        raise NotFoundError("no model to load")
    entries = [state.users.get(i) for i in state.users.ids()]
    if entries:
        vectors = await state.run(runtime.encode_users, [e.profile for e in entries])
        for entry, vector in zip(entries, vectors, strict=True):
            state.users.put(
                UserEntry(entry.id, entry.version, entry.profile, vector, runtime.version)
            )
    # Users whose vector still belongs to the old model are re-encoded on their next request.
    old, state.runtime = state.runtime, runtime
    if old is not None:  # requests in flight may still use it: stopped after a grace period
        asyncio.get_running_loop().call_later(RELOAD_GRACE_S, state.pool.submit, old.close)
    state.results.clear()
    # Refreeze (see the service's start-up): the old model may now be collected, the new one
    # is left out of later collections.
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return {"model_version": runtime.version, "users": len(entries)}

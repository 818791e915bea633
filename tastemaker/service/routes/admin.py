"""Admin routes (bearer token): add and remove items live, reload the model."""

from __future__ import annotations

import gc

from fastapi import APIRouter, Depends, status

from tastemaker.catalog.schema import FieldError, item_from_fields
from tastemaker.errors import DataError, NotFoundError
from tastemaker.service.deps import StateDep, require_admin
from tastemaker.service.problems import problem_responses
from tastemaker.service.routes.catalog import public
from tastemaker.service.schemas import ItemIn, ItemPublic
from tastemaker.store.items import upsert_items

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
def add_item(body: ItemIn, state: StateDep) -> ItemPublic:
    """Store a new (or changed) item and make it searchable at once, through the item tower."""
    runtime = state.require_runtime()
    try:
        item = item_from_fields(body.model_dump())
    except FieldError as exc:
        raise DataError(f"{exc.field}: {exc.reason}") from None
    vector = runtime.encode_items([item])
    upsert_items(state.store, [item], source="api")
    if item.id in runtime.retriever:
        runtime.retriever.remove([item.id])
    runtime.retriever.add([item.id], vector, [item])
    state.catalog.upsert(item)
    state.results.clear()  # cached lists were computed without the item
    return public(item)


@router.delete(
    "/items/{item_id}",
    operation_id="removeItem",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 422),
)
def remove_item(item_id: str, state: StateDep) -> None:
    """Remove an item from the store, the catalogue and the index."""
    if item_id not in state.catalog:
        raise NotFoundError(f"item {item_id!r} not found")
    with state.store.transaction() as conn:
        conn.execute("DELETE FROM items WHERE id = ?", (item_id,))
    state.catalog.remove(item_id)
    runtime = state.runtime
    if runtime is not None and item_id in runtime.retriever:
        runtime.retriever.remove([item_id])
    state.results.clear()  # cached lists may hold the item


@router.post("/reload", operation_id="reloadModel", responses=problem_responses(404, 422))
async def reload_model(state: StateDep) -> dict[str, str | int]:
    """Load the newest model and swap it in; requests in flight finish on the old one."""
    import asyncio

    from tastemaker.service.runtime import load_runtime
    from tastemaker.service.users import UserEntry

    runtime = await asyncio.to_thread(load_runtime, state)
    if runtime is None:
        raise NotFoundError("no model to load")
    entries = [state.users.get(i) for i in state.users.ids()]
    if entries:
        vectors = await asyncio.to_thread(runtime.encode_users, [e.profile for e in entries])
        for entry, vector in zip(entries, vectors, strict=True):
            state.users.put(
                UserEntry(entry.id, entry.version, entry.profile, vector, runtime.version)
            )
    # Users whose vector still belongs to the old model are re-encoded on their next request.
    state.runtime = runtime
    state.results.clear()
    # Refreeze (see the service's start-up): the old model may now be collected, the new one
    # is left out of later collections.
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return {"model_version": runtime.version, "users": len(entries)}

"""Shoppers and recommendations: onboarding, per-user and stateless recommendations, feedback,
similar items and item embeddings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from tastemaker.errors import DataError, NotFoundError
from tastemaker.index import ItemFilter
from tastemaker.service.deps import CatalogDep, FiltersDep, StateDep
from tastemaker.service.recommend import recommend
from tastemaker.service.schemas import (
    FeedbackIn,
    FeedbackOut,
    ItemEmbedding,
    Onboarding,
    Recommendations,
    UserCreated,
)
from tastemaker.service.users import UserEntry
from tastemaker.store.users import UserProfile, create_user, record_feedback

router = APIRouter(prefix="/api", tags=["recommendations"])

K = Annotated[int, Query(ge=1, le=100, description="How many items.")]


def _item_filter(filters: dict[str, list[str]]) -> ItemFilter | None:
    return ItemFilter.from_mapping(filters) if filters else None


def _profile(body: Onboarding, catalog: CatalogDep) -> UserProfile:
    unknown = [i for i in (*body.liked, *body.disliked) if i not in catalog]
    if unknown:
        raise DataError(f"unknown item id(s): {', '.join(unknown[:10])}")
    return UserProfile(tuple(body.liked), tuple(body.disliked), tuple(body.categories), body.text)


@router.post("/users", operation_id="createUser", status_code=status.HTTP_201_CREATED)
async def create_user_route(body: Onboarding, state: StateDep) -> UserCreated:
    """Onboard a shopper; their vector comes from the user tower at once (no retraining)."""
    profile = _profile(body, state.catalog)
    vector, model_version = await state.encode_user(profile)
    user = create_user(state.store, profile)
    state.users.put(UserEntry(user.id, user.version, profile, vector, model_version))
    return UserCreated(id=user.id, version=user.version)


# Search routes are ``async``: they run on the event-loop thread, where start-up limited FAISS
# to one OpenMP thread (the limit is per thread; in the worker pool FAISS would use every core
# and a 1 ms search took 13 ms under load). A search is short enough not to stall the loop.
@router.get(
    "/users/{user_id}/recommendations",
    operation_id="getUserRecommendations",
    response_model=Recommendations,
)
async def user_recommendations(
    user_id: str,
    state: StateDep,
    *,
    k: K = 12,
    exclude_seen: bool = True,
    filters: FiltersDep,
) -> Response:
    """Recommendations for a stored shopper, cached per (user version, model, parameters)."""
    # The cache holds the encoded JSON, so a repeated request skips validation and encoding
    # too (``response_model`` still documents the body).
    runtime = state.require_runtime()
    entry = state.users.get(user_id)
    if entry.model_version != runtime.version:  # the model was reloaded since
        vector = runtime.encode_users([entry.profile])[0]
        entry = UserEntry(entry.id, entry.version, entry.profile, vector, runtime.version)
        state.users.put(entry)
    item_filter = _item_filter(filters)
    key = (user_id, entry.version, runtime.version, k, exclude_seen, item_filter)
    cached = state.results.get(key)
    if isinstance(cached, bytes):
        return Response(cached, media_type="application/json")
    items = recommend(
        runtime, state.catalog, entry.vector, entry.profile, k=k, item_filter=item_filter,
        exclude=entry.seen if exclude_seen else (),
    )  # fmt: skip
    result = Recommendations(user_id=user_id, model_version=runtime.version, items=items)
    body = result.model_dump_json().encode()
    state.results.put(key, body)
    return Response(body, media_type="application/json")


@router.post("/recommendations", operation_id="recommend")
async def stateless_recommendations(
    body: Onboarding,
    state: StateDep,
    *,
    k: K = 12,
    exclude_seen: bool = True,
    filters: FiltersDep,
) -> Recommendations:
    """Recommendations from onboarding input alone; nothing is stored."""
    runtime = state.require_runtime()
    profile = _profile(body, state.catalog)
    vector, _ = await state.encode_user(profile)
    item_filter = _item_filter(filters)
    seen = profile.liked + profile.disliked if exclude_seen else ()
    items = recommend(runtime, state.catalog, vector, profile, k=k, item_filter=item_filter,
                      exclude=seen)  # fmt: skip
    return Recommendations(user_id=None, model_version=runtime.version, items=items)


@router.post("/users/{user_id}/feedback", operation_id="giveFeedback")
async def give_feedback(user_id: str, body: FeedbackIn, state: StateDep) -> FeedbackOut:
    """Store a like, dislike or rating; the user's vector is updated at once, so their next
    recommendations (a new cache key) reflect it."""
    if (body.kind == "rating") != (body.value is not None):
        raise DataError("value: give a value for kind=rating, and only then")
    state.users.get(user_id)
    user = record_feedback(state.store, user_id, body.item_id, body.kind, body.value)
    vector, model_version = await state.encode_user(user.profile)
    state.users.put(UserEntry(user.id, user.version, user.profile, vector, model_version))
    return FeedbackOut(user_id=user.id, version=user.version)


@router.get("/items/{item_id}/similar", operation_id="getSimilarItems")
async def similar_items(item_id: str, state: StateDep, k: K = 12) -> Recommendations:
    """Items nearest to this one in the model's item space."""
    runtime = state.require_runtime()
    if item_id not in runtime.retriever or item_id not in state.catalog:
        raise NotFoundError(f"item {item_id!r} not found")
    vector = runtime.similar_queries([item_id])[0]
    profile = UserProfile(liked=(item_id,))
    items = recommend(runtime, state.catalog, vector, profile, k=k, item_filter=None,
                      exclude=(item_id,))  # fmt: skip
    return Recommendations(user_id=None, model_version=runtime.version, items=items)


@router.get("/items/{item_id}/embedding", operation_id="getItemEmbedding")
async def item_embedding(item_id: str, state: StateDep) -> ItemEmbedding:
    runtime = state.require_runtime()
    if item_id not in runtime.retriever:
        raise NotFoundError(f"item {item_id!r} has no vector in model {runtime.version}")
    vector = runtime.item_vectors([item_id])[0]
    return ItemEmbedding(
        id=item_id, model_version=runtime.version, dim=int(vector.shape[0]),
        vector=[float(x) for x in vector],
    )  # fmt: skip

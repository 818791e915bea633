"""Shoppers and recommendations: onboarding, per-user and stateless recommendations, feedback,
similar items and item embeddings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from tastemaker.errors import DataError, NotFoundError
from tastemaker.index import ItemFilter
from tastemaker.service.deps import CatalogDep, FiltersDep, StateDep
from tastemaker.service.problems import problem_responses
from tastemaker.service.recommend import (
    DEFAULT_K,
    MAX_K,
    USER_RECOMMENDATIONS,
    recommend,
    user_recommendations_body,
)
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

K = Annotated[int, Query(ge=1, le=MAX_K, description="How many items.")]


def _item_filter(filters: dict[str, list[str]]) -> ItemFilter | None:
    return ItemFilter.from_mapping(filters) if filters else None


def _profile(body: Onboarding, catalog: CatalogDep) -> UserProfile:
    unknown = [i for i in (*body.liked, *body.disliked) if i not in catalog]
    if unknown:
        raise DataError(f"unknown item id(s): {', '.join(unknown[:10])}")
    return UserProfile(tuple(body.liked), tuple(body.disliked), tuple(body.categories), body.text)


@router.post(
    "/users",
    operation_id="createUser",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 413, 422, 503),
)
async def create_user_route(body: Onboarding, state: StateDep) -> UserCreated:
    """Onboard a shopper; their vector comes from the user tower at once (no retraining)."""
    profile = _profile(body, state.catalog)
    vector, model_version = await state.encode_user(profile)
    user = await state.run(create_user, state.store, profile)
    state.users.put(UserEntry(user.id, user.version, profile, vector, model_version))
    return UserCreated(id=user.id, version=user.version)


# Searches, forward passes and store writes run in the service's worker pool (state.run), so a
# slow one never stalls the event loop. Well-formed requests to this route are answered by
# :mod:`tastemaker.service.hotpath` before FastAPI's routing and parameter machinery; this
# route documents it, validates everything else and answers with the same bytes.
@router.get(
    USER_RECOMMENDATIONS.removeprefix(router.prefix),
    operation_id="getUserRecommendations",
    response_model=Recommendations,
    responses=problem_responses(404, 422, 503),
)
async def user_recommendations(
    user_id: str,
    state: StateDep,
    *,
    k: K = DEFAULT_K,
    exclude_seen: bool = True,
    filters: FiltersDep,
) -> Response:
    """Recommendations for a stored shopper, cached per (user version, model, parameters)."""
    body = await user_recommendations_body(
        state, user_id, k=k, exclude_seen=exclude_seen, item_filter=_item_filter(filters)
    )
    return Response(body, media_type="application/json")


@router.post(
    "/recommendations", operation_id="recommend", responses=problem_responses(400, 413, 422, 503)
)
async def stateless_recommendations(
    body: Onboarding,
    state: StateDep,
    *,
    k: K = DEFAULT_K,
    exclude_seen: bool = True,
    filters: FiltersDep,
) -> Recommendations:
    """Recommendations from onboarding input alone; nothing is stored."""
    runtime = state.require_runtime()
    profile = _profile(body, state.catalog)
    vector, _ = await state.encode_user(profile)
    item_filter = _item_filter(filters)
    seen = profile.liked + profile.disliked if exclude_seen else ()
    items = await state.run(recommend, runtime, state.catalog, vector, profile, k=k,
                            item_filter=item_filter, exclude=seen)  # fmt: skip
    return Recommendations(user_id=None, model_version=runtime.version, items=items)


@router.post(
    "/users/{user_id}/feedback",
    operation_id="giveFeedback",
    responses=problem_responses(400, 404, 413, 422, 503),
)
async def give_feedback(user_id: str, body: FeedbackIn, state: StateDep) -> FeedbackOut:
    """Store a like, dislike or rating; the user's vector is updated at once, so their next
    recommendations (a new cache key) reflect it."""
    if (body.kind == "rating") != (body.value is not None):
        raise DataError("value: give a value for kind=rating, and only then")
    state.users.get(user_id)
    user = await state.run(
        record_feedback, state.store, user_id, body.item_id, body.kind, body.value
    )
    vector, model_version = await state.encode_user(user.profile)
    state.users.put(UserEntry(user.id, user.version, user.profile, vector, model_version))
    return FeedbackOut(user_id=user.id, version=user.version)


@router.get(
    "/items/{item_id}/similar",
    operation_id="getSimilarItems",
    responses=problem_responses(404, 422, 503),
)
async def similar_items(item_id: str, state: StateDep, k: K = DEFAULT_K) -> Recommendations:
    """Items nearest to this one in the model's item space."""
    runtime = state.require_runtime()
    if item_id not in runtime.retriever or item_id not in state.catalog:
        raise NotFoundError(f"item {item_id!r} not found")
    vector = runtime.similar_queries([item_id])[0]
    profile = UserProfile(liked=(item_id,))
    items = await state.run(recommend, runtime, state.catalog, vector, profile, k=k,
                            item_filter=None, exclude=(item_id,))  # fmt: skip
    return Recommendations(user_id=None, model_version=runtime.version, items=items)


@router.get(
    "/items/{item_id}/embedding",
    operation_id="getItemEmbedding",
    responses=problem_responses(404, 422, 503),
)
async def item_embedding(item_id: str, state: StateDep) -> ItemEmbedding:
    runtime = state.require_runtime()
    if item_id not in runtime.retriever:
        raise NotFoundError(f"item {item_id!r} has no vector in model {runtime.version}")
    vector = runtime.item_vectors([item_id])[0]
    return ItemEmbedding(
        id=item_id, model_version=runtime.version, dim=int(vector.shape[0]),
        vector=[float(x) for x in vector],
    )  # fmt: skip

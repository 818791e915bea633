"""Turning a query vector into recommendations with a short reason each, and a stored
shopper's recommendations into the response body (shared by the route and the hot path)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tastemaker.index import ItemFilter
from tastemaker.service.catalog import CatalogView
from tastemaker.service.runtime import Runtime
from tastemaker.service.schemas import Recommendation, Recommendations
from tastemaker.service.state import ServiceState
from tastemaker.service.users import UserEntry
from tastemaker.service.views import public
from tastemaker.store.users import UserProfile

__all__ = [
    "DEFAULT_K",
    "MAX_K",
    "USER_RECOMMENDATIONS",
    "recommend",
    "stored_user_recommendations",
    "user_recommendations_body",
]

#: Liked items compared with each result to explain it (the most recent ones).
_EXPLAIN_WITH = 50
#: How many items a recommendation route returns by default, and at most.
DEFAULT_K = 12
MAX_K = 100
#: The stored shopper's recommendations route (the hot path answers it before routing).
USER_RECOMMENDATIONS = "/api/users/{user_id}/recommendations"

_Key = tuple[str, int, str, int, bool, ItemFilter | None]


async def user_recommendations_body(
    state: ServiceState,
    user_id: str,
    *,
    k: int,
    exclude_seen: bool,
    item_filter: ItemFilter | None,
) -> bytes:
    """:func:`stored_user_recommendations`, answered on the event loop from the cache when
    it holds the body, else computed in the worker pool (the search and the reasons)."""
    runtime = state.require_runtime()
    entry = state.users.get(user_id)
    if entry.model_version == runtime.version:
        cached = state.results.get(_key(entry, runtime, k, exclude_seen, item_filter))
        if isinstance(cached, bytes):
            return cached
    return await state.run(
        stored_user_recommendations, state, user_id, k=k, exclude_seen=exclude_seen,
        item_filter=item_filter,
    )  # fmt: skip


def _key(
    entry: UserEntry, runtime: Runtime, k: int, exclude_seen: bool, item_filter: ItemFilter | None
) -> _Key:
    return (entry.id, entry.version, runtime.version, k, exclude_seen, item_filter)


def stored_user_recommendations(
    state: ServiceState,
    user_id: str,
    *,
    k: int,
    exclude_seen: bool,
    item_filter: ItemFilter | None,
) -> bytes:
    """The JSON body of a stored shopper's recommendations, cached per (user version, model,
    parameters). The cache holds the encoded JSON, so a repeated request skips the search,
    validation and encoding. Raises NotReadyError without a model, NotFoundError for an
    unknown user. Blocking (a search): called in the worker pool."""
    runtime = state.require_runtime()
    entry = state.users.get(user_id)
    if entry.model_version != runtime.version:  # the model was reloaded since
        vector = runtime.encode_users([entry.profile])[0]
        entry = UserEntry(entry.id, entry.version, entry.profile, vector, runtime.version)
        state.users.put(entry)
    key = _key(entry, runtime, k, exclude_seen, item_filter)
    cached = state.results.get(key)
    if isinstance(cached, bytes):
        return cached
    items = recommend(
        runtime, state.catalog, entry.vector, entry.profile, k=k, item_filter=item_filter,
        exclude=entry.seen if exclude_seen else (),
    )  # fmt: skip
    result = Recommendations(user_id=user_id, model_version=runtime.version, items=items)
    body = result.model_dump_json().encode()
    state.results.put(key, body)
    return body


def recommend(
    runtime: Runtime,
    catalog: CatalogView,
    vector: npt.NDArray[np.float32],
    profile: UserProfile,
    *,
    k: int,
    item_filter: ItemFilter | None,
    exclude: Sequence[str] = (),
) -> list[Recommendation]:
    """The ``k`` best items for ``vector`` (``[d]``), with reasons, best first.

    With no gender filter given, a shopper whose picks all share one gender gets that
    gender's items and unisex ones (:func:`implied_gender`)."""
    item_filter = with_implied_gender(catalog, profile, item_filter)
    hits = runtime.retriever.search(vector[None, :], k, filter=item_filter, exclude=exclude)[0]
    hits = [h for h in hits if h.item_id in catalog]
    if not hits:
        return []
    reasons = _reasons(runtime, catalog, profile, [h.item_id for h in hits])
    return [
        Recommendation(item=public(item), score=round(float(h.score), 6), reason=reason)
        for h, reason in zip(hits, reasons, strict=True)
        if (item := catalog.get(h.item_id)) is not None
    ]


#: Genders a set of picks can imply; "Unisex" items fit any of them.
_IMPLIED = frozenset({"men", "women", "boys", "girls"})
#: Picks needed before their shared gender is read as a preference.
IMPLIED_FROM = 2


def implied_gender(catalog: CatalogView, profile: UserProfile) -> str | None:
    """The one gender every liked item has (unisex items fit any), from ``IMPLIED_FROM``
    gendered likes up; None when they differ, or too few say.

    Text vectors barely separate "Men" from "Women" (measured on the browser fixture: three
    men's formal shoes liked, a first page of 22/24 footwear but only 11/24 men's), while a
    shopper's picks state it plainly, so the service reads the picks. A gender filter the
    request gives always wins."""
    gendered: list[str] = []
    for item_id in profile.liked:
        item = catalog.get(item_id)
        gender = (item.gender or "").lower() if item is not None else ""
        if gender == "unisex":
            continue
        if gender not in _IMPLIED:
            return None  # an item of no stated gender, or one gone: nothing to read
        gendered.append(gender)
    if len(gendered) < IMPLIED_FROM or len(set(gendered)) != 1:
        return None
    return gendered[0]


def with_implied_gender(
    catalog: CatalogView, profile: UserProfile, item_filter: ItemFilter | None
) -> ItemFilter | None:
    """``item_filter`` narrowed to the picks' gender and unisex when it names no gender."""
    if item_filter is not None and item_filter.gender:
        return item_filter
    gender = implied_gender(catalog, profile)
    if gender is None:
        return item_filter
    fields = item_filter.constraints() if item_filter is not None else {}
    return ItemFilter(**{**fields, "gender": [gender, "Unisex"]})


def _reasons(
    runtime: Runtime, catalog: CatalogView, profile: UserProfile, ids: list[str]
) -> list[str]:
    """'because you liked <the most similar liked item>', else the matching chosen category."""
    liked = [i for i in profile.liked[-_EXPLAIN_WITH:] if i in runtime.retriever]
    if liked:
        vectors = runtime.item_vectors([*ids, *liked])  # one look-up for both
        similarity = vectors[: len(ids)] @ vectors[len(ids) :].T
        closest = similarity.argmax(axis=1)
        names = [catalog.get(liked[j]) for j in closest]
        return [f"because you liked {n.name}" if n else "similar to items you liked" for n in names]
    chosen = {c.lower() for c in profile.categories}
    reasons = []
    for item_id in ids:
        item = catalog.get(item_id)
        fields = (item.article_type, item.sub_category, item.master_category) if item else ()
        match = next((f for f in fields if f and f.lower() in chosen), None)
        if match is not None:
            reasons.append(f"in {match}, which you picked")
        elif item is not None and item.article_type:
            reasons.append(f"a {item.article_type.lower()} pick for you")
        else:
            reasons.append("picked for you")
    return reasons

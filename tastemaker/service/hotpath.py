"""The hot route, ``GET /api/users/{id}/recommendations``, answered as plain ASGI.

Under load this one route is nearly all the traffic, and FastAPI's per-request machinery —
route matching, dependency solving, validating the seven filter parameters one by one — cost
more than the search itself (about 0.25 ms of a 1 ms request on this repository's 2-core
machine). This middleware answers the requests it fully understands with the same body the
route would send (:func:`~tastemaker.service.recommend.stored_user_recommendations`), inside
the CORS, size-limit and metrics middleware, so those still apply.

It never judges a request: anything unusual (an unknown or repeated parameter, a value it
does not parse, an unknown user, no model yet) passes through to the FastAPI route unchanged,
and that route validates it and answers with the usual problem details. So the route stays
the single definition of the behaviour, and its OpenAPI entry documents this path too.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from tastemaker.errors import TastemakerError
from tastemaker.index import FILTER_FIELDS, ItemFilter
from tastemaker.service.deps import MAX_FILTER_VALUES
from tastemaker.service.recommend import (
    DEFAULT_K,
    MAX_K,
    USER_RECOMMENDATIONS,
    user_recommendations_body,
)

__all__ = ["RecommendationsHotPath", "RecommendationsQuery", "parse_query"]


@dataclass(frozen=True)
class _RouteLabel:
    """What the metrics read of ``scope["route"]``: the template of the route stood in for."""

    path: str


_ROUTE = _RouteLabel(USER_RECOMMENDATIONS)
#: Its path around the user id: "/api/users/" and "/recommendations".
_PREFIX, _, _SUFFIX = USER_RECOMMENDATIONS.partition("{user_id}")
_FLAGS = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True)
class RecommendationsQuery:
    k: int
    exclude_seen: bool
    item_filter: ItemFilter | None


def parse_query(raw: bytes) -> RecommendationsQuery | None:
    """The route's parameters from a query string, or None when the route itself should look
    at it: an unknown or repeated parameter, a ``k`` out of range, a flag other than
    true/false/1/0, an empty filter value, too many values. (Decoded as Starlette does.)"""
    k, exclude_seen = DEFAULT_K, True
    filters: dict[str, list[str]] = {}
    scalars: set[str] = set()
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if name in FILTER_FIELDS:
            if not value:
                return None
            filters.setdefault(name, []).append(value)
            continue
        if name in scalars:
            return None
        scalars.add(name)
        if name == "k":
            if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_K:
                return None
            k = int(value)
        elif name == "exclude_seen" and value in _FLAGS:
            exclude_seen = _FLAGS[value]
        else:
            return None
    if any(len(values) > MAX_FILTER_VALUES for values in filters.values()):
        return None
    item_filter = ItemFilter.from_mapping(filters) if filters else None
    return RecommendationsQuery(k, exclude_seen, item_filter)


class RecommendationsHotPath:
    """Answer well-formed ``GET /api/users/{id}/recommendations`` requests (module docstring).

    Add it before the metrics middleware, so it sits inside it; it labels the request with
    the route it stands in for, so the metrics count it under the same route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await self._answer(scope) if scope["type"] == "http" else None
        if body is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = _ROUTE
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, scope: Scope) -> bytes | None:
        path: str = scope["path"]
        if (
            scope["method"] != "GET"
            or scope.get("root_path")
            or not path.startswith(_PREFIX)
            or not path.endswith(_SUFFIX)
        ):
            return None
        user_id = path[len(_PREFIX) : -len(_SUFFIX)]
        if not user_id or "/" in user_id:
            return None
        query = parse_query(scope.get("query_string", b""))
        state = getattr(getattr(scope.get("app"), "state", None), "service", None)
        if query is None or state is None:
            return None
        try:
            return await user_recommendations_body(
                state, user_id, k=query.k, exclude_seen=query.exclude_seen,
                item_filter=query.item_filter,
            )  # fmt: skip
        except TastemakerError:  # the route raises it again, as a problem-details answer
            return None

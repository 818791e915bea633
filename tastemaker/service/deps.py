"""Dependency aliases, so that every route reads in a few lines.

They are ``async`` because they only look things up: FastAPI runs a plain ``def`` dependency in
its thread pool, and that hop cost more than the rest of a cached recommendation request.

The resources live on ``app.state.service`` (one :class:`ServiceState`, built at start-up) and
tests build their own app around a state of their own, never the development database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import numpy as np
import numpy.typing as npt
from fastapi import Depends, Header, HTTPException, Query, Request

from tastemaker.errors import NotReadyError
from tastemaker.service.batching import MicroBatcher
from tastemaker.service.cache import ResultCache
from tastemaker.service.catalog import CatalogView
from tastemaker.service.users import UserRegistry
from tastemaker.settings import Settings
from tastemaker.store.db import Store
from tastemaker.store.users import UserProfile

if TYPE_CHECKING:
    from tastemaker.service.runtime import Runtime

__all__ = [
    "MAX_FILTER_VALUES",
    "CatalogDep",
    "FiltersDep",
    "ServiceState",
    "SettingsDep",
    "StateDep",
    "StoreDep",
    "require_admin",
]


@dataclass
class ServiceState:
    """Everything the routes share: settings, the store (for writes), the in-memory catalogue,
    and the recommender runtime once a model is loaded."""

    settings: Settings
    store: Store
    catalog: CatalogView
    runtime: Runtime | None = None
    users: UserRegistry = field(default_factory=UserRegistry)
    results: ResultCache[object] = field(default_factory=lambda: ResultCache(20_000))
    _batchers: dict[str, MicroBatcher[UserProfile]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.results = ResultCache(self.settings.result_cache_size)

    async def encode_user(self, profile: UserProfile) -> tuple[npt.NDArray[np.float32], str]:
        """The profile's query vector, micro-batched with concurrent requests, and the version
        of the model that made it (a reload never mixes two models' vectors)."""
        runtime = self.require_runtime()
        batcher = self._batchers.get(runtime.version)
        if batcher is None:
            batcher = MicroBatcher(runtime.encode_users)
            self._batchers = {runtime.version: batcher}
        return await batcher.submit(profile), runtime.version

    def require_runtime(self) -> Runtime:
        """The loaded model; without one, recommendation routes answer 503."""
        runtime = self.runtime
        if runtime is None:
            raise NotReadyError("no model loaded: run `tastemaker train` (or `embed items`)")
        return runtime


async def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


StateDep = Annotated[ServiceState, Depends(_state)]


async def _catalog(state: StateDep) -> CatalogView:
    return state.catalog


async def _store(state: StateDep) -> Store:
    return state.store


async def _settings(state: StateDep) -> Settings:
    return state.settings


CatalogDep = Annotated[CatalogView, Depends(_catalog)]
StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]


async def require_admin(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    """Admin routes need ``Authorization: Bearer <TASTEMAKER_ADMIN_TOKEN>``; with no token
    configured they are refused to everyone."""
    expected = settings.admin_token.get_secret_value() if settings.admin_token else None
    if expected is None:
        raise HTTPException(403, "admin routes are disabled: set TASTEMAKER_ADMIN_TOKEN")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(
            401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
        )


#: Most values one filter parameter may carry.
MAX_FILTER_VALUES = 50
Multi = Annotated[list[str] | None, Query(max_length=MAX_FILTER_VALUES)]


async def _filters(
    gender: Multi = None,
    master_category: Multi = None,
    sub_category: Multi = None,
    article_type: Multi = None,
    base_colour: Multi = None,
    season: Multi = None,
    usage: Multi = None,
) -> dict[str, list[str]]:
    """The category filters a request gives (any of the values per field), by field."""
    given = {
        "gender": gender, "master_category": master_category, "sub_category": sub_category,
        "article_type": article_type, "base_colour": base_colour, "season": season,
        "usage": usage,
    }  # fmt: skip
    return {field: values for field, values in given.items() if values}


#: The seven category query parameters of the item and recommendation routes.
FiltersDep = Annotated[dict[str, list[str]], Depends(_filters)]

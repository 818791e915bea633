"""Dependency aliases, so that every route reads in a few lines.

They are ``async`` because they only look things up: FastAPI runs a plain ``def`` dependency in
its thread pool, and that hop cost more than the rest of a cached recommendation request.

The resources live on ``app.state.service`` (one
:class:`~tastemaker.service.state.ServiceState`, built at start-up) and tests build their own
app around a state of their own, never the development database.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request

from tastemaker.service.catalog import CatalogView
from tastemaker.service.state import ServiceState
from tastemaker.settings import Settings
from tastemaker.store.db import Store

__all__ = [
    "MAX_FILTER_VALUES",
    "CatalogDep",
    "FiltersDep",
    "SettingsDep",
    "StateDep",
    "StoreDep",
    "require_admin",
]


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

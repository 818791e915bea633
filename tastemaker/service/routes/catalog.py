"""Catalogue routes: categories, items (filters, text search, cursor pages), one item, its image."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from tastemaker.catalog.images import IMAGE_SUFFIXES
from tastemaker.errors import NotFoundError
from tastemaker.service.catalog import CATEGORY_FIELDS, ItemQuery
from tastemaker.service.deps import CatalogDep, FiltersDep
from tastemaker.service.problems import problem_responses
from tastemaker.service.schemas import Categories, CategoryCount, ItemPage, ItemPublic
from tastemaker.service.views import public

router = APIRouter(prefix="/api", tags=["catalogue"])

#: Images never change under one id, so browsers may keep them for a day.
IMAGE_CACHE_CONTROL = "public, max-age=86400"


@router.get("/categories", operation_id="listCategories")
def list_categories(catalog: CatalogDep) -> Categories:
    """Counts per value of every categorical field."""
    counts = catalog.categories()
    return Categories(
        **{f: [CategoryCount(value=v, count=n) for v, n in counts[f]] for f in CATEGORY_FIELDS}
    )


@router.get("/items", operation_id="listItems", responses=problem_responses(400, 422))
def list_items(
    catalog: CatalogDep,
    filters: FiltersDep,
    q: Annotated[str | None, Query(max_length=200, description="Words to find.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 48,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> ItemPage:
    """Items matching every given filter (any of the values per field) and the words of ``q``."""
    query = ItemQuery(
        allowed=tuple(
            (field, frozenset(v.lower() for v in values)) for field, values in filters.items()
        ),
        text=q.strip() or None if q else None,
    )
    items, next_cursor, total = catalog.page(query, limit, cursor)
    return ItemPage(items=[public(i) for i in items], next_cursor=next_cursor, total=total)


@router.get("/items/{item_id}", operation_id="getItem", responses=problem_responses(404, 422))
def get_item(item_id: str, catalog: CatalogDep) -> ItemPublic:
    item = catalog.get(item_id)
    if item is None:
        raise NotFoundError(f"item {item_id!r} not found")
    return public(item)


@router.get(
    "/items/{item_id}/image",
    operation_id="getItemImage",
    response_class=FileResponse,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}}},
        **problem_responses(404, 422),
    },
)
def get_item_image(item_id: str, catalog: CatalogDep) -> FileResponse:
    """The item's image from the catalogue. Only paths recorded at import are ever served,
    so an id cannot reach any other file."""
    item = catalog.get(item_id)
    if item is None or item.image_path is None:
        raise NotFoundError(f"no image for item {item_id!r}")
    path = Path(item.image_path)
    if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
        raise NotFoundError(f"no image for item {item_id!r}")
    return FileResponse(path, headers={"Cache-Control": IMAGE_CACHE_CONTROL})

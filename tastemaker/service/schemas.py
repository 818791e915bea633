"""Request and response models of the HTTP API, apart from storage rows.

Every public model forbids unknown fields in requests (a misspelt ``liked_item`` is a 422, not
an empty selection) and carries examples so the OpenAPI document, and the web client generated
from it, are self-explanatory.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tastemaker.catalog.schema import MAX_DESCRIPTION

__all__ = [
    "Categories",
    "CategoryCount",
    "FeedbackIn",
    "FeedbackOut",
    "Health",
    "ItemEmbedding",
    "ItemIn",
    "ItemPage",
    "ItemPublic",
    "Onboarding",
    "Problem",
    "ProblemField",
    "Recommendation",
    "Recommendations",
    "UserCreated",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemPublic(BaseModel):
    """An item as the API shows it; ``image_url`` is null when the catalogue has no image."""

    model_config = ConfigDict(frozen=True)  # instances are cached and shared (routes.catalog)

    id: str
    name: str
    gender: str | None = None
    master_category: str | None = None
    sub_category: str | None = None
    article_type: str | None = None
    base_colour: str | None = None
    season: str | None = None
    year: int | None = None
    usage: str | None = None
    brand: str | None = None
    price: float | None = Field(
        default=None, ge=0, description="In the catalogue's own currency, as imported."
    )
    description: str | None = Field(
        default=None, description="The catalogue's product description, whole."
    )
    image_url: str | None = None


class ItemPage(BaseModel):
    """One page of items; pass ``next_cursor`` back as ``cursor`` for the next page."""

    items: list[ItemPublic]
    next_cursor: str | None = None
    total: int = Field(description="Items matching the filters, over all pages.")


class CategoryCount(BaseModel):
    value: str
    count: int


class Categories(BaseModel):
    """Counts per value of every categorical field (for the selection page's filters)."""

    gender: list[CategoryCount]
    master_category: list[CategoryCount]
    sub_category: list[CategoryCount]
    article_type: list[CategoryCount]
    base_colour: list[CategoryCount]
    season: list[CategoryCount]
    usage: list[CategoryCount]


class ItemEmbedding(BaseModel):
    id: str
    model_version: str
    dim: int
    vector: list[float]


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class Onboarding(_Request):
    """What a new shopper tells us: categories, liked and disliked items, optional words."""

    liked: list[str] = Field(default_factory=list, max_length=200, examples=[["15970", "39386"]])
    disliked: list[str] = Field(default_factory=list, max_length=200)
    categories: list[str] = Field(default_factory=list, max_length=50, examples=[["Shirts"]])
    text: str | None = Field(default=None, max_length=1000, examples=["minimal, navy and grey"])


class UserCreated(BaseModel):
    id: str
    version: int


class FeedbackIn(_Request):
    """A like, a dislike, or an explicit rating (-1 or 1..10) of one item."""

    item_id: str = Field(min_length=1, max_length=100)
    kind: Literal["like", "dislike", "rating"]
    value: int | None = Field(default=None, ge=-1, le=10, description="Only for kind=rating.")


class FeedbackOut(BaseModel):
    user_id: str
    version: int


class Recommendation(BaseModel):
    item: ItemPublic
    score: float
    reason: str = Field(description="Why this item: 'because you liked …' or the category.")


class Recommendations(BaseModel):
    user_id: str | None
    model_version: str
    items: list[Recommendation]


class ItemIn(_Request):
    """A new catalogue item for ``POST /api/admin/items``."""

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: str = Field(min_length=1, max_length=300)
    gender: str | None = None
    master_category: str | None = None
    sub_category: str | None = None
    article_type: str | None = None
    base_colour: str | None = None
    season: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    usage: str | None = None
    brand: str | None = Field(default=None, max_length=300)
    price: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)


class ProblemField(BaseModel):
    """One invalid field of a request: where it is and what is wrong."""

    loc: list[str] = Field(examples=[["query", "k"]])
    msg: str


class Problem(BaseModel):
    """An error as RFC 9457 problem details (``application/problem+json``)."""

    type: str = "about:blank"
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["item '15970' not found"])
    errors: list[ProblemField] | None = Field(
        default=None, description="For 422 on a malformed request: every invalid field."
    )


class Compaction(BaseModel):
    """The answer of ``POST /api/admin/compact``."""

    model_version: str
    items: int = Field(description="Items in the index when the compaction started.")

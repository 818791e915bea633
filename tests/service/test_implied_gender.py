"""Picks that all share one gender narrow recommendations to it and unisex; anything else
leaves the request's filter as it was."""

from __future__ import annotations

from tastemaker.catalog.schema import Item
from tastemaker.index import ItemFilter
from tastemaker.service.catalog import CatalogView
from tastemaker.service.recommend import implied_gender, with_implied_gender
from tastemaker.store.users import UserProfile

CATALOG = CatalogView(
    [
        Item(id="m1", name="Oxford shoes", gender="Men"),
        Item(id="m2", name="Derby shoes", gender="Men"),
        Item(id="u1", name="Sneakers", gender="Unisex"),
        Item(id="w1", name="Heels", gender="Women"),
        Item(id="n1", name="Umbrella", gender=None),
    ]
)


def liked(*ids: str) -> UserProfile:
    return UserProfile(liked=ids)


def test_two_picks_of_one_gender_imply_it_and_unisex_picks_do_not_count() -> None:
    assert implied_gender(CATALOG, liked("m1", "m2")) == "men"
    assert implied_gender(CATALOG, liked("m1", "u1", "m2")) == "men"
    assert implied_gender(CATALOG, liked("m1", "u1")) is None  # one gendered pick is too few
    assert implied_gender(CATALOG, liked("m1", "m2", "w1")) is None
    assert implied_gender(CATALOG, liked("m1", "m2", "n1")) is None
    assert implied_gender(CATALOG, liked("m1", "m2", "gone")) is None


def test_the_implied_gender_joins_other_filters_and_never_overrides_a_given_one() -> None:
    shoes = ItemFilter(article_type="Formal Shoes")
    narrowed = with_implied_gender(CATALOG, liked("m1", "m2"), shoes)
    assert narrowed == ItemFilter(article_type="Formal Shoes", gender=["Men", "Unisex"])
    given = ItemFilter(gender="Women")
    assert with_implied_gender(CATALOG, liked("m1", "m2"), given) is given
    assert with_implied_gender(CATALOG, liked("m1", "w1"), None) is None

"""MovieLens into the store as real shoppers (needs ML-100K; skips with the reason without)."""

from __future__ import annotations

import pytest

from tastemaker.datasets import Interactions
from tastemaker.datasets.into_store import movielens_into_store
from tastemaker.store import Store
from tastemaker.store.items import count_items, get_item
from tastemaker.store.real import load_interactions, real_user_attributes


@pytest.mark.slow
def test_ml100k_lands_as_items_users_and_real_ratings(store: Store, ml100k: Interactions) -> None:
    first = movielens_into_store(store, ml100k, "ml-100k")
    assert (first["items"].inserted, first["users"].inserted) == (1682, 943)
    assert first["interactions"].inserted == 100_000
    again = movielens_into_store(store, ml100k, "ml-100k")
    assert again["interactions"].unchanged == 100_000
    assert again["items"].unchanged == 1682
    assert count_items(store) == 1682
    toy = get_item(store, "1")
    assert toy is not None
    assert (toy.name, toy.year, toy.description) == (
        "Toy Story",
        1995,
        "A movie: Animation, Children's, Comedy.",
    )
    assert real_user_attributes(store, "ml-100k")["1"] == {
        "age": 24, "gender": "man", "occupation": "technician",
        "region": "the Mountain West (Colorado, Arizona, Utah, Nevada)",
    }  # fmt: skip
    frame = load_interactions(store, ["ml-100k"])
    assert set(frame["scale"]) == {"1-5"}
    by_value = frame.groupby("value")["rating"].first().to_dict()
    assert by_value == {1.0: 1.0, 2.0: 3.25, 3.0: 5.5, 4.0: 7.75, 5.0: 10.0}
    # the same ratings as the loader read, user by user
    real = ml100k.ratings.groupby("user_id")["rating"].mean()
    stored = frame.assign(user=frame["user_id"].astype(int)).groupby("user")["value"].mean()
    assert stored.sort_index().to_numpy() == pytest.approx(real.sort_index().to_numpy())

"""The fidelity split and cases: later interactions held out, negatives never touched."""

from __future__ import annotations

import pandas as pd
import pytest

from tastemaker.errors import DataError
from tastemaker.ratings.fidelity.cases import build_cases, split_in_time


def _history(users: int, per_user: int, items: int = 200) -> pd.DataFrame:
    rows = []
    for u in range(users):
        for t in range(per_user):
            item = (u * 7 + t * 3) % items
            rating = 10.0 if t % 2 else 1.0
            rows.append({"user_id": f"u{u}", "item_id": f"i{item}", "kind": "rating",
                         "timestamp": 1000 + t, "value": 5.0 if t % 2 else 1.0,
                         "scale": "1-5", "rating": rating, "weight": 1.0})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_later_share_of_each_sampled_user_is_held_out() -> None:
    frame = _history(30, 10)
    train, held, users = split_in_time(frame, holdout=0.2, min_history=5, users=25,
                                       like_at=7.0, seed=1)  # fmt: skip
    assert len(users) == 25
    for user in users:
        mine_train = train[train["user_id"] == user]["timestamp"]
        mine_held = held[held["user_id"] == user]["timestamp"]
        assert len(mine_held) == 2
        assert len(mine_train) == 8
        assert mine_train.max() < mine_held.min()
    others = set(frame["user_id"]) - set(users)
    assert set(train["user_id"]) >= others  # unsampled users' whole history stays training side
    assert len(train) + len(held) == len(frame)


def test_too_few_eligible_users_is_an_error_not_a_figure() -> None:
    with pytest.raises(DataError, match="only 5 user"):
        split_in_time(_history(5, 10), holdout=0.2, min_history=5, users=5, like_at=7.0, seed=0)
    with pytest.raises(DataError, match="only 0 user"):
        split_in_time(_history(30, 4), holdout=0.2, min_history=5, users=30, like_at=7.0, seed=0)


@pytest.mark.parametrize("draw", ["uniform", "popularity"])
def test_negatives_are_items_the_user_never_touched(draw: str) -> None:
    frame = _history(30, 12)
    catalogue = [f"i{n}" for n in range(200)]
    built = build_cases(frame, catalogue, min_history=5, users=30, negatives=draw,  # type: ignore[arg-type]
                        max_ratio=9, seed=3)  # fmt: skip
    assert built.cases
    touched = frame.groupby("user_id")["item_id"].agg(set)
    held = built.held_out
    for case in built.cases:
        assert len(case.negatives) == 9 == len(set(case.negatives))
        assert not set(case.negatives) & touched[case.user_id]
        mine = held[(held["user_id"] == case.user_id) & (held["item_id"] == case.positive)]
        assert (mine["rating"] >= 7).any()  # a held-out positive, never a training-side one
    again = build_cases(frame, catalogue, min_history=5, users=30, negatives=draw,  # type: ignore[arg-type]
                        max_ratio=9, seed=3)  # fmt: skip
    assert again.cases == built.cases
    assert set(built.pairs()) >= {(c.user_id, c.positive) for c in built.cases}


def test_popularity_matched_negatives_share_the_positives_popularity_band() -> None:
    frame = _history(40, 12, items=60)
    catalogue = [f"i{n}" for n in range(600)]  # 540 items nobody touched: the bottom band
    built = build_cases(frame, catalogue, min_history=5, users=40, negatives="popularity", seed=0)
    counts = built.train["item_id"].value_counts()
    for case in built.cases:
        if counts.get(case.positive, 0) > 0:  # a popular positive: popular negatives
            assert all(counts.get(n, 0) > 0 for n in case.negatives)


def test_agreement_cases_are_held_out_explicit_ratings() -> None:
    frame = _history(30, 10)
    built = build_cases(frame, [f"i{n}" for n in range(200)], min_history=5, users=30,
                        agreement_per_user=4)  # fmt: skip
    held = {(r.user_id, r.item_id): r.value for r in built.held_out.itertuples()}
    assert built.agreement
    assert all(held[(a.user_id, a.item_id)] == a.value for a in built.agreement)

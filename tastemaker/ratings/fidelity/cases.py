"""The fidelity protocol's data: a split of real histories in time, and the cases to score.

As in the LLM-user-simulation literature (Agent4Rec, SimUSER): each sampled real user's
history is cut in time — the later ``holdout`` share is held out, the rest is the *training
side*, the only part the user's twin (and every baseline) may see. Then:

* **discrimination cases** — each held-out *positive* (a held-out rating at or above
  ``like_at`` on the model's scale, or any held-out event) against negatives the user never
  interacted with, drawn uniformly or matched in popularity (same training-side popularity
  decile). Each case draws the largest ratio's negatives once; the 1:1 and 1:3 views use the
  first of them, so a 1:9 run also answers 1:1 and 1:3 and every rating is asked once;
* **agreement cases** — the held-out *explicit* ratings, whose real values the twin's
  ratings are compared with.

Every draw is seeded, so a rerun builds the same cases and the LLM work is served from the
store. Too few eligible users is an error, never a figure from three cases.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from tastemaker.errors import DataError

__all__ = [
    "AgreementCase",
    "Case",
    "FidelityCases",
    "NegativeDraw",
    "build_cases",
    "split_in_time",
]

NegativeDraw = Literal["uniform", "popularity"]
#: Popularity bands for matched negatives.
_DECILES: Final = 10


@dataclass(frozen=True)
class Case:
    """One held-out positive of ``user_id`` and its negatives (the largest ratio's count)."""

    user_id: str
    positive: str
    negatives: tuple[str, ...]


@dataclass(frozen=True)
class AgreementCase:
    """One held-out explicit rating: ``value`` on ``scale`` (the user's own)."""

    user_id: str
    item_id: str
    value: float
    scale: str


@dataclass(frozen=True)
class FidelityCases:
    """The split and the cases. ``train``: every training-side interaction (the sampled users'
    earlier part and all other users' whole history); ``held_out``: the sampled users' later
    part; ``users``: the sampled users, sorted."""

    train: pd.DataFrame
    held_out: pd.DataFrame
    users: tuple[str, ...]
    cases: tuple[Case, ...]
    agreement: tuple[AgreementCase, ...]

    def pairs(self) -> list[tuple[str, str]]:
        """Every (user, item) a twin must rate, each once, grouped by user."""
        wanted = {(c.user_id, i) for c in self.cases for i in (c.positive, *c.negatives)}
        wanted |= {(a.user_id, a.item_id) for a in self.agreement}
        return sorted(wanted)


def _positive(frame: pd.DataFrame, like_at: float) -> pd.Series[bool]:
    return (frame["kind"] != "rating") | (frame["rating"] >= like_at)


def split_in_time(
    interactions: pd.DataFrame,
    *,
    holdout: float,
    min_history: int,
    users: int,
    like_at: float,
    seed: int,
    min_users: int = 20,
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
    """(train, held_out, sampled users): the later ``holdout`` share (at least one row) of
    ``users`` sampled eligible users is held out. Eligible: ``min_history`` rows or more on
    the training side and a positive among the held-out rows. Fewer than ``min_users``
    eligible users raise DataError."""
    if not 0 < holdout < 1:
        raise DataError(f"--holdout {holdout}: must be between 0 and 1")
    ordered = interactions.sort_values(["user_id", "timestamp"], kind="stable", na_position="first")
    size = ordered.groupby("user_id")["item_id"].transform("size")
    position = ordered.groupby("user_id").cumcount()
    held = position >= size - np.maximum(1, np.ceil(size * holdout)).astype(int)
    positive_later = (held & _positive(ordered, like_at)).groupby(ordered["user_id"]).any()
    earlier = (~held).groupby(ordered["user_id"]).sum()
    eligible = sorted(str(u) for u in positive_later.index
                      if positive_later[u] and earlier[u] >= min_history)  # fmt: skip
    if len(eligible) < min_users:
        raise DataError(
            f"only {len(eligible)} user(s) have {min_history}+ training-side interactions and a "
            f"held-out positive; a fidelity figure needs at least {min_users} "
            "(lower --min-history or --holdout, or import more history)"
        )
    sampled = tuple(sorted(random.Random(seed).sample(eligible, min(users, len(eligible)))))
    in_sample = ordered["user_id"].astype(str).isin(sampled)
    held_out = ordered[held & in_sample]
    train = ordered[~(held & in_sample)]
    return train.reset_index(drop=True), held_out.reset_index(drop=True), sampled


def build_cases(
    interactions: pd.DataFrame,
    catalogue: Sequence[str],
    *,
    holdout: float = 0.2,
    min_history: int = 10,
    users: int = 50,
    positives_per_user: int = 2,
    agreement_per_user: int = 4,
    max_ratio: int = 9,
    negatives: NegativeDraw = "uniform",
    like_at: float = 7.0,
    seed: int = 0,
    min_users: int = 20,
) -> FidelityCases:
    """Split ``interactions`` (one dataset's, as :func:`~tastemaker.store.real.load_interactions`
    gives them) and draw the cases over ``catalogue`` (item ids)."""
    train, held_out, sampled = split_in_time(
        interactions, holdout=holdout, min_history=min_history, users=users,
        like_at=like_at, seed=seed, min_users=min_users,
    )  # fmt: skip
    counts = train["item_id"].value_counts()
    items = list(dict.fromkeys(catalogue))
    popularity = np.array([counts.get(i, 0) for i in items], dtype=np.float64)
    ranks = pd.Series(popularity).rank(method="first").to_numpy()
    band = np.minimum(_DECILES - 1, ((ranks - 1) * _DECILES / max(1, len(items))).astype(int))
    band_of = dict(zip(items, band.tolist(), strict=True))
    by_band: dict[int, list[str]] = {}
    for item, b in band_of.items():
        by_band.setdefault(b, []).append(item)
    touched = interactions.groupby("user_id")["item_id"].agg(set)
    cases: list[Case] = []
    agreement: list[AgreementCase] = []
    for user in sampled:
        rng = random.Random(f"{seed}:{user}")
        mine = held_out[held_out["user_id"].astype(str) == user]
        seen = touched.get(user, set())
        liked = mine[_positive(mine, like_at)]["item_id"].astype(str).drop_duplicates().tolist()
        for positive in rng.sample(liked, min(positives_per_user, len(liked))):
            pool = (
                by_band.get(band_of.get(positive, 0), items) if negatives == "popularity" else items
            )
            drawn = _draw(rng, pool, seen, max_ratio) or _draw(rng, items, seen, max_ratio)
            if len(drawn) == max_ratio:
                cases.append(Case(user, positive, tuple(drawn)))
        rated = mine[mine["kind"] == "rating"].drop_duplicates("item_id", keep="last")
        picked = rated.sample(
            n=min(agreement_per_user, len(rated)), random_state=rng.randrange(2**31)
        )
        agreement.extend(
            AgreementCase(user, str(i), float(v), str(s))
            for i, v, s in zip(picked["item_id"], picked["value"], picked["scale"], strict=True)
        )
    return FidelityCases(train, held_out, sampled, tuple(cases), tuple(agreement))


def _draw(rng: random.Random, pool: Sequence[str], seen: set[str], count: int) -> list[str]:
    """``count`` distinct items of ``pool`` the user never touched ([] when too few)."""
    candidates = [i for i in pool if i not in seen]
    return rng.sample(candidates, count) if len(candidates) >= count else []

"""The rows a store-backed run trains on: one synthetic set, real feedback, or both, each row
tagged with its source and weighted by it.

Synthetic shoppers are there to help a recommender for real ones, so ``train`` can read the
real feedback in the store (imported datasets, :mod:`tastemaker.store.real`, and the web app's
likes and dislikes) beside the LLM's ratings. The rules, all stated in ``[data]``:

* **Which synthetic set**: exactly one LLM × strategy × template × request set
  (:func:`~.sources.choose_synthetic`); several without a choice are an error listing them.
* **Which real data**: ``data.real`` names datasets (``web`` for the app); nothing is read
  that is not named, and an unknown name is an error listing what the store holds.
* **One scale**: real ratings are stored on the model's scale at import (the scales rule of
  :mod:`tastemaker.datasets.scales`), so one pair of thresholds labels every rating. An event
  (purchase, click …) is a positive with no rating: a retrieval target and a liked history
  item, never a rating-head row.
* **Who is who**: a real user is ``dataset:user_id``; a twin's ratings are its real user's
  (they augment that user's own history), an invented persona is its own user.
* **One row per user and item**: a real rating wins over a real event (the weightier event
  over the lighter), and real feedback over a synthetic rating of the same pair.
* **Weights**: each row's loss weight is its source's (``data.weights``: ``synthetic``,
  ``real``, ``web`` or a dataset's name; default 1) times the event's own weight.
* **Validation follows real users**: with real rows present, early stopping holds out only
  real rows, so the model kept is the one that serves real shoppers best, not the one that
  best predicts the LLM.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from tastemaker.errors import ConfigError, DataError
from tastemaker.model.sources import SyntheticSet as ChosenSet
from tastemaker.model.sources import choose_synthetic, synthetic_record

if TYPE_CHECKING:
    from tastemaker.model.config import DataConfig
    from tastemaker.store.db import Store

__all__ = ["MIX_COLUMNS", "Mix", "mixed_rows", "real_user_key"]

#: Columns of :attr:`Mix.rows` (``persona_id``: the synthetic rows' persona, else None).
MIX_COLUMNS: Final = ("user", "item_id", "value", "source", "dataset", "loss_weight", "persona_id")
_WEB: Final = "web"  # tastemaker.store.real.WEB_DATASET, which imports pandas-heavy modules
#: Which row of a (user, item) pair is kept: the lowest rank.
_RANK: Final = {("real", "rating"): 0, ("web", "rating"): 0, ("real", "event"): 1,
                ("web", "event"): 1, ("synthetic", "rating"): 2}  # fmt: skip


def real_user_key(dataset: str, user_id: str) -> str:
    """A real user's id as the model knows it (persona ids never contain the dataset)."""
    return f"{dataset}:{user_id}"


@dataclass(frozen=True)
class Mix:
    """The rows to train on (:data:`MIX_COLUMNS`; ``value`` on the model's scale, NaN for an
    event), the real users among ``rows.user`` with their dataset and attributes, and one
    record per source for the model card."""

    rows: pd.DataFrame
    real_users: Mapping[str, tuple[str, Mapping[str, object]]]
    sources: tuple[Mapping[str, object], ...]


def mixed_rows(store: Store, config: DataConfig, items: Collection[str]) -> Mix:
    """Every row ``config`` names on ``items`` (the catalogue), one per (user, item), weighted
    (see the module); the source records count the rows kept."""
    from tastemaker.store.real import WEB_DATASET, dataset_summary, real_user_attributes

    imported = {str(entry["dataset"]) for entry in dataset_summary(store)}
    unknown = sorted(set(config.real) - imported - {WEB_DATASET})
    if unknown:
        held = ", ".join(sorted(imported)) or "none"
        raise ConfigError(
            f"{store.path}: data.real names {unknown}, which the store does not hold "
            f"(imported datasets: {held}; '{WEB_DATASET}' is the web app's feedback)"
        )
    allowed = {"synthetic", "real", WEB_DATASET, *imported}
    bad = sorted(set(config.weights) - allowed)
    if bad:
        raise ConfigError(f"data.weights: unknown source(s) {bad}; weights go to {sorted(allowed)}")
    twin_of = _twin_users(store)
    frames, synthetic = [], None
    if config.synthetic:
        frame, synthetic = _synthetic(store, config, twin_of)
        frames.append(frame)
    if config.real:
        frames.append(_real(store, config))
    rows = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    rows = rows[rows["item_id"].isin(set(items))]
    rank = [
        _RANK[(s, "event" if np.isnan(v) else "rating")]
        for s, v in zip(rows["source"], rows["value"], strict=True)
    ]
    rows = (
        rows.assign(_rank=rank, _weight=-rows["loss_weight"])
        .sort_values(["user", "item_id", "_rank", "_weight"], kind="stable")
        .drop_duplicates(["user", "item_id"], keep="first")
        .drop(columns=["_rank", "_weight"])
        .reset_index(drop=True)
    )
    datasets = {d for d in rows["dataset"].dropna().unique()} | {d for d, _ in twin_of.values()}
    attributes = {d: real_user_attributes(store, d) for d in datasets if d != WEB_DATASET}
    real_users: dict[str, tuple[str, Mapping[str, object]]] = {}
    for dataset, users in attributes.items():
        for user_id, attrs in users.items():
            real_users[real_user_key(dataset, user_id)] = (dataset, attrs)
    for user in rows.loc[rows["source"] == "web", "user"].unique():
        real_users[str(user)] = (WEB_DATASET, {})
    sources = [] if synthetic is None else [_synthetic_record(synthetic, rows, twin_of)]
    sources += [_real_record(rows, dataset, config) for dataset in config.real]
    return Mix(rows[list(MIX_COLUMNS)], real_users, tuple(sources))


def _synthetic_record(
    chosen: SyntheticSet, rows: pd.DataFrame, twin_of: Mapping[str, tuple[str, str]]
) -> dict[str, object]:
    mine = rows[rows["source"] == "synthetic"]
    personas = mine["persona_id"].unique()
    return {
        **synthetic_record(
            chosen.chosen,
            chosen.rating,
            len(mine),
            len(personas),
            float(mine["loss_weight"].iloc[0]) if len(mine) else 1.0,
        ),
        "twins": sum(1 for p in personas if p in twin_of),
    }


def _real_record(rows: pd.DataFrame, dataset: str, config: DataConfig) -> dict[str, object]:
    mine = rows[rows["dataset"] == dataset]
    source = "web" if dataset == _WEB else "real"
    rated = int(mine["value"].notna().sum())
    return {
        "source": source,
        "dataset": dataset,
        "rows": len(mine),
        "ratings": rated,
        "events": len(mine) - rated,
        "users": int(mine["user"].nunique()),
        "weight": config.weight_of(source, dataset),
    }


def _twin_users(store: Store) -> dict[str, tuple[str, str]]:
    """Twin persona id → (dataset, user id) of the real user it mirrors."""
    rows = store.conn.execute("SELECT persona_id, dataset, user_id FROM twins").fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


@dataclass(frozen=True)
class SyntheticSet:
    """The synthetic set a run chose and the rating it reads."""

    chosen: ChosenSet
    rating: str


def _synthetic(
    store: Store, config: DataConfig, twin_of: Mapping[str, tuple[str, str]]
) -> tuple[pd.DataFrame, SyntheticSet]:
    """The chosen synthetic set's rows (the ``config.rating`` value) and what was chosen."""
    from tastemaker.ratings.records import load_ratings

    chosen, frame = choose_synthetic(
        load_ratings(
            store,
            model=config.llm,
            strategy=config.strategy,
            template_version=config.template_version,
            request_set=config.request_set,
        ),
        config,
        str(store.path),
        everything=lambda: load_ratings(store),
    )
    column = {"calibrated": "calibrated", "answer": "answer", "expected": "expected_rating"}
    values = pd.to_numeric(frame[column[config.rating]], errors="coerce")
    if config.rating == "expected":
        # expected_rating is over 1..10 given not a dislike; a rating whose likeliest reading
        # is the dislike (P(-1) >= 1/2) is the dislike outcome, never averaged into a number.
        p_dislike = pd.to_numeric(frame["p_neg1"], errors="coerce").fillna(0.0)
        answered_dislike = values.isna() & (frame["answer"] == -1).fillna(False)
        values = values.where((p_dislike < 0.5) & ~answered_dislike, -1.0)
    frame = frame.assign(value=values)[values.notna()]
    if frame.empty:
        hint = (
            " (run `tastemaker ratings calibrate` first)" if config.rating == "calibrated" else ""
        )
        raise DataError(
            f"{store.path}: no ratings of {chosen.describe()} with a {config.rating!r} value{hint}"
        )
    frame = frame.drop_duplicates(["persona_id", "item_id"], keep="last")
    twins = frame["persona_id"].isin(twin_of.keys())
    users = [
        real_user_key(*twin_of[p]) if is_twin else str(p)
        for p, is_twin in zip(frame["persona_id"], twins, strict=True)
    ]
    weight = config.weight_of("synthetic")
    rows = pd.DataFrame(
        {
            "user": users,
            "item_id": frame["item_id"].astype(str).to_numpy(),
            "value": frame["value"].to_numpy(dtype=np.float64),
            "source": "synthetic",
            "dataset": None,
            "loss_weight": weight,
            "persona_id": frame["persona_id"].to_numpy(),
        }
    )
    return rows, SyntheticSet(chosen, config.rating)


def _real(store: Store, config: DataConfig) -> pd.DataFrame:
    """The named real datasets' rows."""
    from tastemaker.store.real import WEB_DATASET, load_interactions

    frame = load_interactions(store, config.real)
    parts = []
    for dataset in config.real:
        mine = frame[frame["dataset"] == dataset]
        source = "web" if dataset == WEB_DATASET else "real"
        if mine.empty:
            raise DataError(f"{store.path}: real dataset {dataset!r} holds no interactions")
        weight = config.weight_of(source, dataset)
        rated = mine["kind"] == "rating"
        value = pd.to_numeric(mine["rating"], errors="coerce").where(rated)
        parts.append(
            pd.DataFrame(
                {
                    "user": [real_user_key(dataset, str(u)) for u in mine["user_id"]],
                    "item_id": mine["item_id"].astype(str).to_numpy(),
                    "value": value.to_numpy(dtype=np.float64),
                    "source": source,
                    "dataset": dataset,
                    "loss_weight": weight * mine["weight"].to_numpy(dtype=np.float64),
                    "persona_id": None,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)

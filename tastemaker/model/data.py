"""What the model trains on: ratings over dense user and item indices, with side features.

:class:`TrainingData` is the one input of :func:`tastemaker.model.train.train`. It is built
from an evaluation :class:`~tastemaker.evaluate.Dataset` (MovieLens: every rating a positive)
by :func:`from_dataset`, or from the store by :func:`from_store` (fashion: persona ratings,
and real feedback beside them when ``[data] real`` names it, merged by :mod:`.mix`;
ratings at or above a threshold are positives, low ones and the ``-1`` answer are dislikes;
the scale is :data:`~.head.PERSONA_SCALE`, whose ``-1`` is its own outcome, not a rating).
:func:`from_store` reads exactly one synthetic set (one LLM, strategy and prompt template,
named by ``[data]`` or the only one in the store; :mod:`.sources`), and every
:class:`TrainingData` says in ``sources`` what its rows are, for the model card.

Each rating row carries a *history weight* (how it enters the user tower: ``+1`` liked or
merely rated, ``-1`` disliked, ``0`` ignored) and a *positive* flag (whether it may be a
retrieval target). Rows are ordered by user, then by time where known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from tastemaker.errors import DataError
from tastemaker.model.config import DataConfig
from tastemaker.model.features import FeatureTable
from tastemaker.model.head import PERSONA_SCALE, RatingScale

if TYPE_CHECKING:
    from tastemaker.evaluate.data import Dataset
    from tastemaker.store.db import Store

__all__ = ["TextVectors", "TrainingData", "from_dataset", "from_store"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float32]
#: Texts → float32 ``[n, dim]`` unit rows (an encoder's ``encode_texts``, maybe cached).
TextVectors = Callable[[Sequence[str]], Floats]


@dataclass(frozen=True)
class TrainingData:
    """Ratings (one row per user-item pair) and both sides' features.

    ``users``/``items``: int64 ``[n]`` dense indices into ``user_features``/``item_features``;
    ``ratings``: float32 ``[n]`` on the source's scale, NaN for a row without a rating (an
    implicit event: a positive the rating head never learns from); ``weights``: float32
    ``[n]`` history weights; ``positive``: bool ``[n]``.

    A mix of sources (:mod:`.mix`) adds ``loss_weights`` (float32 ``[n]``: how much each row
    counts in both losses, its source's weight; None: all 1) and ``validation`` (bool ``[n]``:
    the rows validation may hold out, the real ones, so early stopping follows real users;
    None: any row).
    """

    users: Ints
    items: Ints
    ratings: Floats
    weights: Floats
    positive: npt.NDArray[np.bool_]
    user_features: FeatureTable
    item_features: FeatureTable
    scale: RatingScale
    name: str = "data"
    #: What the rows are, for the model card: one record per source (its provenance, row
    #: count, weight; see :mod:`.sources`).
    sources: tuple[Mapping[str, object], ...] = ()
    loss_weights: Floats | None = None
    validation: npt.NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        n = len(self.users)
        for label, array in (
            ("items", self.items),
            ("ratings", self.ratings),
            ("weights", self.weights),
            ("positive", self.positive),
            *(() if self.loss_weights is None else (("loss_weights", self.loss_weights),)),
            *(() if self.validation is None else (("validation", self.validation),)),
        ):
            if len(array) != n:
                raise DataError(f"{self.name}: {label} has {len(array)} rows, users {n}")
        if n and (self.users.min() < 0 or self.users.max() >= self.n_users):
            raise DataError(f"{self.name}: a user index is outside [0, {self.n_users})")
        if n and (self.items.min() < 0 or self.items.max() >= self.n_items):
            raise DataError(f"{self.name}: an item index is outside [0, {self.n_items})")

    @property
    def n_users(self) -> int:
        return len(self.user_features)

    @property
    def n_items(self) -> int:
        return len(self.item_features)

    def select(self, mask: npt.NDArray[np.bool_]) -> TrainingData:
        """The same catalogue with only the rating rows where ``mask`` is true."""
        return TrainingData(
            self.users[mask],
            self.items[mask],
            self.ratings[mask],
            self.weights[mask],
            self.positive[mask],
            self.user_features,
            self.item_features,
            self.scale,
            self.name,
            self.sources,
            None if self.loss_weights is None else self.loss_weights[mask],
            None if self.validation is None else self.validation[mask],
        )


def label(
    ratings: Floats,
    positive_min: float | None,
    dislike_max: float | None,
    where: str,
    scale: RatingScale | None = None,
    *,
    require_positive: bool = True,
) -> tuple[Floats, npt.NDArray[np.bool_]]:
    """``(history weights [n], positive [n])`` of ``ratings`` under the thresholds (None: every
    rating a positive / no dislikes); the ``scale``'s dislike answer is always a dislike, never
    a positive. DataError, naming ``where``, the threshold and the range of ratings seen, when
    nothing is a positive: such a set would train (and export) a model that learnt nothing."""
    disliked = np.zeros(len(ratings), np.bool_) if scale is None else scale.disliked(ratings)
    positive = np.ones(len(ratings), np.bool_) if positive_min is None else ratings >= positive_min
    positive &= ~disliked
    if not len(ratings):
        raise DataError(f"{where}: no ratings to train on")
    if require_positive and not positive.any():
        raise DataError(
            f"{where}: no positive ratings to train on: none of its {len(ratings)} ratings "
            f"(range seen {ratings.min():g}..{ratings.max():g}) is at or above "
            f"data.positive_min_rating = {positive_min:g}; set a threshold on this source's "
            "rating scale"
        )
    weights = positive.astype(np.float32)
    if dislike_max is not None:
        weights[ratings <= dislike_max] = -1.0
    weights[disliked] = -1.0
    return weights, positive


def from_dataset(
    dataset: Dataset,
    *,
    item_fields: Sequence[str] = ("genres", "year"),
    user_fields: Sequence[str] = ("gender", "age", "occupation"),
    text: TextVectors | None = None,
    user_text: bool = True,
    positive_min_rating: float | None = None,
    dislike_max_rating: float | None = None,
) -> TrainingData:
    """An evaluation dataset (e.g. MovieLens) as training data.

    By default every rating is a positive with history weight 1 (implicit feedback, as the
    ranking benchmark counts every rated movie relevant). ``text`` encodes ``items.text`` and
    (with ``user_text``) ``users.text``; None trains without text.
    """
    frame = dataset.ratings.sort_values(["user", "timestamp"], kind="stable")
    ratings = frame["rating"].to_numpy(dtype=np.float32)
    weights, positive = label(ratings, positive_min_rating, dislike_max_rating, dataset.name)
    items, users = dataset.items, dataset.users
    item_texts = [str(t) for t in items["text"]]
    item_table = FeatureTable.build(
        [str(i) for i in items["item_id"]],
        _records(items, item_fields),
        item_fields,
        None if text is None else text(item_texts),
        item_texts,
    )
    user_table = FeatureTable.build(
        [str(u) for u in users["user_id"]],
        _records(users, user_fields),
        user_fields,
        None if text is None or not user_text else text(list(users["text"])),
    )
    low = float(ratings.min()) if len(ratings) else 0.0
    high = float(ratings.max()) if len(ratings) else 1.0
    return TrainingData(
        frame["user"].to_numpy(dtype=np.int64),
        frame["item"].to_numpy(dtype=np.int64),
        ratings,
        weights,
        positive,
        user_table,
        item_table,
        RatingScale(low, high),
        dataset.name,
        (
            {
                "source": "real",
                "dataset": dataset.name,
                "rows": len(ratings),
                "users": int(np.unique(frame["user"]).size),
                "positive_min_rating": positive_min_rating,
                "dislike_max_rating": dislike_max_rating,
                "weight": 1.0,
            },
        ),
    )


def _records(frame: pd.DataFrame, fields: Sequence[str]) -> list[Mapping[str, object]]:
    present = [f for f in fields if f in frame.columns]
    missing = sorted(set(fields) - set(present))
    if missing:
        raise DataError(f"feature fields {missing} are not columns of {list(frame.columns)}")
    if not present:
        return [{} for _ in range(len(frame))]
    return [{str(k): v for k, v in row.items()} for row in frame[present].to_dict("records")]


def from_store(store: Store, config: DataConfig, text: TextVectors | None) -> TrainingData:
    """The store's ratings over its catalogue (fashion): one synthetic set and/or the real
    feedback ``config.real`` names, as :mod:`.mix` merges them.

    Users are the personas and real users that have at least one usable row, items the whole
    catalogue (so unrated items still get vectors from their features). The synthetic rating
    read is ``config.rating`` (the calibrated answer by default); rows without one are skipped.
    """
    from tastemaker.catalog.text import item_text
    from tastemaker.model.mix import mixed_rows
    from tastemaker.personas.twins import real_user_bio
    from tastemaker.ratings.sources import store_personas
    from tastemaker.store.items import iter_items

    catalogue = list(iter_items(store))
    if not catalogue:
        raise DataError(f"{store.path}: no items in the store; import a catalogue first")
    mix = mixed_rows(store, config, [item.id for item in catalogue])
    personas = {p.id: p for p in store_personas(store, twins=False)}
    item_pos = {item.id: i for i, item in enumerate(catalogue)}
    frame = mix.rows
    frame = frame[frame["item_id"].isin(item_pos.keys())]
    frame = frame[frame["user"].isin(personas.keys()) | frame["user"].isin(mix.real_users.keys())]
    if frame.empty:
        raise DataError(f"{store.path}: no ratings of known personas or users on catalogue items")
    user_ids = sorted(frame["user"].unique())
    user_pos = {uid: i for i, uid in enumerate(user_ids)}
    frame = frame.assign(
        user_index=frame["user"].map(user_pos), item=frame["item_id"].map(item_pos)
    ).sort_values(["user_index", "item"], kind="stable")
    ratings = frame["value"].to_numpy(dtype=np.float32)
    graded = ~np.isnan(ratings)
    positive_min, dislike_max = config.thresholds
    weights = np.ones(len(ratings), np.float32)  # an event: a liked history item …
    positive = np.ones(len(ratings), np.bool_)  # … and a retrieval target
    if graded.any():
        weights[graded], positive[graded] = label(
            ratings[graded], positive_min, dislike_max, str(store.path), PERSONA_SCALE,
            require_positive=not (~graded).any(),
        )  # fmt: skip
    is_real = (frame["source"] != "synthetic").to_numpy()
    mixed = bool(is_real.any())
    item_fields, user_fields = config.feature_fields
    item_records = [{f: getattr(item, f, None) for f in item_fields} for item in catalogue]
    user_records: list[Mapping[str, object]] = []
    user_texts: list[str] = []
    for uid in user_ids:
        if uid in personas:
            v = personas[uid]
            user_records.append(
                {"gender": v.gender, **{k: _joined(a) for k, a in v.attributes.items()}}
            )
            user_texts.append(persona_text(v.gender, v.attributes, v.bio))
        else:
            dataset, attributes = mix.real_users[uid]
            user_records.append(dict(attributes))
            gender = str(attributes.get("gender") or "unspecified")
            user_texts.append(persona_text(gender, {}, real_user_bio(dataset, attributes)))
    item_texts = [item_text(item) for item in catalogue]
    item_table = FeatureTable.build(
        [item.id for item in catalogue],
        item_records,
        item_fields,
        None if text is None else text(item_texts),
        item_texts,
    )
    user_table = FeatureTable.build(
        user_ids, user_records, user_fields, None if text is None else text(user_texts)
    )
    thresholds = {"positive_min_rating": positive_min, "dislike_max_rating": dislike_max}
    return TrainingData(
        frame["user_index"].to_numpy(dtype=np.int64),
        frame["item"].to_numpy(dtype=np.int64),
        ratings,
        weights,
        positive,
        user_table,
        item_table,
        PERSONA_SCALE,
        f"store {store.path.name}",
        tuple({**record, **thresholds} for record in mix.sources),
        frame["loss_weight"].to_numpy(dtype=np.float32) if mixed or config.weights else None,
        is_real if mixed else None,
    )


def _joined(value: str | list[str]) -> str:
    return "|".join(value) if isinstance(value, list) else value


def persona_text(gender: str, attributes: Mapping[str, str | list[str]], bio: str) -> str:
    """The text the user tower embeds for a persona: its facts, its style, then its bio."""
    facts = [gender, *(str(attributes[k]) for k in ("age_band", "occupation") if attributes.get(k))]
    parts = [f"A shopper ({', '.join(facts)})."]
    style = [
        f"{label}: {_joined(v).replace('|', ', ')}"
        for key, label in (("aesthetic", "Style"), ("palette", "Colours"), ("budget", "Budget"))
        if (v := attributes.get(key))
    ]
    if style:
        parts.append("; ".join(style) + ".")
    parts.append(bio.strip())
    return " ".join(parts)

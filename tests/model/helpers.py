"""A tiny synthetic catalogue with planted tastes, for fast model tests.

Items have a colour and a kind; each user likes one colour (rates its items high, others low),
so a working model must rank a user's colour first. Texts are random unit vectors of a small
width (a real encoder is not needed to exercise the text path).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from tastemaker.evaluate.data import Dataset
from tastemaker.model.config import ModelConfig, TrainConfig
from tastemaker.model.data import TextVectors, TrainingData, from_dataset

COLOURS = ("red", "blue", "green")
KINDS = ("shirt", "shoe")
TEXT_DIM = 8


def tiny_dataset(
    n_users: int = 24, n_items: int = 30, per_user: int = 10, seed: int = 0
) -> Dataset:
    """MovieLens-shaped frames: users (gender, age, occupation, text), items (genres, year,
    text; ``genres`` holds ``colour|kind``) and ratings 1..5 (4-5 for the user's colour)."""
    rng = np.random.default_rng(seed)
    colour_of = np.arange(n_items) % len(COLOURS)
    rows = []
    for user in range(n_users):
        liked = np.flatnonzero(colour_of == user % len(COLOURS))
        others = np.flatnonzero(colour_of != user % len(COLOURS))
        chosen = np.concatenate(
            [rng.choice(liked, per_user - 2, replace=False), rng.choice(others, 2, replace=False)]
        )
        for t, item in enumerate(chosen):
            rating = 5.0 if colour_of[item] == user % len(COLOURS) else 1.0
            rows.append((user, int(item), rating, 1000 * user + t))
    ratings = pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp"]).astype(
        {"user": np.int64, "item": np.int64, "rating": np.float64, "timestamp": np.int64}
    )
    users = pd.DataFrame(
        {
            "user_id": np.arange(n_users, dtype=np.int64),
            "gender": ["M" if u % 2 else "F" for u in range(n_users)],
            "age": [20 + 7 * (u % 5) for u in range(n_users)],
            "occupation": ["student" if u % 3 else "artist" for u in range(n_users)],
            "text": [f"user {u}" for u in range(n_users)],
        }
    )
    items = pd.DataFrame(
        {
            "item_id": np.arange(n_items, dtype=np.int64),
            "genres": [f"{COLOURS[c]}|{KINDS[i % 2]}" for i, c in enumerate(colour_of)],
            "year": [1990 + i % 20 for i in range(n_items)],
            "text": [f"a {COLOURS[c]} {KINDS[i % 2]} number {i}" for i, c in enumerate(colour_of)],
        }
    )
    return Dataset(ratings, users, items, name="tiny")


def fake_text(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Deterministic random unit vectors ``[n, TEXT_DIM]`` keyed by the text itself."""
    out = np.empty((len(texts), TEXT_DIM), np.float32)
    for i, text in enumerate(texts):
        rng = np.random.default_rng(sum(text.encode()) + len(text))
        vector = rng.normal(size=TEXT_DIM)
        out[i] = vector / np.linalg.norm(vector)
    return out


def tiny_data(text: bool = True) -> TrainingData:
    """:func:`tiny_dataset` as training data, with fake text vectors unless ``text`` is False."""
    encode: TextVectors | None = fake_text if text else None
    return from_dataset(tiny_dataset(), text=encode)


#: Small and fast: 16-d towers, a few steps.
MODEL = ModelConfig(dim=16, encoder="fake")
TRAIN = TrainConfig(max_steps=12, batch_users=8, eval_every=4, patience=10, lr=0.01)


def tiny_attributes(user: int) -> dict[str, object]:
    """The tiny dataset's user fields (gender, age, occupation) of ``user``."""
    frame = tiny_dataset().users
    return {f: frame.loc[user, f] for f in ("gender", "age", "occupation")}


def user_text(data: TrainingData, user: int) -> npt.NDArray[np.float32] | None:
    """``user``'s text vector in ``data`` (None without text)."""
    return None if data.user_features.text is None else data.user_features.text[user]

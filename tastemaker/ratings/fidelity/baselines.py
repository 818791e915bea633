"""What a cheap model already knows, scored on the same fidelity cases as the twins.

The baselines see the training side only — all of it, not just the ``k`` items a twin's
prompt shows, since a cheap model can afford to read everything:

* ``popularity`` — how many training-side interactions the item has;
* ``item_knn`` — co-occurrence cosine of the item with the user's training-side items;
* ``content`` — text-embedding cosine of the item with the user's *liked* training-side items
  (needs item vectors; skipped without them);
* ``bias`` (agreement only) — global mean + damped user and item biases on the users' own
  rating scale, the classic reference for RMSE.

They reuse the evaluation package's baselines over a :class:`~tastemaker.evaluate.Dataset`
built from the training side, so the fidelity and the recommender benchmarks share one code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from tastemaker.evaluate.baselines import BiasBaseline, ItemKNN, Popularity
from tastemaker.evaluate.data import Dataset
from tastemaker.ratings.fidelity.metrics import Scores

__all__ = ["agreement_baseline", "baseline_scores"]


def _dataset(train: pd.DataFrame, users: Sequence[str], items: Sequence[str]) -> Dataset:
    user_pos = {u: i for i, u in enumerate(users)}
    item_pos = {it: i for i, it in enumerate(items)}
    known = train[train["user_id"].isin(user_pos.keys()) & train["item_id"].isin(item_pos.keys())]
    value = known["value"].where(known["kind"] == "rating", 1.0).fillna(1.0)
    ratings = pd.DataFrame({
        "user": known["user_id"].map(user_pos).to_numpy(np.int64),
        "item": known["item_id"].map(item_pos).to_numpy(np.int64),
        "rating": value.to_numpy(np.float64),
        "timestamp": known["timestamp"].fillna(0).to_numpy(np.int64),
    })  # fmt: skip
    return Dataset(ratings, pd.DataFrame({"user_id": list(users)}),
                   pd.DataFrame({"item_id": list(items)}), "fidelity-train")  # fmt: skip


def baseline_scores(
    train: pd.DataFrame,
    pairs: Sequence[tuple[str, str]],
    items: Sequence[str],
    *,
    like_at: float,
    item_vectors: npt.NDArray[np.float32] | None = None,
) -> dict[str, Scores]:
    """Each baseline's score of every (user, item) of ``pairs``; ``items`` is the catalogue
    (``item_vectors`` rows in that order)."""
    users = sorted({u for u, _ in pairs} | set(train["user_id"].astype(str)))
    data = _dataset(train, users, items)
    liked = train[(train["kind"] != "rating") | (train["rating"] >= like_at)]
    models: list[tuple[str, object, Dataset]] = [
        ("popularity", Popularity(), data),
        ("item_knn", ItemKNN(), data),
    ]
    if item_vectors is not None:
        models.append(
            ("content", ItemKNN(item_vectors=item_vectors), _dataset(liked, users, items))
        )
    user_pos = {u: i for i, u in enumerate(users)}
    item_pos = {it: i for i, it in enumerate(items)}
    wanted = sorted({u for u, _ in pairs})
    rows = np.array([user_pos[u] for u in wanted], dtype=np.int64)
    out: dict[str, Scores] = {}
    for name, model, fitted_on in models:
        assert isinstance(model, Popularity | ItemKNN)
        model.fit(fitted_on)
        matrix = model.score(rows)
        row_of = {u: r for r, u in enumerate(wanted)}
        out[name] = {
            (u, i): float(matrix[row_of[u], item_pos[i]]) for u, i in pairs if i in item_pos
        }
    return out


def agreement_baseline(
    train: pd.DataFrame, pairs: Sequence[tuple[str, str]], items: Sequence[str]
) -> dict[tuple[str, str], float]:
    """The bias baseline's predicted rating, on the users' own scale, for each pair."""
    rated = train[train["kind"] == "rating"]
    users = sorted({u for u, _ in pairs} | set(rated["user_id"].astype(str)))
    model = BiasBaseline()
    model.fit(_dataset(rated, users, items))
    user_pos = {u: i for i, u in enumerate(users)}
    item_pos = {it: i for i, it in enumerate(items)}
    known = [(u, i) for u, i in pairs if i in item_pos]
    predicted = model.predict(
        np.array([user_pos[u] for u, _ in known], dtype=np.int64),
        np.array([item_pos[i] for _, i in known], dtype=np.int64),
    )
    return {pair: float(p) for pair, p in zip(known, predicted, strict=True)}

"""Fold-in: vectors for users and items the model has not been trained on, with no retraining.

A user's vector is the user tower run on what they tell us — liked and disliked items, chosen
categories, attributes, free text — exactly as it runs on a known user's rating history
during training and evaluation, so a folded-in user and a trained-in user with the same
history get the same vector. A new item's vector is the item tower run on its features (no
learned per-item embedding exists for it; its score offset is the catalogue median).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import torch

from tastemaker.errors import DataError, NotFoundError
from tastemaker.model.export import ServingModel
from tastemaker.model.features import entity_tokens
from tastemaker.model.towers import History, ItemInputs, UserInputs

__all__ = ["category_rows", "fold_in_items", "fold_in_user", "user_vector"]

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]


def user_vector(
    model: ServingModel,
    rows: Ints,
    weights: Floats,
    *,
    attributes: Mapping[str, object] | None = None,
    text_vector: Floats | None = None,
) -> Floats:
    """The user tower on one history: item ``rows`` ``[L]`` with ``weights`` ``[L]`` (positive
    liked, negative disliked), the user's ``attributes`` (the model's user fields) and
    ``text_vector`` ``[text_dim]``; returns the unit vector ``[dim]``.
    """
    if len(rows) != len(weights):
        raise DataError(f"{len(rows)} history items but {len(weights)} weights")
    tower = model.user_tower
    text = None
    if tower.text is not None:
        if text_vector is None:  # no text given: the text term is simply absent
            text_vector = np.zeros(tower.text.in_features, np.float32)
        text = torch.from_numpy(np.asarray(text_vector, np.float32).reshape(1, -1))
    tokens = model.user_vocab.encode([entity_tokens(attributes or {}, model.user_fields)])
    table = np.unique(rows) if len(rows) else np.zeros(1, np.int64)
    positions = np.searchsorted(table, rows)
    with torch.no_grad():
        keys = tower.keys(
            torch.from_numpy(model.item_vectors[table]), torch.from_numpy(table.astype(np.int64))
        )
        history = History(
            torch.from_numpy(positions.reshape(1, -1).astype(np.int64)),
            torch.from_numpy(np.asarray(weights, np.float32).reshape(1, -1)),
        )
        out = tower(history, keys, UserInputs(torch.from_numpy(tokens), text))
    vector: Floats = out[0].numpy().astype(np.float32)
    return vector


def category_rows(model: ServingModel, category: str) -> Ints:
    """Rows of the items in ``category``: a token ``field=value`` (``article_type=Tshirts``)
    or a bare value matched in any field (``Tshirts``); NotFoundError when none match."""
    vocab = {token: i + 1 for i, token in enumerate(model.item_vocab.tokens)}
    if "=" in category:
        wanted = [vocab[category]] if category in vocab else []
    else:
        wanted = [i for t, i in vocab.items() if t.split("=", 1)[1] == category]
    rows: Ints = np.flatnonzero(np.isin(model.item_tokens, wanted).any(axis=1)).astype(np.int64)
    if not wanted or len(rows) == 0:
        raise NotFoundError(f"model {model.version}: no items in category {category!r}")
    return rows


def fold_in_user(
    model: ServingModel,
    *,
    liked: Sequence[str] = (),
    disliked: Sequence[str] = (),
    categories: Sequence[str] = (),
    attributes: Mapping[str, object] | None = None,
    text_vector: Floats | None = None,
    category_weight: float = 1.0,
) -> Floats:
    """An onboarding user's vector ``[dim]`` from liked / disliked item ids, chosen categories,
    attributes and an encoded free text (encode it with the model's ``config.encoder``).

    Liked items weigh +1 and disliked −1, as in training; each chosen category weighs as much
    as ``category_weight`` liked items, spread evenly over the items it holds. Unknown item ids
    or categories raise :class:`~tastemaker.errors.NotFoundError`.
    """
    rows = [model.rows(tuple(liked)), model.rows(tuple(disliked))]
    weights = [np.ones(len(liked), np.float32), -np.ones(len(disliked), np.float32)]
    for category in categories:
        members = category_rows(model, category)
        rows.append(members)
        weights.append(np.full(len(members), category_weight / len(members), np.float32))
    return user_vector(
        model,
        np.concatenate(rows).astype(np.int64),
        np.concatenate(weights).astype(np.float32),
        attributes=attributes,
        text_vector=text_vector,
    )


def fold_in_items(
    model: ServingModel,
    records: Sequence[Mapping[str, object]],
    text_vectors: Floats | None = None,
) -> tuple[Floats, Floats]:
    """Vectors ``[m, dim]`` and score offsets ``[m]`` of new items from their fields
    (``records``: one mapping per item, keyed by the model's item fields) and text vectors
    ``[m, text_dim]`` (required when the model reads text)."""
    tower = model.item_tower
    if tower.text is not None and text_vectors is None:
        raise DataError("this model reads item text: give the new items' text vectors")
    tokens = model.item_vocab.encode([entity_tokens(r, model.item_fields) for r in records])
    rows = torch.full((len(records),), -1, dtype=torch.int64)
    text = None if tower.text is None else torch.from_numpy(np.asarray(text_vectors, np.float32))
    with torch.no_grad():
        vectors, bias = tower(ItemInputs(rows, torch.from_numpy(tokens), text))
    return vectors.numpy().astype(np.float32), bias.numpy().astype(np.float32)

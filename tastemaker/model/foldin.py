"""Fold-in: vectors for users and items the model has not been trained on, with no retraining.

A user's vector is the user tower run on what they tell us — liked and disliked items, chosen
categories, attributes, free text — exactly as it runs on a known user's rating history
during training and evaluation, so a folded-in user and a trained-in user with the same
history get the same vector. A new item's vector is the item tower run on its features (no
learned per-item embedding exists for it; its score offset is the catalogue median).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import torch

from tastemaker.errors import DataError, NotFoundError
from tastemaker.model.export import ServingModel
from tastemaker.model.features import entity_tokens
from tastemaker.model.towers import History, ItemInputs, UserInputs

__all__ = [
    "FoldIn",
    "UserEncoder",
    "category_rows",
    "fold_in_items",
    "fold_in_user",
    "user_vector",
]

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


@dataclass(frozen=True)
class FoldIn:
    """One user's input to :class:`UserEncoder`: history ``rows`` ``[L]`` (rows of the
    encoder's item table) with ``weights`` ``[L]``, attributes and an encoded free text."""

    rows: Ints
    weights: Floats
    attributes: Mapping[str, object] | None = None
    text_vector: Floats | None = None


@dataclass
class UserEncoder:
    """The user tower for a service: many users per forward pass, over a fixed item table.

    :func:`user_vector` computes the history keys of just the items one user names; a service
    encodes users all the time, so this computes the keys of the whole catalogue once and
    pools every history in a batch against them (the same result: the pooling's softmax
    normalisation cancels out). Items the model was not trained on can be appended to the
    table (:meth:`extend`), so a user may like an item added after training.
    """

    model: ServingModel
    _keys: torch.Tensor = field(init=False, repr=False)
    _size: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        n = len(self.model.item_ids)
        with torch.no_grad():
            self._keys = self.model.user_tower.keys(
                torch.from_numpy(self.model.item_vectors), torch.arange(n, dtype=torch.int64)
            )
        self._size = n

    @property
    def size(self) -> int:
        """Rows in the item table: the model's items, then those added by :meth:`extend`."""
        return self._size

    def extend(self, vectors: Floats) -> range:
        """Append items unknown to the model (their item-tower vectors ``[m, dim]``); returns
        their rows. The table is replaced, never changed in place, so a batch being encoded
        in another thread keeps the table it started with."""
        with torch.no_grad():
            rows = torch.full((len(vectors),), -1, dtype=torch.int64)
            added = self.model.user_tower.keys(torch.from_numpy(np.asarray(vectors)), rows)
        start = self._size
        self._keys, self._size = torch.cat([self._keys, added]), start + len(vectors)
        return range(start, self._size)

    #: Users per forward pass: pooling builds a dense ``[batch, table]`` matrix (64 × 44k
    #: floats is 11 MB), so thousands of users at start-up go through in slices.
    chunk: int = 64

    def encode(self, users: Sequence[FoldIn]) -> Floats:
        """Unit user vectors ``[len(users), dim]``."""
        if len(users) > self.chunk:
            return np.concatenate(
                [self.encode(users[i : i + self.chunk]) for i in range(0, len(users), self.chunk)]
            )
        if not users:
            return np.zeros((0, self.model.dim), np.float32)
        tower = self.model.user_tower
        keys = self._keys
        width = max([len(u.rows) for u in users] + [1])
        items = np.zeros((len(users), width), np.int64)
        weights = np.zeros((len(users), width), np.float32)
        for b, user in enumerate(users):
            if len(user.rows) != len(user.weights):
                raise DataError(f"{len(user.rows)} history items but {len(user.weights)} weights")
            items[b, : len(user.rows)] = user.rows
            weights[b, : len(user.rows)] = user.weights
        tokens = self.model.user_vocab.encode(
            [entity_tokens(u.attributes or {}, self.model.user_fields) for u in users]
        )
        text = None
        if tower.text is not None:
            blank = np.zeros(tower.text.in_features, np.float32)
            text = torch.from_numpy(
                np.stack([blank if u.text_vector is None else u.text_vector for u in users]).astype(
                    np.float32
                )
            )
        with torch.no_grad():
            out = tower(
                History(torch.from_numpy(items), torch.from_numpy(weights)),
                keys,
                UserInputs(torch.from_numpy(tokens), text),
            )
        vectors: Floats = out.numpy().astype(np.float32)
        return vectors

"""Fold-in: a user from onboarding input, new items through the item tower, no retraining."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tastemaker.errors import DataError, NotFoundError
from tastemaker.model.batches import UserRows, full_history
from tastemaker.model.export import ServingModel, export_model, load_model
from tastemaker.model.foldin import category_rows, fold_in_items, fold_in_user, user_vector
from tastemaker.model.towers import History
from tastemaker.model.train import TrainResult, train, user_vectors
from tests.model.helpers import (
    COLOURS,
    MODEL,
    TRAIN,
    fake_text,
    tiny_attributes,
    tiny_data,
    tiny_dataset,
    user_text,
)


@pytest.fixture(scope="module")
def trained() -> TrainResult:
    return train(tiny_data(), MODEL, TRAIN.model_copy(update={"max_steps": 40}))


@pytest.fixture(scope="module")
def served(trained: TrainResult, tmp_path_factory: pytest.TempPathFactory) -> ServingModel:
    return load_model(export_model(trained.model, tmp_path_factory.mktemp("models")))


def test_fold_in_equals_the_tower_output_for_the_same_history(
    trained: TrainResult, served: ServingModel
) -> None:
    data = tiny_data()
    rows = UserRows.of(data)
    vectors, _ = trained.model.items()
    with torch.no_grad():
        towers = user_vectors(trained.model, rows, np.arange(data.n_users), vectors).numpy()
    for user in range(data.n_users):
        mine = data.users == user
        liked = [served.item_ids[i] for i in data.items[mine & (data.weights > 0)]]
        disliked = [served.item_ids[i] for i in data.items[mine & (data.weights < 0)]]
        folded = fold_in_user(
            served,
            liked=liked,
            disliked=disliked,
            attributes=tiny_attributes(user),
            text_vector=user_text(data, user),
        )
        np.testing.assert_allclose(folded, towers[user], rtol=1e-5, atol=1e-6)


def test_a_blanked_user_is_the_fold_in_from_items_alone(
    trained: TrainResult, served: ServingModel
) -> None:
    # What training with profile_dropout shows the user tower for a hidden profile is what it
    # meets at serving time for a shopper onboarded from liked and disliked items only.
    data = tiny_data()
    users = np.arange(data.n_users)
    items, weights = full_history(UserRows.of(data), users)
    vectors, _ = trained.model.items()
    rows = torch.arange(vectors.shape[0])
    history = History(torch.from_numpy(items), torch.from_numpy(weights))
    with torch.no_grad():
        blank = torch.ones(len(users), dtype=torch.bool)
        towers = trained.model.users(torch.from_numpy(users), history, vectors, rows, blank)
        shown = trained.model.users(torch.from_numpy(users), history, vectors, rows)
    for user in users:
        mine = data.users == user
        folded = fold_in_user(
            served,
            liked=[served.item_ids[i] for i in data.items[mine & (data.weights > 0)]],
            disliked=[served.item_ids[i] for i in data.items[mine & (data.weights < 0)]],
        )
        np.testing.assert_allclose(folded, towers[user].numpy(), rtol=1e-5, atol=1e-6)
    assert not torch.allclose(towers, shown)  # the profile did count when shown


def test_a_folded_in_user_gets_their_colour(served: ServingModel) -> None:
    colour_of = np.arange(len(served.item_ids)) % len(COLOURS)
    hits = 0
    for colour in range(len(COLOURS)):
        liked = [served.item_ids[i] for i in np.flatnonzero(colour_of == colour)[:5]]
        scores = served.scores(fold_in_user(served, liked=liked))
        scores[served.rows(tuple(liked))] = -np.inf
        hits += int((colour_of[np.argsort(-scores)[:5]] == colour).mean() >= 0.8)
    assert hits == len(COLOURS)


def test_categories_expand_to_their_items(served: ServingModel) -> None:
    rows = category_rows(served, "genres=red")
    assert set(rows.tolist()) == set(range(0, len(served.item_ids), len(COLOURS)))
    assert set(category_rows(served, "red").tolist()) == set(rows.tolist())
    vector = fold_in_user(served, categories=["red"])
    assert vector.shape == (served.dim,)
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_unknown_ids_and_categories_are_not_found(served: ServingModel) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        fold_in_user(served, liked=["nope"])
    with pytest.raises(NotFoundError, match="category 'purple'"):
        fold_in_user(served, categories=["purple"])


def test_new_items_go_through_the_item_tower(served: ServingModel) -> None:
    items = tiny_dataset().items
    records = [
        {"genres": g, "year": y} for g, y in zip(items["genres"], items["year"], strict=True)
    ]
    vectors, bias = fold_in_items(served, records, fake_text(list(items["text"])))
    assert vectors.shape == served.item_vectors.shape
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.all(bias == bias[0])  # no learned offset for new items: the median
    # Without their learned id embedding they still land near their own colour's items.
    similar = vectors @ served.item_vectors.T
    colour_of = np.arange(len(records)) % len(COLOURS)
    same = similar[colour_of[:, None] == colour_of[None, :]].mean()
    other = similar[colour_of[:, None] != colour_of[None, :]].mean()
    assert same > other


def test_user_vector_checks_its_inputs(served: ServingModel) -> None:
    with pytest.raises(DataError, match="weights"):
        user_vector(served, np.array([0, 1]), np.array([1.0], np.float32))


def test_the_batched_encoder_equals_one_user_at_a_time(served: ServingModel) -> None:
    from tastemaker.model.foldin import FoldIn, UserEncoder

    data = tiny_data()
    encoder = UserEncoder(served, chunk=3)  # several chunks, histories of unequal length
    users = []
    expected = []
    for user in range(data.n_users):
        mine = data.users == user
        rows, weights = data.items[mine], data.weights[mine]
        text = user_text(data, user)
        users.append(FoldIn(rows, weights, tiny_attributes(user), text))
        expected.append(
            user_vector(served, rows, weights, attributes=tiny_attributes(user), text_vector=text)
        )
    users.append(FoldIn(np.zeros(0, np.int64), np.zeros(0, np.float32)))  # nothing known yet
    got = encoder.encode(users)
    np.testing.assert_allclose(got[:-1], np.stack(expected), rtol=1e-5, atol=1e-6)
    assert np.isclose(np.linalg.norm(got[-1]), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, served.dim)


def test_items_added_to_the_encoder_can_be_in_a_history(served: ServingModel) -> None:
    from tastemaker.model.foldin import FoldIn, UserEncoder

    encoder = UserEncoder(served)
    added = encoder.extend(served.item_vectors[:2])
    assert list(added) == [len(served.item_ids), len(served.item_ids) + 1]
    assert encoder.size == len(served.item_ids) + 2
    vector = encoder.encode([FoldIn(np.array(list(added)), np.ones(2, np.float32))])
    assert vector.shape == (1, served.dim)
    with pytest.raises(DataError, match="weights"):
        encoder.encode([FoldIn(np.array([0, 1]), np.ones(1, np.float32))])

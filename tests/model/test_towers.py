"""The towers alone: unit outputs, unknown items, history pooling invariants."""

from __future__ import annotations

import torch

from tastemaker.model.towers import History, ItemInputs, ItemTower, UserInputs, UserTower


def _towers(text_dim: int = 4) -> tuple[ItemTower, UserTower]:
    torch.manual_seed(0)
    items = ItemTower(n_items=10, n_tokens=6, text_dim=text_dim, dim=8)
    users = UserTower(n_items=10, n_tokens=5, text_dim=text_dim, dim=8)
    return items, users


def _items(rows: list[int], text_dim: int = 4) -> ItemInputs:
    torch.manual_seed(1)
    tokens = torch.tensor([[1 + r % 5, 0] for r in rows])
    return ItemInputs(torch.tensor(rows), tokens, torch.randn(len(rows), text_dim))


def test_item_tower_gives_unit_rows_and_a_bias() -> None:
    tower, _ = _towers()
    with torch.no_grad():
        vectors, bias = tower(_items(list(range(10))))
    assert vectors.shape == (10, 8)
    assert bias.shape == (10,)
    assert torch.allclose(vectors.norm(dim=1), torch.ones(10), atol=1e-6)


def test_unknown_items_use_features_and_the_new_item_bias() -> None:
    tower, _ = _towers()
    with torch.no_grad():
        tower.id_bias.copy_(torch.arange(10, dtype=torch.float32))
    tower.set_new_item_bias()
    inputs = _items([3])
    with torch.no_grad():
        known_vector, known_bias = tower(inputs)
        new_vector, new_bias = tower(ItemInputs(torch.tensor([-1]), inputs.tokens, inputs.text))
    assert not torch.allclose(known_vector, new_vector)  # no learned id embedding for it
    assert float(known_bias) == 3.0
    assert float(new_bias) == float(torch.arange(10, dtype=torch.float32).median())


def _user(tower: UserTower, items: list[list[int]], weights: list[list[float]]) -> torch.Tensor:
    item_tower, _ = _towers()
    vectors, _ = item_tower(_items(list(range(10))))
    keys = tower.keys(vectors, torch.arange(10))
    history = History(torch.tensor(items), torch.tensor(weights))
    user = UserInputs(torch.zeros(len(items), 1, dtype=torch.int64), torch.zeros(len(items), 4))
    out: torch.Tensor = tower(history, keys, user)
    return out


def test_user_vectors_are_unit_and_ignore_padding_and_order() -> None:
    _, tower = _towers()
    with torch.no_grad():
        a = _user(tower, [[1, 2, 3, 0]], [[1.0, 1.0, 1.0, 0.0]])
        b = _user(tower, [[3, 1, 2]], [[1.0, 1.0, 1.0]])
    assert torch.allclose(a.norm(dim=1), torch.ones(1), atol=1e-6)
    assert torch.allclose(a, b, atol=1e-6)


def test_a_disliked_item_pulls_the_user_away_from_it() -> None:
    _, tower = _towers()
    item_tower, _ = _towers()
    with torch.no_grad():
        vectors, _ = item_tower(_items(list(range(10))))
        keys = tower.keys(vectors, torch.arange(10))
        liked = tower.pool(History(torch.tensor([[1, 2]]), torch.tensor([[1.0, 1.0]])), keys)
        mixed = tower.pool(History(torch.tensor([[1, 2]]), torch.tensor([[1.0, -1.0]])), keys)
    assert float(mixed @ keys[2]) < float(liked @ keys[2])


def test_an_empty_history_leaves_only_the_user_features() -> None:
    _, tower = _towers()
    with torch.no_grad():
        out = _user(tower, [[0]], [[0.0]])
    assert torch.isfinite(out).all()

"""Training on a mix (tastemaker.model.mix): real feedback beside one synthetic set, each
source weighted, twins counted as their real users, validation on real rows only."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tastemaker.datasets.real_users import RealUser
from tastemaker.errors import ConfigError, DataError
from tastemaker.model.batches import UserRows, sample_batch, validation_split
from tastemaker.model.config import DataConfig, ModelConfig, TrainConfig
from tastemaker.model.data import TrainingData, from_store
from tastemaker.model.head import HeadOutput
from tastemaker.model.losses import rating_loss, retrieval_loss
from tastemaker.model.train import train
from tastemaker.personas.schema import Persona
from tastemaker.personas.twins import Twin, save_twins
from tastemaker.ratings.records import RatingRecord, insert_rating
from tastemaker.ratings.strategies import RatingOutcome
from tastemaker.store.db import Store
from tastemaker.store.real import upsert_real_users
from tests.model.store_helpers import PLANTED, fill_store, real_shop


def _rows_of(data: TrainingData, user: str) -> dict[str, tuple[float, bool, float, float]]:
    """item id → (rating, positive, history weight, loss weight) of one user."""
    index = data.user_features.ids.index(user)
    mine = np.flatnonzero(data.users == index)
    ids = data.item_features.ids
    weights = data.loss_weights
    return {
        ids[data.items[r]]: (float(data.ratings[r]), bool(data.positive[r]),
                             float(data.weights[r]), 1.0 if weights is None else float(weights[r]))
        for r in mine
    }  # fmt: skip


def test_real_and_synthetic_rows_train_together_with_their_weights(store: Store) -> None:
    fill_store(store)
    real_shop(store)
    data = from_store(store, DataConfig(real=("shop",), weights={"synthetic": 0.3}), text=None)
    assert data.n_users == 12 + 2
    u1 = _rows_of(data, "shop:u1")
    # 1-5 ratings on the model's scale (5 -> 10, 4 -> 7.75, 1 -> 1): likes and a dislike.
    assert u1["1000"] == (10.0, True, 1.0, 1.0)
    assert u1["1003"] == (7.75, True, 1.0, 1.0)
    assert u1["1001"] == (1.0, False, -1.0, 1.0)
    u2 = _rows_of(data, "shop:u2")
    # Events: positives without a rating; the purchase wins over the click of the same item,
    # and each weighs its event weight.
    assert set(u2) == {"1002", "1005"}
    assert np.isnan(u2["1002"][0])
    assert u2["1002"][1:] == (True, 1.0, 1.0)
    assert u2["1005"][1:] == (True, 1.0, pytest.approx(0.2))
    persona = _rows_of(data, "p00")
    assert [w for *_, w in persona.values()] == pytest.approx([0.3] * len(persona))
    # Validation may hold out real rows only.
    assert data.validation is not None
    real = [data.user_features.ids.index(u) for u in ("shop:u1", "shop:u2")]
    real_rows = np.isin(data.users, real)
    assert (data.validation == real_rows).all()
    sources = {s["source"]: s for s in data.sources}
    assert sources["synthetic"]["weight"] == 0.3
    assert sources["synthetic"]["rows"] == 12 * 11
    assert sources["real"] == {
        "source": "real", "dataset": "shop", "rows": 6, "ratings": 4, "events": 2, "users": 2,
        "weight": 1.0, "positive_min_rating": 7.0, "dislike_max_rating": 3.0,
    }  # fmt: skip


def test_a_synthetic_set_alone_trains_as_before(store: Store) -> None:
    fill_store(store)
    data = from_store(store, DataConfig(), text=None)
    assert data.loss_weights is None
    assert data.validation is None
    assert [s["source"] for s in data.sources] == ["synthetic"]


def test_a_twins_ratings_count_as_its_real_users(store: Store) -> None:
    fill_store(store)
    real_shop(store)
    twin = Persona(id="twin-shop-u1-abc", name="Customer u1", gender="Women", bio="A real "
                   "customer of shop: 31 years old, Women. They like red.")  # fmt: skip
    save_twins(store, [Twin(twin, "shop", "u1", (), None)])
    for item, answer in (("1009", 9), ("1000", 2)):
        insert_rating(store, RatingRecord(twin.id, item, PLANTED, "test", 0.0, 0,
                                          RatingOutcome(answer, float(answer))), None)  # fmt: skip
    store.conn.execute("UPDATE ratings SET calibrated = answer")
    store.conn.commit()
    data = from_store(store, DataConfig(real=("shop",)), text=None)
    assert twin.id not in data.user_features.ids
    u1 = _rows_of(data, "shop:u1")
    assert u1["1009"][:2] == (9.0, True)  # the twin's rating, on its user
    assert u1["1000"][0] == 10.0  # the user's own rating wins over the twin's 2
    twins = next(s for s in data.sources if s["source"] == "synthetic")["twins"]
    assert twins == 1


def test_real_feedback_alone_needs_no_synthetic_set(store: Store) -> None:
    fill_store(store, n_personas=0)
    real_shop(store)
    data = from_store(store, DataConfig(synthetic=False, real=("shop",)), text=None)
    assert data.n_users == 2
    assert [s["source"] for s in data.sources] == ["real"]


def test_unknown_sources_are_named_with_what_the_store_holds(store: Store) -> None:
    fill_store(store)
    real_shop(store)
    with pytest.raises(ConfigError, match=r"\['shoop'\].*imported datasets: shop"):
        from_store(store, DataConfig(real=("shoop",)), text=None)
    with pytest.raises(ConfigError, match=r"unknown source\(s\) \['synthetik'\]"):
        from_store(store, DataConfig(real=("shop",), weights={"synthetik": 0.3}), text=None)
    with pytest.raises(ValueError, match="must be above 0"):
        DataConfig(weights={"synthetic": 0.0})
    with pytest.raises(ValueError, match=r"needs data\.real"):
        DataConfig(synthetic=False)


def test_a_real_dataset_without_rows_is_an_error(store: Store) -> None:
    fill_store(store)
    upsert_real_users(store, "empty", [RealUser("u9")])
    with pytest.raises(DataError, match="'empty' holds no interactions"):
        from_store(store, DataConfig(real=("empty",)), text=None)


def test_events_are_targets_but_never_rating_head_rows(store: Store) -> None:
    fill_store(store, n_personas=0)
    real_shop(store)
    data = from_store(store, DataConfig(synthetic=False, real=("shop",)), text=None)
    table = UserRows.of(data)
    batch = sample_batch(table, np.arange(data.n_users), target_fraction=1.0,
                         history_length=0, rng=np.random.default_rng(0))  # fmt: skip
    u2 = data.user_features.ids.index("shop:u2")
    assert sorted(batch.target_items[batch.target_rows == u2]) == sorted(
        data.item_features.ids.index(i) for i in ("1002", "1005")
    )
    assert not (batch.head_rows == u2).any()  # no rating to learn for u2
    assert (batch.head_rows == data.user_features.ids.index("shop:u1")).sum() == 4
    assert batch.target_weights is not None
    assert sorted(batch.target_weights[batch.target_rows == u2].tolist()) == pytest.approx(
        [0.2, 1.0]
    )


def test_validation_holds_out_real_rows_only(store: Store) -> None:
    fill_store(store)
    real_shop(store)
    data = from_store(store, DataConfig(real=("shop",)), text=None)
    held, users = validation_split(data, user_share=1.0, fraction=0.5, seed=0)
    assert held.any()
    assert data.validation is not None
    assert not (held & ~data.validation).any()
    assert set(users.tolist()) <= {data.user_features.ids.index(u) for u in ("shop:u1", "shop:u2")}


def test_target_weights_weigh_targets_within_and_rows_across() -> None:
    # Row 0: targets at columns 0 (weight 1) and 1 (weight 3); row 1: column 2 (weight 0.5).
    logits = torch.tensor([[1.0, 0.0, -1.0], [0.0, 2.0, 1.0]])
    rows, cols = torch.tensor([0, 0, 1]), torch.tensor([0, 1, 2])
    weights = torch.tensor([1.0, 3.0, 0.5])
    log_p = torch.log_softmax(logits, dim=1)
    row0 = (1.0 * log_p[0, 0] + 3.0 * log_p[0, 1]) / 4.0
    row1 = log_p[1, 2]
    # Row weights are the mean target weights: 2 and 0.5.
    expected = -(2.0 * row0 + 0.5 * row1) / 2.5
    got = retrieval_loss(logits, (rows, cols), target_weights=weights)
    assert float(got) == pytest.approx(float(expected))
    # All weights equal: the unweighted loss.
    same = retrieval_loss(logits, (rows, cols), target_weights=torch.full((3,), 0.3))
    assert float(same) == pytest.approx(float(retrieval_loss(logits, (rows, cols))))


def test_rating_loss_weights_both_outcomes() -> None:
    predicted = HeadOutput(torch.tensor([0.5, 0.0, 1.0]), torch.tensor([0.0, 2.0, -1.0]))
    target = torch.tensor([1.0, 0.0, 1.0])
    disliked = torch.tensor([False, True, False])
    weights = torch.tensor([2.0, 1.0, 1.0])
    mse = (2.0 * 0.25 + 1.0 * 0.0) / 3.0  # rows 0 and 2 are graded
    bce = torch.nn.functional.binary_cross_entropy_with_logits(
        predicted.dislike, disliked.float(), reduction="none"
    )
    expected = mse + float((bce * weights).sum() / weights.sum())
    got = rating_loss(predicted, target, disliked, weights)
    assert float(got) == pytest.approx(expected)


def test_a_mix_trains_and_reports_validation_on_real_users(store: Store) -> None:
    fill_store(store)
    real_shop(store)
    data = from_store(store, DataConfig(real=("shop",), weights={"synthetic": 0.3}), text=None)
    config = TrainConfig(max_steps=20, eval_every=10, batch_users=4, val_users=1.0)
    result = train(data, ModelConfig(dim=8, encoder="none"), config)
    assert result.metrics["val_users"] >= 1  # real users only: at most the two of 'shop'
    assert result.metrics["val_users"] <= 2

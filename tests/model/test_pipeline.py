"""The ``train`` stage end to end on a tiny store: ratings → training → a loadable export."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tastemaker.model import (
    ModelConfig,
    TrainConfig,
    TrainingRun,
    fold_in_user,
    load_model,
    run_training,
)
from tastemaker.store.db import Store
from tests.model.store_helpers import COLOURS, fill_store

RUN = TrainingRun(
    model=ModelConfig(dim=16, encoder="none"),
    train=TrainConfig(max_steps=60, batch_users=6, eval_every=20, lr=0.01),
)


def test_run_training_exports_a_model_the_service_can_load(store: Store, tmp_path: Path) -> None:
    fill_store(store)
    outcome = run_training(RUN, data_dir=tmp_path, store=store)
    assert outcome.path.parent == tmp_path / "models"
    model = load_model(outcome.path)
    assert model.metrics["users"] == 12
    assert model.metrics["items"] == 36
    assert len(model.item_ids) == 36
    # The model card says what it was trained on.
    (source,) = model.trained_on
    assert (source["llm"], source["strategy"], source["template_version"]) == (
        "planted",
        "logprobs",
        "t1",
    )
    assert source["rows"] == 12 * 11
    # A shopper who likes three red items is shown red items first.
    red = [i for i, item_id in enumerate(model.item_ids) if int(item_id) % 3 == 0]
    liked = [model.item_ids[i] for i in red[:3]]
    scores = model.scores(fold_in_user(model, liked=liked, categories=["Tshirts"]))
    scores[model.rows(tuple(liked))] = -np.inf
    top = np.argsort(-scores)[:5]
    assert np.mean([int(model.item_ids[i]) % 3 == 0 for i in top]) >= 0.6
    assert COLOURS[0] == "Red"


def test_a_second_run_gets_its_own_version(store: Store, tmp_path: Path) -> None:
    fill_store(store)
    first = run_training(RUN.model_copy(update={"version": "a"}), data_dir=tmp_path, store=store)
    second = run_training(RUN.model_copy(update={"version": "b"}), data_dir=tmp_path, store=store)
    assert first.path != second.path
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["a", "b"]

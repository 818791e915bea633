"""The ``train`` stage end to end on a tiny store: ratings → training → a loadable export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tastemaker.errors import DataError
from tastemaker.model import (
    DataConfig,
    ModelConfig,
    TrainConfig,
    TrainingRun,
    fold_in_user,
    load_model,
    run_training,
)
from tastemaker.model.pipeline import load_training_data
from tastemaker.store.db import Store
from tests.datasets.helpers import MOVIES, write_ml_latest
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


def _movielens(root: Path, ratings: list[float]) -> Path:
    """An ml-latest folder: four users rating the three MOVIES with ``ratings`` in turn."""
    rows = [
        f"{user},{movie},{ratings[(user * 3 + movie) % len(ratings)]},{1000 + user}"
        for user in range(1, 5)
        for movie in (1, 2, 3)
    ]
    text = "userId,movieId,rating,timestamp\n" + "\n".join(rows) + "\n"
    return write_ml_latest(root, text.encode(), MOVIES)


def test_a_movielens_source_reads_its_own_scale(tmp_path: Path) -> None:
    # The fashion thresholds (likes >= 7, dislikes <= 3) mean nothing on MovieLens' 0.5..5:
    # by default every rating there is a positive, as the benchmark protocol counts them.
    folder = _movielens(tmp_path / "ml", [1.0, 2.5, 4.0, 5.0])
    run = RUN.model_copy(update={"data": DataConfig(source="movielens", path=folder)})
    data = load_training_data(run, None)
    assert data.positive.all()
    assert (data.weights == 1.0).all()
    (source,) = data.sources
    assert source["positive_min_rating"] is None
    assert source["dislike_max_rating"] is None
    chosen = DataConfig(source="movielens", path=folder, positive_min_rating=4)
    data = load_training_data(run.model_copy(update={"data": chosen}), None)
    assert (data.positive == (data.ratings >= 4)).all()


def test_a_training_set_without_positives_is_an_error_before_any_export(
    tmp_path: Path,
) -> None:
    folder = _movielens(tmp_path / "ml", [1.0, 2.5, 3.0])
    chosen = DataConfig(source="movielens", path=folder, positive_min_rating=4)
    run = RUN.model_copy(update={"data": chosen})
    with pytest.raises(DataError) as caught:
        run_training(run, data_dir=tmp_path, store=None)
    message = str(caught.value)
    assert str(folder) in message  # the source
    assert "positive_min_rating = 4" in message  # the threshold
    assert "1..3" in message  # the range seen
    assert not (tmp_path / "models").exists()


def test_store_ratings_without_likes_are_an_error(store: Store, tmp_path: Path) -> None:
    fill_store(store)
    store.conn.execute("UPDATE ratings SET calibrated = -1 WHERE calibrated > 3")
    store.conn.commit()
    with pytest.raises(DataError, match=r"range seen -1\.\.3.*positive_min_rating = 7"):
        run_training(RUN, data_dir=tmp_path, store=store)
    assert not (tmp_path / "models").exists()


def test_a_dislike_threshold_at_or_above_the_like_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="dislike_max_rating = 5"):
        DataConfig(positive_min_rating=5, dislike_max_rating=5)
    with pytest.raises(ValueError, match="dislike_max_rating = 3"):  # the store's default
        DataConfig(positive_min_rating=2)
    assert DataConfig(source="movielens", path=Path("ml"), positive_min_rating=2).thresholds == (
        2.0,
        None,
    )

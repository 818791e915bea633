"""Export → load round trip: the loaded model scores exactly as the trained one."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
import torch

from tastemaker.embed.clip import ClipComponents, ClipTextEncoder
from tastemaker.errors import DataError, EncoderError, NotFoundError
from tastemaker.model.batches import UserRows
from tastemaker.model.data import TrainingData
from tastemaker.model.export import (
    FORMAT,
    ServingModel,
    export_model,
    latest_version,
    load_model,
)
from tastemaker.model.foldin import fold_in_items, user_vector
from tastemaker.model.text_prefix import tuned_encoder
from tastemaker.model.towers import ItemInputs
from tastemaker.model.train import TrainResult, score_users, train
from tests.model.clip_helpers import clip_data, random_clip
from tests.model.helpers import (
    MODEL,
    TRAIN,
    tiny_attributes,
    tiny_data,
    tiny_dataset,
    user_text,
)


@pytest.fixture(scope="module")
def trained() -> TrainResult:
    return train(tiny_data(), MODEL, TRAIN)


def test_export_writes_a_complete_versioned_folder(trained: TrainResult, tmp_path: Path) -> None:
    folder = export_model(trained.model, tmp_path, metrics=trained.metrics, version="v1")
    assert folder == tmp_path / "v1"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == FORMAT
    assert manifest["dim"] == MODEL.dim
    for name in manifest["files"]:
        assert (folder / name).is_file(), name
    vectors = np.load(folder / "item_vectors.npy")
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert json.loads((folder / "item_ids.json").read_text())[:2] == ["0", "1"]
    assert not list(tmp_path.glob(".*"))  # no staging folder left behind


def assert_served_scores(
    model: ServingModel, data: TrainingData, expected: np.ndarray, users: Iterable[int]
) -> None:
    """Each user's fold-in through the loaded ``model`` scores as ``expected[user]``."""
    for user in users:
        mine = data.users == user
        vector = user_vector(
            model,
            data.items[mine],
            data.weights[mine],
            attributes=tiny_attributes(user),
            text_vector=user_text(data, user),
        )
        np.testing.assert_allclose(model.scores(vector), expected[user], rtol=1e-5, atol=1e-5)


def test_round_trip_gives_identical_scores(trained: TrainResult, tmp_path: Path) -> None:
    data = tiny_data()
    model = load_model(export_model(trained.model, tmp_path, metrics=trained.metrics))
    rows = UserRows.of(data)
    expected = score_users(trained.model, rows, np.arange(data.n_users))
    assert_served_scores(model, data, expected, range(data.n_users))
    assert model.metrics["steps"] == trained.metrics["steps"]


def test_index_vectors_rank_like_the_scores(trained: TrainResult, tmp_path: Path) -> None:
    model = load_model(export_model(trained.model, tmp_path))
    rng = np.random.default_rng(0)
    user = rng.normal(size=model.dim).astype(np.float32)
    user /= np.linalg.norm(user)
    by_index = model.index_vectors() @ np.append(user, 1.0).astype(np.float32)
    np.testing.assert_array_equal(np.argsort(-by_index), np.argsort(-model.scores(user)))


def test_versions_never_overwrite_and_latest_sorts_last(
    trained: TrainResult, tmp_path: Path
) -> None:
    export_model(trained.model, tmp_path, version="20260101T000000Z")
    export_model(trained.model, tmp_path, version="20260102T000000Z")
    assert latest_version(tmp_path) == "20260102T000000Z"
    with pytest.raises(DataError, match="already exists"):
        export_model(trained.model, tmp_path, version="20260101T000000Z")
    with pytest.raises(DataError, match="bad model version"):
        export_model(trained.model, tmp_path, version="../x")


def test_latest_version_needs_an_export(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no exported model"):
        latest_version(tmp_path)


def test_an_incomplete_folder_is_a_clear_error(trained: TrainResult, tmp_path: Path) -> None:
    folder = export_model(trained.model, tmp_path)
    (folder / "user_tower.pt").unlink()
    with pytest.raises(DataError, match="cannot read the model export"):
        load_model(folder)


# A model with fine-tuned CLIP text blocks (random weights, the real ViT-B/32 text shape).
# The `clip` and `tuned` fixtures come from conftest.py.


def test_a_fine_tuned_export_round_trips_with_folded_in_items(
    clip: ClipComponents, tuned: TrainResult, tmp_path: Path
) -> None:
    data = clip_data(clip)
    folder = export_model(tuned.model, tmp_path, version="tuned")
    assert {"text_tail.pt", "text_tail.json"} <= set(
        json.loads((folder / "manifest.json").read_text())["files"]
    )
    model = load_model(folder)
    assert model.text_tail is not None
    assert model.text_tail.spec.blocks == 1
    # the exported item vectors are the fine-tuned ones, and score as the trained model does
    vectors, bias = tuned.model.catalogue()
    np.testing.assert_array_equal(model.item_vectors, vectors)
    np.testing.assert_array_equal(model.item_bias, bias)
    expected = score_users(tuned.model, UserRows.of(data), np.arange(data.n_users))
    assert_served_scores(model, data, expected, (0, 1, 2))
    # an item folded in after training goes through the same tuned text tower
    items = tiny_dataset().items
    rows = [4, 7]
    records = [{"genres": items.loc[r, "genres"], "year": items.loc[r, "year"]} for r in rows]
    texts = [str(items.loc[r, "text"]) for r in rows]
    encoder = tuned_encoder(model, clip)
    folded, folded_bias = fold_in_items(model, records, encoder.encode_texts(texts))
    at = torch.tensor(rows)
    with torch.no_grad():
        trained, _ = tuned.model.item_tower(
            ItemInputs(
                torch.full((2,), -1), tuned.model.item_inputs(at).tokens, tuned.model.item_text(at)
            )
        )
    np.testing.assert_allclose(folded, trained.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(folded_bias, model.item_tower.new_item_bias.item())
    # (the frozen encoder's vectors would give other ones: no silent mixing)
    frozen, _ = fold_in_items(model, records, ClipTextEncoder(clip).encode_texts(texts))
    assert not np.allclose(frozen, folded, atol=1e-4)


def test_a_fine_tuned_export_refuses_other_clip_weights(tuned: TrainResult, tmp_path: Path) -> None:
    model = load_model(export_model(tuned.model, tmp_path))
    with pytest.raises(EncoderError, match="CLIP it was trained on"):
        tuned_encoder(model, random_clip(seed=1))
    plain = load_model(export_model(train(tiny_data(), MODEL, TRAIN).model, tmp_path))
    assert plain.text_tail is None
    with pytest.raises(EncoderError, match="no fine-tuned text blocks"):
        tuned_encoder(plain)

"""Training on the tiny catalogue: a 1-epoch smoke run, determinism, learning, checkpoints."""

from __future__ import annotations

import copy
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tastemaker.embed.clip import ClipComponents
from tastemaker.errors import ConfigError, DataError
from tastemaker.model.batches import UserRows, sample_batch, validation_split
from tastemaker.model.config import TrainConfig
from tastemaker.model.data import TrainingData, from_dataset
from tastemaker.model.text_prefix import PrefixCache
from tastemaker.model.train import TrainProgress, TrainResult, _validate, score_users, train
from tests.model.clip_helpers import TUNED, TUNED_TRAIN, clip_data
from tests.model.helpers import COLOURS, MODEL, TRAIN, fake_text, tiny_data, tiny_dataset


def test_one_epoch_smoke_train(tmp_path: Path) -> None:
    data = tiny_data()
    epoch = math.ceil(data.n_users / TRAIN.batch_users)
    seen: list[TrainProgress] = []
    config = TRAIN.model_copy(update={"max_steps": epoch})
    result = train(data, MODEL, config, progress=seen.append, checkpoint_dir=tmp_path)
    assert [p.step for p in seen] == list(range(1, epoch + 1))
    assert all(math.isfinite(p.loss) for p in seen)
    assert result.metrics["steps"] == epoch
    # One validation, at the last step: its NDCG@10 recomputed from that step's checkpoint
    assert result.metrics["val_ndcg_at_10"] == pytest.approx(
        _ndcg_at_10_of_checkpoint(data, config, result, tmp_path / "last.pt"), abs=1e-9
    )
    vectors, bias = result.model.catalogue()
    assert vectors.dtype == np.float32
    assert vectors.shape == (data.n_items, MODEL.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert bias.shape == (data.n_items,)


def _ndcg_at_10_of_checkpoint(
    data: TrainingData, config: TrainConfig, result: TrainResult, checkpoint: Path
) -> float:
    """Mean NDCG@10 of the validation users, counted with loops: rank every item by the
    checkpoint's logits, skip each user's training items, gain 1/log2(1 + rank) per held-out
    item in the top 10, over the ideal min(10, held-out) hits."""
    held, val_users = validation_split(
        data, user_share=config.val_users, fraction=config.val_fraction, seed=config.seed
    )
    fit = data.select(~held)
    model = copy.deepcopy(result.model)
    model.load_state_dict(torch.load(checkpoint, weights_only=True)["state_dict"])
    logits = score_users(model, UserRows.of(fit), val_users)
    values = []
    for row, user in enumerate(val_users.tolist()):
        trained = set(fit.items[fit.users == user].tolist())
        wanted = set(data.items[held & (data.users == user)].tolist())
        ranking = [i for i in np.argsort(-logits[row], kind="stable") if i not in trained][:10]
        dcg = sum(1 / math.log2(r + 1) for r, i in enumerate(ranking, 1) if i in wanted)
        values.append(dcg / sum(1 / math.log2(r + 1) for r in range(1, min(10, len(wanted)) + 1)))
    return float(np.mean(values))


def test_training_is_deterministic_for_a_seed() -> None:
    first = train(tiny_data(), MODEL, TRAIN).model.state_dict()
    second = train(tiny_data(), MODEL, TRAIN).model.state_dict()
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)
    other = train(tiny_data(), MODEL, TRAIN.model_copy(update={"seed": 1})).model.state_dict()
    assert not torch.equal(first["item_tower.ids.weight"], other["item_tower.ids.weight"])


def test_training_learns_the_planted_tastes() -> None:
    data = tiny_data()
    result = train(data, MODEL, TRAIN.model_copy(update={"max_steps": 60, "eval_every": 20}))
    rows = UserRows.of(data)
    users = np.arange(data.n_users)
    logits = score_users(result.model, rows, users)
    colour_of = np.arange(data.n_items) % len(COLOURS)
    own = np.array([logits[u, colour_of == u % len(COLOURS)].mean() for u in users])
    other = np.array([logits[u, colour_of != u % len(COLOURS)].mean() for u in users])
    assert (own > other).mean() > 0.9


def _validation_of(result: TrainResult, data: TrainingData, config: TrainConfig) -> float:
    """The validation NDCG@k of the state ``result`` returned, computed afresh."""
    held, users = validation_split(
        data, user_share=config.val_users, fraction=config.val_fraction, seed=config.seed
    )
    relevant = [set(data.items[held & (data.users == u)].tolist()) for u in users]
    return _validate(result.model, UserRows.of(data.select(~held)), users, relevant, config.k)


#: Validation peaks at step 16 (0.664) and ends at 0.630 (step 40) on the tiny set.
PEAKS_EARLY = TRAIN.model_copy(
    update={"max_steps": 40, "eval_every": 4, "patience": 100, "lr": 0.05}
)


@pytest.mark.parametrize("min_delta", [0.0, 0.05])
def test_the_metrics_are_those_of_the_state_returned(tmp_path: Path, min_delta: float) -> None:
    data, config = tiny_data(), PEAKS_EARLY.model_copy(update={"min_delta": min_delta})
    result = train(data, MODEL, config, checkpoint_dir=tmp_path)
    curve = [c["val_ndcg"] for c in result.curve]
    assert max(curve) > curve[-1] + 0.01  # validation peaked early: a real choice to make
    returned = _validation_of(result, data, config)
    assert result.metrics["val_ndcg_at_10"] == pytest.approx(returned, abs=1e-9)
    # The state returned is the best one: its weights are those best.pt holds.
    best = torch.load(tmp_path / "best.pt", weights_only=True)
    assert best["step"] == result.metrics["best_step"] < result.metrics["steps"]
    for name in ("item_tower.ids.weight", "head.trunk.0.weight"):
        assert torch.equal(result.model.state_dict()[name], best["state_dict"][name])


def test_without_min_delta_the_best_validation_state_is_returned() -> None:
    data, config = tiny_data(), PEAKS_EARLY.model_copy(update={"min_delta": 0.0})
    result = train(data, MODEL, config)
    steps = [c["step"] for c in result.curve]
    curve = [c["val_ndcg"] for c in result.curve]
    assert result.metrics["best_step"] == steps[int(np.argmax(curve))]


def test_early_stopping_stops_after_patience_validations_without_gain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = sys.modules["tastemaker.model.train"]  # the package exports a function `train`
    real = module._validate
    values = iter([0.5, 0.9, 0.4, 0.3])
    calls: list[float] = []

    def scripted(*args: object, **kwargs: object) -> float:
        value = next(values, None)  # the scripted curve, then the real final evaluation
        if value is None:
            return float(real(*args, **kwargs))
        calls.append(value)
        return value

    monkeypatch.setattr(module, "_validate", scripted)
    config = TRAIN.model_copy(update={"max_steps": 100, "eval_every": 2, "patience": 2})
    result = train(tiny_data(), MODEL, config)
    assert calls == [0.5, 0.9, 0.4, 0.3]
    assert result.metrics["best_step"] == 4
    assert result.metrics["steps"] == 8  # two validations without gain after the best


def test_a_gain_below_min_delta_is_no_gain(monkeypatch: pytest.MonkeyPatch) -> None:
    module = sys.modules["tastemaker.model.train"]
    real = module._validate
    values = iter([0.5, 0.6, 0.604])

    def scripted(*args: object, **kwargs: object) -> float:
        value = next(values, None)
        return float(real(*args, **kwargs)) if value is None else value

    monkeypatch.setattr(module, "_validate", scripted)
    config = TRAIN.model_copy(update={"max_steps": 6, "eval_every": 2, "min_delta": 0.005})
    result = train(tiny_data(), MODEL, config)
    assert result.metrics["best_step"] == 4  # 0.604 is within min_delta of 0.6: step 4 stays


def test_checkpoints_are_written(tmp_path: Path) -> None:
    train(tiny_data(), MODEL, TRAIN, checkpoint_dir=tmp_path / "ckpt")
    last = torch.load(tmp_path / "ckpt" / "last.pt", weights_only=True)
    assert last["step"] == TRAIN.max_steps
    assert (tmp_path / "ckpt" / "best.pt").is_file()


def test_in_batch_negatives_with_logq_train_too() -> None:
    config = TRAIN.model_copy(update={"negatives": "in_batch", "max_steps": 4})
    result = train(tiny_data(), MODEL, config)
    assert all(math.isfinite(c["loss"]) for c in result.curve)


def test_batches_hold_targets_out_of_the_history() -> None:
    data = tiny_data()
    rows = UserRows.of(data)
    rng = np.random.default_rng(0)
    batch = sample_batch(rows, np.arange(6), target_fraction=0.3, history_length=100, rng=rng)
    for row in range(6):
        history = set(batch.history_items[row][batch.history_weights[row] != 0].tolist())
        targets = set(batch.target_items[batch.target_rows == row].tolist())
        known = set(batch.known_items[batch.known_rows == row].tolist())
        assert not history & targets
        assert history <= known
        assert not known & targets


def test_history_targets_make_every_positive_a_target() -> None:
    data = from_dataset(tiny_dataset(), positive_min_rating=4.0)  # the 1-star rows are not
    rows = UserRows.of(data)
    batch = sample_batch(
        rows,
        np.arange(6),
        target_fraction=0.3,
        history_length=100,
        history_targets=True,
        rng=np.random.default_rng(0),
    )
    for row in range(6):
        history = set(batch.history_items[row][batch.history_weights[row] != 0].tolist())
        targets = set(batch.target_items[batch.target_rows == row].tolist())
        known = set(batch.known_items[batch.known_rows == row].tolist())
        mine = data.users == row
        assert targets == set(data.items[mine & data.positive].tolist())
        assert known == set(data.items[mine & ~data.positive].tolist())
        assert history < targets  # a share of the positives is held out of the history


def test_blank_rows_read_only_a_few_liked_items() -> None:
    data = from_dataset(tiny_dataset(), positive_min_rating=4.0)  # the 1-star rows are dislikes
    rows = UserRows.of(data)
    users = np.arange(6)
    common = {"target_fraction": 0.3, "history_length": 100}
    plain = sample_batch(rows, users, rng=np.random.default_rng(0), profile_dropout=0.5, **common)
    cold = sample_batch(
        rows, users, rng=np.random.default_rng(0), profile_dropout=0.5, cold_start_items=2,
        **common,
    )  # fmt: skip
    assert cold.blank.any()
    assert not cold.blank.all()
    np.testing.assert_array_equal(cold.blank, plain.blank)
    np.testing.assert_array_equal(cold.target_items, plain.target_items)
    for row in users:
        weights = cold.history_weights[row]
        history = set(cold.history_items[row][weights != 0].tolist())
        before = set(plain.history_items[row][plain.history_weights[row] != 0].tolist())
        if not cold.blank[row]:
            assert history == before
            continue
        liked = set(data.items[(data.users == row) & data.positive].tolist())
        assert len(history) == min(2, len(before & liked))
        assert history <= before & liked  # liked items only, never a dislike
        assert (weights[weights != 0] > 0).all()


def test_items_no_history_held_keep_no_history_embedding() -> None:
    # Items nobody rated (here the last three) never enter a history: their history
    # embeddings would stay random noise, which a shopper who likes them would read.
    dataset = tiny_dataset()
    dataset = dataset.with_ratings(dataset.ratings[dataset.ratings["item"] < 27])
    data = from_dataset(dataset, text=fake_text)
    result = train(data, MODEL, TRAIN)
    tower = result.model.user_tower.history_ids
    assert tower is not None
    norms = tower.weight.detach().norm(dim=1).numpy()
    unrated = np.setdiff1d(np.arange(data.n_items), data.items)
    assert len(unrated) == 3
    assert (norms[unrated] == 0).all()
    assert (norms[np.unique(data.items)] > 0).all()


def test_history_targets_with_a_per_target_softmax_train() -> None:
    config = TRAIN.model_copy(
        update={"history_targets": True, "per_target_softmax": True, "max_steps": 6}
    )
    result = train(tiny_data(), MODEL, config)
    assert all(math.isfinite(c["loss"]) for c in result.curve)


def test_profile_dropout_trains_and_leaves_the_default_run_unchanged() -> None:
    dropped = train(tiny_data(), MODEL, TRAIN.model_copy(update={"profile_dropout": 0.5}))
    assert all(math.isfinite(c["loss"]) for c in dropped.curve)
    plain = train(tiny_data(), MODEL, TRAIN)
    again = train(tiny_data(), MODEL, TRAIN.model_copy(update={"profile_dropout": 0.0}))
    assert [c["loss"] for c in plain.curve] == [c["loss"] for c in again.curve]
    assert [c["loss"] for c in dropped.curve] != [c["loss"] for c in plain.curve]


def test_validation_slice_keeps_a_positive_for_each_user() -> None:
    data = tiny_data()
    held, users = validation_split(data, user_share=0.5, fraction=0.9, seed=3)
    assert len(users) == data.n_users // 2
    for user in users:
        mine = data.users == user
        assert held[mine].any()
        assert (~held[mine] & data.positive[mine]).any()
    assert not held[~np.isin(data.users, users)].any()


@pytest.mark.parametrize("negatives", ["in_batch", "full"])
def test_steps_that_draw_no_target_are_skipped(negatives: str) -> None:
    # One user per step and a tiny target share: most steps draw no positive as a target.
    config = TRAIN.model_copy(
        update={"negatives": negatives, "batch_users": 1, "target_fraction": 0.01, "max_steps": 30}
    )
    result = train(tiny_data(), MODEL, config)
    assert result.metrics["steps"] == 30
    assert all(math.isfinite(p.detach().sum().item()) for p in result.model.parameters())


# Fine-tuning the last text blocks of CLIP (random weights, the real ViT-B/32 text shape).
# The `clip` and `tuned` fixtures come from conftest.py.


def test_a_one_epoch_fine_tune_trains_validates_and_caches_prefixes(
    clip: ClipComponents, tuned: TrainResult
) -> None:
    data = clip_data(clip)
    assert tuned.metrics["steps"] == math.ceil(data.n_users / TUNED_TRAIN.batch_users)
    assert math.isfinite(tuned.curve[-1]["loss"])
    assert 0.0 <= tuned.metrics["val_ndcg_at_10"] <= 1.0
    model = tuned.model
    assert isinstance(model.prefixes, PrefixCache)
    assert len(model.prefixes) == data.n_items  # the validation ranked every item
    vectors, _ = model.catalogue()
    assert vectors.shape == (data.n_items, TUNED.dim)
    # the item text input is the tuned tower's, no longer the frozen vectors
    text = model.item_text(torch.arange(data.n_items)).detach().numpy()
    assert data.item_features.text is not None
    assert not np.allclose(text, data.item_features.text, atol=1e-3)
    np.testing.assert_allclose(np.linalg.norm(text, axis=1), 1.0, atol=1e-5)


def test_fine_tuning_changes_only_the_last_blocks(clip: ClipComponents) -> None:
    before = {k: v.clone() for k, v in clip.model.state_dict().items()}
    config = TUNED.model_copy(update={"finetune_blocks": 2})
    model = train(clip_data(clip), config, TUNED_TRAIN, clip=clip).model
    # the CLIP model itself is never written to
    after = clip.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    # the frozen prefix blocks are bit-identical copies of blocks 0..9
    assert isinstance(model.prefixes, PrefixCache)
    layers = clip.model.text_model.encoder.layers
    assert len(model.prefixes.prefix.blocks) == 10
    for block, layer in zip(model.prefixes.prefix.blocks, layers, strict=False):
        theirs = layer.state_dict()
        assert all(torch.equal(v, theirs[k]) for k, v in block.state_dict().items())
    # every parameter of the last two blocks, the final norm and the projection moved
    assert model.text_tail is not None
    for offset, block in enumerate(model.text_tail.blocks):
        theirs = layers[10 + offset].state_dict()
        for name, value in block.state_dict().items():
            assert not torch.equal(value, theirs[name]), f"block {10 + offset} {name}"
    assert not torch.equal(model.text_tail.projection.weight, clip.model.text_projection.weight)
    assert not torch.equal(
        model.text_tail.final_layer_norm.weight, clip.model.text_model.final_layer_norm.weight
    )


def test_fine_tuning_refuses_a_full_softmax_and_too_many_blocks(clip: ClipComponents) -> None:
    data = clip_data(clip)
    with pytest.raises(ConfigError, match="negatives = 'in_batch'"):
        train(data, TUNED, TUNED_TRAIN.model_copy(update={"negatives": "full"}), clip=clip)
    with pytest.raises(ConfigError, match=r"finetune_blocks: .* 13: the CLIP text tower has 12"):
        train(data, TUNED.model_copy(update={"finetune_blocks": 13}), TUNED_TRAIN, clip=clip)
    with pytest.raises(DataError, match=r"8-d, but .* projects to 512"):
        train(tiny_data(), TUNED, TUNED_TRAIN, clip=clip)

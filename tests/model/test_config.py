from __future__ import annotations

from pathlib import Path

import pytest

from tastemaker.config import load_config
from tastemaker.errors import ConfigError
from tastemaker.model.config import DataConfig, ModelConfig, TrainConfig, TrainingRun


def test_a_full_run_toml_reads_into_sections(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text(
        '[data]\nsource = "store"\npositive_min_rating = 8\n'
        '[model]\ndim = 32\nencoder = "none"\n'
        "[train]\nmax_steps = 10\ntemperature = 0.1\n"
    )
    run = load_config(path, TrainingRun)
    assert run.data.positive_min_rating == 8.0
    assert run.model.dim == 32
    assert run.train.max_steps == 10
    assert run.train.temperature == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[train]\nmax_step = 10\n", "train.max_step"),
        ("[model]\ndimension = 8\n", "model.dimension"),
        ("epochs = 3\n", "epochs"),
    ],
)
def test_unknown_keys_are_errors_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(path, TrainingRun)


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="temperature"):
        TrainConfig(temperature=0.0)
    with pytest.raises(ValueError, match="target_fraction"):
        TrainConfig(target_fraction=1.0)
    with pytest.raises(ValueError, match="dim"):
        ModelConfig(dim=1)


def test_movielens_needs_a_path() -> None:
    with pytest.raises(ValueError, match=r"data\.path"):
        DataConfig(source="movielens")
    assert DataConfig(source="movielens", path=Path("ml-100k")).path == Path("ml-100k")


def test_configs_are_frozen() -> None:
    config = TrainConfig()
    with pytest.raises(ValueError, match="frozen"):
        config.lr = 1.0  # type: ignore[misc]


def test_clip_fine_tuning_needs_a_clip_encoder() -> None:
    with pytest.raises(ValueError, match=r"finetune_blocks = 2 .* needs encoder = 'clip:<folder>'"):
        ModelConfig(finetune_blocks=2)
    with pytest.raises(ValueError, match="finetune_blocks"):
        ModelConfig(finetune_blocks=2, encoder="clip:")
    with pytest.raises(ValueError, match="finetune_blocks"):
        ModelConfig(finetune_blocks=-1, encoder="clip:weights")
    assert ModelConfig(finetune_blocks=2, encoder="CLIP:weights").finetune_blocks == 2
    with pytest.raises(ValueError, match="finetune_lr"):
        TrainConfig(finetune_lr=0.0)


def test_clip_fine_tuning_needs_in_batch_negatives(tmp_path: Path) -> None:
    model = ModelConfig(finetune_blocks=1, encoder="clip:weights")
    with pytest.raises(
        ValueError, match=r"finetune_blocks = 1 needs train\.negatives = 'in_batch'"
    ):
        TrainingRun(model=model)
    run = TrainingRun(model=model, train=TrainConfig(negatives="in_batch", finetune_lr=1e-6))
    assert run.train.finetune_lr == pytest.approx(1e-6)
    path = tmp_path / "run.toml"
    path.write_text('[model]\nencoder = "clip:weights"\nfinetune_blocks = 2\n')
    with pytest.raises(ConfigError, match="negatives"):
        load_config(path, TrainingRun)

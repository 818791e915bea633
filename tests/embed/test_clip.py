"""The CLIP path with random weights of the real ViT-B/32 shape: no download, real code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import CLIPTextConfig, CLIPVisionConfig

from tastemaker.embed.clip import ClipComponents, ClipImageEncoder, ClipTextEncoder
from tastemaker.embed.protocol import ImageEncoder, TextEncoder
from tastemaker.embed.registry import get_image_encoder, get_text_encoder
from tastemaker.errors import ConfigError, EncoderError
from tests.embed.helpers import (
    CLIP_EOS,
    assert_unit_rows,
    clip_tokenizer,
    save_tiny_clip,
    write_jpeg,
)

TEXTS = ["a red shirt", "navy blue jeans for men", "silver watch", "shirt"]


@pytest.fixture(scope="module")
def text_encoder(clip_components: ClipComponents) -> ClipTextEncoder:
    return ClipTextEncoder(clip_components, batch_size=8)


@pytest.fixture(scope="module")
def image_encoder(clip_components: ClipComponents) -> ClipImageEncoder:
    return ClipImageEncoder(clip_components, batch_size=8)


@pytest.fixture
def images(tmp_path: Path) -> list[Path]:
    return [
        write_jpeg(tmp_path / "1.jpg", (200, 30, 30)),
        write_jpeg(tmp_path / "2.jpg", (20, 40, 160)),
        write_jpeg(tmp_path / "3.jpg", (240, 240, 240)),
    ]


def test_the_random_model_has_the_vit_b32_shape(clip_components: ClipComponents) -> None:
    config = clip_components.model.config
    text, vision = config.text_config, config.vision_config
    assert isinstance(text, CLIPTextConfig)
    assert isinstance(vision, CLIPVisionConfig)
    assert (config.projection_dim, text.hidden_size, text.max_position_embeddings) == (512, 512, 77)
    assert (vision.hidden_size, vision.patch_size, vision.image_size) == (768, 32, 224)
    assert text.eos_token_id == CLIP_EOS


def test_text_vectors_are_512_d_unit_rows(text_encoder: ClipTextEncoder) -> None:
    vectors = text_encoder.encode_texts(TEXTS)
    assert text_encoder.dim == 512
    assert vectors.shape == (len(TEXTS), 512)
    assert_unit_rows(vectors, 512)
    assert isinstance(text_encoder, TextEncoder)
    assert text_encoder.id == "clip-text:random-vit-b32-seed0"


def test_text_is_pooled_at_the_end_of_text_token(
    text_encoder: ClipTextEncoder, clip_components: ClipComponents
) -> None:
    """Computed by hand: the final hidden state at the first EOS, projected, normalised."""
    tokenizer, model = clip_components.tokenizer, clip_components.model
    assert tokenizer is not None
    ids = tokenizer(["navy blue jeans for men"], return_tensors="pt")["input_ids"]
    eos_at = int((ids[0] == CLIP_EOS).nonzero()[0, 0])
    assert eos_at == ids.shape[1] - 1 > 1
    with torch.inference_mode():
        hidden = model.text_model(input_ids=ids).last_hidden_state[0, eos_at]
        expected = torch.nn.functional.normalize(model.text_projection(hidden), dim=0).numpy()
    np.testing.assert_allclose(
        text_encoder.encode_texts(["navy blue jeans for men"])[0], expected, atol=1e-5
    )


def test_text_vectors_are_deterministic_and_independent_of_padding(
    text_encoder: ClipTextEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Padding follows the EOS token, and CLIP's causal mask keeps it out of the pooled state."""
    batched = text_encoder.encode_texts(TEXTS)
    np.testing.assert_array_equal(text_encoder.encode_texts(TEXTS), batched)
    monkeypatch.setattr(text_encoder, "batch_size", 1)
    np.testing.assert_allclose(text_encoder.encode_texts(TEXTS), batched, atol=1e-5)


def test_different_texts_give_different_vectors(text_encoder: ClipTextEncoder) -> None:
    """Pooling at a fixed position (the BOS token) would give every text the same vector."""
    vectors = text_encoder.encode_texts(TEXTS)
    similarity = vectors @ vectors.T
    assert (similarity[~np.eye(len(TEXTS), dtype=bool)] < 0.9999).all()


def test_a_tokenizer_with_another_eos_id_is_refused(clip_components: ClipComponents) -> None:
    mismatched = ClipComponents(
        model=clip_components.model,
        tokenizer=clip_tokenizer(bos=600, eos=601),
        image_processor=None,
        name="mismatched",
    )
    with pytest.raises(EncoderError, match="eos_token_id 49407"):
        ClipTextEncoder(mismatched)
    with pytest.raises(EncoderError, match="no image processor"):
        ClipImageEncoder(mismatched)


def test_image_vectors_are_512_d_unit_rows(
    image_encoder: ClipImageEncoder, images: list[Path]
) -> None:
    vectors = image_encoder.encode_images(images)
    assert vectors.shape == (3, 512)
    assert_unit_rows(vectors, 512)
    assert isinstance(image_encoder, ImageEncoder)
    assert image_encoder.id == "clip-image:random-vit-b32-seed0"
    similarity = vectors @ vectors.T
    assert (similarity[~np.eye(3, dtype=bool)] < 0.9999).all()


def test_image_vectors_are_deterministic_across_batch_sizes(
    image_encoder: ClipImageEncoder, images: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    batched = image_encoder.encode_images(images)
    monkeypatch.setattr(image_encoder, "batch_size", 2)
    np.testing.assert_allclose(image_encoder.encode_images(images), batched, atol=1e-5)
    assert image_encoder.encode_images([]).shape == (0, 512)


def test_a_missing_image_names_the_file(image_encoder: ClipImageEncoder, tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match=r"404\.jpg: image file not found"):
        image_encoder.encode_images([tmp_path / "404.jpg"])


def test_an_unreadable_image_names_the_file(
    image_encoder: ClipImageEncoder, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 this is not a jpeg")
    with pytest.raises(EncoderError, match=r"broken\.jpg: cannot read image"):
        image_encoder.encode_images([broken])


def test_a_saved_clip_folder_loads_offline_through_the_registry(tmp_path: Path) -> None:
    """The from_pretrained path, on a tiny CLIP (same code, a folder of a few MB)."""
    folder = save_tiny_clip(tmp_path / "tiny-clip")
    write_jpeg(tmp_path / "1.jpg", (10, 200, 10))

    text = get_text_encoder(f"clip:{folder}")
    image = get_image_encoder(f"clip:{folder}")
    assert text.id.startswith("clip-text:tiny-clip@")
    assert image.id.startswith("clip-image:tiny-clip@")
    assert_unit_rows(text.encode_texts(["a red shirt"]), 16)
    assert_unit_rows(image.encode_images([tmp_path / "1.jpg"]), 16)


def test_other_weights_in_the_folder_change_the_id(tmp_path: Path) -> None:
    first = ClipComponents.from_pretrained(save_tiny_clip(tmp_path / "a" / "clip", seed=1))
    same = ClipComponents.from_pretrained(save_tiny_clip(tmp_path / "b" / "clip", seed=2))
    assert first.name == same.name  # same config and file sizes: the folder's fingerprint
    other_config = tmp_path / "c" / "clip"
    save_tiny_clip(other_config)
    config = json.loads((other_config / "config.json").read_text())
    config["logit_scale_init_value"] = 1.5
    (other_config / "config.json").write_text(json.dumps(config))
    assert ClipComponents.from_pretrained(other_config).name != first.name


def test_a_checkpoint_missing_weights_is_refused(tmp_path: Path) -> None:
    """A text-only checkpoint would leave the image tower random: an error, not a log line."""
    folder = save_tiny_clip(tmp_path / "half-clip")
    weights = load_file(folder / "model.safetensors")
    text_only = {k: v for k, v in weights.items() if not k.startswith("vision_model.")}
    save_file(text_only, folder / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(EncoderError, match=r"half-clip: .*missing vision_model\."):
        ClipComponents.from_pretrained(folder)


def test_clip_specs_that_cannot_load_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="names no CLIP weights"):
        get_text_encoder("clip:")
    with pytest.raises(EncoderError, match="no such model folder"):
        get_text_encoder(f"clip:{tmp_path / 'absent'}")
    with pytest.raises(EncoderError, match="nor in the local Hugging Face cache"):
        get_text_encoder("clip:nobody/no-such-clip-model")
    with pytest.raises(EncoderError, match="neither a model folder nor a hub name"):
        get_text_encoder("clip:not a name!")
    with pytest.raises(ConfigError, match="no image encoder"):
        get_image_encoder("minilm")

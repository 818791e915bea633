"""Helpers shared by the embed tests: a fake encoder, tiny CLIP parts, small JPEGs."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tokenizers.pre_tokenizers import ByteLevel
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

from tastemaker.embed.protocol import Vectors

#: The ids the real CLIP vocabulary gives its specials, so the default CLIPConfig's
#: ``eos_token_id`` (49407) finds the end-of-text token exactly as with the real tokenizer.
CLIP_BOS, CLIP_EOS = 49406, 49407


def clip_tokenizer(bos: int = CLIP_BOS, eos: int = CLIP_EOS) -> CLIPTokenizer:
    """A CLIP tokenizer built in memory: the 256 byte-level symbols (plain and word-final) and
    a few merges, with the specials at the given ids."""
    symbols = sorted(ByteLevel.alphabet())
    vocab = {s: i for i, s in enumerate(symbols)}
    vocab.update({f"{s}</w>": len(symbols) + i for i, s in enumerate(symbols)})
    merges = [("r", "e"), ("re", "d</w>"), ("s", "h"), ("sh", "i")]
    for left, right in merges:
        vocab[left + right] = len(vocab)
    vocab["<|startoftext|>"] = bos
    vocab["<|endoftext|>"] = eos
    # The tokenizers library wants merges as pairs; transformers annotates them as strings.
    return CLIPTokenizer(vocab=vocab, merges=merges)  # type: ignore[arg-type]


class FakeEncoder:
    """A deterministic stand-in text encoder that records every text it is asked to encode."""

    def __init__(self, dim: int = 8, encoder_id: str = "fake:v1") -> None:
        self.id = encoder_id
        self.dim = dim
        self.calls: list[list[str]] = []

    def encode_texts(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
            matrix[row] = np.random.default_rng(seed).standard_normal(self.dim)
        unit: Vectors = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        return unit

    @property
    def encoded(self) -> list[str]:
        return [text for call in self.calls for text in call]


def assert_unit_rows(vectors: np.ndarray, dim: int) -> None:
    """Assert ``vectors`` is float32 ``[n, dim]`` with finite, unit-norm rows."""
    assert vectors.dtype == np.float32
    assert vectors.ndim == 2
    assert vectors.shape[1] == dim
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def write_jpeg(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (60, 80)) -> Path:
    """A small catalogue-like JPEG (60x80) of one colour with a darker band across it."""
    image = Image.new("RGB", size, colour)
    band = Image.new("RGB", (size[0], size[1] // 6), tuple(c // 3 for c in colour))
    image.paste(band, (0, size[1] // 3))
    image.save(path, format="JPEG")
    return path


def save_tiny_clip(folder: Path, seed: int = 1) -> Path:
    """Save a small randomly initialised CLIP (hidden 32, projection 16) with its tokenizer and
    image processor to ``folder``: a real ``from_pretrained`` folder of a few MB."""
    torch.manual_seed(seed)
    tower = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2}
    config = CLIPConfig(
        text_config={**tower, "num_attention_heads": 2},
        vision_config={**tower, "num_attention_heads": 2},
        projection_dim=16,
    )
    CLIPModel(config).save_pretrained(folder)
    clip_tokenizer().save_pretrained(folder)
    CLIPImageProcessor().save_pretrained(folder)
    return folder

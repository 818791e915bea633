"""Fixtures for the embed tests: the real MiniLM (loaded once per session) and a randomly
initialised CLIP of the real ViT-B/32 shape with a tiny offline tokenizer."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub, even by accident

import pytest
import torch
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

from tastemaker.embed.clip import ClipComponents
from tastemaker.embed.minilm import MiniLMEncoder
from tests.embed.helpers import clip_tokenizer


@pytest.fixture(scope="session")
def minilm() -> MiniLMEncoder:
    return MiniLMEncoder()


@pytest.fixture(scope="session")
def clip_components() -> ClipComponents:
    """CLIPModel(CLIPConfig()): ViT-B/32 shape (text 512, vision 768, projection 512), random
    weights from a fixed seed, with an in-memory tokenizer and the default image processor."""
    torch.manual_seed(0)
    return ClipComponents(
        model=CLIPModel(CLIPConfig()),
        tokenizer=clip_tokenizer(),
        image_processor=CLIPImageProcessor(),
        name="random-vit-b32-seed0",
    )

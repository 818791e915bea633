"""Fixtures the model tests share: one random ViT-B/32-shaped CLIP, and one model trained with
its last text block fine-tuned (built once per session: the training and the export tests
read them, and neither changes them)."""

from __future__ import annotations

import pytest

from tastemaker.embed.clip import ClipComponents
from tastemaker.model.train import TrainResult, train
from tests.model.clip_helpers import TUNED, TUNED_TRAIN, clip_data, random_clip


@pytest.fixture(scope="session")
def clip() -> ClipComponents:
    return random_clip()


@pytest.fixture(scope="session")
def tuned(clip: ClipComponents) -> TrainResult:
    return train(clip_data(clip), TUNED, TUNED_TRAIN, clip=clip)

"""A randomly initialised CLIP for the fine-tuning tests, and the tiny catalogue encoded by it.

The text tower has the real ViT-B/32 shape (12 blocks, width 512, 8 heads, projection 512);
the vision tower, which fine-tuning never touches, is shrunk so the model builds quickly.
"""

from __future__ import annotations

import torch
from transformers import CLIPConfig, CLIPModel

from tastemaker.embed.clip import ClipComponents, ClipTextEncoder
from tastemaker.model.config import ModelConfig, TrainConfig
from tastemaker.model.data import TrainingData, from_dataset
from tests.embed.helpers import clip_tokenizer
from tests.model.helpers import tiny_dataset

_SMALL_VISION = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
}


def random_clip(seed: int = 0, name: str | None = None) -> ClipComponents:
    """CLIP with a ViT-B/32-shaped text tower, random weights from ``seed``."""
    torch.manual_seed(seed)
    model = CLIPModel(CLIPConfig(vision_config=_SMALL_VISION))
    return ClipComponents(model, clip_tokenizer(), None, name or f"random-b32-text-seed{seed}")


def clip_data(clip: ClipComponents) -> TrainingData:
    """The tiny catalogue with item and user texts encoded by ``clip`` (512-d)."""
    return from_dataset(tiny_dataset(), text=ClipTextEncoder(clip).encode_texts)


#: Fine-tune CLIP's last text block; in-batch negatives, as fine-tuning requires.
TUNED = ModelConfig(dim=16, encoder="clip:random", finetune_blocks=1)
#: One epoch of the tiny catalogue (24 users, 8 per step), validated at its end.
TUNED_TRAIN = TrainConfig(
    max_steps=3, batch_users=8, eval_every=3, lr=0.01, finetune_lr=1e-3, negatives="in_batch"
)

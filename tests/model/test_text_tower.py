"""The trainable tail of CLIP's text tower: its blocks compute what transformers' CLIP does."""

from __future__ import annotations

import pytest
import torch

from tastemaker.model.text_tower import ClipBlock, TailSpec, TextTail
from tests.model.clip_helpers import random_clip


def _spec(**change: object) -> TailSpec:
    values: dict[str, object] = {
        "layers": 12,
        "blocks": 2,
        "hidden": 512,
        "heads": 8,
        "intermediate": 2048,
        "act": "quick_gelu",
        "eps": 1e-5,
        "projection": 512,
    }
    return TailSpec(**{**values, **change})  # type: ignore[arg-type]


def test_a_block_matches_transformers_clip_layer_under_a_causal_mask() -> None:
    clip = random_clip()
    layer = clip.model.text_model.encoder.layers[3]
    block = ClipBlock(_spec())
    block.load_state_dict(layer.state_dict())  # same parameter names
    hidden = torch.randn(3, 7, 512)
    causal = torch.full((7, 7), float("-inf")).triu(1).expand(3, 1, 7, 7)
    with torch.no_grad():
        expected = layer(hidden, causal)
        torch.testing.assert_close(block(hidden), expected, rtol=1e-5, atol=1e-5)


def test_the_spec_round_trips_through_json_and_refuses_bad_shapes() -> None:
    spec = _spec()
    assert TailSpec.from_json(spec.to_json()) == spec
    assert spec.first == 10
    with pytest.raises(ValueError, match=r"finetune_blocks 13: .* 12 blocks"):
        _spec(blocks=13)
    with pytest.raises(ValueError, match="finetune_blocks 0"):
        _spec(blocks=0)
    with pytest.raises(ValueError, match="activation"):
        _spec(act="relu")


def test_the_tail_pools_at_each_texts_last_token_and_ignores_padding() -> None:
    torch.manual_seed(0)
    tail = TextTail(
        _spec(layers=2, blocks=1, hidden=16, heads=2, intermediate=32, projection=8), "b"
    )
    short, long = torch.randn(1, 3, 16), torch.randn(1, 6, 16)
    padded = torch.cat([torch.nn.functional.pad(short, (0, 0, 0, 3)), long])
    with torch.no_grad():
        together = tail(padded, torch.tensor([3, 6]))
        alone = torch.cat([tail(short, torch.tensor([3])), tail(long, torch.tensor([6]))])
    torch.testing.assert_close(together, alone, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(together.norm(dim=1), torch.ones(2))


def test_the_last_block_at_the_pooled_token_equals_the_full_block() -> None:
    torch.manual_seed(1)
    block = ClipBlock(_spec(layers=2, blocks=1, hidden=16, heads=2, intermediate=32))
    hidden, lengths = torch.randn(3, 6, 16), torch.tensor([6, 2, 4])
    with torch.no_grad():
        full = block(hidden)[torch.arange(3), lengths - 1]
        torch.testing.assert_close(block.at(hidden, lengths), full, rtol=1e-5, atol=1e-6)

"""CLIP's frozen text prefix, its per-item cache, and the tuned text encoder (random weights of
the real ViT-B/32 text shape)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tastemaker.embed.clip import ClipComponents, ClipTextEncoder
from tastemaker.embed.protocol import TextEncoder
from tastemaker.errors import EncoderError
from tastemaker.model.text_prefix import PrefixCache, TextPrefix, TunedTextEncoder
from tests.model.clip_helpers import random_clip

TEXTS = ["a red shirt", "navy blue jeans for men, slim fit, machine washable", "watch", "x"]


def test_an_untrained_tail_gives_the_frozen_encoders_vectors(clip: ClipComponents) -> None:
    frozen = ClipTextEncoder(clip).encode_texts(TEXTS)
    exact = TextPrefix(clip, 2, dtype=torch.float32)
    np.testing.assert_allclose(
        TunedTextEncoder(exact, exact.tail()).encode_texts(TEXTS), frozen, atol=1e-5
    )
    half = TextPrefix(clip, 2)  # float16 prefix states: a small rounding error
    tuned = TunedTextEncoder(half, half.tail())
    assert isinstance(tuned, TextEncoder)
    assert tuned.dim == 512
    assert tuned.id.startswith(f"{ClipTextEncoder(clip).id}+tuned2:")
    np.testing.assert_allclose(tuned.encode_texts(TEXTS), frozen, atol=1e-3)


def test_prefix_states_are_float16_and_end_at_the_end_of_text(clip: ClipComponents) -> None:
    prefix = TextPrefix(clip, 1)
    assert len(prefix.blocks) == 11
    states = prefix.encode(TEXTS)
    tokens = prefix.tokens(TEXTS)
    for state, ids in zip(states, tokens, strict=True):
        assert state.dtype == torch.float16
        assert state.shape == (len(ids), 512)
        assert ids[-1] == 49407  # the end-of-text token, where CLIP pools
        assert not state.requires_grad


def test_the_cache_encodes_only_asked_items_once(clip: ClipComponents) -> None:
    prefix = TextPrefix(clip, 1)
    asked: list[list[str]] = []
    encode = prefix.encode

    def counting(texts: list[str]) -> list[torch.Tensor]:
        asked.append(list(texts))
        return encode(texts)

    prefix.encode = counting  # type: ignore[method-assign]
    cache = PrefixCache(prefix, TEXTS)
    hidden, lengths = cache(torch.tensor([2, 0, 2]))
    assert hidden.dtype == torch.float32
    assert hidden.shape == (3, int(lengths.max()), 512)
    assert lengths.tolist() == [len(t) for t in prefix.tokens([TEXTS[2], TEXTS[0], TEXTS[2]])]
    cache(torch.tensor([0, 1]))
    assert asked == [[TEXTS[0], TEXTS[2]], [TEXTS[1]]]
    assert len(cache) == 3
    assert cache.nbytes == 2 * 512 * int(sum(len(t) for t in prefix.tokens(TEXTS[:3])))
    with pytest.raises(IndexError, match="no text"):
        cache(torch.tensor([len(TEXTS)]))


def test_a_tail_refuses_another_clips_prefix(clip: ClipComponents) -> None:
    tail = TextPrefix(clip, 1).tail()
    with pytest.raises(EncoderError, match="CLIP it was trained on"):
        TunedTextEncoder(TextPrefix(random_clip(seed=1), 1), tail)
    with pytest.raises(EncoderError, match="CLIP it was trained on"):
        TunedTextEncoder(TextPrefix(clip, 2), tail)

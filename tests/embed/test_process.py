"""The encoder in a child process gives the in-process encoder's id, size and vectors, and a
child that dies is an EncoderError, not a hang."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from tastemaker.embed import TextEncoder
from tastemaker.embed.minilm import MiniLMEncoder
from tastemaker.embed.process import ProcessTextEncoder
from tastemaker.errors import EncoderError

TEXTS = ["Navy formal leather shoes for men", "Pink floral summer dress", "Black sports watch"]


def test_same_id_dim_and_vectors_as_in_process(minilm: MiniLMEncoder) -> None:
    with ProcessTextEncoder("minilm") as child:
        assert isinstance(child, TextEncoder)
        assert (child.id, child.dim) == (minilm.id, minilm.dim)
        np.testing.assert_allclose(child.encode_texts(TEXTS), minilm.encode_texts(TEXTS), atol=1e-6)
        assert child.encode_texts([]).shape == (0, minilm.dim)
        with pytest.raises(TypeError):
            child.encode_texts("one string")


def test_a_dead_child_is_an_encoder_error() -> None:
    child = ProcessTextEncoder("minilm")
    try:
        (pid,) = [p.pid for p in child._pool._processes.values()]
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(EncoderError, match="its process died"):
            child.encode_texts(TEXTS)
    finally:
        child.close()
    with pytest.raises(EncoderError, match="minilm"):
        child.encode_texts(TEXTS)

"""The encoder in a child process gives the in-process encoder's id, size and vectors, and a
child that dies is an EncoderError, not a hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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


_PARENT = """
import sys
from tastemaker.embed.process import ProcessTextEncoder
child = ProcessTextEncoder("minilm")
print(*child._pool._processes, flush=True)
sys.stdin.read()
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) is gone for our purposes.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_the_child_ends_when_its_parent_is_killed() -> None:
    # A service killed with SIGKILL never closes its encoder; before the child watched its
    # parent, such children stayed forever (eight of them, 400 MB each, after one test run).
    with subprocess.Popen([sys.executable, "-c", _PARENT], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as parent:  # fmt: skip
        try:
            assert parent.stdout is not None
            (pid,) = map(int, parent.stdout.readline().split())
            assert _alive(pid)
        finally:
            parent.kill()
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)

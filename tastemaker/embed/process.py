"""A text encoder in a child process, for callers that must not share the GIL with it.

The service encodes a new item's text (and a shopper's free text) while it answers searches.
MiniLM's forward pass is mostly torch kernels that release the GIL, but the tokenizer call,
the module dispatch and the pooling around them hold it: measured in one process on 2 cores,
searches made every 5 ms beside back-to-back item encodes went from p99 8.6 ms to 17.5 ms.
In a child process the encoder competes for a core, never for the interpreter.

The child is started with ``spawn`` (a fork of a process running threads and OpenMP pools
is unsafe), loads the encoder once, and answers one call at a time. It costs one interpreter
with torch (a few hundred MB) and its start (seconds), paid when the wrapper is built.

A parent that dies without closing the wrapper (SIGKILL, or a SIGTERM that skips atexit) must
not leave the child behind: the child's queue holds both ends of its own pipe, so it would
never see an end of file and would sit on its few hundred MB forever. A thread in the child
waits on the parent's sentinel and exits the child when the parent is gone.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

import numpy as np

from tastemaker.embed.protocol import TextEncoder, Vectors
from tastemaker.errors import EncoderError

__all__ = ["ProcessTextEncoder"]

R = TypeVar("R")

_ENCODER: TextEncoder | None = None  # in the child


def _exit_with_parent() -> None:
    """In the child: wait until the parent process ends, then end this one."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return
    multiprocessing.connection.wait([parent.sentinel])
    os._exit(0)


def _load(spec: str, batch_size: int) -> None:
    global _ENCODER
    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()
    import torch

    from tastemaker.embed.registry import get_text_encoder

    torch.set_num_threads(1)  # one call at a time, beside a service using the other cores
    _ENCODER = get_text_encoder(spec, batch_size=batch_size)


def _describe() -> tuple[str, int]:
    assert _ENCODER is not None
    return _ENCODER.id, _ENCODER.dim


def _encode(texts: list[str]) -> Vectors:
    assert _ENCODER is not None
    return _ENCODER.encode_texts(texts)


class ProcessTextEncoder:
    """:func:`~tastemaker.embed.registry.get_text_encoder` ``(spec)``, run in a child process
    (see the module docstring). Same ``id``, ``dim`` and vectors as the in-process encoder;
    a child that dies is an :class:`~tastemaker.errors.EncoderError` naming the spec."""

    def __init__(self, spec: str, *, batch_size: int = 64) -> None:
        self.spec = spec
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_load,
            initargs=(spec, batch_size),
        )
        self._id, self._dim = self._call(_describe)

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return self._dim

    def encode_texts(self, texts: Sequence[str]) -> Vectors:
        if isinstance(texts, str):
            raise TypeError("encode_texts takes a sequence of texts, not one string")
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        vectors: Vectors = self._call(_encode, list(texts))
        return vectors

    def _call(self, fn: Callable[..., R], *args: object) -> R:
        """``fn(*args)`` in the child; a dead or unstartable child is an EncoderError."""
        try:
            return self._pool.submit(fn, *args).result()
        except BrokenProcessPool as exc:
            raise EncoderError(f"text encoder {self.spec!r}: its process died ({exc})") from None
        except RuntimeError as exc:  # submitted after close()
            raise EncoderError(f"text encoder {self.spec!r}: {exc}") from None

    def close(self) -> None:
        """Stop the child (waiting for a call in flight)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ProcessTextEncoder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

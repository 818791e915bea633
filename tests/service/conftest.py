"""A service over a temporary data directory holding the sample catalogue (never the dev DB)."""

from __future__ import annotations

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

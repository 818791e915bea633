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
    from tastemaker.service.loading import load_runtime

    data = tmp_path / "data"
    shutil.copytree(embedded_template, data)
    settings = Settings(data_dir=data, admin_token=ADMIN_TOKEN, max_body_bytes=4096)
    with TestClient(create_app(settings, runtime_loader=load_runtime)) as test_client:
        yield test_client


#: The planted tastes of the two-tower fixture: each persona loves one of these article types.
PLANTED = ("Sports Shoes", "Watches", "Jackets")


@pytest.fixture(scope="session")
def two_tower_template(tmp_path_factory: pytest.TempPathFactory, embedded_template: Path) -> Path:
    """The embedded sample plus personas with planted tastes and a two-tower model trained on
    them (MiniLM text, 16-d), built once."""
    from tastemaker.model import DataConfig, ModelConfig, TrainConfig, TrainingRun, run_training
    from tastemaker.store.items import iter_items
    from tests.model.store_helpers import plant_tastes

    root = tmp_path_factory.mktemp("two-tower")
    shutil.copytree(embedded_template, root, dirs_exist_ok=True)
    run = TrainingRun(
        data=DataConfig(),
        model=ModelConfig(dim=16, encoder="minilm"),
        train=TrainConfig(max_steps=120, batch_users=6, eval_every=40, lr=0.01),
        version="v1",
    )
    with open_store(root / "tastemaker.sqlite") as store:
        items = list(iter_items(store))
        plant_tastes(store, [[i.id for i in items if i.article_type == t] for t in PLANTED])
        run_training(run, data_dir=root, store=store)
    return root


@pytest.fixture
def two_tower_dir(tmp_path: Path, two_tower_template: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(two_tower_template, data)
    return data


@pytest.fixture
def two_tower_client(two_tower_dir: Path) -> Iterator[TestClient]:
    """A service over the sample catalogue serving the trained two-tower model."""
    from tastemaker.service.loading import load_runtime

    settings = Settings(data_dir=two_tower_dir, admin_token=ADMIN_TOKEN, max_body_bytes=4096)
    with TestClient(create_app(settings, runtime_loader=load_runtime)) as test_client:
        yield test_client

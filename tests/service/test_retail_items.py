"""Retail catalogues' extra fields (description, brand, price) reach the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tastemaker.catalog.importer import import_catalog
from tastemaker.catalog.layout import load_layout
from tastemaker.service.app import create_app
from tastemaker.settings import Settings
from tastemaker.store import open_store
from tests.service.conftest import ADMIN_TOKEN

DATA = Path(__file__).resolve().parents[1] / "catalog" / "data"


@pytest.fixture
def retail_client(tmp_path: Path) -> Iterator[TestClient]:
    with open_store(tmp_path / "tastemaker.sqlite") as store:
        import_catalog(store, DATA / "hm_articles.csv", layout=load_layout("hm-articles"))
        import_catalog(store, DATA / "amazon_meta.jsonl", layout=load_layout("amazon-meta"))
    settings = Settings(data_dir=tmp_path, admin_token=ADMIN_TOKEN, max_body_bytes=4096)
    with TestClient(create_app(settings)) as client:
        yield client


def test_items_show_their_description_brand_and_price(retail_client: TestClient) -> None:
    top = retail_client.get("/api/items/0108775015").json()
    assert (top["name"], top["gender"]) == ("Strap top", "Women")
    assert top["description"] == "Jersey top with narrow shoulder straps."
    assert (top["brand"], top["price"]) == (None, None)
    fleece = retail_client.get("/api/items/B000ALPINE1").json()
    assert (fleece["brand"], fleece["price"]) == ("Alpine Trail", 34.99)
    assert fleece["description"].startswith("Warm anti-pill fleece")
    page = retail_client.get("/api/items", params={"limit": 200}).json()
    assert page["total"] == 50
    assert sum(i["description"] is not None for i in page["items"]) == 37 + 11


def test_admin_items_take_brand_price_and_description(model_client: TestClient) -> None:
    item = {"id": "new-retail", "name": "Linen Shirt", "brand": "Quill", "price": 49.5,
            "description": "Airy linen shirt."}  # fmt: skip
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    created = model_client.post("/api/admin/items", json=item, headers=headers)
    assert created.status_code == 201, created.text
    assert {k: created.json()[k] for k in item} == item
    negative = model_client.post("/api/admin/items", json={**item, "price": -1}, headers=headers)
    assert negative.status_code == 422

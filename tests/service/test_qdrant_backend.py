"""The service on the Qdrant backend (``index_backend="qdrant"``, embedded mode): the same
recommendations as on FAISS, items added and removed through the admin routes, and a clear
error at start-up for a server that does not answer."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tastemaker.errors import IndexServerError
from tastemaker.index.qdrant_index import QdrantRetriever
from tastemaker.service.app import create_app
from tastemaker.service.loading import load_runtime
from tastemaker.settings import Settings
from tests.service.conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
REQUESTS = [{}, {"master_category": "Footwear"}, {"gender": "women", "exclude_seen": False}]


def _service(data: Path, **settings: object) -> TestClient:
    config = Settings(data_dir=data, admin_token=ADMIN_TOKEN, max_body_bytes=4096, **settings)
    return TestClient(create_app(config, runtime_loader=load_runtime))


def _recommendations(client: TestClient, liked: list[str]) -> list[list[tuple[str, float]]]:
    user = client.post("/api/users", json={"liked": liked}).json()["id"]
    answers = []
    for params in REQUESTS:
        response = client.get(f"/api/users/{user}/recommendations", params={"k": 8, **params})
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        answers.append([(r["item"]["id"], round(r["score"], 5)) for r in items])
    return answers


def test_qdrant_backend_serves_what_faiss_serves(tmp_path: Path, embedded_template: Path) -> None:
    faiss_dir, qdrant_dir = tmp_path / "faiss", tmp_path / "qdrant"
    shutil.copytree(embedded_template, faiss_dir)
    shutil.copytree(embedded_template, qdrant_dir)
    with _service(faiss_dir) as client:
        liked = [
            i["id"]
            for i in client.get("/api/items", params={"article_type": "Watches"}).json()["items"]
        ][:3]
        want = _recommendations(client, liked)
    with _service(qdrant_dir, index_backend="qdrant") as client:
        retriever = client.app.state.service.require_runtime().retriever  # type: ignore[attr-defined]
        assert isinstance(retriever, QdrantRetriever)
        assert retriever.collection.startswith("content-")
        assert _recommendations(client, liked) == want
        assert all(want)
        # An item added by an admin is searchable at once, and gone once removed.
        added = client.post(
            "/api/admin/items",
            headers=ADMIN,
            json={"id": "new-watch", "name": "Steel chronograph watch", "article_type": "Watches"},
        )
        assert added.status_code in (200, 201), added.text
        assert "new-watch" in retriever
        assert client.delete("/api/admin/items/new-watch", headers=ADMIN).status_code in (200, 204)
        assert "new-watch" not in retriever
    assert list(qdrant_dir.glob("embeddings/*/index-qdrant/manifest.json"))


def test_two_tower_model_on_qdrant_serves_what_it_serves_on_faiss(
    tmp_path: Path, two_tower_template: Path
) -> None:
    faiss_dir, qdrant_dir = tmp_path / "faiss", tmp_path / "qdrant"
    shutil.copytree(two_tower_template, faiss_dir)
    shutil.copytree(two_tower_template, qdrant_dir)
    with _service(faiss_dir) as client:
        items = client.get("/api/items", params={"article_type": "Jackets"}).json()["items"]
        liked = [i["id"] for i in items][:3]
        want = _recommendations(client, liked)
    for _ in range(2):  # built and saved, then loaded from the saved index
        with _service(qdrant_dir, index_backend="qdrant") as client:
            runtime = client.app.state.service.require_runtime()  # type: ignore[attr-defined]
            assert runtime.version.startswith("two-tower:")
            assert isinstance(runtime.retriever, QdrantRetriever)
            assert _recommendations(client, liked) == want
    assert list(qdrant_dir.glob("models/*/index-qdrant/manifest.json"))


def test_an_unreachable_qdrant_url_stops_the_start(tmp_path: Path, embedded_template: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    data = tmp_path / "data"
    shutil.copytree(embedded_template, data)
    with (
        pytest.raises(IndexServerError, match=f"Qdrant at {url} does not answer"),
        _service(data, index_backend="qdrant", qdrant_url=url),
    ):
        pass
    with pytest.raises(ValidationError, match="qdrant_url"):
        Settings(data_dir=data, qdrant_url="localhost:6333")

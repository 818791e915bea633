"""Adding, removing and reloading while recommendations are being served: no request fails."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.mark.parametrize("runtime", ["model_client", "two_tower_client"])
def test_add_remove_reload_under_concurrent_requests(
    runtime: str, request: pytest.FixtureRequest
) -> None:
    model_client: TestClient = request.getfixturevalue(runtime)
    items = model_client.get("/api/items", params={"limit": 20}).json()["items"]
    users = [
        model_client.post(
            "/api/users", json={"liked": [items[i]["id"], items[i + 1]["id"]]}
        ).json()["id"]
        for i in range(0, 10, 2)
    ]
    stop = threading.Event()
    statuses: list[int] = []
    lock = threading.Lock()

    def hammer(user: str) -> None:
        while not stop.is_set():
            for path in (f"/api/users/{user}/recommendations", "/api/items/90001/similar"):
                status = model_client.get(path, params={"k": 8}).status_code
                with lock:
                    statuses.append(status)

    threads = [threading.Thread(target=hammer, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    try:
        for n in range(5):
            item = {"id": f"live-{n}", "name": f"Northwind Men Grey Wool Coat {n}",
                    "gender": "Men", "article_type": "Jackets"}  # fmt: skip
            assert (
                model_client.post("/api/admin/items", json=item, headers=ADMIN).status_code == 201
            )
            assert model_client.post("/api/admin/reload", headers=ADMIN).status_code == 200
            assert (
                model_client.delete(f"/api/admin/items/live-{n}", headers=ADMIN).status_code == 204
            )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert len(statuses) > 20
    assert set(statuses) == {200}

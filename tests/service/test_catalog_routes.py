from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_and_metrics(client: TestClient) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    client.get("/api/items")
    metrics = client.get("/api/metrics")
    assert metrics.status_code == 200
    assert 'tastemaker_requests_total{method="GET",route="/api/items",status="200"}' in metrics.text


def test_not_ready_without_a_model(client: TestClient) -> None:
    response = client.get("/api/ready")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "tastemaker train" in response.json()["detail"]


def test_categories_count_the_whole_catalogue(client: TestClient) -> None:
    body = client.get("/api/categories").json()
    assert sum(c["count"] for c in body["gender"]) == 200
    assert {c["value"] for c in body["gender"]} == {"Men", "Women", "Boys", "Girls", "Unisex"}
    counts = [c["count"] for c in body["article_type"]]
    assert counts == sorted(counts, reverse=True)


def test_items_page_through_the_catalogue_without_gaps(client: TestClient) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 64, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/items", params=params).json()
        assert page["total"] == 200
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 200
    assert seen == sorted(seen)


def test_filters_and_text_search(client: TestClient) -> None:
    page = client.get(
        "/api/items", params={"gender": ["Women", "Girls"], "master_category": "footwear"}
    ).json()
    assert page["total"] > 0
    assert all(i["gender"] in {"Women", "Girls"} for i in page["items"])
    assert all(i["master_category"] == "Footwear" for i in page["items"])
    found = client.get("/api/items", params={"q": "navy shirt"}).json()
    assert found["total"] > 0
    for item in found["items"]:
        text = " ".join(str(v) for v in item.values() if v).lower()
        assert "navy" in text
        assert "shirt" in text


def test_one_item_and_its_image(client: TestClient) -> None:
    item = client.get("/api/items/90001").json()
    assert item["image_url"] == "/api/items/90001/image"
    image = client.get(item["image_url"])
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    assert "max-age" in image.headers["cache-control"]
    assert image.content[:2] == b"\xff\xd8"


def test_unknown_ids_and_traversal_are_404(client: TestClient) -> None:
    for path in (
        "/api/items/nope",
        "/api/items/nope/image",
        "/api/items/..%2F..%2Fetc%2Fpasswd/image",
        "/api/items/%2e%2e/image",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"


def test_bad_parameters_are_problems(client: TestClient) -> None:
    for params in ({"limit": 0}, {"limit": 1000}, {"cursor": "!!!"}):
        response = client.get("/api/items", params=params)
        assert response.status_code in (400, 422), params
        assert response.json()["detail"]


def test_oversized_bodies_are_refused(client: TestClient) -> None:
    response = client.post("/api/recommendations", content=b"x" * 10_000,
                           headers={"content-type": "application/json"})  # fmt: skip
    assert response.status_code == 413

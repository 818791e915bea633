"""Recommendation routes on a real model (the content runtime over MiniLM vectors) and a real
store in a temporary directory."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _ids(client: TestClient, **params: object) -> list[str]:
    return [
        i["id"] for i in client.get("/api/items", params={"limit": 200, **params}).json()["items"]
    ]


def test_onboarding_then_recommendations_with_reasons(model_client: TestClient) -> None:
    assert model_client.get("/api/ready").status_code == 200
    shoes = _ids(model_client, article_type="Sports Shoes")[:3]
    created = model_client.post("/api/users", json={"liked": shoes, "categories": ["Sports Shoes"]})
    assert created.status_code == 201
    user = created.json()["id"]
    body = model_client.get(f"/api/users/{user}/recommendations", params={"k": 5}).json()
    assert len(body["items"]) == 5
    assert not set(shoes) & {r["item"]["id"] for r in body["items"]}  # seen items excluded
    assert all(r["reason"].startswith("because you liked ") for r in body["items"])
    scores = [r["score"] for r in body["items"]]
    assert scores == sorted(scores, reverse=True)
    assert sum(r["item"]["article_type"] == "Sports Shoes" for r in body["items"]) >= 3


def test_filters_and_exclude_seen(model_client: TestClient) -> None:
    liked = _ids(model_client, article_type="Dresses")[:2]
    user = model_client.post("/api/users", json={"liked": liked}).json()["id"]
    filtered = model_client.get(
        f"/api/users/{user}/recommendations", params={"k": 10, "master_category": "Footwear"}
    ).json()["items"]
    assert filtered
    assert all(r["item"]["master_category"] == "Footwear" for r in filtered)
    with_seen = model_client.get(
        f"/api/users/{user}/recommendations", params={"k": 3, "exclude_seen": False}
    ).json()["items"]
    assert {r["item"]["id"] for r in with_seen} & set(liked)


def test_feedback_changes_the_list_at_once(model_client: TestClient) -> None:
    liked = _ids(model_client, article_type="Watches")[:2]
    user = model_client.post("/api/users", json={"liked": liked}).json()["id"]
    before = model_client.get(f"/api/users/{user}/recommendations", params={"k": 6}).json()
    top = before["items"][0]["item"]["id"]
    response = model_client.post(
        f"/api/users/{user}/feedback", json={"item_id": top, "kind": "dislike"}
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    after = model_client.get(f"/api/users/{user}/recommendations", params={"k": 6}).json()
    assert top not in {r["item"]["id"] for r in after["items"]}
    assert after != before


def test_stateless_recommendations_store_nothing(model_client: TestClient) -> None:
    liked = _ids(model_client, article_type="Jeans")[:2]
    body = model_client.post("/api/recommendations", json={"liked": liked}, params={"k": 4}).json()
    assert body["user_id"] is None
    assert len(body["items"]) == 4
    categories_only = model_client.post("/api/recommendations", json={"categories": ["Sandals"]})
    assert categories_only.status_code == 200
    reasons = [r["reason"] for r in categories_only.json()["items"]]
    assert any("Sandals" in r for r in reasons)


def test_similar_items_and_embeddings(model_client: TestClient) -> None:
    similar = model_client.get("/api/items/90001/similar", params={"k": 3}).json()["items"]
    assert len(similar) == 3
    assert "90001" not in {r["item"]["id"] for r in similar}
    embedding = model_client.get("/api/items/90001/embedding").json()
    assert embedding["dim"] == len(embedding["vector"]) == 384
    assert abs(sum(x * x for x in embedding["vector"]) - 1) < 1e-4


def test_bad_input_is_named(model_client: TestClient) -> None:
    unknown = model_client.post("/api/users", json={"liked": ["no-such-item"]})
    assert unknown.status_code == 422
    assert "no-such-item" in unknown.json()["detail"]
    misspelt = model_client.post("/api/users", json={"liked_items": []})
    assert misspelt.status_code == 422
    assert "liked_items" in misspelt.json()["detail"]
    malformed = model_client.post(
        "/api/users", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    assert model_client.get("/api/users/nobody/recommendations").status_code == 404
    rating = model_client.post(
        "/api/users/nobody/feedback", json={"item_id": "90001", "kind": "rating"}
    )
    assert rating.status_code == 422
    assert model_client.get("/api/items/90001/similar", params={"k": 0}).status_code == 422


def test_admin_routes_refuse_missing_or_wrong_tokens(model_client: TestClient) -> None:
    item = {"id": "new-1", "name": "Quill Women Red Linen Dress", "gender": "Women",
            "article_type": "Dresses", "base_colour": "Red"}  # fmt: skip
    assert model_client.post("/api/admin/items", json=item).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert model_client.post("/api/admin/items", json=item, headers=wrong).status_code == 401
    assert model_client.delete("/api/admin/items/90001", headers=wrong).status_code == 401
    assert model_client.post("/api/admin/reload").status_code == 401


def test_admin_items_are_searchable_at_once_and_removable(model_client: TestClient) -> None:
    item = {
        "id": "new-1", "name": "Quill Women Red Linen Dress", "gender": "Women",
        "master_category": "Apparel", "article_type": "Dresses", "base_colour": "Red",
    }  # fmt: skip
    assert model_client.post("/api/admin/items", json=item, headers=ADMIN).status_code == 201
    assert model_client.get("/api/items/new-1").json()["name"] == item["name"]
    similar = model_client.get("/api/items/new-1/similar", params={"k": 5}).json()["items"]
    assert any(r["item"]["article_type"] == "Dresses" for r in similar)
    user = model_client.post("/api/users", json={"liked": [similar[0]["item"]["id"]]}).json()["id"]
    recs = model_client.get(f"/api/users/{user}/recommendations", params={"k": 50}).json()["items"]
    assert "new-1" in {r["item"]["id"] for r in recs}
    assert model_client.delete("/api/admin/items/new-1", headers=ADMIN).status_code == 204
    assert model_client.get("/api/items/new-1").status_code == 404
    recs = model_client.get(f"/api/users/{user}/recommendations", params={"k": 50}).json()["items"]
    assert "new-1" not in {r["item"]["id"] for r in recs}


def test_reload_keeps_users_and_serves_the_new_model(model_client: TestClient) -> None:
    liked = _ids(model_client, article_type="Jackets")[:2]
    user = model_client.post("/api/users", json={"liked": liked}).json()["id"]
    reloaded = model_client.post("/api/admin/reload", headers=ADMIN)
    assert reloaded.status_code == 200
    assert reloaded.json()["users"] >= 1
    assert model_client.get(f"/api/users/{user}/recommendations").status_code == 200

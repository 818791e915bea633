"""The hot path of GET /api/users/{id}/recommendations: it answers exactly what the FastAPI
route would, and leaves everything it does not fully understand to that route."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tastemaker.errors import ConfigError
from tastemaker.index import ItemFilter
from tastemaker.service.deps import _filters
from tastemaker.service.hotpath import RecommendationsQuery, parse_query
from tastemaker.service.recommend import DEFAULT_K


def test_parse_query_reads_what_the_route_reads() -> None:
    assert parse_query(b"") == RecommendationsQuery(DEFAULT_K, True, None)
    assert parse_query(b"k=5&exclude_seen=false&gender=Women&gender=Men&usage=Sports") == (
        RecommendationsQuery(5, False, ItemFilter(gender=["Women", "Men"], usage="Sports"))
    )
    assert parse_query(b"k=100&exclude_seen=1") == RecommendationsQuery(100, True, None)
    assert parse_query(b"article_type=Sports%20Shoes") == RecommendationsQuery(
        DEFAULT_K, True, ItemFilter(article_type="Sports Shoes")
    )


def test_parse_query_leaves_anything_unusual_to_the_route() -> None:
    for raw in (
        b"k=0", b"k=101", b"k=ten", b"k=-1", b"k=%EF%BC%95", b"k=5&k=6", b"exclude_seen=maybe",
        b"exclude_seen=true&exclude_seen=false", b"gender=", b"colour=red", b"k",
        b"&".join([b"season=Summer"] * 51),
    ):  # fmt: skip
        assert parse_query(raw) is None, raw


def _user(client: TestClient) -> str:
    items = client.get("/api/items", params={"article_type": "Watches"}).json()["items"]
    return str(client.post("/api/users", json={"liked": [items[0]["id"]]}).json()["id"])


def test_well_formed_requests_skip_the_route_and_others_reach_it(model_client: TestClient) -> None:
    user = _user(model_client)
    url = f"/api/users/{user}/recommendations"

    async def route_taken() -> dict[str, list[str]]:
        raise ConfigError("the FastAPI route answered")

    model_client.app.dependency_overrides[_filters] = route_taken  # type: ignore[attr-defined]
    try:
        assert model_client.get(url, params={"k": 4, "gender": "Men"}).status_code == 200
        deferred = model_client.get(url, params={"k": 4, "utm_source": "mail"})
        assert deferred.status_code == 400
        assert deferred.json()["detail"] == "the FastAPI route answered"
    finally:
        model_client.app.dependency_overrides.clear()  # type: ignore[attr-defined]


def test_the_hot_path_answers_what_the_route_answers(model_client: TestClient) -> None:
    user = _user(model_client)
    url = f"/api/users/{user}/recommendations"
    state = model_client.app.state.service  # type: ignore[attr-defined]
    for params in ({}, {"k": 3}, {"k": 7, "master_category": "Footwear"},
                   {"k": 5, "exclude_seen": "false", "gender": ["Men", "Women"]}):  # fmt: skip
        state.results.clear()
        hot = model_client.get(url, params=params)
        state.results.clear()
        routed = model_client.get(url, params={**params, "unknown_parameter": "1"})
        assert hot.status_code == routed.status_code == 200
        assert hot.content == routed.content
        assert hot.headers["content-type"] == routed.headers["content-type"]
        assert hot.headers["content-length"] == routed.headers["content-length"]


def test_errors_come_from_the_route_as_problem_details(model_client: TestClient) -> None:
    user = _user(model_client)
    unknown = model_client.get("/api/users/nobody/recommendations", params={"k": 3})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert "nobody" in unknown.json()["detail"]
    for params in ({"k": 0}, {"k": "ten"}, {"exclude_seen": "maybe"}):
        bad = model_client.get(f"/api/users/{user}/recommendations", params=params)
        assert bad.status_code == 422, params
        assert bad.json()["title"] == "Invalid request"


def test_hot_requests_are_counted_under_the_route(model_client: TestClient) -> None:
    user = _user(model_client)
    for _ in range(3):
        assert model_client.get(f"/api/users/{user}/recommendations").status_code == 200
    metrics = model_client.get("/api/metrics").text
    line = next(
        m for m in metrics.splitlines()
        if m.startswith("tastemaker_requests_total{")
        and 'route="/api/users/{user_id}/recommendations"' in m and 'status="200"' in m
    )  # fmt: skip
    assert float(line.rsplit(" ", 1)[1]) >= 3


def test_cors_headers_still_apply(model_client: TestClient) -> None:
    user = _user(model_client)
    origin = model_client.app.state.service.settings.cors_origins  # type: ignore[attr-defined]
    response = model_client.get(f"/api/users/{user}/recommendations", headers={"Origin": origin[0]})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin[0]

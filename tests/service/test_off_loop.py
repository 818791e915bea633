"""Blocking work runs off the event loop: one slow search delays its own request only, and a
failure nobody planned for answers a problem document, never a traceback."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tastemaker.errors import EncoderError


def _first_items(client: TestClient, n: int) -> list[str]:
    return [i["id"] for i in client.get("/api/items", params={"limit": n}).json()["items"]]


def test_a_slow_search_does_not_stall_other_requests(
    model_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    liked = _first_items(model_client, 2)
    user = model_client.post("/api/users", json={"liked": liked}).json()["id"]
    retriever = model_client.app.state.service.runtime.retriever  # type: ignore[attr-defined]
    real_search = retriever.search
    searching, release = threading.Event(), threading.Event()

    def held_search(*args: Any, **kwargs: Any) -> Any:
        searching.set()
        assert release.wait(10), "the test never released the search"
        return real_search(*args, **kwargs)

    monkeypatch.setattr(retriever, "search", held_search)
    slow: list[int] = []
    reader = threading.Thread(
        target=lambda: slow.append(
            model_client.get(f"/api/users/{user}/recommendations").status_code
        )
    )
    reader.start()
    assert searching.wait(10)
    answered: list[int] = []
    other = threading.Thread(
        target=lambda: answered.append(model_client.get("/api/health").status_code)
    )
    other.start()
    other.join(5)
    stalled = other.is_alive()
    release.set()
    reader.join(10)
    other.join(10)
    assert not stalled, "/api/health waited for a search held in another request"
    assert answered == [200]
    assert slow == [200]


def test_an_encoder_failure_is_a_503_problem(
    model_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = model_client.app.state.service.runtime  # type: ignore[attr-defined]

    def broken(*_: Any) -> Any:
        raise EncoderError("minilm: the model file is corrupt")

    monkeypatch.setattr(runtime, "encode_users", broken)
    monkeypatch.setattr(model_client.app.state.service, "_batchers", {})  # type: ignore[attr-defined]
    response = model_client.post(
        "/api/recommendations", json={"liked": _first_items(model_client, 1)}
    )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "minilm: the model file is corrupt"


def test_an_unexpected_exception_is_a_500_problem_without_internals(
    model_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = model_client.app.state.service.runtime  # type: ignore[attr-defined]

    def bug(*_: Any) -> Any:
        raise KeyError("row 17 of /secret/path")

    monkeypatch.setattr(runtime, "similar_queries", bug)
    item = _first_items(model_client, 1)[0]
    quiet = TestClient(model_client.app, raise_server_exceptions=False)
    response = quiet.get(f"/api/items/{item}/similar")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Internal error"
    assert "secret" not in body["detail"]
    assert "KeyError" in body["detail"]

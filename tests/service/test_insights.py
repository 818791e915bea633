"""GET /api/insights: persona and rating counts, raw and calibrated histograms, model metrics."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tastemaker.ratings.records import RatingKey, RatingRecord, insert_rating
from tastemaker.ratings.scale import ANSWERS
from tastemaker.ratings.strategies import RatingOutcome
from tastemaker.service.app import create_app
from tastemaker.settings import Settings
from tastemaker.store import Store, open_store

KEY = RatingKey(template_version="v-test", model="test-model", strategy="logprobs")


def _rate(store: Store, persona: str, item: str, answer: int | None) -> None:
    outcome = RatingOutcome(answer=answer, error=None if answer is not None else "unparsable")
    record = RatingRecord(persona, item, KEY, "test-server", 0.0, 0, outcome)
    insert_rating(store, record, run_id=None)


def _seed_ratings(store_path: Path) -> None:
    """Two personas; raw answers piled on 6 and 8 (and one failure); the calibrated spread."""
    with open_store(store_path) as store:
        items = [row[0] for row in store.conn.execute("SELECT id FROM items ORDER BY id LIMIT 4")]
        with store.transaction() as conn:
            for pid in ("p1", "p2"):
                conn.execute(
                    "INSERT INTO personas (id, name, gender, bio) VALUES (?, ?, 'Women', 'x')",
                    (pid, pid.upper()),
                )
        for persona, answers in (("p1", (6, 8, 8, 6)), ("p2", (8, 6, 8, None))):
            for item, answer in zip(items, answers, strict=True):
                _rate(store, persona, item, answer)
        with store.transaction() as conn:  # calibration spreads p1's answers
            for item, value in zip(items, (-1, 3, 9, 10), strict=True):
                conn.execute(
                    "UPDATE ratings SET calibrated = ? WHERE persona_id = 'p1' AND item_id = ?",
                    (value, item),
                )


def _histogram(body: dict[str, object], name: str) -> dict[int, int]:
    bins = body[name]
    assert isinstance(bins, list)
    assert [b["rating"] for b in bins] == list(ANSWERS)  # all 11 answers, in scale order
    return {b["rating"]: b["count"] for b in bins if b["count"]}


def test_empty_store_has_zero_counts_and_no_model(client: TestClient) -> None:
    body = client.get("/api/insights").json()
    assert body["personas"] == body["ratings"] == body["calibrated_ratings"] == 0
    assert body["items"] == 200
    assert _histogram(body, "raw_histogram") == {}
    assert _histogram(body, "calibrated_histogram") == {}
    assert body["model_version"] is None
    assert body["model_metrics"] is None


def test_histograms_count_raw_and_calibrated_answers(
    client: TestClient, settings: Settings
) -> None:
    _seed_ratings(settings.store_path)  # another connection, like the `ratings` command
    body = client.get("/api/insights").json()
    assert body["personas"] == 2
    assert body["ratings"] == 7
    assert body["failed_ratings"] == 1
    assert body["calibrated_ratings"] == 4
    assert _histogram(body, "raw_histogram") == {6: 3, 8: 4}
    assert _histogram(body, "calibrated_histogram") == {-1: 1, 3: 1, 9: 1, 10: 1}


def test_counts_follow_new_ratings_written_by_another_process(
    client: TestClient, settings: Settings
) -> None:
    assert client.get("/api/insights").json()["ratings"] == 0  # now cached
    _seed_ratings(settings.store_path)
    assert client.get("/api/insights").json()["ratings"] == 7


@pytest.fixture
def metrics_client(tmp_path: Path, embedded_template: Path) -> Iterator[tuple[TestClient, Path]]:
    from tastemaker.service.loading import load_runtime

    data = tmp_path / "data"
    shutil.copytree(embedded_template, data)
    with TestClient(create_app(Settings(data_dir=data), runtime_loader=load_runtime)) as client:
        yield client, data


def test_model_version_and_exported_metrics(metrics_client: tuple[TestClient, Path]) -> None:
    client, data = metrics_client
    body = client.get("/api/insights").json()
    assert body["model_version"].startswith("content:")
    assert body["trained_on"] == []  # the content model learnt from no ratings
    assert body["model_metrics"] is None  # the content model exports no metrics
    model_dir = data / "models" / "two-tower-1"
    model_dir.mkdir(parents=True)
    (model_dir / "metrics.json").write_text(
        json.dumps({"recall@10": 0.31, "ndcg": {"10": 0.2}, "note": "text", "nan": float("nan")})
    )
    metrics = client.get("/api/insights").json()["model_metrics"]
    assert metrics == {"model": "two-tower-1", "values": {"recall@10": 0.31, "ndcg.10": 0.2}}


def test_unreadable_metrics_are_left_out(metrics_client: tuple[TestClient, Path]) -> None:
    client, data = metrics_client
    (data / "models" / "broken").mkdir(parents=True)
    (data / "models" / "broken" / "metrics.json").write_text("{not json")
    response = client.get("/api/insights")
    assert response.status_code == 200
    assert response.json()["model_metrics"] is None


def test_operation_id_for_the_web_client(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/insights"]["get"]
    assert operation["operationId"] == "getInsights"


def test_a_two_tower_model_says_what_it_was_trained_on(two_tower_client: TestClient) -> None:
    runtime = two_tower_client.app.state.service.runtime  # type: ignore[attr-defined]
    body = two_tower_client.get("/api/insights").json()
    assert body["model_version"] == runtime.version
    assert runtime.model.trained_on, "the fixture's export records its sources"
    assert len(body["trained_on"]) == len(runtime.model.trained_on)
    source = runtime.model.trained_on[0]
    assert f"{source['rows']} rows" in body["trained_on"][0]

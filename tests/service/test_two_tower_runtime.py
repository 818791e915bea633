"""The service on a trained two-tower export: ranking identical to the model's scores,
fold-in of users and of items the model never saw, reload to a newer version."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tastemaker.catalog.schema import Item
from tastemaker.index import ItemFilter
from tastemaker.model import TrainingRun, run_training
from tastemaker.service.app import build_state
from tastemaker.service.loading import load_runtime
from tastemaker.service.twotower import TwoTowerRuntime
from tastemaker.settings import Settings
from tastemaker.store import open_store
from tastemaker.store.items import upsert_items
from tastemaker.store.users import UserProfile
from tests.service.conftest import ADMIN_TOKEN, PLANTED

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _runtime(data_dir: Path) -> TwoTowerRuntime:
    state = build_state(Settings(data_dir=data_dir), load_runtime)
    assert isinstance(state.runtime, TwoTowerRuntime)
    return state.runtime


def _ids(client: TestClient, **params: object) -> list[str]:
    items = client.get("/api/items", params={"limit": 200, **params}).json()["items"]
    return [i["id"] for i in items]


def test_the_index_ranks_exactly_as_the_model_scores(two_tower_dir: Path) -> None:
    runtime = _runtime(two_tower_dir)
    model = runtime.model
    watches = [i for i in runtime.retriever.ids if runtime.metadata.value("article_type",
               runtime.table[i]) == "Watches"][:3]  # fmt: skip
    queries = runtime.encode_users([UserProfile(liked=tuple(watches)), UserProfile()])
    hits = runtime.retriever.search(queries, 20)
    for query, found in zip(queries, hits, strict=True):
        user = query[: model.dim] / np.linalg.norm(query[: model.dim])
        scores = model.scores(user)
        expected = [model.item_ids[i] for i in np.argsort(-scores, kind="stable")[:20]]
        assert [h.item_id for h in found][:10] == expected[:10]
        # and the index's cosine is the model's score, rescaled
        top = np.sort(scores)[::-1][:20]
        got = np.array([h.score for h in found]) * np.sqrt(2) * runtime.lift / model.temperature
        np.testing.assert_allclose(got, top, rtol=1e-4, atol=1e-4)


def test_onboarding_gets_the_planted_taste(two_tower_client: TestClient) -> None:
    ready = two_tower_client.get("/api/ready")
    assert ready.status_code == 200
    shoes = _ids(two_tower_client, article_type="Sports Shoes")
    user = two_tower_client.post("/api/users", json={"liked": shoes[:3]}).json()["id"]
    body = two_tower_client.get(f"/api/users/{user}/recommendations", params={"k": 5}).json()
    assert body["model_version"] == "two-tower:v1"
    types = [r["item"]["article_type"] for r in body["items"]]
    assert types.count("Sports Shoes") >= 4, types
    assert not set(shoes[:3]) & {r["item"]["id"] for r in body["items"]}
    by_category = two_tower_client.post(
        "/api/recommendations", json={"categories": ["Watches"]}, params={"k": 5}
    ).json()["items"]
    assert [r["item"]["article_type"] for r in by_category].count("Watches") >= 4


def test_filters_similar_items_and_embeddings(two_tower_client: TestClient) -> None:
    jackets = _ids(two_tower_client, article_type="Jackets")
    user = two_tower_client.post("/api/users", json={"liked": jackets[:2]}).json()["id"]
    footwear = two_tower_client.get(
        f"/api/users/{user}/recommendations", params={"k": 8, "master_category": "Footwear"}
    ).json()["items"]
    assert len(footwear) == 8
    assert {r["item"]["master_category"] for r in footwear} == {"Footwear"}
    similar = two_tower_client.get(f"/api/items/{jackets[0]}/similar", params={"k": 4}).json()
    assert jackets[0] not in {r["item"]["id"] for r in similar["items"]}
    assert [r["item"]["article_type"] for r in similar["items"]].count("Jackets") >= 3
    embedding = two_tower_client.get(f"/api/items/{jackets[0]}/embedding").json()
    assert embedding["dim"] == len(embedding["vector"]) == 16
    assert abs(sum(x * x for x in embedding["vector"]) - 1) < 1e-4


def test_an_admin_item_is_served_and_can_be_liked(two_tower_client: TestClient) -> None:
    item = {"id": "new-watch", "name": "Orbit Men Steel Chronograph Watch", "gender": "Men",
            "master_category": "Accessories", "sub_category": "Watches",
            "article_type": "Watches", "base_colour": "Silver"}  # fmt: skip
    assert two_tower_client.post("/api/admin/items", json=item, headers=ADMIN).status_code == 201
    watches = _ids(two_tower_client, article_type="Watches")
    user = two_tower_client.post("/api/users", json={"liked": watches[:3]}).json()["id"]
    recs = two_tower_client.get(f"/api/users/{user}/recommendations", params={"k": 12}).json()
    assert "new-watch" in {r["item"]["id"] for r in recs["items"]}
    fan = two_tower_client.post("/api/users", json={"liked": ["new-watch"]})
    assert fan.status_code == 201
    fan_recs = two_tower_client.get(
        f"/api/users/{fan.json()['id']}/recommendations", params={"k": 5}
    ).json()["items"]
    assert [r["item"]["article_type"] for r in fan_recs].count("Watches") >= 3


def test_items_imported_after_training_are_folded_in_at_load(two_tower_dir: Path) -> None:
    late = Item(id="late-1", name="Orbit Women Rose Gold Watch", gender="Women",
                master_category="Accessories", sub_category="Watches", article_type="Watches",
                base_colour="Gold")  # fmt: skip
    with open_store(two_tower_dir / "tastemaker.sqlite") as store:
        upsert_items(store, [late], source="test")
    runtime = _runtime(two_tower_dir)
    assert "late-1" in runtime.retriever
    assert "late-1" in runtime.table
    query = runtime.encode_users([UserProfile(categories=("Watches",))])
    found = runtime.retriever.search(query, 30, filter=ItemFilter(article_type="Watches"))[0]
    assert "late-1" in {h.item_id for h in found}


def test_reload_serves_a_newer_version_and_keeps_users(
    two_tower_dir: Path, two_tower_client: TestClient
) -> None:
    shoes = _ids(two_tower_client, article_type="Sports Shoes")
    user = two_tower_client.post("/api/users", json={"liked": shoes[:2]}).json()["id"]
    config = (two_tower_dir / "models" / "v1" / "config.json").read_text()
    run = TrainingRun.model_validate(json.loads(config)["run"])
    with open_store(two_tower_dir / "tastemaker.sqlite") as store:
        run_training(run.model_copy(update={"version": "v2"}), data_dir=two_tower_dir, store=store)
    reloaded = two_tower_client.post("/api/admin/reload", headers=ADMIN).json()
    assert reloaded == {"model_version": "two-tower:v2", "users": 1}
    recs = two_tower_client.get(f"/api/users/{user}/recommendations").json()
    assert recs["model_version"] == "two-tower:v2"


def test_a_configured_version_is_served_and_a_missing_one_named(two_tower_dir: Path) -> None:
    from tastemaker.errors import NotFoundError

    state = build_state(Settings(data_dir=two_tower_dir, model_version="v1"), load_runtime)
    assert state.runtime is not None
    assert state.runtime.version == "two-tower:v1"
    with pytest.raises(NotFoundError, match="'v9'"):
        build_state(Settings(data_dir=two_tower_dir, model_version="v9"), load_runtime)


def test_insights_show_the_served_models_metrics(two_tower_client: TestClient) -> None:
    insights = two_tower_client.get("/api/insights").json()
    assert insights["model_version"] == "two-tower:v1"
    assert insights["model_metrics"]["model"] == "v1"
    assert "val_ndcg_at_10" in insights["model_metrics"]["values"]


def test_a_fine_tuned_model_folds_new_items_in_through_its_tuned_text_tower(
    data_dir: Path, tmp_path: Path
) -> None:
    from tastemaker.catalog.text import item_text
    from tastemaker.embed import EmbeddingCache, get_text_encoder
    from tastemaker.model import DataConfig, ModelConfig, TrainConfig, fold_in_items
    from tastemaker.model.text_prefix import tuned_encoder
    from tastemaker.store.items import iter_items
    from tests.embed.helpers import save_tiny_clip
    from tests.model.store_helpers import plant_tastes

    clip = save_tiny_clip(tmp_path / "clip")
    run = TrainingRun(
        data=DataConfig(),
        model=ModelConfig(dim=16, encoder=f"clip:{clip}", finetune_blocks=1),
        train=TrainConfig(
            max_steps=20, batch_users=6, eval_every=10, lr=0.01, finetune_lr=1e-3,
            negatives="in_batch",
        ),
        version="v1",
    )  # fmt: skip
    late = Item(id="late-1", name="Orbit Women Rose Gold Watch", gender="Women",
                master_category="Accessories", sub_category="Watches", article_type="Watches",
                base_colour="Gold")  # fmt: skip
    with open_store(data_dir / "tastemaker.sqlite") as store:
        items = list(iter_items(store))
        plant_tastes(store, [[i.id for i in items if i.article_type == t] for t in PLANTED])
        run_training(run, data_dir=data_dir, store=store)
        upsert_items(store, [late], source="test")  # after training: folded in at load
    runtime = _runtime(data_dir)
    model = runtime.model
    assert model.text_tail is not None
    added = Item(id="new-1", name="Roadster Men Navy Jacket", gender="Men",
                 article_type="Jackets", base_colour="Navy Blue")  # fmt: skip
    rows = runtime.encode_items([added])
    encoder = tuned_encoder(model)
    for item, got in ((late, runtime.retriever.vectors_of(["late-1"])[0]), (added, rows[0])):
        record = [{f: getattr(item, f, None) for f in model.item_fields}]
        text = encoder.encode_texts([item_text(item)])
        expected = runtime._rows(*fold_in_items(model, record, text))[0]
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
        frozen = get_text_encoder(model.config.encoder).encode_texts([item_text(item)])
        assert not np.allclose(runtime._rows(*fold_in_items(model, record, frozen))[0], got)
    with open_store(data_dir / "tastemaker.sqlite") as store:
        assert EmbeddingCache(store).count(encoder.id) == 2  # through the store's cache

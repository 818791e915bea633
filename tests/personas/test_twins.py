"""Twins of real users: built from what they may see, shown in the rating prompt, rated like
any persona."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tastemaker.catalog.importer import import_catalog
from tastemaker.catalog.text import item_text
from tastemaker.datasets.importer import import_interactions, import_users
from tastemaker.datasets.interactions import InteractionsMapping
from tastemaker.datasets.real_users import UsersMapping
from tastemaker.personas.twins import build_twins, save_twins
from tastemaker.ratings.prompts import load_template
from tastemaker.ratings.sources import store_personas
from tastemaker.store import Store, open_store
from tastemaker.store.items import get_item
from tastemaker.store.real import load_interactions, real_user_attributes
from tests.ratings.test_cli import MODEL, _cli


def _frame(rows: list[tuple[str, str, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"user_id": u, "item_id": i, "kind": "rating", "timestamp": t, "value": v,
          "scale": "1-5", "rating": 1 + 9 * (v - 1) / 4, "weight": 1.0} for u, i, v, t in rows]
    )  # fmt: skip


def test_recent_history_is_the_last_k_oldest_first() -> None:
    frame = _frame([("u", f"i{t}", 3.0, t) for t in (5, 1, 4, 2, 3)])
    (twin,), skipped = build_twins("shop", frame, {}, k=3, choose="recent")
    assert skipped == {}
    assert [h.item_id for h in twin.history] == ["i3", "i4", "i5"]
    assert twin.cutoff == 5


def test_telling_history_alternates_the_most_liked_and_disliked() -> None:
    values = {"a": 5.0, "b": 1.0, "c": 3.0, "d": 4.0, "e": 2.0, "f": 3.0}
    frame = _frame([("u", i, v, t) for t, (i, v) in enumerate(values.items())])
    (twin,), _ = build_twins("shop", frame, {}, k=4, choose="telling")
    # mean 3: a (+2) and b (-2) first, then d (+1) and e (-1); shown in time order
    assert [h.item_id for h in twin.history] == ["a", "b", "d", "e"]


def test_too_little_history_skips_the_user_with_the_reason() -> None:
    frame = _frame([("rich", "a", 4, 1), ("rich", "b", 2, 2), ("poor", "a", 5, 1)])
    twins, skipped = build_twins("shop", frame, {}, min_history=2)
    assert [t.user_id for t in twins] == ["rich"]
    assert skipped == {"poor": "1 interaction(s), fewer than --min-history 2"}


def test_another_history_is_another_persona() -> None:
    frame = _frame([("u", f"i{t}", 4.0, t) for t in range(6)])
    (short,), _ = build_twins("shop", frame, {}, k=2)
    (long,), _ = build_twins("shop", frame, {}, k=5)
    (again,), _ = build_twins("shop", frame, {}, k=2)
    assert short.persona.id != long.persona.id
    assert short.persona.id == again.persona.id


@pytest.fixture
def shop(store: Store, sample_catalog: Path, tmp_path: Path) -> Store:
    import_catalog(store, sample_catalog)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(
        "user,item,rating,timestamp\nana,90001,5,10\nana,90002,1,20\nana,90003,4,30\n"
        "ana,90004,5,40\nbo,90001,2,10\n"
    )
    import_interactions(store, ratings, InteractionsMapping(scale="1-5"), dataset="shop")
    users = tmp_path / "users.csv"
    users.write_text("user,age,gender,occupation\nana,41,F,architect\n")
    import_users(store, users, UsersMapping(), dataset="shop")
    return store


def test_the_prompt_shows_the_twins_history_and_nothing_held_out(shop: Store) -> None:
    everything = load_interactions(shop, ["shop"])
    seen = everything[everything["timestamp"] < 40]  # the last rating is held out
    twins, skipped = build_twins("shop", seen, real_user_attributes(shop, "shop"), min_history=2)
    assert [t.user_id for t in twins] == ["ana"]
    assert "bo" in skipped
    save_twins(shop, twins)
    (view,) = store_personas(shop, twins=True)
    assert store_personas(shop, twins=False) == []
    prompt = load_template().render(view, "an item", "inst").text
    assert prompt is not None
    first, second, held_out = (get_item(shop, i) for i in ("90001", "90002", "90004"))
    assert first is not None
    assert second is not None
    assert held_out is not None
    assert f"- rated 5 on a 1-5 scale: {item_text(first)}" in prompt
    assert f"- rated 1 on a 1-5 scale: {item_text(second)}" in prompt
    assert item_text(held_out) not in prompt
    assert "41 years old, woman, architect" in prompt
    assert prompt.index(item_text(first)) < prompt.index(item_text(second))  # oldest first


@pytest.mark.llm
def test_twins_are_rated_through_the_same_command(tmp_path: Path, sample_catalog: Path) -> None:
    assert _cli(tmp_path, "catalog", "import", str(sample_catalog)).returncode == 0
    ratings = tmp_path / "r.csv"
    ratings.write_text("user,item,event\nana,90001,purchase\nana,90002,purchase\nana,90003,view\n")
    assert _cli(tmp_path, "interactions", "import", str(ratings)).returncode == 0
    made = _cli(tmp_path, "personas", "twin", "--min-history", "3")
    assert made.returncode == 0, made.stderr
    assert "1 twins of real users saved" in made.stdout
    rated = _cli(tmp_path, "ratings", "generate", "--twins", "--per-persona", "2",
                 "--model", MODEL)  # fmt: skip
    assert rated.returncode == 0, rated.stderr
    with open_store(tmp_path / "tastemaker.sqlite") as opened:
        rows = opened.conn.execute("SELECT persona_id, answer, error FROM ratings").fetchall()
    assert len(rows) == 2
    assert all(r["persona_id"].startswith("twin-real-ana-") for r in rows)
    assert all((r["answer"] is None) == (r["error"] is not None) for r in rows)

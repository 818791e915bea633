"""Importing real users and interactions: every good row stored once, every bad one named."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from tastemaker.catalog.schema import Item
from tastemaker.datasets.importer import import_interactions, import_users
from tastemaker.datasets.interactions import InteractionsMapping
from tastemaker.datasets.real_users import UsersMapping
from tastemaker.errors import ConfigError
from tastemaker.mapping import load_mapping
from tastemaker.store import Store
from tastemaker.store.items import upsert_items
from tastemaker.store.real import load_interactions, real_user_attributes
from tastemaker.store.users import UserProfile, create_user, record_feedback

ARTICLES = [f"0{random.Random(i).randrange(10**8, 10**9)}" for i in range(60)]


@pytest.fixture
def catalogue(store: Store) -> Store:
    upsert_items(store, [Item(id=a, name=f"Article {a}") for a in ARTICLES], source="test")
    return store


def _hm_transactions(path: Path, rows: int) -> list[list[str]]:
    """``rows`` lines in the H&M transactions layout, with repeated baskets (two of one article
    bought together is two identical lines there)."""
    rng = random.Random(7)
    customers = [f"{rng.getrandbits(256):064x}" for _ in range(150)]
    lines: list[list[str]] = []
    while len(lines) < rows:
        line = [f"2020-09-{rng.randint(1, 22):02d}", rng.choice(customers), rng.choice(ARTICLES),
                f"{rng.random() / 10:.16f}", str(rng.choice((1, 2)))]  # fmt: skip
        lines.extend([line] * min(rng.choice((1, 1, 1, 2)), rows - len(lines)))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["t_dat", "customer_id", "article_id", "price", "sales_channel_id"])
        writer.writerows(lines)
    return lines


def _hm_mapping() -> InteractionsMapping:
    return load_mapping(
        InteractionsMapping, None, ["t_dat=timestamp", "customer_id=user", "article_id=item"],
        event="purchase",
    )  # fmt: skip


def test_five_thousand_hm_transactions_import_as_purchases_with_none_lost(
    catalogue: Store, tmp_path: Path
) -> None:
    path = tmp_path / "transactions_train.csv"
    lines = _hm_transactions(path, 5000)
    assert len({tuple(line) for line in lines}) < 5000  # the file does repeat lines
    summary = import_interactions(catalogue, path, _hm_mapping(), dataset="hm")
    assert (summary.rows_read, summary.stored.inserted, summary.rejected) == (5000, 5000, [])
    assert summary.by_kind == {"purchase": 5000}
    frame = load_interactions(catalogue, ["hm"])
    assert len(frame) == 5000
    assert set(frame["source"]) == {"real"}
    assert set(frame["kind"]) == {"purchase"}
    assert frame["weight"].eq(1.0).all()
    assert frame["rating"].isna().all()
    assert set(frame["item_id"]) <= set(ARTICLES)  # leading zeros kept
    assert frame["timestamp"].min() >= 1598918400  # 2020-09-01 UTC

    again = import_interactions(catalogue, path, _hm_mapping(), dataset="hm")
    assert (again.stored.inserted, again.stored.updated, again.stored.unchanged) == (0, 0, 5000)
    assert len(load_interactions(catalogue, ["hm"])) == 5000


def test_ratings_are_kept_on_their_scale_and_mapped_onto_the_models(
    catalogue: Store, tmp_path: Path
) -> None:
    path = tmp_path / "ratings.csv"
    a, b, c = ARTICLES[:3]
    path.write_text(
        "userId,movieId,rating,timestamp\n"
        f"u1,{a},4.5,964982703\nu1,{b},0.5,964982704\nu2,{a},six,1\nu2,nowhere,3,1\n"
        f"u2,{c},5.5,1\n,{a},3,1\nu3,{c},3,yesterday\nu3,{b},2.75,2018-09-20T10:00:00Z\n"
    )
    mapping = load_mapping(
        InteractionsMapping, None, ["userId=user", "movieId=item"], scale="0.5-5"
    )
    summary = import_interactions(catalogue, path, mapping, dataset="ml")
    assert summary.rows_read == 8
    assert summary.stored.inserted == 3
    assert [(p.line, p.reason.split(":")[0]) for p in summary.rejected] == [
        (4, "rating"), (5, "item"), (6, "rating"), (7, "user"), (8, "timestamp"),
    ]  # fmt: skip
    assert "'nowhere'" in summary.rejected[1].reason
    assert "six" in summary.rejected[0].reason
    assert any("1 item(s) not in the catalogue" in n and "nowhere" in n for n in summary.notes)
    frame = load_interactions(catalogue, ["ml"]).set_index(["user_id", "item_id"])
    assert frame.loc[("u1", a), "value"] == 4.5
    assert frame.loc[("u1", a), "rating"] == 9.0
    assert frame.loc[("u1", b), "rating"] == 1.0
    assert frame.loc[("u3", b), "rating"] == pytest.approx(5.5)
    assert frame.loc[("u3", b), "timestamp"] == 1537437600
    assert set(frame["scale"]) == {"0.5-5"}


def test_users_are_added_bare_when_only_interactions_name_them(
    catalogue: Store, tmp_path: Path
) -> None:
    path = tmp_path / "clicks.jsonl"
    path.write_text(
        f'{{"user": "x", "item": "{ARTICLES[0]}", "event": "click"}}\n'
        f'{{"user": "y", "item": "{ARTICLES[1]}", "event": "view", "weight": 0.05}}\n'
        f'{{"user": "y", "item": "{ARTICLES[1]}", "event": "wishlist"}}\n'
    )
    summary = import_interactions(catalogue, path, InteractionsMapping(), dataset="shop")
    assert [p.line for p in summary.rejected] == [3]
    assert "wishlist" in summary.rejected[0].reason
    assert any("2 user(s)" in n and "x, y" in n for n in summary.notes)
    assert real_user_attributes(catalogue, "shop") == {"x": {}, "y": {}}
    frame = load_interactions(catalogue, ["shop"])
    assert sorted(zip(frame["kind"], frame["weight"], strict=True)) == [
        ("click", 0.3),
        ("view", 0.05),
    ]


@pytest.mark.parametrize(
    ("header", "mapping", "message"),
    [("user,item,stars", InteractionsMapping(columns={"stars": "rating"}), "declare their scale"),
     ("user,item", InteractionsMapping(), "no rating or event column"),
     ("uid,item,rating", InteractionsMapping(scale="1-5"), "no column for 'user'"),
     ("user,item", InteractionsMapping(columns={"who": "user"}), "not in the header"),
     ("user,item", InteractionsMapping(columns={"item": "product"}), "unknown field")],
)  # fmt: skip
def test_layouts_that_cannot_work_fail_before_storing_anything(
    catalogue: Store, tmp_path: Path, header: str, mapping: InteractionsMapping, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        f"{header}\n" + ",".join(["u", ARTICLES[0], "3"][: header.count(",") + 1]) + "\n"
    )
    with pytest.raises(ConfigError, match=message):
        import_interactions(catalogue, path, mapping, dataset="bad")
    assert load_interactions(catalogue).empty


def test_a_mapping_file_is_read_and_refuses_unknown_keys(tmp_path: Path) -> None:
    good = tmp_path / "hm.toml"
    good.write_text(
        'event = "purchase"\n[columns]\ncustomer_id = "user"\n[values.event]\n"1" = "purchase"\n'
    )
    mapping = load_mapping(InteractionsMapping, good, ["article_id=item"], ["event:2=click"])
    assert mapping.columns == {"customer_id": "user", "article_id": "item"}
    assert mapping.values == {"event": {"1": "purchase", "2": "click"}}
    assert (mapping.event, mapping.map_value("event", "2")) == ("purchase", "click")
    typo = tmp_path / "typo.toml"
    typo.write_text('[colums]\nx = "user"\n')
    with pytest.raises(ConfigError, match="colums"):
        load_mapping(InteractionsMapping, typo)
    with pytest.raises(ConfigError, match="expected field:source_value=target_value"):
        load_mapping(InteractionsMapping, None, values=["gender=F"])


def test_users_import_reads_attributes_and_counts_unknown_genders(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "customer_id,age,gender,postal_code,club\n"
        "c1,34,F,123,ACTIVE\nc2,,Ladieswear,456,\nc3,twelve,M,789,\nc1,35,F,1,\nc4,51,m,,PRE\n"
    )
    mapping = load_mapping(UsersMapping, None, ["customer_id=user", "club=membership"],
                           ["gender:Ladieswear=woman"])  # fmt: skip
    summary = import_users(store, path, mapping, dataset="hm")
    assert summary.rows_read == 5
    assert [(p.line, p.reason.split(":")[0]) for p in summary.rejected] == [(4, "age"), (5, "user")]
    assert "columns left out: postal_code" in summary.notes
    assert real_user_attributes(store, "hm") == {
        "c1": {"age": 34, "gender": "woman", "membership": "ACTIVE"},
        "c2": {"gender": "woman"},
        "c4": {"age": 51, "gender": "man", "membership": "PRE"},
    }
    unmapped = import_users(store, path, load_mapping(UsersMapping, None, ["customer_id=user"]),
                            dataset="hm")  # fmt: skip
    assert "gender: 'Ladieswear' unknown in 1 row(s) (stored empty)" in unmapped.notes
    assert real_user_attributes(store, "hm")["c2"] == {"gender": "woman"}  # merged, not erased


def test_web_feedback_reads_back_as_real_feedback_on_the_model_scale(catalogue: Store) -> None:
    user = create_user(catalogue, UserProfile())
    record_feedback(catalogue, user.id, ARTICLES[0], "like", None)
    record_feedback(catalogue, user.id, ARTICLES[1], "dislike", None)
    record_feedback(catalogue, user.id, ARTICLES[2], "rating", 7)
    frame = load_interactions(catalogue, ["web"]).set_index("item_id")
    assert set(frame["source"]) == {"web"}
    assert frame.loc[ARTICLES[0], "rating"] == 10.0
    assert frame.loc[ARTICLES[1], "rating"] == -1.0
    assert frame.loc[ARTICLES[2], "rating"] == 7.0
    assert load_interactions(catalogue, ["hm"]).empty

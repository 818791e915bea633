"""A fidelity run end to end: real store, twins from the training side, baselines, report."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tastemaker.catalog.importer import import_catalog
from tastemaker.datasets.importer import import_interactions
from tastemaker.datasets.interactions import InteractionsMapping
from tastemaker.ratings.fidelity.report import write_report
from tastemaker.ratings.fidelity.run import FidelityOptions, prepare, score_run
from tastemaker.store import Store
from tests.ratings.test_cli import MODEL, _cli


def _shop(store: Store, sample_catalog: Path, tmp_path: Path) -> Path:
    """30 users who each like one gender's items (5 stars) and rate the rest low, in time."""
    import_catalog(store, sample_catalog)
    items = [(row[0], row[1]) for row in store.conn.execute("SELECT id, gender FROM items")]
    rng = random.Random(3)
    lines = ["user,item,rating,timestamp"]
    for u in range(30):
        taste = "Women" if u % 2 else "Men"
        for t, (item, gender) in enumerate(rng.sample(items, 14)):
            lines.append(f"u{u},{item},{5 if gender == taste else 1},{1000 + t}")
    path = tmp_path / "ratings.csv"
    path.write_text("\n".join(lines) + "\n")
    import_interactions(store, path, InteractionsMapping(scale="1-5"), dataset="shop")
    return path


OPTIONS = FidelityOptions(dataset="shop", users=25, min_history=5, holdout=0.3,
                          positives_per_user=1, agreement_per_user=2, ratios=(1, 3),
                          min_users=10)  # fmt: skip


def test_twins_see_only_the_training_side_and_every_entry_is_scored(
    store: Store, sample_catalog: Path, tmp_path: Path
) -> None:
    _shop(store, sample_catalog, tmp_path)
    prepared = prepare(store, OPTIONS)
    assert len(prepared.twins) == len(prepared.cases.users) == 25
    held = {(r.user_id, r.item_id) for r in prepared.cases.held_out.itertuples()}
    for user, twin in prepared.twins.items():
        assert not {(user, h.item_id) for h in twin.history} & held
    # A scorer that knows the truth ranks every case right; one that inverts it, none.
    positives = {(c.user_id, c.positive) for c in prepared.cases.cases}
    oracle = {pair: 10.0 if pair in positives else 1.0 for pair in prepared.cases.pairs()}
    inverted = {pair: 11.0 - value for pair, value in oracle.items()}
    body = score_run(prepared, {"oracle": oracle, "inverted": inverted})
    entries = body["entries"]
    assert isinstance(entries, dict)
    assert entries["oracle"]["discrimination"]["1:3"]["pairwise_accuracy"] == 1.0
    assert entries["inverted"]["discrimination"]["1:3"]["pairwise_accuracy"] == 0.0
    assert {"popularity", "item_knn", "bias"} <= set(entries)
    paths = write_report(body, tmp_path / "reports", "oracle")
    table = paths["leaderboard"].read_text()
    assert "| oracle | 1.000 | 1.000 |" in table
    assert paths["plot"].stat().st_size > 0


@pytest.mark.llm
@pytest.mark.slow
def test_the_command_rates_twins_once_and_reruns_from_the_store(
    tmp_path: Path, sample_catalog: Path
) -> None:
    from tastemaker.store import open_store

    with open_store(tmp_path / "tastemaker.sqlite") as opened:
        _shop(opened, sample_catalog, tmp_path)
    args = ["ratings", "fidelity", "--dataset", "shop", "--users", "12", "--min-history", "5",
            "--holdout", "0.3", "--positives-per-user", "1", "--agreement-per-user", "1",
            "--ratios", "1,3", "--min-users", "10", "--model", MODEL, "--min-valid", "0.01",
            "--no-content"]  # fmt: skip
    first = _cli(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    report = next((tmp_path / "reports" / "fidelity").glob("shop-*/smollm2*.json"))
    body = json.loads(report.read_text())
    assert body["cost"]["rated_now"] == body["cost"]["ratings"] == body["pairs_rated"]
    assert body["entries"]["smollm2-135m-instruct/yesno"]["kind"] == "twin"
    again = _cli(tmp_path, *args)
    assert again.returncode == 0, again.stderr
    assert json.loads(report.read_text())["cost"]["rated_now"] == 0  # all from the store
    too_few = _cli(tmp_path, *args[:-1], "--min-history", "50")
    assert too_few.returncode == 2
    assert "a fidelity figure needs at least 10" in too_few.stderr

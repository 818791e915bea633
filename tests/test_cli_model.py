"""``tastemaker train`` and ``tastemaker evaluate`` end to end on a store, as `make demo` runs
them (real subprocesses, a real store with planted persona tastes over the sample catalogue)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tastemaker.ratings.records import RatingKey
from tastemaker.store import open_store
from tastemaker.store.items import iter_items
from tests.model.store_helpers import fill_store, plant_tastes, rate_again, real_shop

RUN_TOML = """
[model]
dim = 16
encoder = "minilm"

[train]
max_steps = 120
batch_users = 6
eval_every = 40
lr = 0.01
"""


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tastemaker", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_train_then_evaluate_on_the_store(tmp_path: Path, sample_catalog: Path) -> None:
    assert _run(tmp_path, "catalog", "import", str(sample_catalog)).returncode == 0
    assert _run(tmp_path, "embed", "items").returncode == 0
    with open_store(tmp_path / "tastemaker.sqlite") as store:
        items = list(iter_items(store))
        groups = [[i.id for i in items if i.article_type == t] for t in ("Sandals", "Watches")]
        plant_tastes(store, groups, n_personas=12)
    config = tmp_path / "run.toml"
    config.write_text(RUN_TOML)

    trained = _run(tmp_path, "train", "--config", str(config), "--json")
    assert trained.returncode == 0, trained.stderr
    metrics = json.loads(trained.stdout)
    export = Path(metrics["path"])
    assert export.parent == tmp_path / "models"
    assert (export / "manifest.json").is_file()
    assert 0.0 <= metrics["val_ndcg_at_10"] <= 1.0
    assert metrics["trained_on"][0]["template_version"] == "t1"
    with open_store(tmp_path / "tastemaker.sqlite") as store:
        (stats,) = store.conn.execute("SELECT stats FROM runs WHERE stage = 'train'").fetchone()
    (source,) = json.loads(stats)["trained_on"]  # the run record says what it trained on
    assert (source["llm"], source["strategy"], source["rows"]) == ("planted", "logprobs", 132)

    report_path = tmp_path / "report.json"
    evaluated = _run(
        tmp_path, "evaluate", "--config", str(config), "--no-sampled", "--out", str(report_path)
    )
    assert evaluated.returncode == 0, evaluated.stderr
    assert "two_tower" in evaluated.stdout
    assert "item_knn_content" in evaluated.stdout
    report = json.loads(report_path.read_text())
    results = {r["name"]: r["full"] for r in report["models"]}
    assert set(results) == {"two_tower", "popularity", "item_knn_content"}
    assert all(0.0 <= r["recall_at_10"] <= 1.0 for r in results.values())
    # Each persona loves one article type: content and the two-tower see it, popularity not.
    assert results["two_tower"]["recall_at_10"] > results["popularity"]["recall_at_10"]


def test_evaluate_names_what_is_wrong(tmp_path: Path) -> None:
    empty = _run(tmp_path, "evaluate")
    assert empty.returncode != 0
    assert "no items in the store" in empty.stderr
    config = tmp_path / "run.toml"
    config.write_text("[model]\ndims = 16\n")
    misspelt = _run(tmp_path, "evaluate", "--config", str(config))
    assert misspelt.returncode != 0
    assert "dims" in misspelt.stderr


def test_train_refuses_a_silent_mix_and_lists_the_sets(tmp_path: Path) -> None:
    with open_store(tmp_path / "tastemaker.sqlite") as store:
        fill_store(store)
        rate_again(store, RatingKey("t1", "other-llm", "logprobs"), 20)
    config = tmp_path / "run.toml"
    config.write_text(RUN_TOML.replace('"minilm"', '"none"'))
    mixed = _run(tmp_path, "train", "--config", str(config))
    assert mixed.returncode == 2, mixed.stderr
    assert "llm 'planted', strategy 'logprobs', template 't1': 132 rows" in mixed.stderr
    assert "llm 'other-llm', strategy 'logprobs', template 't1': 20 rows" in mixed.stderr
    assert not (tmp_path / "models").exists()  # nothing exported
    config.write_text(RUN_TOML.replace('"minilm"', '"none"') + '\n[data]\nllm = "other-llm"\n')
    chosen = _run(tmp_path, "train", "--config", str(config))
    assert chosen.returncode == 0, chosen.stderr
    assert "llm 'other-llm'" in chosen.stderr


def test_train_on_a_weighted_mix_from_the_command_line(tmp_path: Path) -> None:
    with open_store(tmp_path / "tastemaker.sqlite") as store:
        fill_store(store)
        rate_again(store, RatingKey("t1", "other-llm", "logprobs"), 20)
        real_shop(store)
    config = tmp_path / "run.toml"
    config.write_text(RUN_TOML.replace('"minilm"', '"none"'))
    args = ("train", "--config", str(config), "--llm", "planted", "--real", "shop")
    mixed = _run(tmp_path, *args, "--weight", "synthetic=0.3", "--json")
    assert mixed.returncode == 0, mixed.stderr
    synthetic, real = json.loads(mixed.stdout)["trained_on"]
    assert (synthetic["llm"], synthetic["rows"], synthetic["weight"]) == ("planted", 132, 0.3)
    assert (real["dataset"], real["ratings"], real["events"], real["weight"]) == ("shop", 4, 2, 1.0)
    said = _run(tmp_path, *args, "--weight", "synthetic=0.3")
    line = "real: dataset 'shop': 6 rows (4 ratings, 2 events) by 2 users, weight 1.0"
    assert line in said.stderr
    bad = _run(tmp_path, *args, "--weight", "synthetic")
    assert bad.returncode == 2
    assert "--weight 'synthetic': expected SOURCE=WEIGHT" in bad.stderr
    unknown = _run(tmp_path, *args[:-1], "shoop")
    assert unknown.returncode == 2
    assert "['shoop']" in unknown.stderr
    assert "imported datasets: shop" in unknown.stderr


def test_train_in_two_processes_from_the_command_line(tmp_path: Path) -> None:
    with open_store(tmp_path / "tastemaker.sqlite") as store:
        fill_store(store)
    config = tmp_path / "run.toml"
    config.write_text(RUN_TOML.replace('"minilm"', '"none"'))
    trained = _run(tmp_path, "train", "--config", str(config), "--nproc", "2", "--json")
    assert trained.returncode == 0, trained.stderr
    metrics = json.loads(trained.stdout)
    assert (Path(metrics["path"]) / "manifest.json").is_file()
    assert metrics["steps"] == 120
    assert 0.0 <= metrics["val_ndcg_at_10"] <= 1.0
    too_many = _run(tmp_path, "train", "--config", str(config), "--nproc", "7")
    assert too_many.returncode == 2
    assert "train.nproc = 7 exceeds train.batch_users = 6" in too_many.stderr

"""bench/load_data.py: the load bench's rule-made ratings, stored once, trainable, no LLM."""

from __future__ import annotations

import sys
from pathlib import Path

from tastemaker.catalog.importer import import_catalog
from tastemaker.model.config import DataConfig
from tastemaker.model.data import from_store
from tastemaker.ratings.records import load_ratings
from tastemaker.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from load_data import RULE_MODEL, ensure_rule_ratings, p_yes  # bench/ is no package

RUN = Path(__file__).resolve().parents[2] / "bench" / "data" / "load-run.toml"


def test_the_rule_prefers_an_items_fit_and_is_deterministic() -> None:
    fits = p_yes("business formal", "all black", "Formal", "Black", "k")
    usage_only = p_yes("business formal", "all black", "Formal", "Red", "k")
    neither = p_yes("business formal", "all black", "Sports", "Red", "k")
    assert fits > usage_only > neither
    assert p_yes("grunge", "pastels", "Casual", "Pink", "a") == p_yes(
        "grunge", "pastels", "Casual", "Pink", "a"
    )
    assert 0.0 <= neither <= 0.2


def test_ratings_are_stored_once_calibrated_and_read_by_the_load_run(
    tmp_path: Path, sample_catalog: Path
) -> None:
    with open_store(tmp_path / "tastemaker.sqlite") as store:
        import_catalog(store, sample_catalog)
    made = ensure_rule_ratings(tmp_path, personas=6, per_persona=10, pool=40)
    assert made == 60
    assert ensure_rule_ratings(tmp_path, personas=6, per_persona=10, pool=40) == 60  # reused

    import tomllib

    data = DataConfig.model_validate(tomllib.loads(RUN.read_text())["data"])
    assert data.llm == RULE_MODEL
    with open_store(tmp_path / "tastemaker.sqlite") as store:
        frame = load_ratings(store, model=RULE_MODEL, strategy="yesno")
        assert frame["calibrated"].notna().all()
        assert set(frame["server"]) == {"none: bench/load_data.py"}
        training = from_store(store, data, None)
    assert training.n_users == 6
    assert len(training.users) == 60
    assert training.positive.any()

"""bench/bench_fashion.py's protocol: the calibration is fitted on the training side only."""

from __future__ import annotations

import sys
from pathlib import Path

from tastemaker.model.config import DataConfig
from tastemaker.store import Store
from tests.model.store_helpers import fill_store

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_fashion import calibrate_on_training_side  # bench/ is no package: on sys.path above


def _calibrated(store: Store) -> dict[tuple[str, str], int]:
    rows = store.conn.execute("SELECT persona_id, item_id, calibrated FROM ratings")
    return {(p, i): c for p, i, c in rows}


def test_test_ratings_cannot_change_the_training_targets(store: Store) -> None:
    fill_store(store)
    config = DataConfig(strategy="logprobs")
    fitted_on = calibrate_on_training_side(store, config, seed=42, validate=False)
    before = _calibrated(store)
    held_out = set(before) - fitted_on
    assert 0 < len(held_out) < len(fitted_on)
    with store.transaction() as conn:  # the test side turns to dislikes
        conn.executemany(
            "UPDATE ratings SET answer = -1, expected_rating = NULL "
            "WHERE persona_id = ? AND item_id = ?",
            sorted(held_out),
        )
    assert calibrate_on_training_side(store, config, seed=42, validate=False) == fitted_on
    after = _calibrated(store)
    assert {k: after[k] for k in fitted_on} == {k: before[k] for k in fitted_on}
    assert {after[k] for k in held_out} == {-1}  # mapped by the same monotone map
    validate = calibrate_on_training_side(store, config, seed=42, validate=True)
    assert validate < fitted_on  # --validate fits on the validation training part

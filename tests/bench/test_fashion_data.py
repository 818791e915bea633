"""bench/fashion_data.py's calibration for bench_fashion: fitted on the training side only."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tastemaker.ratings.calibrate import calibrate, load_target
from tastemaker.ratings.scale import ANSWER_COLUMNS, ANSWERS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from fashion_data import calibrate_training_side  # bench/ is no package: on sys.path above


def _ratings(seed: int) -> pd.DataFrame:
    """Logprob-like ratings of 6 personas x 20 items (full distributions, compressed)."""
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.r_[0.2, np.linspace(0.5, 3.0, 10)], size=120)
    frame = pd.DataFrame(probs, columns=list(ANSWER_COLUMNS))
    frame["persona_id"] = np.repeat([f"p{i}" for i in range(6)], 20)
    frame["item_id"] = np.tile([f"i{j}" for j in range(20)], 6)
    frame["answer"] = pd.array([ANSWERS[int(np.argmax(p))] for p in probs], dtype="Int64")
    frame["expected_rating"] = [float(np.dot(p[1:], ANSWERS[1:]) / p[1:].sum()) for p in probs]
    return frame


def test_test_ratings_cannot_change_the_training_targets() -> None:
    frame = _ratings(0)
    rng = np.random.default_rng(1)
    is_train = rng.random(len(frame)) < 0.75
    train = set(zip(frame["persona_id"][is_train], frame["item_id"][is_train], strict=True))
    target = load_target("uniform")
    before = calibrate_training_side(frame, train, target)

    # The test side rated quite differently (all dislikes, or all tens): the same targets.
    for answer, column in ((-1, "p_neg1"), (10, "p_10")):
        changed = frame.copy()
        changed.loc[~is_train, list(ANSWER_COLUMNS)] = 0.0
        changed.loc[~is_train, column] = 1.0
        changed.loc[~is_train, "answer"] = answer
        changed.loc[~is_train, "expected_rating"] = None if answer == -1 else 10.0
        after = calibrate_training_side(changed, train, target)
        assert after[is_train].tolist() == before[is_train].tolist()
        # what calibrating everything at once (the bench before) did to the same targets:
        whole_before, _ = calibrate(frame, target)
        whole_after, _ = calibrate(changed, target)
        assert whole_after[is_train].tolist() != whole_before[is_train].tolist()
    # the test side is mapped too, by the same monotone map
    assert before[~is_train].notna().all()

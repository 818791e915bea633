"""Fidelity metrics against hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tastemaker.ratings.fidelity.cases import AgreementCase, Case
from tastemaker.ratings.fidelity.metrics import (
    agreement,
    discrimination,
    from_model_scale,
    quantile_map,
)

CASES = [Case("a", "p1", ("n1", "n2", "n3")), Case("b", "p2", ("n4", "n5", "n6"))]
SCORES = {("a", "p1"): 8.0, ("a", "n1"): 3.0, ("a", "n2"): 8.0, ("a", "n3"): 9.0,
          ("b", "p2"): 6.0, ("b", "n4"): 2.0, ("b", "n5"): 1.0, ("b", "n6"): 5.0}  # fmt: skip


def test_pairwise_accuracy_counts_ties_half_and_reads_only_the_first_negatives() -> None:
    one = discrimination(CASES, SCORES, 1, like_at=7.0)
    assert one["pairwise_accuracy"] == 1.0  # 8 > 3, 6 > 2
    three = discrimination(CASES, SCORES, 3, like_at=7.0)
    # a: 8>3 (1), 8=8 (.5), 8<9 (0); b: 6>2, 6>1, 6>5: (1.5 + 3) / 6
    assert three["pairwise_accuracy"] == pytest.approx(4.5 / 6)
    assert three["pairs"] == 6
    assert three["cases"] == 2
    # pooled AUC: positives {8, 6} against negatives {3, 8, 9, 2, 1, 5}: 8 beats 4 and ties 1,
    # 6 beats 4: (4.5 + 4) / 12
    assert three["auc"] == pytest.approx(8.5 / 12)
    # "would like" at 7: positives 8 (yes) and 6 (no); negatives 8 and 9 (false yes)
    assert three["precision"] == pytest.approx(1 / 3)
    assert three["recall"] == pytest.approx(1 / 2)
    assert three["f1"] == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))


def test_a_missing_score_drops_its_case_and_is_counted() -> None:
    scores = {k: v for k, v in SCORES.items() if k != ("b", "n5")}
    result = discrimination(CASES, scores, 3, like_at=7.0)
    assert (result["cases"], result["missing"]) == (1, 1)
    assert result["pairwise_accuracy"] == pytest.approx(1.5 / 3)
    assert math.isnan(result["accuracy_low"])  # one user: no interval


def test_the_interval_brackets_the_estimate() -> None:
    cases = [Case(f"u{k}", f"p{k}", (f"n{k}",)) for k in range(40)]
    scores = {(f"u{k}", f"p{k}"): float(k % 3 != 0) for k in range(40)}
    scores |= {(f"u{k}", f"n{k}"): 0.5 for k in range(40)}
    result = discrimination(cases, scores, 1, like_at=7.0)
    assert result["pairwise_accuracy"] == pytest.approx(26 / 40)
    assert result["accuracy_low"] < 26 / 40 < result["accuracy_high"]


def test_agreement_against_hand_computed_errors() -> None:
    cases = [AgreementCase("a", "x", 4.0, "1-5"), AgreementCase("a", "y", 2.0, "1-5"),
             AgreementCase("b", "z", 5.0, "1-5"), AgreementCase("b", "w", 1.0, "1-5")]  # fmt: skip
    predicted = {("a", "x"): 3.0, ("a", "y"): 2.5, ("b", "z"): 5.0}
    result = agreement(cases, predicted)
    assert (result["n"], result["missing"]) == (3, 1)
    assert result["rmse"] == pytest.approx(math.sqrt((1 + 0.25 + 0) / 3))
    assert result["mae"] == pytest.approx(1.5 / 3)
    assert result["spearman"] == pytest.approx(1.0)


@pytest.mark.parametrize(("rating", "scale", "value"),
                         [(1.0, "1-5", 1.0), (10.0, "1-5", 5.0), (5.5, "1-5", 3.0),
                          (-1.0, "1-5", 1.0), (7.75, "0.5-5", 3.875)])  # fmt: skip
def test_model_scale_back_onto_the_users_scale(rating: float, scale: str, value: float) -> None:
    assert from_model_scale(rating, scale) == pytest.approx(value)


@given(st.lists(st.floats(-5, 15, allow_nan=False), min_size=1, max_size=40))
def test_the_quantile_map_is_monotone_and_lands_on_the_target(values: list[float]) -> None:
    target = [1, 2, 2, 3, 4, 4, 4, 5]
    mapped = quantile_map(values, target)
    order = np.argsort(values, kind="stable")
    assert np.all(np.diff(mapped[order]) >= 0)
    assert set(mapped.tolist()) <= set(target)

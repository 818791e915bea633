from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ranx import Qrels, Run
from ranx import evaluate as ranx_evaluate

from tastemaker.evaluate.metrics import (
    catalogue_coverage,
    hit_matrix,
    hit_rate_at_k,
    mae,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    rmse,
)

# ranx's numba kernels warn about an integer cast while they compile: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::numba.core.errors.NumbaTypeSafetyWarning")

# --- hand-computed cases -----------------------------------------------------------------


def test_one_user_two_hits_out_of_three_relevant() -> None:
    # ranked 1..5, relevant {2, 5, 9}: hits at ranks 2 and 5.
    hits = hit_matrix([[1, 2, 3, 4, 5]], [{2, 5, 9}])
    assert hits.tolist() == [[False, True, False, False, True]]
    n = [3]
    assert precision_at_k(hits, n, 5)[0] == pytest.approx(2 / 5)
    assert recall_at_k(hits, n, 5)[0] == pytest.approx(2 / 3)
    assert hit_rate_at_k(hits, n, 5)[0] == 1.0
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(hits, n, 5)[0] == pytest.approx(dcg / idcg)
    # (0.63093 + 0.38685) / 2.13093
    assert ndcg_at_k(hits, n, 5)[0] == pytest.approx(0.477624, abs=1e-6)
    assert map_at_k(hits, n, 5)[0] == pytest.approx((1 / 2 + 2 / 5) / 3)  # 0.3


def test_more_relevant_items_than_k() -> None:
    # ranked [7, 8], relevant {1, 2, 3, 7}: one hit at rank 1, k = 2.
    hits = hit_matrix([[7, 8]], [{1, 2, 3, 7}])
    n = [4]
    assert precision_at_k(hits, n, 2)[0] == 0.5
    assert recall_at_k(hits, n, 2)[0] == 0.25
    assert ndcg_at_k(hits, n, 2)[0] == pytest.approx(1 / (1 + 1 / math.log2(3)))  # IDCG: 2 hits
    assert map_at_k(hits, n, 2)[0] == pytest.approx(1 / 4)  # / |relevant| (published table)
    assert map_at_k(hits, n, 2, denominator="min_k_relevant")[0] == pytest.approx(1 / 2)


def test_short_list_padding_and_misses() -> None:
    hits = hit_matrix([[3, -1, -1], [4, 5, 6]], [{3}, {1}])
    n = [1, 1]
    assert precision_at_k(hits, n, 3).tolist() == pytest.approx([1 / 3, 0.0])  # k, not length
    assert recall_at_k(hits, n, 3).tolist() == [1.0, 0.0]
    assert ndcg_at_k(hits, n, 3).tolist() == [1.0, 0.0]
    assert hit_rate_at_k(hits, n, 3).tolist() == [1.0, 0.0]


def test_user_without_relevant_items_scores_zero_not_nan() -> None:
    hits = np.zeros((1, 3), dtype=bool)
    for metric in (recall_at_k, ndcg_at_k, map_at_k):
        assert metric(hits, [0], 3).tolist() == [0.0]


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="k must be"):
        recall_at_k(np.zeros((1, 3), dtype=bool), [1], 0)
    with pytest.raises(ValueError, match="more hits than relevant"):
        recall_at_k(np.ones((1, 3), dtype=bool), [2], 3)
    with pytest.raises(ValueError, match="shape"):
        recall_at_k(np.zeros((2, 3), dtype=bool), [1], 3)


def test_coverage_rmse_mae() -> None:
    assert catalogue_coverage(np.array([[0, 1, -1], [1, 2, -1]]), 10) == pytest.approx(0.3)
    assert rmse([3.0, 5.0], [4.0, 3.0]) == pytest.approx(math.sqrt((1 + 4) / 2))
    assert mae([3.0, 5.0], [4.0, 3.0]) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="non-empty"):
        rmse([1.0], [1.0, 2.0])


# --- properties --------------------------------------------------------------------------


@st.composite
def rankings(draw: st.DrawFn, min_relevant: int = 0) -> tuple[list[list[int]], list[set[int]], int]:
    n_items = draw(st.integers(1, 30))
    k = draw(st.integers(1, 12))
    n_users = draw(st.integers(1, 6))
    ranked, relevant = [], []
    for _ in range(n_users):
        order = draw(st.permutations(range(n_items)))
        ranked.append(list(order[:k]) + [-1] * max(0, k - n_items))
        relevant.append(
            draw(st.sets(st.integers(0, n_items - 1), min_size=min_relevant, max_size=n_items))
        )
    return ranked, relevant, k


def _naive(ranked: list[int], relevant: set[int], k: int) -> dict[str, float]:
    """Textbook, one user, loops only: the reference the vectorised code must match."""
    top = ranked[:k]
    hits = [i >= 0 and i in relevant for i in top]
    found = sum(hits)
    dcg = sum(1 / math.log(1 + r) for r, h in enumerate(hits, start=1) if h)  # natural log,
    idcg = sum(1 / math.log(1 + r) for r in range(1, min(k, len(relevant)) + 1))  # as MS does
    ap, seen = 0.0, 0
    for r, h in enumerate(hits, start=1):
        if h:
            seen += 1
            ap += seen / r
    n = len(relevant)
    return {
        "precision": found / k,
        "recall": found / n if n else 0.0,
        "ndcg": dcg / idcg if idcg else 0.0,
        "map": ap / n if n else 0.0,
        "hit_rate": float(found > 0),
    }


@given(rankings())
def test_vectorised_metrics_match_the_textbook_loops(
    case: tuple[list[list[int]], list[set[int]], int],
) -> None:
    ranked, relevant, k = case
    hits = hit_matrix(ranked, relevant)
    n = [len(r) for r in relevant]
    got = {
        "precision": precision_at_k(hits, n, k),
        "recall": recall_at_k(hits, n, k),
        "ndcg": ndcg_at_k(hits, n, k),
        "map": map_at_k(hits, n, k),
        "hit_rate": hit_rate_at_k(hits, n, k),
    }
    for u in range(len(ranked)):
        expected = _naive(ranked[u], relevant[u], k)
        for metric, values in got.items():
            assert values[u] == pytest.approx(expected[metric], abs=1e-12), metric


@settings(max_examples=40, deadline=None)
@given(rankings(min_relevant=1))
def test_metrics_match_ranx_on_the_same_runs_and_qrels(
    case: tuple[list[list[int]], list[set[int]], int],
) -> None:
    """ranx, an independent implementation (numba), on the same ranked lists and relevant sets:
    its precision, recall, NDCG (binary gain, log2), MAP (÷ |relevant|) and hit rate per user."""
    ranked, relevant, k = case
    qrels = Qrels({f"u{u}": {f"i{i}": 1 for i in rel} for u, rel in enumerate(relevant)})
    run = Run(
        {
            f"u{u}": {f"i{i}": float(k - r) for r, i in enumerate(items) if i >= 0}  # no ties
            for u, items in enumerate(ranked)
        }
    )
    names = {m: f"{m}@{k}" for m in ("precision", "recall", "ndcg", "map", "hit_rate")}
    theirs = ranx_evaluate(qrels, run, list(names.values()), return_mean=False)
    hits = hit_matrix(ranked, relevant)
    n = [len(r) for r in relevant]
    ours = {
        "precision": precision_at_k(hits, n, k),
        "recall": recall_at_k(hits, n, k),
        "ndcg": ndcg_at_k(hits, n, k),
        "map": map_at_k(hits, n, k),
        "hit_rate": hit_rate_at_k(hits, n, k),
    }
    for metric, name in names.items():
        np.testing.assert_allclose(ours[metric], theirs[name], atol=1e-9, err_msg=metric)


@given(st.sets(st.integers(0, 50), min_size=1, max_size=30), st.integers(1, 20))
def test_ideal_ranking_gives_ndcg_one_and_full_recall_up_to_k(relevant: set[int], k: int) -> None:
    ideal = sorted(relevant) + [i for i in range(60) if i not in relevant]
    hits = hit_matrix([ideal[:k]], [relevant])
    n = [len(relevant)]
    assert ndcg_at_k(hits, n, k)[0] == pytest.approx(1.0)
    assert recall_at_k(hits, n, k)[0] == pytest.approx(min(k, len(relevant)) / len(relevant))
    assert map_at_k(hits, n, k, denominator="min_k_relevant")[0] == pytest.approx(1.0)


def test_rating_errors_leave_dislikes_to_their_own_figure() -> None:
    from tastemaker.evaluate.metrics import rating_errors

    actual = np.array([-1.0, 5.0, 7.0, -1.0])
    predicted = np.array([2.0, 5.0, 8.0, 1.0])
    plain = rating_errors(predicted, actual)
    assert plain == {"rmse": pytest.approx(np.sqrt((9 + 0 + 1 + 4) / 4)),
                     "mae": pytest.approx(1.5)}  # fmt: skip
    figures = rating_errors(predicted, actual, dislike=-1.0)
    assert figures["rmse"] == pytest.approx(np.sqrt(0.5))  # 5 vs 5, 8 vs 7 only
    assert figures["mae"] == pytest.approx(0.5)
    assert figures["dislikes"] == 2.0
    assert figures["dislike_auc"] == 1.0  # both dislikes predicted below both ratings

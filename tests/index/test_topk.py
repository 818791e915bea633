"""Top-k selection: the sampled bound never changes the answer, ties go by id."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tastemaker.index._topk import rank, top_k

SCORES = arrays(
    np.float32,
    st.integers(1, 3000),
    elements=st.one_of(
        st.sampled_from([-np.inf, 0.5, 0.25]),  # masked entries and plenty of ties
        st.floats(-1, 1, width=32),
    ),
)


@settings(max_examples=300, deadline=None)
@given(scores=SCORES, k=st.integers(1, 40))
def test_top_k_equals_full_sort(scores: np.ndarray, k: int) -> None:
    finite = int(np.isfinite(scores).sum())
    chosen = top_k(scores, k)
    assert np.isfinite(scores[chosen]).all()
    ids = [f"id{i:05d}" for i in range(scores.size)]
    finite_hits = [(ids[i], float(scores[i])) for i in np.flatnonzero(np.isfinite(scores))]
    want = sorted(finite_hits, key=lambda hit: (-hit[1], hit[0]))[:k]
    got = rank(chosen, scores[chosen], k, ids)
    assert [tuple(hit) for hit in got] == want
    assert len(got) == min(k, finite)


def test_ties_at_the_kth_place_go_to_the_smaller_id() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.5, 0.5, 0.2], dtype=np.float32)
    ids = ["f", "e", "d", "c", "b", "a"]
    chosen = top_k(scores, 2)
    assert [hit.item_id for hit in rank(chosen, scores[chosen], 2, ids)] == ["e", "b"]

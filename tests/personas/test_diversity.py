"""Diversity report maths on hand-made vectors and personas."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tastemaker.embed.protocol import TextEncoder, Vectors
from tastemaker.personas.diversity import diversity_report, pairwise_stats
from tastemaker.personas.pools import Pools
from tests.personas.helpers import make_persona


def unit(rows: list[list[float]]) -> Vectors:
    matrix = np.asarray(rows, dtype=np.float32)
    unit_rows: Vectors = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    return unit_rows


def test_orthogonal_vectors_are_at_distance_one() -> None:
    stats = pairwise_stats(np.eye(3, dtype=np.float32))
    assert stats.pairs == 3
    assert stats.mean_distance == pytest.approx(1.0)
    assert stats.min_distance == pytest.approx(1.0)
    assert stats.near_duplicate_pairs == 0


def test_two_identical_and_one_orthogonal() -> None:
    stats = pairwise_stats(unit([[1, 0], [1, 0], [0, 1]]))
    assert stats.mean_distance == pytest.approx(2 / 3)  # similarities 1, 0, 0
    assert stats.min_distance == pytest.approx(0.0, abs=1e-6)
    assert stats.near_duplicate_pairs == 1


def test_opposite_vectors_are_at_distance_two() -> None:
    assert pairwise_stats(unit([[1, 0], [-1, 0]])).mean_distance == pytest.approx(2.0)


def test_fewer_than_two_vectors_have_no_pairs() -> None:
    assert pairwise_stats(np.zeros((1, 4), dtype=np.float32)).mean_distance is None
    assert pairwise_stats(np.zeros((0, 4), dtype=np.float32)).pairs == 0


@settings(max_examples=50, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(2, 12), st.integers(1, 6)),
              elements=st.floats(-1, 1, width=32)))  # fmt: skip
def test_closed_form_mean_matches_the_pair_loop(raw: Vectors) -> None:
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    if (norms < 1e-3).any():
        return
    vectors = (raw / norms).astype(np.float32)
    pairs = list(itertools.combinations(range(len(vectors)), 2))
    expected = [1 - float(vectors[i] @ vectors[j]) for i, j in pairs]
    stats = pairwise_stats(vectors, threshold=0.9)
    assert stats.mean_distance == pytest.approx(np.mean(expected), abs=1e-5)
    assert stats.min_distance == pytest.approx(min(expected), abs=1e-5)
    assert stats.near_duplicate_pairs == sum(1 - d >= 0.9 for d in expected)


class LookupEncoder:
    """Fixed vectors per bio: the diversity maths without a model."""

    id = "lookup"
    dim = 2

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def encode_texts(self, texts: list[str]) -> Vectors:
        return unit([self.table[t] for t in texts])


def test_report_coverage_names_and_bio_spread(pools: Pools) -> None:
    personas = [
        make_persona(0, name="Anna Berg", brands=["COS"]),
        make_persona(1, name="anna berg", brands=["COS", "Zara"], budget="luxury"),
        make_persona(2, name="Kai Lund", aesthetic="grunge"),
    ]
    encoder = LookupEncoder(
        {personas[0].bio: [1, 0], personas[1].bio: [1, 0], personas[2].bio: [0, 1]}
    )
    assert isinstance(encoder, TextEncoder)
    report = diversity_report(personas, pools=pools, encoder=encoder)
    by_name = {c.attribute: c for c in report.coverage}
    assert by_name["gender"].counts == {"woman": 2, "man": 1}
    assert by_name["gender"].coverage == 1.0
    assert by_name["budget"].used == 2
    assert by_name["budget"].coverage == pytest.approx(2 / len(pools.budget))
    assert by_name["budget"].counts["budget"] == 0  # unused pool values are listed with 0
    assert by_name["aesthetic"].used == 2
    assert by_name["brands"].counts["COS"] == 3
    assert by_name["brands"].pool_size == len(pools.all_brands())
    assert report.unique_names == 2
    assert report.name_uniqueness == pytest.approx(2 / 3)
    assert report.duplicate_names == {"Anna Berg": 2}
    assert report.bios is not None
    assert report.bios.mean_distance == pytest.approx(2 / 3)
    assert report.bios.near_duplicate_pairs == 1
    assert report.mean_bio_sentences == 2
    as_dict = report.as_dict()
    assert as_dict["bios"]["encoder"] == "lookup"
    assert as_dict["coverage"]["gender"]["used"] == 2


def test_report_without_pools_or_encoder() -> None:
    report = diversity_report([make_persona(0)])
    assert report.bios is None
    assert all(c.pool_size is None and c.coverage is None for c in report.coverage)
    assert report.name_uniqueness == 1.0
    assert diversity_report([]).name_uniqueness is None

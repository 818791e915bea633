from __future__ import annotations

import numpy as np
import pytest

from tastemaker.evaluate.baselines import BiasBaseline, ItemKNN, Popularity
from tastemaker.evaluate.factorization import ImplicitALS, ImplicitBPR
from tastemaker.evaluate.protocol import Recommender, evaluate_full_ranking
from tastemaker.evaluate.splits import stratified_split
from tests.evaluate.helpers import make_dataset, planted


def test_popularity_ranks_the_most_rated_item_first() -> None:
    rows = [(0, 2, 1.0, 0), (1, 2, 1.0, 0), (2, 2, 1.0, 0), (0, 0, 1.0, 0), (1, 0, 1.0, 0)]
    dataset = make_dataset(rows, 3, 4)
    model = Popularity()
    model.fit(dataset)
    scores = model.score(np.array([0, 2]))
    assert scores.shape == (2, 4)
    assert np.argsort(-scores[0], kind="stable").tolist() == [2, 0, 1, 3]
    assert (scores[0] == scores[1]).all()


def test_models_refuse_to_score_before_fit() -> None:
    with pytest.raises(RuntimeError, match="fit"):
        Popularity().score(np.array([0]))


def test_item_knn_recommends_what_co_occurs() -> None:
    # Items 0 and 1 are always rated together; item 2 goes with 3.
    rows = [(u, i, 1.0, 0) for u in range(4) for i in (0, 1)]
    rows += [(u, i, 1.0, 0) for u in range(4, 8) for i in (2, 3)]
    rows += [(8, 0, 1.0, 0), (9, 2, 1.0, 0)]
    model = ItemKNN(neighbours=1)
    model.fit(make_dataset(rows, 10, 4))
    assert model.name == "item_knn"
    scores = model.score(np.array([8, 9]))
    assert int(np.argmax(scores[0, [1, 2, 3]])) == 0  # item 1 for the user who rated item 0
    assert int(np.argmax(scores[1, [0, 1, 3]])) == 2  # item 3 for the user who rated item 2


@pytest.mark.parametrize("neighbours", [1, 5, 40])
def test_item_knn_keeps_each_items_top_co_occurrence_cosines(neighbours: int) -> None:
    """The neighbour graph against brute force: row j holds j's ``neighbours`` highest
    positive cosines over the binary training columns, never j itself (ties may go either
    way, so rows are compared by their values)."""
    rng = np.random.default_rng(3)
    drawn = zip(rng.integers(0, 50, 600), rng.integers(0, 40, 600), strict=True)
    pairs = {(int(u), int(i)) for u, i in drawn}
    dataset = make_dataset([(u, i, 1.0, 0) for u, i in sorted(pairs)], 50, 42)  # 40, 41 unrated
    model = ItemKNN(neighbours=neighbours)
    model.fit(dataset)
    columns = dataset.matrix().toarray().T.astype(np.float64)  # [n_items, n_users]
    norms = np.linalg.norm(columns, axis=1)
    cosine = columns @ columns.T / np.maximum(np.outer(norms, norms), 1e-12)
    np.fill_diagonal(cosine, 0.0)
    graph = model._similar.toarray()
    assert np.diagonal(graph).max() == 0.0
    for j in range(42):
        expected = np.sort(cosine[j][cosine[j] > 0])[::-1][:neighbours]
        found = np.sort(graph[j][graph[j] > 0])[::-1]
        np.testing.assert_allclose(found, expected, rtol=1e-5)
        assert set(np.flatnonzero(graph[j])) <= set(np.flatnonzero(cosine[j] > 0))
    assert not graph[40:].any()
    assert not graph[:, 40:].any()


def test_item_knn_on_content_vectors_reaches_unrated_items() -> None:
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    model = ItemKNN(item_vectors=vectors, neighbours=1)
    model.fit(make_dataset([(0, 0, 1.0, 0), (1, 2, 1.0, 0)], 2, 4))  # items 1, 3 never rated
    assert model.name == "item_knn_content"
    scores = model.score(np.array([0, 1]))
    assert np.argmax(scores, axis=1).tolist() == [1, 3]
    with pytest.raises(ValueError, match="rows"):
        ItemKNN(item_vectors=vectors[:2]).fit(make_dataset([(0, 0, 1.0, 0)], 1, 4))


def test_bias_baseline_predicts_ratings() -> None:
    rows = [(0, 0, 5.0, 0), (1, 0, 5.0, 0), (0, 1, 1.0, 0), (1, 1, 1.0, 0)]
    model = BiasBaseline(damping=0.0)
    model.fit(make_dataset(rows, 2, 2))
    assert model.predict(np.array([0, 1]), np.array([0, 1])).tolist() == pytest.approx([5, 1])
    assert int(np.argmax(model.score(np.array([0]))[0])) == 0


def _recall(model: Recommender) -> float:
    dataset = planted(seed=1)
    split = stratified_split(dataset.ratings, 0.75, 42)
    train = dataset.with_ratings(split.train)
    model.fit(train)
    return evaluate_full_ranking(model, train, split.test, k=10)["recall_at_10"]


class _Random:
    name = "random"

    def fit(self, train: object) -> None:
        self.n_items = train.n_items  # type: ignore[attr-defined]

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.random.default_rng(0).random((len(users), self.n_items), dtype=np.float32)


@pytest.mark.parametrize(
    "model",
    [
        ItemKNN(),
        ImplicitALS(factors=8, iterations=10),
        ImplicitBPR(factors=8, learning_rate=0.05, iterations=50),
    ],
    ids=["item_knn", "als", "bpr"],
)
def test_personalised_baselines_beat_random_and_popularity_on_planted_tastes(
    model: Recommender,
) -> None:
    chance = _recall(_Random())
    popular = _recall(Popularity())
    found = _recall(model)
    assert found > 2 * chance
    assert found > popular


def test_factorizations_never_recommend_items_nobody_rated() -> None:
    rows = [(u, i, 1.0, 0) for u in range(6) for i in range(4) if (u + i) % 2 == 0]
    dataset = make_dataset(rows, 6, 6)  # items 4 and 5 are cold
    for model in (ImplicitALS(factors=4, iterations=3), ImplicitBPR(factors=4, iterations=3)):
        model.fit(dataset)
        scores = model.score(np.arange(6))
        assert np.isneginf(scores[:, 4:]).all()
        assert np.isfinite(scores[:, :4]).all()


def test_als_is_reproducible_with_two_threads_and_bpr_with_one() -> None:
    dataset = planted(seed=2)
    users = np.arange(dataset.n_users)
    for build in (
        lambda: ImplicitALS(factors=8, iterations=5, threads=2),
        lambda: ImplicitBPR(factors=8, iterations=20),
    ):
        first, second = build(), build()
        first.fit(dataset)
        second.fit(dataset)
        assert np.array_equal(first.score(users), second.score(users))


def test_item_knn_graph_does_not_depend_on_the_block_size() -> None:
    dataset = planted(seed=3)
    users = np.arange(dataset.n_users)
    whole, blocked = ItemKNN(neighbours=5), ItemKNN(neighbours=5, max_cells=7 * dataset.n_items)
    whole.fit(dataset)
    blocked.fit(dataset)
    assert np.array_equal(whole.score(users), blocked.score(users))

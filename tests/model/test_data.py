"""Building training data: from an evaluation dataset and from the store's persona ratings."""

from __future__ import annotations

import numpy as np
import pytest

from tastemaker.errors import ConfigError, DataError
from tastemaker.model.config import DataConfig
from tastemaker.model.data import from_dataset, from_store
from tastemaker.model.features import Vocabulary, entity_tokens
from tastemaker.ratings.records import RatingKey
from tastemaker.store.db import Store
from tests.model.helpers import fake_text, tiny_dataset
from tests.model.store_helpers import fill_store, rate_again


def test_tokens_cover_multi_valued_and_decade_fields() -> None:
    record = {"genres": "Action|Comedy", "year": 1995, "age": -1, "colour": None}
    assert entity_tokens(record, ("genres", "year", "age", "colour")) == [
        "genres=Action",
        "genres=Comedy",
        "year=1990s",
    ]


def test_unknown_tokens_encode_to_padding() -> None:
    vocab = Vocabulary.build([["a=1", "b=2"], ["a=3"]])
    assert len(vocab) == 4
    assert vocab.tokens == ("a=1", "a=3", "b=2")  # sorted: independent of row order
    assert vocab.encode([["a=3", "zzz"], []]).tolist() == [[2], [0]]


def test_from_dataset_treats_every_rating_as_a_positive() -> None:
    dataset = tiny_dataset()
    data = from_dataset(dataset, text=fake_text)
    assert data.n_users == dataset.n_users
    assert data.n_items == dataset.n_items
    assert data.positive.all()
    assert (data.weights == 1.0).all()
    assert data.item_features.text is not None
    assert data.item_features.text.shape == (dataset.n_items, 8)
    assert "genres=red" in data.item_features.vocab.tokens
    assert (data.scale.low, data.scale.high) == (1.0, 5.0)


def test_from_dataset_can_split_likes_and_dislikes() -> None:
    data = from_dataset(tiny_dataset(), positive_min_rating=4, dislike_max_rating=2)
    assert set(data.weights.tolist()) == {1.0, -1.0}
    assert (data.positive == (data.ratings >= 4)).all()
    assert data.item_features.text is None


def test_from_store_reads_calibrated_persona_ratings(store: Store) -> None:
    fill_store(store)
    data = from_store(store, DataConfig(), text=fake_text)
    assert data.n_users == 12
    assert data.n_items == 36
    assert len(data.users) == 12 * 11
    assert data.positive.sum() == 12 * 8  # 8..10 are likes at the default threshold 7
    assert (data.weights[~data.positive] == -1.0).all()  # -1..3 are dislikes
    assert "article_type=Tshirts" in data.item_features.vocab.tokens
    assert "aesthetic=sporty" in data.user_features.vocab.tokens
    assert data.user_features.text is not None


def test_from_store_says_which_synthetic_set_it_read(store: Store) -> None:
    fill_store(store)  # one set: LLM "planted", strategy logprobs, template t1
    data = from_store(store, DataConfig(), text=None)
    assert data.sources == (
        {
            "source": "synthetic",
            "llm": "planted",
            "strategy": "logprobs",
            "template_version": "t1",
            "rating": "calibrated",
            "rows": 12 * 11,
            "personas": 12,
            "weight": 1.0,
            "twins": 0,
            "positive_min_rating": 7.0,
            "dislike_max_rating": 3.0,
        },
    )


def test_from_store_refuses_a_silent_mix_of_llms_and_strategies(store: Store) -> None:
    fill_store(store)
    rate_again(store, RatingKey("t1", "other-llm", "logprobs"), 20)
    rate_again(store, RatingKey("t1", "planted", "sample"), 7)
    with pytest.raises(ConfigError) as caught:
        from_store(store, DataConfig(), text=None)
    message = str(caught.value)
    for line in (
        "llm 'planted', strategy 'logprobs', template 't1': 132 rows",
        "llm 'other-llm', strategy 'logprobs', template 't1': 20 rows",
        "llm 'planted', strategy 'sample', template 't1': 7 rows",
    ):
        assert line in message
    assert "data.llm" in message
    assert "data.strategy" in message
    # Naming the LLM still leaves two strategies of it: still an error, listing those two.
    with pytest.raises(ConfigError, match="2 synthetic rating sets") as caught:
        from_store(store, DataConfig(llm="planted"), text=None)
    assert "other-llm" not in str(caught.value)
    chosen = from_store(store, DataConfig(llm="planted", strategy="sample"), text=None)
    assert len(chosen.users) == 7
    assert chosen.sources[0]["strategy"] == "sample"
    other = from_store(store, DataConfig(llm="other-llm"), text=None)
    assert len(other.users) == 20
    assert other.sources[0]["llm"] == "other-llm"


def test_from_store_names_a_selection_that_matches_nothing(store: Store) -> None:
    fill_store(store)
    with pytest.raises(
        DataError, match=r"(?s)template_version = 'v9'.*llm 'planted', strategy 'logprobs'"
    ):
        from_store(store, DataConfig(template_version="v9"), text=None)


def test_from_store_without_ratings_says_what_to_do(store: Store) -> None:
    fill_store(store)
    store.conn.execute("UPDATE ratings SET calibrated = NULL")
    store.conn.commit()
    with pytest.raises(DataError, match="ratings calibrate"):
        from_store(store, DataConfig(), text=None)


def test_from_store_needs_a_catalogue(store: Store) -> None:
    with pytest.raises(DataError, match="import a catalogue"):
        from_store(store, DataConfig(), text=None)


def test_rows_are_grouped_by_user() -> None:
    data = from_dataset(tiny_dataset())
    assert np.all(np.diff(data.users) >= 0)

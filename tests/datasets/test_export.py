from __future__ import annotations

from pathlib import Path

import pytest

from tastemaker.datasets import (
    Interactions,
    load_movielens,
    read_interactions,
    write_interactions,
)
from tastemaker.errors import DataError
from tests.datasets.helpers import MOVIES, write_ml_latest


def test_parquet_export_round_trips(tmp_path: Path) -> None:
    ratings = b"userId,movieId,rating,timestamp\n1,1,4.0,9\n1,2,x,9\n2,3,0.5,1\n"
    data = load_movielens(write_ml_latest(tmp_path / "ml", ratings, MOVIES))
    paths = write_interactions(data, tmp_path / "export")
    assert sorted(paths) == ["items", "manifest", "ratings", "users"]
    back = read_interactions(tmp_path / "export")
    assert isinstance(back, Interactions)
    for name in ("ratings", "users", "items"):
        assert getattr(back, name).equals(getattr(data, name)), name
    assert back.problems == data.problems
    assert back.layout == "ml-latest"


def test_reading_something_else_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a dataset export"):
        read_interactions(tmp_path)

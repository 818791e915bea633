"""The real MovieLens 100K (shared by the datasets and evaluate tests) and crafted copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

ML100K = SHARED_DATA / "ml-100k"


def ml100k_path() -> Path:
    """The real ML-100K directory; skips the test when it is not on disk."""
    if not (ML100K / "u.data").is_file():
        pytest.skip(f"MovieLens 100K not found at {ML100K} (set TASTEMAKER_SHARED_DATA)")
    return ML100K


def write_ml_latest(root: Path, ratings: bytes, movies: bytes) -> Path:
    """An ml-latest directory with the given ``ratings.csv`` and ``movies.csv`` bytes."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "ratings.csv").write_bytes(ratings)
    (root / "movies.csv").write_bytes(movies)
    return root


#: A small movies.csv: BOM, a quoted title with a comma, the "no genres" marker.
MOVIES = (
    b"\xef\xbb\xbfmovieId,title,genres\n"
    b'1,"American President, The (1995)",Comedy|Drama|Romance\n'
    b"2,Jumanji (1995),Adventure|Children|Fantasy\n"
    b"3,Untitled Project,(no genres listed)\n"
)

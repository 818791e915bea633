from __future__ import annotations

from pathlib import Path

import pytest

from tastemaker.datasets import Interactions, load_movielens
from tests.datasets.helpers import ml100k_path


@pytest.fixture(scope="session")
def ml100k_dir() -> Path:
    return ml100k_path()


@pytest.fixture(scope="session")
def ml100k(ml100k_dir: Path) -> Interactions:
    return load_movielens(ml100k_dir)

"""set_search_threads sets FAISS's and BLAS's pools, process-wide, and refuses nonsense."""

from __future__ import annotations

from collections.abc import Iterator

import faiss
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from tastemaker.index import set_search_threads


@pytest.fixture
def restore_pools() -> Iterator[None]:
    omp = faiss.omp_get_max_threads()
    blas = {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()}
    yield
    faiss.omp_set_num_threads(omp)
    for pool in threadpool_info():
        if pool["filepath"] in blas and pool["user_api"] == "blas":
            threadpool_limits(limits=blas[pool["filepath"]], user_api="blas")


@pytest.mark.usefixtures("restore_pools")
def test_sets_both_pools() -> None:
    set_search_threads(1)
    assert faiss.omp_get_max_threads() == 1
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")


def test_refuses_zero() -> None:
    with pytest.raises(ValueError, match=">= 1"):
        set_search_threads(0)

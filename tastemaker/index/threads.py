"""Thread pools used by search: FAISS's OpenMP and NumPy's BLAS.

Both default to one thread per core. One query is scanned by a single thread anyway, and a
service answers many queries at once from its own worker threads, so extra pool threads only
compete with them: measured on two shared cores, FAISS with two OpenMP threads answered single
queries several times slower at p50 (its idle threads spin). The service calls this once at
start-up; the process-wide setting is the service's decision, not a side effect of an import.
"""

from __future__ import annotations

import faiss
from threadpoolctl import threadpool_limits

__all__ = ["set_search_threads"]


def set_search_threads(threads: int = 1) -> None:
    """Use ``threads`` threads for FAISS (OpenMP) and NumPy's BLAS, process-wide."""
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    faiss.omp_set_num_threads(threads)
    threadpool_limits(limits=threads, user_api="blas")

"""Which runtime the service loads: the trained model when there is one, else text embeddings.

Kept apart from :mod:`tastemaker.service.runtime` (the protocol both runtimes implement), so
the runtimes import the protocol and nothing imports back into them: the service package has
no import cycle (``make lint`` checks it with import-linter).
"""

from __future__ import annotations

from tastemaker.service.content import load_content_runtime
from tastemaker.service.runtime import Runtime
from tastemaker.service.state import ServiceState
from tastemaker.service.twotower import load_two_tower_runtime

__all__ = ["load_runtime"]


def load_runtime(state: ServiceState) -> Runtime | None:
    """The newest exported two-tower model when there is one, else the content runtime over
    the newest text-embedding export, else None (the service then answers 503 on
    /api/ready)."""
    return load_two_tower_runtime(state) or load_content_runtime(state)

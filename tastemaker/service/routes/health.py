"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tastemaker import __version__
from tastemaker.service.deps import StateDep
from tastemaker.service.metrics import REGISTRY
from tastemaker.service.problems import problem, problem_responses

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", operation_id="getHealth")
def health() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok", "version": __version__}


@router.get("/ready", operation_id="getReady", responses=problem_responses(503))
def ready(state: StateDep) -> Response:
    """Ready when the catalogue and a model are loaded."""
    if state.runtime is None:
        return problem(503, "Not ready", "no model loaded: run `tastemaker train` first")
    return Response('{"status":"ready"}', media_type="application/json")


@router.get("/metrics", operation_id="getMetrics", response_class=Response)
def metrics() -> Response:
    """Request counts and latency histograms in the Prometheus text format."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

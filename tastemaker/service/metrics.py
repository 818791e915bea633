"""Prometheus metrics of the service, on a registry of its own (tests can build many apps)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["REGISTRY", "metrics_middleware"]

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "tastemaker_requests_total", "HTTP requests", ["route", "method", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "tastemaker_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
    registry=REGISTRY,
)


async def metrics_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Count and time every request under its route template (not its raw path, so item ids
    do not explode the label space)."""
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    name = getattr(route, "path", "unmatched")
    LATENCY.labels(name).observe(time.perf_counter() - started)
    REQUESTS.labels(name, request.method, str(response.status_code)).inc()
    return response

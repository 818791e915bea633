"""Prometheus metrics of the service, on a registry of its own (tests can build many apps)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["REGISTRY", "MetricsMiddleware"]

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


class MetricsMiddleware:
    """Count and time every request under its route template (not its raw path, so item ids
    do not explode the label space). Plain ASGI: Starlette's ``BaseHTTPMiddleware`` costs a
    task and a stream copy per request, which shows at hundreds of requests per second."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_see(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_see)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            LATENCY.labels(route).observe(time.perf_counter() - started)
            REQUESTS.labels(route, scope["method"], str(status)).inc()

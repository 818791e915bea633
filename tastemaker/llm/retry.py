"""The retry policy: which failures are worth another try, and how long to wait first.

408, 429 and 5xx are what a busy, rate-limited or restarting server answers; trying again later
usually works. Other 4xx (bad parameter, wrong key, unknown model) would fail identically.
Waits are full-jitter exponential: uniform in [0, min(max, base * 2**retry)], which spreads a
burst of clients that failed together better than a fixed or equal-jitter schedule.
"""

from __future__ import annotations

import random

import openai

__all__ = ["RETRYABLE_STATUS", "backoff_delay", "describe", "retry_after"]

RETRYABLE_STATUS = frozenset({408, 429}) | frozenset(range(500, 600))


def backoff_delay(retry: int, base_s: float, max_s: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(max_s, base_s * 2**retry)]."""
    return rng.uniform(0.0, min(max_s, base_s * (2.0**retry)))


def retry_after(exc: openai.APIStatusError) -> float | None:
    """Seconds from a ``Retry-After`` header in its numeric form (dates are ignored)."""
    value = exc.response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def describe(exc: BaseException | None) -> str:
    """A one-line account of a failed attempt for error messages (status and body head)."""
    if isinstance(exc, openai.APIStatusError):
        body = exc.body if exc.body is not None else exc.response.text
        return f"HTTP {exc.status_code} {str(body)[:300]}"
    return f"{type(exc).__name__}: {exc}" if exc is not None else "no attempt made"

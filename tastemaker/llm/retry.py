"""The retry policy as tenacity parts: which failures are worth another try, and the wait.

408, 429 and 5xx are what a busy, rate-limited or restarting server answers; trying again later
usually works, and so does a dropped connection or an attempt past its timeout. Other 4xx (bad
parameter, wrong key, unknown model) would fail identically. Waits are tenacity's full-jitter
exponential (uniform in [0, min(max, base * 2**retry)]), which spreads a burst of clients that
failed together better than a fixed or equal-jitter schedule, raised to a ``Retry-After`` the
server asked for (capped at the largest wait).

The loop itself is :class:`tenacity.AsyncRetrying` in :mod:`tastemaker.llm.client`; the openai
SDK's own retries stay off because they happen inside one SDK call, where the ledger cannot see
them, the concurrency slot stays held through the backoff, and the timeout is per attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import openai
from tenacity import RetryCallState, wait_random_exponential

__all__ = ["RETRYABLE_STATUS", "Backoff", "describe", "is_retryable", "retry_after", "retry_reason"]

RETRYABLE_STATUS = frozenset({408, 429}) | frozenset(range(500, 600))


def retry_reason(exc: BaseException) -> str | None:
    """Why ``exc`` is worth another attempt, as the ledger names it (``"503"``, ``"timeout"``,
    ``"connection"``); None when it is not."""
    if isinstance(exc, TimeoutError | openai.APITimeoutError):  # before its base class below
        return "timeout"
    if isinstance(exc, openai.APIStatusError):
        return str(exc.status_code) if exc.status_code in RETRYABLE_STATUS else None
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    return None


def is_retryable(exc: BaseException) -> bool:
    """tenacity ``retry_if_exception`` predicate: 408, 429, 5xx, timeouts, connection errors."""
    return retry_reason(exc) is not None


def retry_after(exc: openai.APIStatusError) -> float | None:
    """Seconds from a ``Retry-After`` header in its numeric form (dates are ignored)."""
    value = exc.response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Backoff:
    """tenacity wait: full jitter from ``base_s`` up to ``max_s``, at least the server's
    ``Retry-After`` (itself capped at ``max_s``)."""

    base_s: float
    max_s: float
    _jitter: wait_random_exponential = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        jitter = wait_random_exponential(multiplier=self.base_s, max=self.max_s)
        object.__setattr__(self, "_jitter", jitter)

    def __call__(self, state: RetryCallState) -> float:
        delay = self._jitter(state)
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, openai.APIStatusError) and (asked := retry_after(exc)) is not None:
            delay = max(delay, min(asked, self.max_s))
        return delay


def describe(exc: BaseException | None) -> str:
    """A one-line account of a failed attempt for error messages (status and body head)."""
    if isinstance(exc, openai.APIStatusError):
        body = exc.body if exc.body is not None else exc.response.text
        return f"HTTP {exc.status_code} {str(body)[:300]}"
    return f"{type(exc).__name__}: {exc}" if exc is not None else "no attempt made"

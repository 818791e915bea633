"""Per-run accounting of LLM use: calls, cache hits, retries, failures, tokens and time.

A rating run makes tens of thousands of calls; the ledger is how a run reports what it cost
(tokens for a paid API, seconds for the embedded server), how well the response cache and the
server's prefix cache worked, and whether the server was struggling (retries, timeouts). Its
:meth:`Ledger.summary` is a flat JSON-able dict, so a run record can store it as is.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Ledger"]


@dataclass
class Ledger:
    """Counters for one run; the client updates it, the run reads :meth:`summary` at the end.

    ``calls`` counts logical requests answered by the server (each may take several attempts);
    cache hits are counted apart and cost no tokens. Latency is per successful call, from the
    first attempt to the answer, retries and backoff included.
    """

    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    failures: int = 0
    timeouts: int = 0  # attempts that ran past the per-request timeout
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0  # prompt tokens the server reused from its prefix cache
    latencies_s: list[float] = field(default_factory=list)
    retry_reasons: Counter[str] = field(default_factory=Counter)
    peak_in_flight: int = 0
    _first_start: float | None = field(default=None, init=False, repr=False)
    _last_end: float | None = field(default=None, init=False, repr=False)
    _in_flight: int = field(default=0, init=False, repr=False)

    def call_started(self) -> float:
        """Mark a request attempt as in flight; returns its start time for :meth:`call_ended`."""
        now = time.perf_counter()
        if self._first_start is None:
            self._first_start = now
        self._in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        return now

    def call_ended(self) -> None:
        """Mark a request attempt as finished (whatever its outcome)."""
        self._in_flight -= 1
        self._last_end = time.perf_counter()

    def record_success(
        self, latency_s: float, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0
    ) -> None:
        """A call the server answered (after any retries)."""
        self.calls += 1
        self.latencies_s.append(latency_s)
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.cached_prompt_tokens += cached_tokens

    def record_cache_hit(self) -> None:
        """A call answered from the response cache, without the server."""
        self.cache_hits += 1

    def record_retry(self, reason: str) -> None:
        """An attempt failed in a retryable way (``reason`` like ``"429"``, ``"timeout"``)."""
        self.retries += 1
        self.retry_reasons[reason] += 1
        if reason == "timeout":
            self.timeouts += 1

    def record_failure(self, *, timeout: bool = False) -> None:
        """A call that raised after its last attempt (or at once, for a non-retryable error)."""
        self.failures += 1
        if timeout:
            self.timeouts += 1

    @property
    def wall_s(self) -> float:
        """Seconds from the first attempt's start to the last attempt's end."""
        if self._first_start is None or self._last_end is None:
            return 0.0
        return self._last_end - self._first_start

    def summary(self) -> dict[str, Any]:
        """A flat JSON-able dict of the totals and latency percentiles."""
        lat = sorted(self.latencies_s)
        return {
            "calls": self.calls,
            "cache_hits": self.cache_hits,
            "retries": self.retries,
            "retry_reasons": dict(sorted(self.retry_reasons.items())),
            "failures": self.failures,
            "timeouts": self.timeouts,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "cached_prompt_tokens": self.cached_prompt_tokens,
            "wall_s": round(self.wall_s, 6),
            "busy_s": round(sum(lat), 6),
            "latency_mean_s": round(sum(lat) / len(lat), 6) if lat else None,
            "latency_p50_s": _percentile(lat, 0.50),
            "latency_p95_s": _percentile(lat, 0.95),
            "latency_max_s": round(lat[-1], 6) if lat else None,
            "peak_in_flight": self.peak_in_flight,
        }


def _percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of already sorted values; None when there are none."""
    if not sorted_values:
        return None
    rank = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return round(sorted_values[rank], 6)

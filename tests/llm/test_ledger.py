"""The per-run ledger: totals, latency percentiles, in-flight peak."""

from __future__ import annotations

import json

from tastemaker.llm.ledger import Ledger


def test_empty_summary_is_json_and_zero() -> None:
    summary = Ledger().summary()
    json.dumps(summary)
    assert summary["calls"] == 0
    assert summary["wall_s"] == 0.0
    assert summary["latency_p50_s"] is None


def test_totals_and_percentiles() -> None:
    ledger = Ledger()
    for i in range(1, 21):  # latencies 0.1 … 2.0
        ledger.call_started()
        ledger.call_ended()
        ledger.record_success(i / 10, prompt_tokens=10, completion_tokens=2, cached_tokens=4)
    ledger.record_cache_hit()
    ledger.record_retry("429")
    ledger.record_retry("timeout")
    ledger.record_failure(timeout=True)
    summary = ledger.summary()
    assert summary["calls"] == 20
    assert summary["cache_hits"] == 1
    assert summary["retries"] == 2
    assert summary["retry_reasons"] == {"429": 1, "timeout": 1}
    assert summary["failures"] == 1
    assert summary["timeouts"] == 2
    assert summary["prompt_tokens"] == 200
    assert summary["completion_tokens"] == 40
    assert summary["total_tokens"] == 240
    assert summary["cached_prompt_tokens"] == 80
    assert summary["latency_p50_s"] == 1.0
    assert summary["latency_p95_s"] == 1.9
    assert summary["latency_max_s"] == 2.0
    assert summary["busy_s"] == 21.0
    json.dumps(summary)


def test_peak_in_flight_counts_overlapping_attempts() -> None:
    ledger = Ledger()
    for _ in range(3):
        ledger.call_started()
    ledger.call_ended()
    ledger.call_started()
    for _ in range(3):
        ledger.call_ended()
    assert ledger.peak_in_flight == 3
    assert ledger.wall_s >= 0.0

"""LLMClient against a real HTTP server that injects faults: retries, timeouts, limits, cache."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tenacity import RetryCallState

from tastemaker.errors import ConfigError, LLMError, LLMTimeout
from tastemaker.llm.cache import ResponseCache
from tastemaker.llm.client import LLMClient
from tastemaker.llm.config import LLMConfig
from tastemaker.llm.ledger import Ledger
from tastemaker.llm.retry import Backoff
from tests.llm.faults import FaultInjectingServer


class RecordingSleep:
    """Stands in for asyncio.sleep: records each backoff and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def config_for(server: FaultInjectingServer, **overrides: Any) -> LLMConfig:
    fields: dict[str, Any] = {
        "base_url": server.base_url,
        "model": "fake-model",
        "timeout_s": 5.0,
        "max_retries": 3,
        "concurrency": 2,
        "backoff_base_s": 0.5,
        "backoff_max_s": 4.0,
    }
    fields.update(overrides)
    return LLMConfig(**fields)


async def complete_once(client: LLMClient, prompt: str = "Rate it:", **kw: Any) -> Any:
    async with client:
        return await client.complete(prompt, **kw)


@pytest.mark.parametrize("fault", ["500", "503", "429", "502", "408", "drop"])
def test_retryable_faults_are_retried_until_success(fault: str) -> None:
    sleep = RecordingSleep()
    with FaultInjectingServer([fault, fault]) as server:
        client = LLMClient(config_for(server), sleep=sleep)
        result = asyncio.run(complete_once(client))
    assert result.text == " 7"
    assert server.count == 3
    summary = client.ledger.summary()
    assert summary["calls"] == 1
    assert summary["retries"] == 2
    assert summary["failures"] == 0
    reason = "connection" if fault == "drop" else fault
    assert summary["retry_reasons"] == {reason: 2}
    assert len(sleep.delays) == 2


def test_gives_up_after_max_retries_with_llm_error() -> None:
    sleep = RecordingSleep()
    with FaultInjectingServer(default="503") as server:
        client = LLMClient(config_for(server, max_retries=2), sleep=sleep)
        with pytest.raises(LLMError, match="gave up after 3 attempt") as info:
            asyncio.run(complete_once(client))
    assert not isinstance(info.value, LLMTimeout)
    assert server.count == 3
    assert client.ledger.summary()["failures"] == 1
    assert client.ledger.summary()["retries"] == 2
    assert client.ledger.summary()["calls"] == 0


def test_the_final_error_names_the_url_the_attempts_and_the_last_failure() -> None:
    with FaultInjectingServer(["500"], default="503") as server:
        client = LLMClient(config_for(server, max_retries=2), sleep=RecordingSleep())
        with pytest.raises(LLMError) as info:
            asyncio.run(complete_once(client))
    message = str(info.value)
    assert message.startswith(f"{server.base_url}/completions (model 'fake-model'): ")
    assert "gave up after 3 attempt(s), last: HTTP 503" in message
    assert "injected 503" in message
    assert isinstance(info.value.__cause__, Exception)


def test_each_retry_is_counted_with_its_own_reason() -> None:
    sleep = RecordingSleep()
    with FaultInjectingServer(["503", "hang", "drop", "429"]) as server:
        client = LLMClient(config_for(server, timeout_s=0.3, max_retries=4), sleep=sleep)
        result = asyncio.run(complete_once(client))
    assert result.text == " 7"
    assert server.count == 5
    summary = client.ledger.summary()
    assert summary["retry_reasons"] == {"429": 1, "503": 1, "connection": 1, "timeout": 1}
    assert (summary["calls"], summary["retries"], summary["timeouts"]) == (1, 4, 1)
    assert summary["failures"] == 0
    assert len(sleep.delays) == 4


@pytest.mark.parametrize("status", ["400", "401", "404", "422"])
def test_other_client_errors_are_not_retried(status: str) -> None:
    sleep = RecordingSleep()
    with FaultInjectingServer([status]) as server:
        client = LLMClient(config_for(server), sleep=sleep)
        with pytest.raises(LLMError, match=f"HTTP {status}"):
            asyncio.run(complete_once(client))
    assert server.count == 1
    assert sleep.delays == []
    assert client.ledger.summary()["failures"] == 1
    assert client.ledger.summary()["retries"] == 0


def test_401_without_key_names_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MY_LLM_KEY", raising=False)
    with FaultInjectingServer(["401"]) as server:
        client = LLMClient(config_for(server, api_key_env="MY_LLM_KEY"))
        with pytest.raises(LLMError, match="MY_LLM_KEY"):
            asyncio.run(complete_once(client))


def test_api_key_is_read_from_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_LLM_KEY", "sk-test-123")
    with FaultInjectingServer() as server:
        client = LLMClient(config_for(server, api_key_env="MY_LLM_KEY"))
        asyncio.run(complete_once(client))
    headers = {k.lower(): v for k, v in server.requests[0]["headers"].items()}
    assert headers["authorization"] == "Bearer sk-test-123"


def test_hang_past_timeout_raises_llm_timeout_after_retries() -> None:
    sleep = RecordingSleep()
    with FaultInjectingServer(default="hang") as server:
        client = LLMClient(config_for(server, timeout_s=0.3, max_retries=1), sleep=sleep)
        started = time.perf_counter()
        with pytest.raises(LLMTimeout, match=r"no answer within 0\.3 s"):
            asyncio.run(complete_once(client))
        elapsed = time.perf_counter() - started
    assert server.count == 2
    assert 0.55 < elapsed < 3.0  # two attempts of 0.3 s, not the server's 60 s
    summary = client.ledger.summary()
    assert summary["timeouts"] == 2
    assert summary["retries"] == 1
    assert summary["failures"] == 1


def test_timeout_then_success_is_retried() -> None:
    with FaultInjectingServer(["hang"]) as server:
        client = LLMClient(config_for(server, timeout_s=0.3), sleep=RecordingSleep())
        result = asyncio.run(complete_once(client))
    assert result.text == " 7"
    assert client.ledger.summary()["retry_reasons"] == {"timeout": 1}


def test_non_json_200_is_an_error_without_retry() -> None:
    with FaultInjectingServer(["garbage"]) as server:
        client = LLMClient(config_for(server), sleep=RecordingSleep())
        with pytest.raises(LLMError, match="not JSON"):
            asyncio.run(complete_once(client))
    assert server.count == 1
    assert client.ledger.summary()["failures"] == 1


def test_connection_refused_is_retried_then_llm_error() -> None:
    with FaultInjectingServer() as server:
        url = server.base_url  # the port is free again once the server is closed
    config = LLMConfig(base_url=url, model="m", max_retries=2, timeout_s=2.0)
    client = LLMClient(config, sleep=RecordingSleep())
    with pytest.raises(LLMError, match="APIConnectionError"):
        asyncio.run(complete_once(client))
    assert client.ledger.summary()["retry_reasons"] == {"connection": 2}


def test_backoff_is_exponential_full_jitter_within_bounds() -> None:
    sleep = RecordingSleep()
    with FaultInjectingServer(["500"] * 5) as server:
        cfg = config_for(server, max_retries=5, backoff_base_s=0.5, backoff_max_s=3.0)
        client = LLMClient(cfg, sleep=sleep)
        asyncio.run(complete_once(client))
    ceilings = [0.5, 1.0, 2.0, 3.0, 3.0]
    assert len(sleep.delays) == 5
    for delay, ceiling in zip(sleep.delays, ceilings, strict=True):
        assert 0.0 <= delay <= ceiling


def _waited(backoff: Backoff, attempt: int) -> float:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    return backoff(state)


@given(attempt=st.integers(1, 40), base=st.floats(0.001, 10.0), extra=st.floats(0.0, 100.0))
def test_backoff_never_exceeds_its_ceiling(attempt: int, base: float, extra: float) -> None:
    max_s = base + extra
    delay = _waited(Backoff(base, max_s), attempt)
    assert 0.0 <= delay <= min(max_s, base * 2.0 ** (attempt - 1))


def test_backoff_is_jittered_over_its_whole_window() -> None:
    """Full jitter, not equal jitter: waits spread over [0, ceiling], not [ceiling / 2, ceiling]."""
    waits = [_waited(Backoff(1.0, 8.0), 3) for _ in range(400)]
    assert min(waits) < 0.5
    assert max(waits) > 3.5
    assert max(waits) <= 4.0


def test_retry_after_header_is_honoured_up_to_backoff_max() -> None:
    sleep = RecordingSleep()
    with FaultInjectingServer(["429:2.5", "429:99"]) as server:
        cfg = config_for(server, backoff_base_s=0.01, backoff_max_s=5.0)
        client = LLMClient(cfg, sleep=sleep)
        asyncio.run(complete_once(client))
    assert sleep.delays[0] == pytest.approx(2.5)
    assert sleep.delays[1] == pytest.approx(5.0)  # capped


def test_concurrency_limit_holds_at_the_server() -> None:
    async def run(client: LLMClient) -> list[str]:
        async with client:
            results = await asyncio.gather(*(client.complete(f"item {i}") for i in range(9)))
        return [r.text for r in results]

    with FaultInjectingServer(default="slow", slow_s=0.15) as server:
        client = LLMClient(config_for(server, concurrency=3))
        texts = asyncio.run(run(client))
    assert texts == [" 7"] * 9
    assert server.peak_concurrent == 3
    assert client.ledger.summary()["peak_in_flight"] == 3


def test_backoff_does_not_hold_a_concurrency_slot() -> None:
    """With one slot, a request waiting out a 503 lets another request through meanwhile."""
    finished: list[str] = []

    async def one(client: LLMClient, name: str) -> None:
        await client.complete(name)
        finished.append(name)

    async def run(client: LLMClient) -> None:
        async with client:
            await asyncio.gather(one(client, "first"), one(client, "second"))

    with FaultInjectingServer(["503"]) as server:
        cfg = config_for(server, concurrency=1, backoff_base_s=0.3, backoff_max_s=0.3)
        client = LLMClient(cfg, sleep=lambda s: asyncio.sleep(0.3))
        asyncio.run(run(client))
    assert finished == ["second", "first"]
    assert [r["body"]["prompt"] for r in server.requests] == ["first", "second", "first"]


def test_request_body_carries_parameters_and_extra() -> None:
    with FaultInjectingServer() as server:
        client = LLMClient(config_for(server))
        result = asyncio.run(
            complete_once(
                client,
                max_tokens=3,
                temperature=0.7,
                seed=11,
                logprobs=4,
                stop=["\n"],
                extra={"grammar": 'root ::= "1" | "2"'},
            )
        )
    body = server.requests[0]["body"]
    assert server.requests[0]["path"] == "/v1/completions"
    assert body["model"] == "fake-model"
    assert body["prompt"] == "Rate it:"
    assert body["max_tokens"] == 3
    assert body["temperature"] == 0.7
    assert body["seed"] == 11
    assert body["logprobs"] == 4
    assert body["stop"] == ["\n"]
    assert body["grammar"] == 'root ::= "1" | "2"'
    probs = result.top_probs(0)
    assert list(probs)[:2] == [" 7", " 8"]
    assert len(probs) == 4
    assert sum(probs.values()) <= 1.0


def test_chat_sends_messages_and_top_logprobs() -> None:
    async def run(client: LLMClient) -> Any:
        async with client:
            return await client.chat([{"role": "user", "content": "hi"}], logprobs=3, n=2)

    with FaultInjectingServer() as server:
        client = LLMClient(config_for(server))
        result = asyncio.run(run(client))
    body = server.requests[0]["body"]
    assert server.requests[0]["path"] == "/v1/chat/completions"
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert body["logprobs"] is True
    assert body["top_logprobs"] == 3
    assert body["n"] == 2
    assert result.texts == [" 7", " 7"]
    assert result.usage.prompt_tokens == 5
    assert result.usage.cached_tokens == 2


def test_client_without_base_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="base URL"):
        LLMClient(LLMConfig())


def test_bad_arguments_fail_before_any_request() -> None:
    with FaultInjectingServer() as server:
        client = LLMClient(config_for(server))
        with pytest.raises(ValueError, match="max_tokens"):
            asyncio.run(complete_once(client, max_tokens=0))
    assert server.count == 0


# --- the response cache in front of the server -------------------------------------------


def cached_client(server: FaultInjectingServer, path: Path, **overrides: Any) -> LLMClient:
    return LLMClient(
        config_for(server, **overrides), cache=ResponseCache(path), sleep=RecordingSleep()
    )


def test_cache_hit_skips_the_server(tmp_path: Path) -> None:
    async def run(client: LLMClient) -> list[Any]:
        async with client:
            return [await client.complete("same", logprobs=2) for _ in range(3)]

    with FaultInjectingServer() as server:
        client = cached_client(server, tmp_path / "c.sqlite")
        results = asyncio.run(run(client))
    assert server.count == 1
    assert [r.cached for r in results] == [False, True, True]
    assert results[2].top_logprobs(0) == results[0].top_logprobs(0)
    assert results[2].usage == results[0].usage
    summary = client.ledger.summary()
    assert summary["calls"] == 1
    assert summary["cache_hits"] == 2
    assert summary["prompt_tokens"] == 5  # cache hits cost nothing


def test_cache_survives_a_new_client_on_another_port(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with FaultInjectingServer() as first:
        asyncio.run(complete_once(cached_client(first, path), seed=3, temperature=0.9))
    with FaultInjectingServer() as second:
        client = cached_client(second, path)
        result = asyncio.run(complete_once(client, seed=3, temperature=0.9))
    assert second.count == 0
    assert result.cached


def test_any_parameter_change_is_a_cache_miss(tmp_path: Path) -> None:
    async def run(client: LLMClient) -> None:
        async with client:
            await client.complete("p")
            await client.complete("p", max_tokens=17)
            await client.complete("p", extra={"grammar": "x"})
            await client.complete("q")
            await client.chat([{"role": "user", "content": "p"}])

    with FaultInjectingServer() as server:
        asyncio.run(run(cached_client(server, tmp_path / "c.sqlite")))
    assert server.count == 5


def test_unseeded_sampling_is_never_cached(tmp_path: Path) -> None:
    async def run(client: LLMClient) -> None:
        async with client:
            for _ in range(3):
                await client.complete("p", temperature=1.0)

    with FaultInjectingServer() as server:
        client = cached_client(server, tmp_path / "c.sqlite")
        asyncio.run(run(client))
    assert server.count == 3
    assert client.cache is not None
    assert len(client.cache) == 0


def test_failures_are_not_cached(tmp_path: Path) -> None:
    async def run(client: LLMClient) -> Any:
        async with client:
            with pytest.raises(LLMError):
                await client.complete("p")
            return await client.complete("p")

    with FaultInjectingServer(["400"]) as server:
        client = cached_client(server, tmp_path / "c.sqlite")
        result = asyncio.run(run(client))
    assert server.count == 2
    assert not result.cached


def test_use_cache_false_bypasses_the_cache(tmp_path: Path) -> None:
    async def run(client: LLMClient) -> None:
        async with client:
            await client.complete("p")
            await client.complete("p", use_cache=False)

    with FaultInjectingServer() as server:
        asyncio.run(run(cached_client(server, tmp_path / "c.sqlite")))
    assert server.count == 2


def test_ledger_can_be_shared_across_clients() -> None:
    ledger = Ledger()
    with FaultInjectingServer(["500"]) as server:
        for _ in range(2):
            client = LLMClient(config_for(server), ledger=ledger, sleep=RecordingSleep())
            asyncio.run(complete_once(client))
    summary = ledger.summary()
    assert summary["calls"] == 2
    assert summary["retries"] == 1
    assert summary["prompt_tokens"] == 10
    assert summary["completion_tokens"] == 2
    assert summary["total_tokens"] == 12
    assert summary["cached_prompt_tokens"] == 4
    assert summary["latency_p50_s"] is not None
    assert summary["wall_s"] > 0


def test_json_without_choices_is_an_error_and_counted() -> None:
    with FaultInjectingServer() as server:
        server.answer = lambda path, body: {"error": "overloaded"}  # type: ignore[method-assign]
        client = LLMClient(config_for(server), sleep=RecordingSleep())
        with pytest.raises(LLMError, match="no 'choices'"):
            asyncio.run(complete_once(client))
    assert client.ledger.summary()["failures"] == 1
    assert client.ledger.summary()["calls"] == 0

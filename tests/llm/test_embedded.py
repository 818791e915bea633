"""The client against the real embedded llama.cpp server running SmolLM2 (marker ``llm``).

SmolLM2-135M's answers are at chance; these tests check the plumbing the rating engine relies
on: text comes back, next-token log-probabilities form a proper distribution that does not
depend on temperature, seeds make sampling reproducible, the concurrency limit holds, grammars
constrain output and the persona prefix is reused from the server's prompt cache.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from tastemaker.llm import LLMClient, LLMConfig, connect
from tastemaker.llm.completion import Completion
from tastemaker.llm.ledger import Ledger
from tastemaker.llm.server import EmbeddedServer
from tests.llm.conftest import SMOLLM

pytestmark = pytest.mark.llm

PROMPT = (
    "You are Ana, 34, an architect who loves minimalist black clothing.\n"
    "Item: a bright pink sequinned party dress.\n"
    "On a scale from 1 to 10, how much do you like this item? Answer: "
)
RATING_GRAMMAR = 'root ::= "-1" | [1-9] | "10"'


def client_for(server: EmbeddedServer, **overrides: Any) -> LLMClient:
    fields: dict[str, Any] = {"model": SMOLLM, "timeout_s": 120.0, "concurrency": server.n_parallel}
    fields.update(overrides)
    return LLMClient(LLMConfig(**fields), base_url=server.base_url)


def run_with(server: EmbeddedServer, *calls: Any, **overrides: Any) -> tuple[list[Any], Ledger]:
    """Run ``calls`` (functions of the client returning awaitables) concurrently."""
    client = client_for(server, **overrides)

    async def go() -> list[Any]:
        async with client:
            return list(await asyncio.gather(*(call(client) for call in calls)))

    return asyncio.run(go()), client.ledger


def test_completion_returns_text_and_usage(smollm_server: EmbeddedServer) -> None:
    [result], ledger = run_with(smollm_server, lambda c: c.complete(PROMPT, max_tokens=4))
    assert isinstance(result, Completion)
    assert isinstance(result.text, str)
    assert result.text
    assert result.usage.prompt_tokens > 10
    assert 1 <= result.usage.completion_tokens <= 4
    assert ledger.summary()["calls"] == 1


def test_first_token_logprobs_are_a_proper_distribution(smollm_server: EmbeddedServer) -> None:
    [result], _ = run_with(smollm_server, lambda c: c.complete(PROMPT, max_tokens=1, logprobs=20))
    probs = result.top_probs(0)
    assert 10 <= len(probs) <= 20  # tokens decoding to the same text are merged
    assert all(0.0 < p <= 1.0 for p in probs.values())
    assert sum(probs.values()) <= 1.0 + 1e-6
    values = list(probs.values())
    assert values == sorted(values, reverse=True)
    generated = result.choices[0].tokens[0]
    assert generated.logprob is not None
    assert generated.logprob <= 0.0


def test_logprobs_do_not_depend_on_temperature(smollm_server: EmbeddedServer) -> None:
    """llama.cpp reports the model's softmax before sampling: the true distribution."""
    results, _ = run_with(
        smollm_server,
        lambda c: c.complete(PROMPT, max_tokens=1, logprobs=10, temperature=0.0),
        lambda c: c.complete(PROMPT, max_tokens=1, logprobs=10, temperature=1.5, seed=1),
        concurrency=1,
    )
    greedy, hot = (r.top_logprobs(0) for r in results)
    for token in list(greedy)[:5]:
        assert hot[token] == pytest.approx(greedy[token], abs=1e-3)


def test_same_seed_same_sample(smollm_server: EmbeddedServer) -> None:
    def sample(seed: int) -> Any:
        return lambda c: c.complete("Once upon a time", max_tokens=16, temperature=1.0, seed=seed)

    results, _ = run_with(smollm_server, sample(42), sample(42), concurrency=1)
    assert results[0].text == results[1].text
    assert len(results[0].text) > 0


def test_concurrency_limit_holds(smollm_server: EmbeddedServer) -> None:
    calls = [
        lambda c, i=i: c.complete(f"Item {i}: a wool coat. Score:", max_tokens=3) for i in range(6)
    ]
    results, ledger = run_with(smollm_server, *calls, concurrency=2)
    assert len(results) == 6
    assert ledger.summary()["peak_in_flight"] == 2
    assert ledger.summary()["calls"] == 6


def test_grammar_in_extra_constrains_the_answer(smollm_server: EmbeddedServer) -> None:
    [result], _ = run_with(
        smollm_server,
        lambda c: c.complete(
            PROMPT, max_tokens=3, temperature=1.0, seed=5, extra={"grammar": RATING_GRAMMAR}
        ),
    )
    assert re.fullmatch(r"-1|[1-9]|10", result.text)


def test_chat_with_logprobs(smollm_server: EmbeddedServer) -> None:
    messages = [
        {"role": "system", "content": "You rate clothes from 1 to 10."},
        {"role": "user", "content": "A plain white t-shirt. Your rating?"},
    ]
    [result], _ = run_with(smollm_server, lambda c: c.chat(messages, max_tokens=4, logprobs=5))
    assert result.text
    probs = result.top_probs(0)
    assert 1 <= len(probs) <= 5
    assert sum(probs.values()) <= 1.0 + 1e-6


def test_persona_prefix_is_reused_from_the_prompt_cache(smollm_server: EmbeddedServer) -> None:
    persona = "You are Ana, 34, an architect. " * 20

    async def two_items(client: LLMClient) -> list[Completion]:
        first = await client.complete(persona + "Item: a red scarf. Score:", max_tokens=1)
        second = await client.complete(persona + "Item: a green hat. Score:", max_tokens=1)
        return [first, second]

    [(first, second)], ledger = run_with(smollm_server, two_items, concurrency=1)
    assert second.usage.cached_tokens >= first.usage.prompt_tokens - 12
    assert ledger.summary()["cached_prompt_tokens"] >= second.usage.cached_tokens


def test_connect_starts_the_embedded_server_and_uses_the_cache(
    smollm_path: Path, tmp_path: Path
) -> None:
    config = LLMConfig(model=SMOLLM, concurrency=1, ctx_per_slot=512)
    ledger = Ledger()

    async def go() -> list[Completion]:
        async with connect(config, cache_path=tmp_path / "c.sqlite", ledger=ledger) as llm:
            return [await llm.complete(PROMPT, max_tokens=2, logprobs=5) for _ in range(2)]

    first, second = asyncio.run(go())
    assert second.cached
    assert not first.cached
    assert second.text == first.text
    assert ledger.summary()["calls"] == 1
    assert ledger.summary()["cache_hits"] == 1

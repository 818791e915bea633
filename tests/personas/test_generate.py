"""Persona writing against servers that misbehave on purpose, through the real LLMClient."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from tastemaker.embed.protocol import TextEncoder
from tastemaker.llm import LLMClient, LLMConfig
from tastemaker.personas.generate import GenerationResult, generate_personas, generation_seed
from tastemaker.personas.pools import Pools
from tastemaker.personas.prompt import Constraint
from tastemaker.personas.sampler import sample_attributes
from tastemaker.personas.schema import PERSONA_TEXT_SCHEMA, Attributes
from tests.personas.fakes import (
    DISTINCT_BIOS,
    DistinctBioServer,
    DuplicateBioServer,
    InvalidJSONServer,
    OneSentenceThenFixedServer,
    PersonaChatServer,
    PlaceholderNameServer,
    PlaceholderThenHintedServer,
    ServerErrorServer,
    TruncatedAnswerServer,
)


def run(
    server: PersonaChatServer,
    attributes: Sequence[Attributes],
    encoder: TextEncoder,
    **options: Any,
) -> GenerationResult:
    async def go() -> GenerationResult:
        config = LLMConfig(base_url=server.base_url, model="fake-model", max_retries=0)
        async with LLMClient(config) as llm:
            return await generate_personas(llm, attributes, encoder=encoder, **options)

    return asyncio.run(go())


def test_valid_answers_become_personas_with_provenance(pools: Pools, encoder: TextEncoder) -> None:
    attributes = sample_attributes(pools, 4, ["gender"], seed=1)
    with DistinctBioServer() as server:
        result = run(server, attributes, encoder)
    assert not result.failures
    assert [p.id for p in result.personas] == [a.id for a in attributes]
    assert {p.bio for p in result.personas} <= set(DISTINCT_BIOS)
    persona = result.personas[0]
    assert persona.model == "fake-model"
    assert persona.gender == attributes[0].gender
    assert persona.generation["attempts"] == 1
    assert persona.generation["repaired"] is False
    # what went over the wire: chat with the schema, a temperature, one seed per persona
    body = server.requests[0]
    assert body["json_schema"] == PERSONA_TEXT_SCHEMA
    assert body["temperature"] > 0
    assert len({b["seed"] for b in server.requests}) == 4
    prompts = [b["messages"][-1]["content"] for b in server.requests]
    for sampled in attributes:  # every persona's attributes went into one of the prompts
        assert any(sampled.occupation in p and f"age: {sampled.age}" in p for p in prompts)


def test_response_format_and_unconstrained_modes(pools: Pools, encoder: TextEncoder) -> None:
    attributes = sample_attributes(pools, 1, seed=1)
    modes: list[Constraint] = ["response_format", "none"]
    for mode in modes:
        with DistinctBioServer() as server:
            result = run(server, attributes, encoder, constraint=mode)
        assert len(result.personas) == 1
        body = server.requests[0]
        assert "json_schema" not in body
        if mode == "response_format":
            assert body["response_format"]["json_schema"]["schema"] == PERSONA_TEXT_SCHEMA
        else:
            assert "response_format" not in body


def test_invalid_json_gets_one_repair_then_is_a_recorded_failure(
    pools: Pools, encoder: TextEncoder
) -> None:
    attributes = sample_attributes(pools, 2, seed=1)
    with InvalidJSONServer() as server:
        result = run(server, attributes, encoder)
    assert result.personas == []  # nothing invented
    assert len(server.requests) == 4  # each persona: one try and one repair, no more
    assert [f.reason for f in result.failures] == ["invalid", "invalid"]
    failure = result.failures[0]
    assert "after one repair retry" in failure.error
    assert "not a JSON object" in failure.error
    assert len(failure.outputs) == 2
    assert failure.outputs[0].startswith("Sure!")
    record = result.as_dict()
    assert record["failed_by_reason"] == {"invalid": 2}
    assert record["generated"] == 0


def test_repair_sends_back_the_output_and_the_error(pools: Pools, encoder: TextEncoder) -> None:
    attributes = sample_attributes(pools, 1, seed=1)
    with OneSentenceThenFixedServer() as server:
        result = run(server, attributes, encoder)
    assert not result.failures
    assert result.repaired == 1
    assert result.personas[0].bio == DISTINCT_BIOS[0]
    assert result.personas[0].generation["repaired"] is True
    first, repair = server.requests
    assert repair["messages"][: len(first["messages"])] == first["messages"]
    invalid = '{"name": "Anna Berg", "bio": "Anna likes hats."}'
    assert repair["messages"][-2] == {"role": "assistant", "content": invalid}
    assert "at least 2 sentences" in repair["messages"][-1]["content"]
    assert repair["json_schema"] == PERSONA_TEXT_SCHEMA
    assert repair["seed"] != first["seed"]  # a fresh draw, not a copy of the first answer
    assert result.personas[0].generation["seed"] == repair["seed"]


def test_near_duplicates_are_regenerated_then_recorded(pools: Pools, encoder: TextEncoder) -> None:
    attributes = sample_attributes(pools, 3, seed=1)
    with DuplicateBioServer() as server:
        result = run(server, attributes, encoder, max_attempts=3)
    assert len(result.personas) == 1  # the first is kept; the others duplicate it
    assert result.personas[0].id == attributes[0].id
    assert [f.reason for f in result.failures] == ["duplicate", "duplicate"]
    assert attributes[0].id in result.failures[0].error
    assert result.failures[0].attempts == 3
    assert result.regenerated == 4  # two personas, two extra rounds each
    assert len(server.requests) == 1 + 2 * 3
    seeds = {b["seed"] for b in server.requests}
    assert generation_seed(attributes[1].id, 2) in seeds  # each round draws with a new seed
    assert len(seeds) == len(server.requests)


def test_bios_already_stored_count_as_duplicates(pools: Pools, encoder: TextEncoder) -> None:
    attributes = sample_attributes(pools, 1, seed=1)
    with DuplicateBioServer() as server:
        result = run(
            server, attributes, encoder, max_attempts=1, existing={"stored-1": DISTINCT_BIOS[1]}
        )
    assert result.personas == []
    assert "stored-1" in result.failures[0].error


def test_a_dead_server_is_a_recorded_llm_error(pools: Pools, encoder: TextEncoder) -> None:
    attributes = sample_attributes(pools, 2, seed=1)
    with ServerErrorServer() as server:
        result = run(server, attributes, encoder)
    assert result.personas == []
    assert [f.reason for f in result.failures] == ["llm_error", "llm_error"]
    assert "500" in result.failures[0].error


def test_progress_counts_every_settled_persona(pools: Pools, encoder: TextEncoder) -> None:
    seen: list[int] = []
    attributes = sample_attributes(pools, 3, seed=1)
    with DuplicateBioServer() as server:
        run(server, attributes, encoder, max_attempts=2, progress=seen.append)
    assert sum(seen) == 3


def test_a_cut_off_answer_is_explained_to_the_model(pools: Pools, encoder: TextEncoder) -> None:
    attributes = sample_attributes(pools, 1, seed=1)
    with TruncatedAnswerServer() as server:
        result = run(server, attributes, encoder)
    assert "cut off at the token limit" in server.requests[1]["messages"][-1]["content"]
    assert "cut off at the token limit" in result.failures[0].error


def men(pools: Pools, n: int) -> list[Attributes]:
    return [a for a in sample_attributes(pools, 2 * n, ["gender"], seed=0) if a.gender == "man"]


def test_the_prompt_offers_each_persona_its_sampled_first_name(
    pools: Pools, encoder: TextEncoder
) -> None:
    attributes = men(pools, 3)
    with DistinctBioServer() as server:
        result = run(server, attributes, encoder)
    prompts = [b["messages"][-1]["content"] for b in server.requests]
    for sampled, persona in zip(attributes, result.personas, strict=True):
        assert sampled.first_name is not None
        assert any(f"Their first name is {sampled.first_name}." in p for p in prompts)
        assert persona.generation["first_name_hint"] == sampled.first_name
        assert persona.generation["prompt_version"] == "persona-v2"


def test_a_placeholder_name_is_repaired_once_then_a_recorded_failure(
    pools: Pools, encoder: TextEncoder
) -> None:
    attributes = men(pools, 2)
    with PlaceholderNameServer() as server:
        result = run(server, attributes, encoder)
    assert result.personas == []  # no name is guessed for it
    assert len(server.requests) == 4
    assert [f.reason for f in result.failures] == ["invalid", "invalid"]
    failure = result.failures[0]
    assert failure.error == (
        "invalid after one repair retry: name: 'John Doe' is a placeholder, not a persona's name"
    )
    assert [json.loads(o)["name"] for o in failure.outputs] == ["John Doe", "John Doe"]
    repairs = [b["messages"][-1]["content"] for b in server.requests if server.is_repair(b)]
    assert len(repairs) == 2
    for sampled in attributes:  # each repair names the reason and offers its own first name
        (repair,) = [r for r in repairs if f"Use the first name {sampled.first_name} " in r]
        assert "'John Doe' is a placeholder" in repair  # without pydantic's "Value error,"
        assert "The name was rejected" in repair


def test_a_repair_after_a_bad_bio_does_not_ask_for_a_new_name(
    pools: Pools, encoder: TextEncoder
) -> None:
    with OneSentenceThenFixedServer() as server:
        run(server, men(pools, 1), encoder)
    assert "The name was rejected" not in server.requests[1]["messages"][-1]["content"]


def test_a_placeholder_repaired_with_the_offered_name_is_kept(
    pools: Pools, encoder: TextEncoder
) -> None:
    attributes = men(pools, 1)
    with PlaceholderThenHintedServer() as server:
        result = run(server, attributes, encoder)
    assert not result.failures
    assert result.repaired == 1
    assert result.personas[0].name == f"{attributes[0].first_name} Lindqvist"

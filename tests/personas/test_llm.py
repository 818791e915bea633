"""Real persona writing with the embedded llama.cpp server and SmolLM2 (marker ``llm``).

SmolLM2-135M writes poor prose, but it shows the plumbing against the real server: llama.cpp
honours the schema we send (its bios match the sentence pattern, so the constraint took
effect), and every persona ends as a valid one or a recorded failure, never anything else.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from tastemaker.embed.protocol import TextEncoder
from tastemaker.llm import EmbeddedServer, LLMClient, LLMConfig
from tastemaker.personas.generate import GenerationResult, generate_personas
from tastemaker.personas.pools import Pools
from tastemaker.personas.prompt import Constraint
from tastemaker.personas.sampler import sample_attributes
from tastemaker.personas.schema import PERSONA_TEXT_SCHEMA, count_sentences

pytestmark = [pytest.mark.llm, pytest.mark.slow]

_BIO = PERSONA_TEXT_SCHEMA["properties"]["bio"]["pattern"]


@pytest.mark.parametrize(("constraint", "n"), [("json_schema", 3), ("response_format", 2)])
def test_smollm2_writes_valid_personas_or_records_failures(
    smollm_server: EmbeddedServer,
    pools: Pools,
    encoder: TextEncoder,
    constraint: Constraint,
    n: int,
) -> None:
    attributes = sample_attributes(pools, n, ["gender"], seed=11)

    async def go() -> GenerationResult:
        config = LLMConfig(
            base_url=smollm_server.base_url, model="smollm2-135m-instruct", timeout_s=120
        )
        async with LLMClient(config) as llm:
            return await generate_personas(llm, attributes, encoder=encoder, constraint=constraint)

    result = asyncio.run(go())
    assert len(result.personas) + len(result.failures) == n
    assert result.personas, [f.error for f in result.failures]
    for persona in result.personas:
        assert persona.name.strip()
        assert not any(ch.isdigit() for ch in persona.name)
        assert count_sentences(persona.bio) >= 2
        assert persona.model == "smollm2-135m-instruct"
        if not persona.generation["repaired"]:
            assert re.fullmatch(_BIO, persona.bio), persona.bio  # the server applied the schema
    for failure in result.failures:
        assert failure.reason in {"invalid", "duplicate"}
        assert failure.outputs

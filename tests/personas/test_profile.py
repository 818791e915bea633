"""The persona profile step: the bio distilled into Wears/Avoids lines by a real model, and
the parsing that turns the answer into those lines or a recorded failure."""

from __future__ import annotations

import asyncio

import pytest

from tastemaker.errors import LLMOutputError
from tastemaker.llm import EmbeddedServer, LLMClient, LLMConfig
from tastemaker.personas.profile import distil_profile, parse_profile
from tastemaker.ratings.prompts import PersonaView, load_template
from tastemaker.ratings.records import RatingKey
from tastemaker.ratings.requests import RequestSpec
from tastemaker.ratings.strategies import LogprobStrategy

BIO = (
    "Rajesh is an accountant who wears pressed shirts and polished shoes to the office. "
    "He never wears logo tees or flip-flops."
)


def test_both_lines_on_one_line_are_split_and_repeats_dropped() -> None:
    answer = "Wears: Yoga pants, leggings, sunglasses, sunglasses, sunglasses. Avoids: heels."
    assert parse_profile(answer, "Zoe") == "Wears: Yoga pants, leggings, sunglasses\nAvoids: heels"


def test_an_answer_without_either_label_is_a_failure_naming_the_persona() -> None:
    with pytest.raises(LLMOutputError, match="persona Zoe: profile answer has no Wears/Avoids"):
        parse_profile("She likes comfortable clothes.", "Zoe")


def test_the_profile_is_in_the_rating_prompt_and_so_in_its_request_hash() -> None:
    bare = PersonaView("p1", "Rajesh", "Men", BIO)
    profiled = PersonaView("p1", "Rajesh", "Men", BIO, {"profile": "Wears: formal shirts"})
    template = load_template()
    assert "Wears: formal shirts" in profiled.describe()
    assert "Wears" not in bare.describe()
    spec = RequestSpec.of(
        LogprobStrategy(), key=RatingKey(template.version, "m", "logprobs"), server="s", fmt="inst"
    )
    hashes = {
        spec.request_hash(template.render(p, "Arrow Men Black Formal Shoes", "inst"), seed=1)
        for p in (bare, profiled)
    }
    assert len(hashes) == 2


@pytest.mark.llm
@pytest.mark.slow
def test_a_real_model_distils_a_bio_into_labelled_lines_or_a_recorded_failure(
    smollm_server: EmbeddedServer,
) -> None:
    async def go() -> str:
        config = LLMConfig(base_url=smollm_server.base_url, model="smollm2-135m-instruct")
        async with LLMClient(config) as llm:
            return await distil_profile(llm, "Rajesh", "Men", BIO)

    try:
        profile = asyncio.run(go())
    except LLMOutputError as exc:  # SmolLM2 may not follow the format: a failure, named
        failure = str(exc)
        assert failure.startswith("persona Rajesh: profile answer")
        return
    lines = profile.splitlines()
    assert 1 <= len(lines) <= 2
    for line in lines:
        label, _, entries = line.partition(": ")
        assert label in ("Wears", "Avoids")
        listed = entries.split(", ")
        assert listed
        assert len(listed) == len(set(listed))

"""The strategies against the real embedded llama.cpp server with SmolLM2 (marker ``llm``).

SmolLM2's ratings are at chance, so these tests check the mechanics (valid distributions,
exact splitting of multi-token answers, constrained output, recorded failures), not quality;
quality is measured by ``bench/bench_ratings.py`` with the default model.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np
import pytest

from tastemaker.errors import ConfigError
from tastemaker.llm import LLMClient, LLMConfig
from tastemaker.llm.completion import Completion
from tastemaker.llm.server import EmbeddedServer
from tastemaker.ratings.prompts import PersonaView, PromptFormat, load_template
from tastemaker.ratings.scale import ANSWERS
from tastemaker.ratings.strategies import (
    FreeStrategy,
    LogprobStrategy,
    RatingOutcome,
    SampleStrategy,
    Strategy,
    YesNoStrategy,
)

pytestmark = pytest.mark.llm

PERSONA = PersonaView(
    "p1",
    "George",
    "Men",
    "George is a retired banker who wears tailored suits every day. He avoids bright colours.",
    {"age_band": "65+", "aesthetic": "classic formal"},
)
REPAIR_TURN = "Return only the number (-1, or 1 to 10), nothing else."
ITEM = "Neon Green Graphic Tshirt. Casual tshirts for men in green (Apparel, Topwear)."
#: SmolLM2 puts 9-54 % of its next-token mass on allowed answers, below the default minimum
#: (tests/ratings/test_outcomes.py); these mechanics tests accept what little there is.
SMOL_MIN_VALID = 0.01


def _rate(server: EmbeddedServer, strategy: Strategy, fmt: PromptFormat = "model") -> RatingOutcome:
    async def main() -> RatingOutcome:
        config = LLMConfig(base_url=server.base_url, model=server.model_name, concurrency=2)
        async with LLMClient(config) as llm:
            template = await load_template().for_server(llm, fmt)
            prompt = template.render(PERSONA, ITEM, fmt, yesno=strategy.name == "yesno")
            return await strategy.rate(llm, prompt, seed=7)

    return asyncio.run(main())


def test_logprobs_give_a_full_distribution(smollm_server: EmbeddedServer) -> None:
    outcome = _rate(smollm_server, LogprobStrategy(min_valid=SMOL_MIN_VALID))
    assert outcome.error is None
    assert outcome.probabilities is not None
    assert outcome.probabilities.shape == (11,)
    assert outcome.probabilities.sum() == pytest.approx(1.0)
    assert outcome.answer == ANSWERS[int(np.argmax(outcome.probabilities))]
    # the expected rating is the mean over 1..10 given not a dislike; P(dislike) stands apart
    likes = outcome.probabilities[1:]
    assert outcome.expected == pytest.approx(float(np.dot(ANSWERS[1:], likes) / likes.sum()))


def test_logprobs_split_multi_token_answers_without_losing_mass(
    smollm_server: EmbeddedServer,
) -> None:
    outcome = _rate(smollm_server, LogprobStrategy(min_valid=SMOL_MIN_VALID))
    raw = json.loads(outcome.raw_output)
    assert outcome.probabilities is not None
    p_first_one = raw["top"].get("1", 0.0)
    p_1, p_10 = outcome.probabilities[ANSWERS.index(1)], outcome.probabilities[ANSWERS.index(10)]
    # "1" at the first position is shared by the answers 1 and 10 (and invalid 11..19):
    # after the continuation call their mass can only shrink, never grow.
    assert (p_1 + p_10) * raw["p_valid"] <= p_first_one + 1e-6
    if p_first_one > 0.01:
        assert outcome.calls >= 2  # the continuation call was made


def test_the_same_rating_twice_agrees(smollm_server: EmbeddedServer) -> None:
    """llama.cpp's logits shift slightly with batch composition and prompt-cache state (the
    continuation calls may share a decode batch), so repeat ratings agree to a tolerance, not
    bit for bit; the response cache is what makes a re-run exactly reproducible. A rare answer
    near the top-logprobs cutoff can drop out of one run (p 0.048 against 0.0 seen here), so the
    two distributions are compared by total variation, and their expected 1-10 ratings within 0.3
    (0.152 apart seen in CI)."""
    a = _rate(smollm_server, LogprobStrategy(min_valid=SMOL_MIN_VALID))
    b = _rate(smollm_server, LogprobStrategy(min_valid=SMOL_MIN_VALID))
    assert a.probabilities is not None
    assert b.probabilities is not None
    assert a.expected is not None
    assert b.expected is not None
    assert 0.5 * np.abs(a.probabilities - b.probabilities).sum() < 0.1
    assert abs(a.expected - b.expected) < 0.3


def test_grammar_constrained_samples_are_always_allowed_answers(
    smollm_server: EmbeddedServer,
) -> None:
    outcome = _rate(smollm_server, SampleStrategy(n=6, temperature=1.2))
    draws = json.loads(outcome.raw_output)["draws"]
    assert len(draws) == 6
    assert all(int(d) in ANSWERS for d in draws)
    assert outcome.error is None
    assert outcome.calls == 6


def test_free_text_is_parsed_or_recorded_as_a_failure(smollm_server: EmbeddedServer) -> None:
    outcome = _rate(smollm_server, FreeStrategy())
    if outcome.answer is None:
        assert outcome.error is not None
        assert "repair" in json.loads(outcome.raw_output)
    else:
        assert outcome.answer in ANSWERS


def test_yes_no_scores_map_onto_one_to_ten(smollm_server: EmbeddedServer) -> None:
    outcome = _rate(smollm_server, YesNoStrategy(min_valid=SMOL_MIN_VALID))
    assert outcome.error is None
    assert outcome.expected is not None
    assert 1.0 <= outcome.expected <= 10.0
    raw = json.loads(outcome.raw_output)
    assert raw["p_yes"] + raw["p_no"] > 0


def test_the_inst_format_works_too(smollm_server: EmbeddedServer) -> None:
    outcome = _rate(smollm_server, LogprobStrategy(min_valid=SMOL_MIN_VALID), fmt="inst")
    assert outcome.probabilities is not None
    assert outcome.probabilities.sum() == pytest.approx(1.0)


def test_the_repair_turn_goes_through_the_models_own_template(
    smollm_server: EmbeddedServer,
) -> None:
    """The free strategy's second turn is the whole conversation so far, as the model's
    template renders it (not markup appended by hand)."""
    sent: list[str] = []

    async def main() -> str:
        config = LLMConfig(base_url=smollm_server.base_url, model=smollm_server.model_name)
        async with LLMClient(config) as llm:
            template = await load_template().for_server(llm, "model")
            prompt = template.render(PERSONA, ITEM, "model")
            original = llm.complete

            async def recording(text: str, **kwargs: Any) -> Completion:
                sent.append(text)
                return await original(text, **kwargs)

            llm.complete = recording  # type: ignore[method-assign]
            await FreeStrategy()._repair(llm, prompt, " I love it\n", seed=7)
            conversation = [
                *prompt.messages,
                {"role": "assistant", "content": " I love it\n"},
                {"role": "user", "content": REPAIR_TURN},
            ]
            return await llm.apply_template(conversation)

    rendered_by_server = asyncio.run(main())
    assert sent == [rendered_by_server]


def test_raw_text_strategies_refuse_chat_messages(smollm_server: EmbeddedServer) -> None:
    with pytest.raises(ConfigError, match="raw-text prompt"):
        _rate(smollm_server, LogprobStrategy(), fmt="messages")


@pytest.mark.slow
def test_the_default_rater_rates_through_its_own_template(qwen_server: EmbeddedServer) -> None:
    """Qwen's own template gives the prompt (equal to what its server renders), and the retired
    banker in suits rates a navy wool suit above the neon tshirt (4.5 vs 6.2 when written)."""
    suit = "Navy Blue Formal Wool Suit. Tailored suits for men in navy blue (Apparel, Topwear)."

    async def main() -> tuple[list[str | None], list[str], list[RatingOutcome]]:
        config = LLMConfig(base_url=qwen_server.base_url, model=qwen_server.model_name)
        async with LLMClient(config) as llm:
            template = await load_template().for_server(llm, "model")
            prompts = [template.render(PERSONA, item, "model") for item in (ITEM, suit)]
            outcomes = [await LogprobStrategy().rate(llm, p, seed=7) for p in prompts]
            rendered = [await llm.apply_template(p.messages) for p in prompts]
            return [p.text for p in prompts], rendered, outcomes

    texts, rendered_by_server, (tshirt, suited) = asyncio.run(main())
    assert texts == rendered_by_server
    assert all(t is not None and t.endswith("<|im_start|>assistant\n") for t in texts)
    for outcome in (tshirt, suited):
        assert outcome.error is None
        assert outcome.probabilities is not None
        assert outcome.probabilities.sum() == pytest.approx(1.0)
    assert tshirt.expected is not None
    assert suited.expected is not None
    assert tshirt.expected < suited.expected - 0.5

"""The strategies against the real embedded llama.cpp server with SmolLM2 (marker ``llm``).

SmolLM2's ratings are at chance, so these tests check the mechanics (valid distributions,
exact splitting of multi-token answers, constrained output, recorded failures), not quality;
quality is measured by ``bench/bench_ratings.py`` with the default model.
"""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from tastemaker.llm import LLMClient, LLMConfig
from tastemaker.llm.server import EmbeddedServer
from tastemaker.ratings.prompts import PersonaView, load_template
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
ITEM = "Neon Green Graphic Tshirt. Casual tshirts for men in green (Apparel, Topwear)."
#: SmolLM2 puts 9-54 % of its next-token mass on allowed answers, below the default minimum
#: (tests/ratings/test_outcomes.py); these mechanics tests accept what little there is.
SMOL_MIN_VALID = 0.01


def _rate(server: EmbeddedServer, strategy: Strategy, fmt: str = "chatml") -> RatingOutcome:
    prompt = load_template().render(PERSONA, ITEM, fmt, yesno=strategy.name == "yesno")  # type: ignore[arg-type]

    async def main() -> RatingOutcome:
        config = LLMConfig(base_url=server.base_url, model=server.model_name, concurrency=2)
        async with LLMClient(config) as llm:
            return await strategy.rate(llm, prompt, seed=7)

    return asyncio.run(main())


def test_logprobs_give_a_full_distribution(smollm_server: EmbeddedServer) -> None:
    outcome = _rate(smollm_server, LogprobStrategy(min_valid=SMOL_MIN_VALID))
    assert outcome.error is None
    assert outcome.probabilities is not None
    assert outcome.probabilities.shape == (11,)
    assert outcome.probabilities.sum() == pytest.approx(1.0)
    assert outcome.answer == ANSWERS[int(np.argmax(outcome.probabilities))]
    assert outcome.expected is not None
    assert -1 <= outcome.expected <= 10


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
    bit for bit; the response cache is what makes a re-run exactly reproducible."""
    a = _rate(smollm_server, LogprobStrategy(min_valid=SMOL_MIN_VALID))
    b = _rate(smollm_server, LogprobStrategy(min_valid=SMOL_MIN_VALID))
    assert a.probabilities is not None
    assert b.probabilities is not None
    assert a.expected is not None
    assert b.expected is not None
    np.testing.assert_allclose(a.probabilities, b.probabilities, atol=0.03)
    assert abs(a.expected - b.expected) < 0.15


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

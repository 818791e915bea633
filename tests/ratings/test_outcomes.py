"""How strategies turn unusable output into recorded failures (never a guessed number).

The mixes of valid and unusable draws come from a fault-injecting server (``tests/llm/
faults.py``): the real model produces such a mix only by chance. Low probability mass on the
allowed answers comes from the real SmolLM2 server, which has plenty of it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

import pytest

from tastemaker.errors import ConfigError
from tastemaker.llm import LLMClient, LLMConfig
from tastemaker.llm.server import EmbeddedServer
from tastemaker.ratings.prompts import Prompt, load_template
from tastemaker.ratings.strategies import (
    LogprobStrategy,
    RatingOutcome,
    SampleStrategy,
    Strategy,
    YesNoStrategy,
)
from tests.llm.faults import FaultInjectingServer
from tests.ratings.test_strategies import ITEM, PERSONA

PROMPT = Prompt("inst", text="[INST] Rate the shirt from -1 to 10. [/INST]")


class ScriptedDraws(FaultInjectingServer):
    """Answers each completion with the next of ``texts`` (junk on demand)."""

    def __init__(self, texts: Iterable[str]) -> None:
        super().__init__()
        self.texts = deque(texts)
        self._texts_lock = threading.Lock()

    def answer(self, path: str, body: Any) -> dict[str, Any]:
        reply = super().answer(path, body)
        with self._texts_lock:
            reply["choices"][0]["text"] = self.texts.popleft()
        return reply


def _rate(texts: list[str], strategy: Strategy) -> RatingOutcome:
    async def main(base_url: str) -> RatingOutcome:
        config = LLMConfig(base_url=base_url, model="fake", concurrency=4, max_retries=0)
        async with LLMClient(config) as llm:
            return await strategy.rate(llm, PROMPT, seed=3)

    with ScriptedDraws(texts) as server:
        return asyncio.run(main(server.base_url))


def test_unparseable_draws_are_counted_and_fail_the_rating_below_the_minimum() -> None:
    outcome = _rate(["7", "8", "7"] + ["I'd say"] * 7, SampleStrategy(n=10, constraint="none"))
    assert outcome.answer is None
    assert outcome.probabilities is None
    assert outcome.error is not None
    assert "3 of 10 draws" in outcome.error
    raw = json.loads(outcome.raw_output)
    assert (raw["valid_draws"], raw["n"]) == (3, 10)
    assert len(raw["draws"]) == 10


def test_enough_valid_draws_rate_and_record_the_count() -> None:
    texts = ["7", "8", "7", "6", "7", "8", "7", "7", "sorry", "5"]
    outcome = _rate(texts, SampleStrategy(n=10, constraint="none", min_valid=0.8))
    assert outcome.error is None
    assert outcome.answer == 7
    assert outcome.probabilities is not None
    assert outcome.probabilities.sum() == pytest.approx(1.0)
    raw = json.loads(outcome.raw_output)
    assert (raw["valid_draws"], raw["n"], raw["p_valid"]) == (9, 10, 0.9)


@pytest.mark.parametrize("share", [0.0, -0.1, 1.5])
def test_the_minimum_share_must_be_a_share(share: float) -> None:
    with pytest.raises(ConfigError, match="min_valid"):
        SampleStrategy(min_valid=share)


def _rate_real(server: EmbeddedServer, strategy: Strategy) -> RatingOutcome:
    prompt = load_template().render(PERSONA, ITEM, "chatml", yesno=strategy.name == "yesno")

    async def main() -> RatingOutcome:
        config = LLMConfig(base_url=server.base_url, model=server.model_name, concurrency=2)
        async with LLMClient(config) as llm:
            return await strategy.rate(llm, prompt, seed=7)

    return asyncio.run(main())


@pytest.mark.llm
@pytest.mark.parametrize("kind", [LogprobStrategy, YesNoStrategy], ids=["logprobs", "yesno"])
def test_little_mass_on_allowed_answers_is_a_recorded_failure(
    smollm_server: EmbeddedServer, kind: type[LogprobStrategy] | type[YesNoStrategy]
) -> None:
    """SmolLM2 puts 9-29 % (logprobs) and 38-54 % (yesno) of its next-token mass on allowed
    answers: below the default minimum, so its renormalised distribution is not reported."""
    outcome = _rate_real(smollm_server, kind())
    raw = json.loads(outcome.raw_output)
    assert 0 < raw["p_valid"] < 0.55
    assert outcome.answer is None
    assert outcome.expected is None
    assert outcome.error is not None
    assert "probability mass" in outcome.error
    lenient = _rate_real(smollm_server, kind(min_valid=0.01))
    assert lenient.error is None
    assert lenient.expected is not None
    assert json.loads(lenient.raw_output)["p_valid"] == pytest.approx(raw["p_valid"], abs=0.05)


def test_sampled_dislikes_are_not_averaged_into_the_expected_rating() -> None:
    texts = ["-1", "-1", "8", "8", "10", "8", "-1", "8", "10", "8"]
    outcome = _rate(texts, SampleStrategy(n=10, constraint="none"))
    assert outcome.probabilities is not None
    assert outcome.probabilities[0] == pytest.approx(0.3)  # P(dislike), stored as p_neg1
    assert outcome.expected == pytest.approx((8 * 5 + 10 * 2) / 7)

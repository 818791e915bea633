"""Elicitation strategies: how one rating is read out of the LLM for one (persona, item) prompt.

* :class:`LogprobStrategy` (default) — one forward pass, the probability of each of the 11
  answers read from next-token log-probabilities. Answers that are several tokens in the
  model's tokenizer (``10`` = ``1``+``0`` and ``-1`` = ``-``+``1`` for Qwen) are split
  exactly by continuation calls on the prompt plus the partial answer, which the server
  serves from its prompt cache: P(10) = P(1)·P(0 | 1) and P(1) = P(1)·P(no digit | 1).
* :class:`SampleStrategy` — n draws at temperature T, output constrained to the 11 answers
  (a GBNF grammar on llama.cpp, ``guided_choice`` on vLLM, strict parsing elsewhere); n = 1
  at T = 0 is the greedy answer.
* :class:`FreeStrategy` — the original prompt style: free text, the strict parser, one
  repair turn, then a recorded failure — never a guessed number.
* :class:`YesNoStrategy` — "would you buy it?", scored as P(Yes) and mapped onto 1..10.

Every strategy returns a :class:`RatingOutcome`; a failure is an outcome with ``error`` set
and ``answer`` None, so it is stored and counted, not retried forever or papered over.

How much of the model's output fell on allowed answers is ``p_valid`` in the raw output: the
next-token probability mass on the 11 answers (``logprobs``) or on Yes/No (``yesno``), the
share of draws that are answers (``sample``). Below ``min_valid`` the rating is a recorded
failure carrying that figure, because a distribution renormalised from a sliver of mass says
little. Defaults: :data:`MIN_VALID_MASS` (0.5) and :data:`MIN_VALID_DRAWS` (0.8). Measured on
24 clear-cut pairs: the default rater in its chat markup (chatml) puts 0.98-0.996 of its mass
on the answers (yesno 0.996-0.998); the same model in the ``inst`` markup 0.016-0.12 (yesno
0.34-0.65), and SmolLM2 (at chance) 0.09-0.29 in chatml (yesno 0.38-0.54).
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, Protocol

import numpy as np
import numpy.typing as npt

from tastemaker.errors import ConfigError
from tastemaker.ratings.parser import parse_rating
from tastemaker.ratings.prompts import Prompt
from tastemaker.ratings.scale import ANSWERS, distribution_vector, expected_rating, most_likely

if TYPE_CHECKING:  # annotations only: the openai SDK loads when a client is made, not here
    from tastemaker.llm.client import LLMClient
    from tastemaker.llm.completion import Completion

__all__ = [
    "ANSWER_GRAMMAR",
    "MIN_VALID_DRAWS",
    "MIN_VALID_MASS",
    "Constraint",
    "FreeStrategy",
    "LogprobStrategy",
    "RatingOutcome",
    "SampleStrategy",
    "Strategy",
    "YesNoStrategy",
    "make_strategy",
]

#: GBNF grammar admitting exactly the 11 answers (llama.cpp ``grammar``).
ANSWER_GRAMMAR: Final = 'root ::= "-1" | "10" | [1-9]'
_ANSWER_TEXT: Final = {str(a): a for a in ANSWERS}
_REPAIR: Final = "Return only the number (-1, or 1 to 10), nothing else."
_SAMPLE_MAX_TOKENS: Final = 4  # "-1" and "10" are at most 2 tokens; room for a stray space
Constraint = Literal["grammar", "guided_choice", "none"]


@dataclass(frozen=True)
class RatingOutcome:
    """One rating, or one recorded failure (``answer`` None and ``error`` set)."""

    answer: int | None
    expected: float | None = None
    probabilities: npt.NDArray[np.float64] | None = None  # [11], ANSWERS order
    raw_output: str = ""
    error: str | None = None
    calls: int = 1

    @classmethod
    def from_distribution(
        cls, probabilities: Mapping[int, float], raw: dict[str, object], calls: int
    ) -> RatingOutcome:
        try:
            vector = distribution_vector(probabilities)
        except ValueError as exc:
            return cls(answer=None, raw_output=json.dumps(raw), error=str(exc), calls=calls)
        return cls(
            answer=most_likely(vector),
            expected=expected_rating(vector),
            probabilities=vector,
            raw_output=json.dumps(raw),
            calls=calls,
        )


class Strategy(Protocol):
    """Reads one rating for one prompt; ``name`` is stored with every rating.

    :meth:`request_params` describes every request the strategy sends for a prompt and how it
    reads the replies (everything but the prompt and the seed); it is hashed into the
    rating's key (:mod:`tastemaker.ratings.requests`), so it must change whenever what is
    sent or how it is read changes. ``seeded`` says whether the per-pair seed is sent.
    """

    @property
    def name(self) -> str: ...

    @property
    def temperature(self) -> float | None: ...

    @property
    def seeded(self) -> bool: ...

    def request_params(self) -> dict[str, object]: ...

    async def rate(self, llm: LLMClient, prompt: Prompt, *, seed: int) -> RatingOutcome: ...


async def _call(
    llm: LLMClient,
    prompt: Prompt,
    suffix: str = "",
    *,
    max_tokens: int,
    temperature: float,
    seed: int | None = None,
    logprobs: int | None = None,
    extra: Mapping[str, object] | None = None,
) -> Completion:
    """One request in whichever shape the prompt has (raw text, or chat messages)."""
    if prompt.text is not None:
        return await llm.complete(
            prompt.text + suffix,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=seed,
            logprobs=logprobs,
            extra=extra,
        )
    if suffix:
        raise ConfigError("continuations need a raw-text prompt (format model or inst)")
    return await llm.chat(
        list(prompt.messages),
        max_tokens=max_tokens,
        temperature=temperature,
        seed=seed,
        logprobs=logprobs,
        extra=extra,
    )


#: The sample strategy's default minimum share of draws that must be allowed answers.
MIN_VALID_DRAWS: Final = 0.8
#: The logprobs and yesno strategies' default minimum probability mass on allowed answers.
MIN_VALID_MASS: Final = 0.5


def _check_share(strategy: str, value: float) -> None:
    if not 0.0 < value <= 1.0:
        raise ConfigError(
            f"min_valid (--min-valid) {value:g}: the {strategy} strategy needs a share in (0, 1]"
        )


def _too_little_mass(
    p_valid: float, minimum: float, raw: Mapping[str, object], calls: int
) -> RatingOutcome:
    return RatingOutcome(
        answer=None,
        raw_output=json.dumps(raw),
        error=f"only {p_valid:.1%} of the probability mass is on allowed answers "
        f"(min_valid {minimum:g})",
        calls=calls,
    )


class _ReadAtOnePass:
    """What the logprobs and yesno strategies share: the answer's probabilities are read at one
    forward pass, before any sampling, so temperature and seed change nothing (0 and unseeded
    in the request key), and ``min_valid`` is a share of probability mass."""

    name: str
    min_valid: float

    def __post_init__(self) -> None:
        _check_share(self.name, self.min_valid)

    @property
    def temperature(self) -> float:
        return 0.0

    @property
    def seeded(self) -> bool:
        return False


@dataclass
class LogprobStrategy(_ReadAtOnePass):
    """The full answer distribution from log-probabilities (see the module docstring).

    ``top_k`` alternatives are read at each position; a branch whose probability is below
    ``min_branch`` is not followed (its mass, at most that much, is dropped rather than
    guessed, and the distribution is renormalised over the mass found, reported as
    ``p_valid`` in the raw output).
    """

    top_k: int = 20
    min_branch: float = 1e-3
    max_depth: int = 3
    min_valid: float = MIN_VALID_MASS
    name: str = "logprobs"

    def request_params(self) -> dict[str, object]:
        return {
            "max_tokens": 1,
            "temperature": self.temperature,
            "logprobs": self.top_k,
            "continuations": {"min_branch": self.min_branch, "max_depth": self.max_depth},
            "min_valid": self.min_valid,
        }

    async def rate(self, llm: LLMClient, prompt: Prompt, *, seed: int) -> RatingOutcome:
        if prompt.text is None:
            raise ConfigError("the logprobs strategy needs a raw-text prompt (model or inst)")
        counter = [0]
        first: dict[str, float] = {}
        mass = await self._expand(llm, prompt, "", "", 1.0, 0, counter, first)
        p_valid = sum(mass.values())
        raw: dict[str, object] = {
            "top": {t: round(p, 6) for t, p in first.items()},
            "p_valid": round(p_valid, 6),
        }
        if p_valid < self.min_valid:
            return _too_little_mass(p_valid, self.min_valid, raw, counter[0])
        return RatingOutcome.from_distribution(mass, raw, counter[0])

    async def _expand(
        self,
        llm: LLMClient,
        prompt: Prompt,
        raw: str,
        key: str,
        weight: float,
        depth: int,
        counter: list[int],
        first: dict[str, float],
    ) -> dict[int, float]:
        """Mass of each answer below the partial answer ``key`` (``raw`` as generated)."""
        completion = await _call(
            llm, prompt, raw, max_tokens=1, temperature=self.temperature, logprobs=self.top_k
        )
        counter[0] += 1
        probs = completion.top_probs(0)
        if depth == 0:
            first.update(probs)
        found: dict[int, float] = defaultdict(float)
        branches = []
        for token, p in probs.items():
            w = weight * p
            if key in _ANSWER_TEXT and not token[:1].isdigit():
                found[_ANSWER_TEXT[key]] += w  # the answer ends here
                continue
            extended = key + token if key else token.lstrip()
            if not extended:  # leading whitespace: the answer is still to come
                if depth < self.max_depth and w >= self.min_branch:
                    branches.append((raw + token, "", w))
                continue
            candidates = [s for s in _ANSWER_TEXT if s.startswith(extended)]
            if not candidates:
                terminated = extended.rstrip(" \n.")
                if terminated in _ANSWER_TEXT and terminated != extended:
                    found[_ANSWER_TEXT[terminated]] += w  # "7\n" as one token
                continue
            if candidates == [extended]:
                found[_ANSWER_TEXT[extended]] += w
            elif depth < self.max_depth and w >= self.min_branch:
                branches.append((raw + token, extended, w))
        results = await asyncio.gather(
            *(self._expand(llm, prompt, r, k, w, depth + 1, counter, first) for r, k, w in branches)
        )
        for result in results:
            for answer, w in result.items():
                found[answer] += w
        return dict(found)


@dataclass
class SampleStrategy:
    """n constrained draws at ``temperature``; the distribution is their frequencies.

    A draw that is not an allowed answer (possible with ``constraint="none"``, or a server
    that ignores the grammar) is left out of the distribution but counted: the raw output
    records ``valid_draws`` of ``n`` (and their share as ``p_valid``), and when fewer than
    ``min_valid`` · n draws (rounded up) are valid the rating is a recorded failure, since a
    distribution from 3 draws of 10 would otherwise pass for one from 10.
    """

    n: int = 10
    temperature: float = 1.0
    constraint: Constraint = "grammar"
    min_valid: float = MIN_VALID_DRAWS
    name: str = "sample"

    def __post_init__(self) -> None:
        _check_share(self.name, self.min_valid)
        if self.n < 1:
            raise ConfigError(f"--n {self.n}: at least one draw")

    @property
    def seeded(self) -> bool:
        return True

    def request_params(self) -> dict[str, object]:
        return {
            "n": self.n,
            "max_tokens": _SAMPLE_MAX_TOKENS,
            "temperature": self.temperature,
            "seeds": "pair seed + draw index",
            "constraint": self.constraint,
            "extra": self._extra(),
            "min_valid": self.min_valid,
        }

    def _extra(self) -> dict[str, object] | None:
        if self.constraint == "grammar":
            return {"grammar": ANSWER_GRAMMAR}
        if self.constraint == "guided_choice":
            return {"guided_choice": [str(a) for a in ANSWERS]}
        return None

    async def rate(self, llm: LLMClient, prompt: Prompt, *, seed: int) -> RatingOutcome:
        draws = await asyncio.gather(
            *(
                _call(
                    llm,
                    prompt,
                    max_tokens=_SAMPLE_MAX_TOKENS,
                    temperature=self.temperature,
                    seed=seed + i,
                    extra=self._extra(),
                )
                for i in range(self.n)
            )
        )
        texts = [d.text for d in draws]
        parsed = [a for a in (parse_rating(t) for t in texts) if a is not None]
        counts = Counter(parsed)
        raw: dict[str, object] = {
            "draws": texts,
            "valid_draws": len(parsed),
            "n": self.n,
            "p_valid": round(len(parsed) / self.n, 6),
        }
        needed = max(1, math.ceil(self.min_valid * self.n - 1e-9))
        if len(parsed) < needed:
            return RatingOutcome(
                answer=None,
                raw_output=json.dumps(raw),
                error=f"only {len(parsed)} of {self.n} draws were allowed answers (minimum "
                f"{needed}, min_valid {self.min_valid:g})",
                calls=self.n,
            )
        outcome = RatingOutcome.from_distribution(
            {a: c / len(parsed) for a, c in counts.items()}, raw, self.n
        )
        if outcome.error is not None:
            return outcome
        # The mode is the answer; with one draw (greedy) that is simply the draw.
        return RatingOutcome(
            answer=max(sorted(counts), key=lambda a: counts[a]),
            expected=outcome.expected,  # over 1..10 given not a dislike (scale.py)
            probabilities=outcome.probabilities,
            raw_output=outcome.raw_output,
            calls=self.n,
        )


@dataclass
class FreeStrategy:
    """Free text, strict parser, one repair turn, then a recorded failure."""

    temperature: float = 0.0
    max_tokens: int = 24
    name: str = "free"

    @property
    def seeded(self) -> bool:
        return True

    def request_params(self) -> dict[str, object]:
        # The repair turn as :meth:`_repair` sends it (keep the two in step).
        repair = {"text": _REPAIR, "max_tokens": 8, "temperature": 0.0}
        return {"max_tokens": self.max_tokens, "temperature": self.temperature, "repair": repair}

    async def rate(self, llm: LLMClient, prompt: Prompt, *, seed: int) -> RatingOutcome:
        first = await _call(
            llm, prompt, max_tokens=self.max_tokens, temperature=self.temperature, seed=seed
        )
        answer = parse_rating(first.text)
        if answer is not None:
            return RatingOutcome(answer=answer, raw_output=first.text)
        repaired = await self._repair(llm, prompt, first.text, seed)
        answer = parse_rating(repaired.text)
        raw = json.dumps({"first": first.text, "repair": repaired.text})
        if answer is not None:
            return RatingOutcome(answer=answer, raw_output=raw, calls=2)
        return RatingOutcome(
            answer=None,
            raw_output=raw,
            error="free text not a rating, even after one repair turn",
            calls=2,
        )

    async def _repair(self, llm: LLMClient, prompt: Prompt, said: str, seed: int) -> Completion:
        if prompt.format == "messages":
            messages = (
                *prompt.messages,
                {"role": "assistant", "content": said},
                {"role": "user", "content": _REPAIR},
            )
            retry = Prompt("messages", messages=messages)
        elif prompt.format == "model":  # the same conversation, through the model's template
            messages = (
                *prompt.messages,
                {"role": "assistant", "content": said},
                {"role": "user", "content": _REPAIR},
            )
            frame = await llm.chat_frame([m["role"] for m in messages])  # once per client
            retry = Prompt("model", text=frame.render(messages), messages=messages)
        else:
            retry = Prompt("inst", text=f"{prompt.text} {said}</s>[INST] {_REPAIR} [/INST]")
        return await _call(llm, retry, max_tokens=8, temperature=0.0, seed=seed)


@dataclass
class YesNoStrategy(_ReadAtOnePass):
    """P(Yes) of "would you buy and wear it?", mapped linearly onto 1..10 (never −1).

    Half the cost of the 11-way distribution (one call, no continuations); the mapped score
    ranks items, and calibration gives it the target spread.
    """

    top_k: int = 20
    min_valid: float = MIN_VALID_MASS
    name: str = "yesno"

    def request_params(self) -> dict[str, object]:
        return {
            "max_tokens": 1,
            "temperature": self.temperature,
            "logprobs": self.top_k,
            "min_valid": self.min_valid,
        }

    async def rate(self, llm: LLMClient, prompt: Prompt, *, seed: int) -> RatingOutcome:
        completion = await _call(
            llm, prompt, max_tokens=1, temperature=self.temperature, logprobs=self.top_k
        )
        probs = completion.top_probs(0)
        yes = sum(p for t, p in probs.items() if t.strip().lower() == "yes")
        no = sum(p for t, p in probs.items() if t.strip().lower() == "no")
        raw = {"p_yes": round(yes, 6), "p_no": round(no, 6), "p_valid": round(yes + no, 6)}
        if yes + no < self.min_valid:
            return _too_little_mass(yes + no, self.min_valid, raw, 1)
        score = 1.0 + 9.0 * yes / (yes + no)
        return RatingOutcome(answer=round(score), expected=score, raw_output=json.dumps(raw))


def make_strategy(
    name: str,
    *,
    temperature: float | None = None,
    n: int = 10,
    constraint: Constraint = "grammar",
    min_valid: float | None = None,
) -> Strategy:
    """The strategy called ``name`` with its options; unknown names are a ConfigError.

    ``temperature`` applies to ``sample`` and ``free`` only: ``logprobs`` and ``yesno`` read a
    distribution at one forward pass, where no temperature acts, so giving one is refused
    rather than silently ignored. ``min_valid`` (None: the strategy's default) is the minimum
    mass on allowed answers (``logprobs``, ``yesno``) or share of valid draws (``sample``);
    ``free`` has nothing to threshold.
    """
    if temperature is not None and name in ("logprobs", "yesno"):
        raise ConfigError(
            f"--temperature does not apply to the {name} strategy: it reads the answer "
            "distribution at one forward pass, before any sampling (use sample or free)"
        )
    if min_valid is not None and name == "free":
        raise ConfigError("--min-valid does not apply to the free strategy (one parsed answer)")
    if name == "logprobs":
        return LogprobStrategy(min_valid=MIN_VALID_MASS if min_valid is None else min_valid)
    if name == "sample":
        return SampleStrategy(
            n=n,
            temperature=1.0 if temperature is None else temperature,
            constraint=constraint,
            min_valid=MIN_VALID_DRAWS if min_valid is None else min_valid,
        )
    if name == "free":
        return FreeStrategy(temperature=0.0 if temperature is None else temperature)
    if name == "yesno":
        return YesNoStrategy(min_valid=MIN_VALID_MASS if min_valid is None else min_valid)
    raise ConfigError(f"--strategy {name}: choose logprobs, sample, free or yesno")

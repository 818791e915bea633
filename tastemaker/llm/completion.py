"""What a completion call returns, as plain frozen dataclasses, and how server JSON becomes one.

Servers disagree on the shape of log-probabilities. OpenAI's legacy ``/v1/completions`` (and
vLLM) send parallel lists (``tokens``, ``token_logprobs``, ``top_logprobs`` as token→logprob
maps); chat completions, and llama.cpp on *both* endpoints, send ``logprobs.content`` as a list
of ``{token, logprob, top_logprobs: [{token, logprob}]}``. llama.cpp's
``post_sampling_probs`` variant sends ``prob``/``top_probs`` instead: those are probabilities
*after* the sampler chain (top-k, top-p, temperature), so they are not the model's distribution;
we read them but the client never asks for them. Everything is normalised here, so the rating
engine reads one shape whatever the server.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from tastemaker.errors import LLMError

__all__ = [
    "Choice",
    "Completion",
    "GeneratedToken",
    "TokenLogprob",
    "Usage",
    "completion_from_dict",
    "parse_response",
]


@dataclass(frozen=True)
class TokenLogprob:
    """One candidate token and its natural-log probability.

    ``id`` is the tokenizer id where the server sends it (llama.cpp does); it tells apart
    tokens whose text is the same, e.g. special tokens such as end-of-turn, which llama.cpp
    renders as the empty string.
    """

    token: str
    logprob: float
    id: int | None = None

    @property
    def prob(self) -> float:
        """The probability, ``exp(logprob)``."""
        return math.exp(self.logprob)


@dataclass(frozen=True)
class GeneratedToken:
    """One generated token, its log-probability and the top-k alternatives at that position.

    ``top`` is ordered most probable first and, with llama.cpp and vLLM, read from the model's
    full softmax before sampling, so it does not depend on temperature or a grammar.
    """

    token: str
    logprob: float | None
    top: tuple[TokenLogprob, ...] = ()


@dataclass(frozen=True)
class Choice:
    """One generated alternative (``n`` > 1 gives several)."""

    text: str
    finish_reason: str | None = None
    tokens: tuple[GeneratedToken, ...] = ()  # empty unless logprobs were requested


@dataclass(frozen=True)
class Usage:
    """Token counts the server reported; ``cached_tokens`` are prompt tokens served from cache."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0


@dataclass(frozen=True)
class Completion:
    """The normalised result of a completion or chat call."""

    choices: tuple[Choice, ...]
    model: str
    usage: Usage = field(default_factory=Usage)
    cached: bool = False  # True when served from the response cache, not the server

    @property
    def text(self) -> str:
        """Text of the first choice."""
        return self.choices[0].text if self.choices else ""

    @property
    def texts(self) -> list[str]:
        """Texts of all choices, in order."""
        return [c.text for c in self.choices]

    def top_logprobs(self, position: int = 0, choice: int = 0) -> dict[str, float]:
        """Top-k alternatives at generated ``position`` as token → logprob (most probable first).

        Position 0 is the first generated token: the distribution over the next token given
        the prompt, which is what the logprob rating strategy reads. Distinct token ids that
        decode to the same text are merged (their probabilities added; read
        ``choices[c].tokens[p].top`` for ids). Empty when the server returned no logprobs or
        generated fewer tokens.
        """
        tokens = self.choices[choice].tokens if choice < len(self.choices) else ()
        if position >= len(tokens):
            return {}
        probs: dict[str, float] = {}
        for alt in tokens[position].top:
            probs[alt.token] = probs.get(alt.token, 0.0) + alt.prob
        return {tok: math.log(p) if p > 0 else -math.inf for tok, p in probs.items()}

    def top_probs(self, position: int = 0, choice: int = 0) -> dict[str, float]:
        """Like :meth:`top_logprobs` but as probabilities; they sum to at most 1."""
        return {t: math.exp(lp) for t, lp in self.top_logprobs(position, choice).items()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (for the response cache); :func:`completion_from_dict` inverts it."""
        data = asdict(self)
        data.pop("cached")
        return data


def completion_from_dict(data: Mapping[str, Any], *, cached: bool = False) -> Completion:
    """Rebuild a :class:`Completion` from :meth:`Completion.to_dict` output."""
    choices = tuple(
        Choice(
            text=c["text"],
            finish_reason=c["finish_reason"],
            tokens=tuple(
                GeneratedToken(
                    token=t["token"],
                    logprob=t["logprob"],
                    top=tuple(
                        TokenLogprob(a["token"], a["logprob"], a.get("id")) for a in t["top"]
                    ),
                )
                for t in c["tokens"]
            ),
        )
        for c in data["choices"]
    )
    return Completion(
        choices=choices, model=data["model"], usage=Usage(**data["usage"]), cached=cached
    )


def parse_response(data: Mapping[str, Any], *, chat: bool, fallback_model: str) -> Completion:
    """Normalise an OpenAI-shaped completion or chat completion body.

    Raises :class:`LLMError` when the body has no ``choices`` list (a proxy error page, a
    server that answered something else).
    """
    raw_choices = data.get("choices")
    if not isinstance(raw_choices, list):
        raise LLMError(f"malformed response: no 'choices' list in {str(data)[:300]!r}")
    choices = []
    for raw in sorted(raw_choices, key=lambda c: int(c.get("index", 0))):
        if chat:
            message = raw.get("message") or {}
            text = message.get("content") or ""
        else:
            text = raw.get("text") or ""
        choices.append(
            Choice(
                text=str(text),
                finish_reason=raw.get("finish_reason"),
                tokens=_parse_logprobs(raw.get("logprobs")),
            )
        )
    return Completion(
        choices=tuple(choices),
        model=str(data.get("model") or fallback_model),
        usage=_parse_usage(data.get("usage")),
    )


def _parse_usage(raw: Any) -> Usage:
    if not isinstance(raw, Mapping):
        return Usage()
    details = raw.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, Mapping) else None
    return Usage(
        prompt_tokens=int(raw.get("prompt_tokens") or 0),
        completion_tokens=int(raw.get("completion_tokens") or 0),
        cached_tokens=int(cached or 0),
    )


def _parse_logprobs(raw: Any) -> tuple[GeneratedToken, ...]:
    if not isinstance(raw, Mapping):
        return ()
    content = raw.get("content")
    if isinstance(content, list):  # chat format, and llama.cpp on /v1/completions too
        return tuple(_parse_content_entry(entry) for entry in content)
    tokens = raw.get("tokens")
    if isinstance(tokens, list):  # OpenAI legacy completions format (OpenAI, vLLM)
        logprobs: Sequence[Any] = raw.get("token_logprobs") or [None] * len(tokens)
        tops: Sequence[Any] = raw.get("top_logprobs") or [None] * len(tokens)
        return tuple(
            GeneratedToken(token=str(tok), logprob=_float(lp), top=_legacy_top(top))
            for tok, lp, top in zip(tokens, logprobs, tops, strict=False)
        )
    return ()


def _parse_content_entry(entry: Mapping[str, Any]) -> GeneratedToken:
    if "top_probs" in entry or ("prob" in entry and "logprob" not in entry):
        top = tuple(
            TokenLogprob(str(a["token"]), _log(a["prob"]), _int(a.get("id")))
            for a in entry.get("top_probs") or ()
        )
        prob = entry.get("prob")
        logprob = None if prob is None else _log(prob)
        return GeneratedToken(token=str(entry["token"]), logprob=logprob, top=top)
    top = tuple(
        TokenLogprob(str(a["token"]), float(a["logprob"]), _int(a.get("id")))
        for a in entry.get("top_logprobs") or ()
    )
    return GeneratedToken(token=str(entry["token"]), logprob=_float(entry.get("logprob")), top=top)


def _legacy_top(raw: Any) -> tuple[TokenLogprob, ...]:
    if not isinstance(raw, Mapping):
        return ()
    alts = [TokenLogprob(str(tok), float(lp)) for tok, lp in raw.items()]
    return tuple(sorted(alts, key=lambda a: a.logprob, reverse=True))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _log(prob: Any) -> float:
    p = float(prob)
    return math.log(p) if p > 0 else -math.inf

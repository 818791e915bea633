"""Writing personas with an LLM: constrained JSON, one repair retry, near-duplicate rounds.

Each persona is one chat request (attributes in, ``{"name", "bio"}`` out) with decoding
constrained to :data:`~tastemaker.personas.schema.PERSONA_TEXT_SCHEMA`, at a temperature above
zero and with a seed of its own (derived from the persona id and the attempt, so a re-run hits
the response cache and a regeneration draws something new). The answer is validated strictly;
an invalid one is sent back once with the error, and if the repair is invalid too the persona
is recorded as a failure. A bio is never invented, truncated into shape or borrowed.

Near-duplicates are found after each round: the new bios are embedded and compared, in persona
order, with every bio kept so far (and with the bios already stored); a cosine similarity at or
above the threshold sends the persona to the next round with a new seed. After
``max_attempts`` rounds a persona that is still a near-duplicate is recorded as a failure.
Requests of one round run concurrently; the client's semaphore bounds how many are in flight.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from pydantic import JsonValue

from tastemaker.embed.protocol import TextEncoder, Vectors
from tastemaker.errors import LLMError, LLMOutputError
from tastemaker.llm.client import LLMClient
from tastemaker.llm.completion import Completion
from tastemaker.personas.prompt import (
    PROMPT_VERSION,
    Constraint,
    constraint_extra,
    persona_messages,
    repair_messages,
)
from tastemaker.personas.schema import (
    Attributes,
    Persona,
    PersonaText,
    parse_persona_text,
    rejected_fields,
)

__all__ = [
    "DEFAULT_DEDUPE_THRESHOLD",
    "FailureReason",
    "GenerationFailure",
    "GenerationResult",
    "generate_personas",
    "generation_seed",
]

DEFAULT_DEDUPE_THRESHOLD: Final = 0.92
_REPAIR: Final = 0x5EED  # mixed into the seed of a repair request
FailureReason = Literal["invalid", "duplicate", "llm_error"]
Progress = Callable[[int], None]
"""Called with the number of personas whose first answer came in since the last call."""


@dataclass(frozen=True)
class GenerationFailure:
    """A persona that got no text, why, and the raw outputs that were rejected."""

    attributes: Attributes
    reason: FailureReason
    error: str
    outputs: tuple[str, ...] = ()
    attempts: int = 1

    def as_dict(self) -> dict[str, JsonValue]:
        """A JSON-able record for run statistics (outputs cut to 500 characters each)."""
        return {
            "id": self.attributes.id,
            "reason": self.reason,
            "error": self.error,
            "attempts": self.attempts,
            "outputs": [o[:500] for o in self.outputs],
        }


@dataclass(frozen=True)
class GenerationResult:
    """The personas written (in input order) and the ones that failed."""

    personas: list[Persona]
    failures: list[GenerationFailure]
    repaired: int = 0  # personas whose first answer was invalid and the repair was kept
    regenerated: int = 0  # extra rounds spent on near-duplicates

    def as_dict(self) -> dict[str, JsonValue]:
        """Counts and failure records, for the ``runs`` table and ``--json`` output."""
        by_reason: dict[str, JsonValue] = dict(Counter(f.reason for f in self.failures))
        return {
            "generated": len(self.personas),
            "failed": len(self.failures),
            "failed_by_reason": by_reason,
            "repaired": self.repaired,
            "regenerated": self.regenerated,
            "failures": [f.as_dict() for f in self.failures],
        }


@dataclass
class _Written:
    text: PersonaText
    seed: int  # of the request whose answer was kept
    repaired: bool
    outputs: tuple[str, ...]


def generation_seed(persona_id: str, attempt: int) -> int:
    """A 31-bit seed from the persona id and attempt: stable across runs, new per attempt."""
    digest = hashlib.sha256(f"{persona_id}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


async def _write_one(
    llm: LLMClient,
    attributes: Attributes,
    attempt: int,
    *,
    temperature: float,
    max_tokens: int,
    constraint: Constraint,
) -> _Written | GenerationFailure:
    """One attempt: ask, validate, repair once; a failure record instead of an exception."""
    seed = generation_seed(attributes.id, attempt)
    extra = constraint_extra(constraint)

    async def ask(messages: Sequence[Mapping[str, str]], seed: int) -> Completion:
        return await llm.chat(
            messages, max_tokens=max_tokens, temperature=temperature, seed=seed, extra=extra
        )

    outputs: list[str] = []
    try:
        answer = await ask(persona_messages(attributes), seed)
        outputs.append(answer.text)
        try:
            return _Written(parse_persona_text(answer.text), seed, False, tuple(outputs))
        except LLMOutputError as first:
            problem = _explain(first, answer)
            name_rejected = "name" in rejected_fields(first)
        # A seed of its own: with the first one, models tend to copy their answer verbatim.
        repair_seed = seed ^ _REPAIR
        repair = repair_messages(attributes, answer.text, problem, name_rejected=name_rejected)
        answer = await ask(repair, repair_seed)
        outputs.append(answer.text)
        try:
            return _Written(parse_persona_text(answer.text), repair_seed, True, tuple(outputs))
        except LLMOutputError as second:
            error = f"invalid after one repair retry: {_explain(second, answer)}"
            return GenerationFailure(attributes, "invalid", error, tuple(outputs), attempt + 1)
    except LLMError as exc:
        return GenerationFailure(attributes, "llm_error", str(exc), tuple(outputs), attempt + 1)


def _explain(error: LLMOutputError, answer: Completion) -> str:
    """The validation error, plus the likely cause when the server stopped at max_tokens."""
    finish = answer.choices[0].finish_reason if answer.choices else None
    if finish == "length":
        return f"{error} (the answer was cut off at the token limit: write a shorter bio)"
    return str(error)


async def generate_personas(
    llm: LLMClient,
    attributes: Sequence[Attributes],
    *,
    encoder: TextEncoder,
    dedupe_threshold: float = DEFAULT_DEDUPE_THRESHOLD,
    max_attempts: int = 3,
    existing: Mapping[str, str] | None = None,
    temperature: float = 0.8,
    max_tokens: int = 400,
    constraint: Constraint = "json_schema",
    progress: Progress | None = None,
) -> GenerationResult:
    """Write a name and bio for each of ``attributes``.

    ``existing`` maps ids of personas already stored to their bios: new bios must not be
    near-duplicates of those either. ``max_attempts`` bounds the rounds one persona may take
    because of near-duplicates (the repair retry is inside an attempt and not counted).
    ``progress`` is called once per persona, as soon as its first answer (or failure) is in,
    so a bar moves with the server; the short regeneration rounds after that are not counted.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    kept = _KeptBios(encoder, dedupe_threshold)
    await kept.add(list((existing or {}).items()))
    written: dict[int, Persona] = {}
    failures: dict[int, GenerationFailure] = {}
    repaired = regenerated = 0
    pending = list(range(len(attributes)))
    for attempt in range(max_attempts):
        outcomes = await asyncio.gather(
            *(
                _ticking(
                    _write_one(
                        llm,
                        attributes[i],
                        attempt,
                        temperature=temperature,
                        max_tokens=max_tokens,
                        constraint=constraint,
                    ),
                    progress if attempt == 0 else None,
                )
                for i in pending
            )
        )
        fresh: list[tuple[int, _Written]] = []
        for i, outcome in zip(pending, outcomes, strict=True):
            if isinstance(outcome, GenerationFailure):
                failures[i] = outcome
            else:
                fresh.append((i, outcome))
        vectors = await asyncio.to_thread(_encode, encoder, [w.text.bio for _, w in fresh])
        pending = []
        for (i, w), vector in zip(fresh, vectors, strict=True):  # in order: deterministic
            twin = kept.twin_of(vector)
            if twin is not None and attempt + 1 < max_attempts:
                pending.append(i)
                regenerated += 1
            elif twin is not None:
                failures[i] = GenerationFailure(
                    attributes[i],
                    "duplicate",
                    f"bio still a near-duplicate of persona {twin[0]} (cosine {twin[1]:.3f} "
                    f">= {dedupe_threshold}) after {max_attempts} attempt(s)",
                    w.outputs,
                    attempt + 1,
                )
            else:
                kept.keep(attributes[i].id, vector)
                repaired += int(w.repaired)
                written[i] = _persona(llm, attributes[i], w, attempt, temperature, constraint)
        if not pending:
            break
    return GenerationResult(
        personas=[written[i] for i in sorted(written)],
        failures=[failures[i] for i in sorted(failures)],
        repaired=repaired,
        regenerated=regenerated,
    )


async def _ticking(
    work: Awaitable[_Written | GenerationFailure], progress: Progress | None
) -> _Written | GenerationFailure:
    outcome = await work
    if progress is not None:
        progress(1)
    return outcome


def _persona(
    llm: LLMClient,
    attributes: Attributes,
    written: _Written,
    attempt: int,
    temperature: float,
    constraint: Constraint,
) -> Persona:
    """The kept persona, with how its text was made (so it can be traced and redone)."""
    generation: dict[str, JsonValue] = {
        "prompt_version": PROMPT_VERSION,
        "seed": written.seed,
        "temperature": temperature,
        "attempts": attempt + 1,
        "repaired": written.repaired,
        "constraint": constraint,
    }
    if attributes.first_name is not None:
        generation["first_name_hint"] = attributes.first_name
    return Persona.from_parts(attributes, written.text, model=llm.model, generation=generation)


class _KeptBios:
    """Embeddings of the bios kept so far (and stored before), to spot near-duplicates."""

    def __init__(self, encoder: TextEncoder, threshold: float) -> None:
        self.encoder = encoder
        self.threshold = threshold
        self.ids: list[str] = []
        self.vectors: Vectors = np.zeros((0, encoder.dim), dtype=np.float32)  # [k, dim]

    async def add(self, bios: Sequence[tuple[str, str]]) -> None:
        """Embed and keep ``(id, bio)`` pairs (the bios already stored)."""
        vectors = await asyncio.to_thread(_encode, self.encoder, [bio for _, bio in bios])
        self.ids.extend(persona_id for persona_id, _ in bios)
        self.vectors = np.vstack([self.vectors, vectors])

    def keep(self, persona_id: str, vector: Vectors) -> None:
        """Keep one bio's unit vector ``[dim]``."""
        self.ids.append(persona_id)
        self.vectors = np.vstack([self.vectors, vector[None, :]])

    def twin_of(self, vector: Vectors) -> tuple[str, float] | None:
        """``(id, cosine)`` of the closest kept bio if at or above the threshold, else None."""
        if not self.ids:
            return None
        similarities = self.vectors @ vector  # [k]; unit rows, so this is the cosine
        best = int(np.argmax(similarities))
        score = float(similarities[best])
        return (self.ids[best], score) if score >= self.threshold else None


def _encode(encoder: TextEncoder, texts: list[str]) -> Vectors:
    """Unit rows ``[len(texts), dim]``; an empty list gives ``[0, dim]``."""
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return encoder.encode_texts(texts)

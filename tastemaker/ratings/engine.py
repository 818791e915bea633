"""The rating run: one persona and one item per request, persona by persona.

Pairs arrive grouped by persona and are dispatched in that order, so the server keeps the
persona's long prompt prefix in its cache across that persona's items. Requests run
concurrently up to the client's limit. Each finished rating goes straight to ``sink`` (the
store, or a list for a Parquet export), so a killed run loses only what was in flight.

Ratings many personas in one prompt collapse (the original team's finding); this module never
batches prompts, only requests.

Every pair is planned first (:func:`plan_ratings`): its prompt rendered and its request hashed
(:class:`~tastemaker.ratings.requests.RequestSpec`), so ``skip`` holds (persona, item, request
hash) triples, and a pair is skipped only when the very same request was made before.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from tastemaker.errors import LLMError
from tastemaker.ratings.prompts import PersonaView, Prompt, PromptFormat, RatingTemplate
from tastemaker.ratings.records import RatingKey, RatingRecord
from tastemaker.ratings.requests import RequestSpec
from tastemaker.ratings.sources import ItemView
from tastemaker.ratings.strategies import RatingOutcome, Strategy

if TYPE_CHECKING:
    from tastemaker.llm.client import LLMClient

__all__ = [
    "PlannedRating",
    "RunSummary",
    "attach_profiles",
    "pair_seed",
    "plan_ratings",
    "run_ratings",
]

#: A run stops (keeping what it stored) after this many consecutive request failures: the
#: server is down or misconfigured, and recording thousands of identical failures helps no one.
MAX_CONSECUTIVE_FAILURES = 10


@dataclass
class RunSummary:
    """Counts and timing of one run."""

    planned: int = 0
    skipped: int = 0
    rated: int = 0
    failed: int = 0
    calls: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    #: The LLM client's ledger for the run (calls, tokens, seconds), when the caller keeps it.
    ledger: dict[str, object] = field(default_factory=dict)

    @property
    def ratings_per_second(self) -> float:
        return (self.rated + self.failed) / self.seconds if self.seconds else 0.0


def pair_seed(seed: int, persona_id: str, item_id: str) -> int:
    """A per-pair seed, stable across runs and machines (unlike Python's ``hash``)."""
    digest = hashlib.sha256(f"{seed}\0{persona_id}\0{item_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True)
class PlannedRating:
    """One pair ready to rate: its prompt as it will be sent, seed and request hash."""

    persona: PersonaView
    item: ItemView
    prompt: Prompt
    seed: int
    request_hash: str

    @property
    def key(self) -> tuple[str, str, str]:
        """(persona, item, request hash): what ``skip`` sets hold."""
        return (self.persona.id, self.item.id, self.request_hash)


def plan_ratings(
    pairs: Sequence[tuple[PersonaView, ItemView]],
    *,
    strategy: Strategy,
    template: RatingTemplate,
    fmt: PromptFormat,
    key: RatingKey,
    server: str,
    seed: int,
) -> tuple[RequestSpec, list[PlannedRating]]:
    """Render and hash every pair's request (no LLM call); the spec names the request set."""
    spec = RequestSpec.of(strategy, key=key, server=server, fmt=fmt)
    yesno = strategy.name == "yesno"
    planned = []
    framed = fmt != "model" or template.frame is not None
    for persona, item in pairs:
        pair = pair_seed(seed, persona.id, item.id)
        prompt = (
            template.render(persona, item.text, fmt, yesno=yesno)
            if framed  # else: hashed by its messages; rendered once the server's frame is in
            else Prompt(fmt, messages=template.messages(persona, item.text, yesno=yesno))
        )
        planned.append(PlannedRating(persona, item, prompt, pair, spec.request_hash(prompt, pair)))
    return spec, planned


async def attach_profiles(
    llm: LLMClient, pairs: Sequence[tuple[PersonaView, ItemView]]
) -> tuple[list[tuple[PersonaView, ItemView]], dict[str, str]]:
    """The pairs with each persona's profile in its ``profile`` attribute (one LLM call per
    persona that has none yet; the client's response cache makes a re-run free), and the
    personas whose profile failed, with the reason."""
    from tastemaker.personas.profile import distil_profile

    profiled: dict[str, PersonaView] = {}
    failures: dict[str, str] = {}
    for persona, _ in pairs:
        if persona.id in profiled or persona.id in failures:
            continue
        if persona.attributes.get("profile"):
            profiled[persona.id] = persona
            continue
        try:
            text = await distil_profile(llm, persona.name, persona.gender, persona.bio)
        except LLMError as exc:
            failures[persona.id] = str(exc)
            profiled[persona.id] = persona
            continue
        profiled[persona.id] = replace(persona, attributes={**persona.attributes, "profile": text})
    return [(profiled[p.id], item) for p, item in pairs], failures


async def run_ratings(
    llm: LLMClient,
    pairs: Sequence[tuple[PersonaView, ItemView]],
    *,
    strategy: Strategy,
    template: RatingTemplate,
    fmt: PromptFormat,
    key: RatingKey,
    server: str,
    seed: int,
    sink: Callable[[RatingRecord], None],
    skip: set[tuple[str, str, str]] | None = None,
    progress: Callable[[RatingRecord], None] | None = None,
    profiles: bool = False,
) -> RunSummary:
    """Rate every pair whose (persona, item, request hash) is not in ``skip``; returns the
    summary. Raises LLMError when the server fails :data:`MAX_CONSECUTIVE_FAILURES` times in
    a row (what was stored stays stored).

    With ``profiles``, each persona's bio is first distilled once into Wears/Avoids lines
    (:func:`attach_profiles`) that every one of its prompts shows, so the request hashes cover
    the profile; a persona whose profile fails has each of its pairs recorded as a failure
    with that reason, never rated without it."""
    template = await template.for_server(llm, fmt)  # the server's chat template, once a run
    profile_failures: dict[str, str] = {}
    if profiles:
        pairs, profile_failures = await attach_profiles(llm, pairs)
    skip = skip or set()
    spec, planned = plan_ratings(
        pairs, strategy=strategy, template=template, fmt=fmt, key=key, server=server, seed=seed
    )
    todo = [p for p in planned if p.key not in skip]
    summary = RunSummary(planned=len(pairs), skipped=len(pairs) - len(todo))
    started = time.perf_counter()
    queue: asyncio.Queue[PlannedRating] = asyncio.Queue()
    for entry in todo:
        queue.put_nowait(entry)
    consecutive = [0]

    async def worker() -> None:
        while not queue.empty():
            entry = queue.get_nowait()
            persona, item = entry.persona, entry.item
            try:
                if persona.id in profile_failures:
                    reason = profile_failures[persona.id]
                    outcome = RatingOutcome(answer=None, error=f"profile failed: {reason}", calls=0)
                else:
                    outcome = await strategy.rate(llm, entry.prompt, seed=entry.seed)
                consecutive[0] = 0
            except LLMError as exc:
                consecutive[0] += 1
                outcome = RatingOutcome(answer=None, error=f"request failed: {exc}")
                if consecutive[0] >= MAX_CONSECUTIVE_FAILURES:
                    summary.errors.append(str(exc))
                    raise
            record = RatingRecord(
                persona_id=persona.id,
                item_id=item.id,
                key=key,
                server=server,
                temperature=strategy.temperature,
                seed=entry.seed,
                outcome=outcome,
                request_hash=entry.request_hash,
                request_set=spec.request_set,
                request=spec.description,
            )
            sink(record)
            summary.calls += outcome.calls
            if outcome.answer is None:
                summary.failed += 1
            else:
                summary.rated += 1
            if progress is not None:
                progress(record)

    workers = [asyncio.create_task(worker()) for _ in range(max(1, llm.config.concurrency))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        summary.seconds = time.perf_counter() - started
    return summary

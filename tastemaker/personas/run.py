"""The ``personas generate`` stage: sample, skip what is stored, write, de-duplicate, save.

A run samples the whole population from the seed, so its ids are known before any LLM call;
personas already in the store are skipped (a re-run with the same seed costs nothing, and an
interrupted run resumes), and new bios are checked for near-duplicates against the stored
ones as well as against each other. Personas are saved batch by batch, so an interruption
loses at most one batch. Every run is recorded in the ``runs`` table with its config and its
outcome, including each failure and its rejected outputs; failures are never stored as
personas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tastemaker.embed.protocol import TextEncoder
from tastemaker.llm.client import LLMClient
from tastemaker.personas.config import PersonaRunConfig
from tastemaker.personas.generate import GenerationFailure, generate_personas
from tastemaker.personas.pools import load_pools
from tastemaker.personas.prompt import PROMPT_VERSION
from tastemaker.personas.sampler import sample_attributes
from tastemaker.personas.schema import Persona
from tastemaker.personas.store import iter_personas, persona_ids, save_personas
from tastemaker.store.db import Store
from tastemaker.store.runs import finish_run, start_run

__all__ = ["PersonaRun", "RunProgress", "run_generation"]

RunProgress = Callable[[int, int], None]
"""Called with (personas whose first answer is in, personas to write in this run)."""


@dataclass
class PersonaRun:
    """What one run did: how many were sampled, skipped, written, and which failed."""

    run_id: str
    sampled: int
    skipped: int
    personas: list[Persona] = field(default_factory=list)
    failures: list[GenerationFailure] = field(default_factory=list)
    repaired: int = 0
    regenerated: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Counts and failure records: the run's stats."""
        by_reason: dict[str, int] = {}
        for failure in self.failures:
            by_reason[failure.reason] = by_reason.get(failure.reason, 0) + 1
        return {
            "run_id": self.run_id,
            "sampled": self.sampled,
            "skipped_existing": self.skipped,
            "generated": len(self.personas),
            "failed": len(self.failures),
            "failed_by_reason": by_reason,
            "repaired": self.repaired,
            "regenerated": self.regenerated,
            "failures": [f.as_dict() for f in self.failures],
        }


async def run_generation(
    store: Store,
    llm: LLMClient,
    config: PersonaRunConfig,
    *,
    encoder: TextEncoder,
    progress: RunProgress | None = None,
) -> PersonaRun:
    """Generate the population ``config`` describes into ``store``; see the module docstring.

    The run is marked failed when personas were due and none could be written, or when an
    exception escapes (the personas of finished batches stay stored).
    """
    pools = load_pools(config.pools)
    population = sample_attributes(pools, config.n, config.balance, config.seed)
    stored = persona_ids(store)
    todo = [a for a in population if a.id not in stored]
    run_id = start_run(
        store,
        "personas",
        {
            **config.model_dump(mode="json"),
            "model": llm.model,
            "server": llm.base_url,
            "encoder": encoder.id,
            "prompt_version": PROMPT_VERSION,
        },
    )
    run = PersonaRun(run_id=run_id, sampled=len(population), skipped=len(population) - len(todo))
    existing = {p.id: p.bio for p in iter_personas(store)} if todo else {}
    settled = 0

    def advance(count: int) -> None:
        nonlocal settled
        settled += count
        if progress is not None:
            progress(settled, len(todo))

    advance(0)
    try:
        for start in range(0, len(todo), config.batch_size):
            result = await generate_personas(
                llm,
                todo[start : start + config.batch_size],
                encoder=encoder,
                dedupe_threshold=config.dedupe_threshold,
                max_attempts=config.max_attempts,
                existing=existing,
                temperature=config.temperature,
                max_tokens=config.max_tokens,
                constraint=config.constraint,
                progress=advance,
            )
            save_personas(store, result.personas)
            existing.update((p.id, p.bio) for p in result.personas)
            run.personas.extend(result.personas)
            run.failures.extend(result.failures)
            run.repaired += result.repaired
            run.regenerated += result.regenerated
    except BaseException as exc:
        finish_run(store, run_id, {**run.as_dict(), "error": repr(exc)}, ok=False)
        raise
    finish_run(store, run_id, run.as_dict(), ok=not todo or bool(run.personas))
    return run

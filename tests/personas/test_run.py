"""The whole stage over a store: skip what is stored, save by batch, record the run."""

from __future__ import annotations

import asyncio
import json

from tastemaker.embed.protocol import TextEncoder
from tastemaker.llm import LLMClient, LLMConfig
from tastemaker.personas.config import PersonaRunConfig
from tastemaker.personas.run import PersonaRun, run_generation
from tastemaker.personas.store import count_personas, list_personas
from tastemaker.store import Store
from tests.personas.fakes import DistinctBioServer, InvalidJSONServer, PersonaChatServer


def generate(
    store: Store, server: PersonaChatServer, config: PersonaRunConfig, encoder: TextEncoder
) -> tuple[PersonaRun, list[tuple[int, int]]]:
    ticks: list[tuple[int, int]] = []

    async def go() -> PersonaRun:
        llm_config = LLMConfig(base_url=server.base_url, model="fake-model", max_retries=0)
        async with LLMClient(llm_config) as llm:
            return await run_generation(
                store, llm, config, encoder=encoder, progress=lambda d, t: ticks.append((d, t))
            )

    return asyncio.run(go()), ticks


def test_generate_then_rerun_is_idempotent(store: Store, encoder: TextEncoder) -> None:
    config = PersonaRunConfig(n=6, balance=("gender",), seed=4, batch_size=4)
    with DistinctBioServer() as server:
        first, ticks = generate(store, server, config, encoder)
    assert first.sampled == 6
    assert first.skipped == 0
    assert len(first.personas) == 6
    assert not first.failures
    assert ticks[0] == (0, 6)
    assert ticks[-1] == (6, 6)
    stored = list_personas(store)
    assert [p.gender for p in stored].count("woman") == 3
    with DistinctBioServer() as server:
        second, _ = generate(store, server, config, encoder)
    assert server.requests == []  # nothing left to do: no LLM call at all
    assert second.skipped == 6
    assert second.personas == []
    assert list_personas(store) == stored
    rows = store.conn.execute("SELECT status, config, stats FROM runs ORDER BY started_at")
    runs = [(r["status"], json.loads(r["config"]), json.loads(r["stats"])) for r in rows]
    assert [r[0] for r in runs] == ["done", "done"]
    assert runs[0][1]["model"] == "fake-model"
    assert runs[0][1]["balance"] == ["gender"]
    assert runs[0][2]["generated"] == 6
    assert runs[1][2]["skipped_existing"] == 6


def test_failures_are_recorded_in_the_run_not_stored(store: Store, encoder: TextEncoder) -> None:
    config = PersonaRunConfig(n=2, seed=1)
    with InvalidJSONServer() as server:
        run, _ = generate(store, server, config, encoder)
    assert count_personas(store) == 0
    assert len(run.failures) == 2
    row = store.conn.execute("SELECT status, stats FROM runs").fetchone()
    assert row["status"] == "failed"  # personas were due and none was written
    stats = json.loads(row["stats"])
    assert stats["failed_by_reason"] == {"invalid": 2}
    assert stats["failures"][0]["outputs"][0].startswith("Sure!")

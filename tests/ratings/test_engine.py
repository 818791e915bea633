"""Rating runs end to end: resumable, idempotent, killed mid-way and restarted (marker ``llm``)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tastemaker.catalog.importer import import_catalog
from tastemaker.errors import DataError, LLMOutputError
from tastemaker.llm import LLMClient, LLMConfig
from tastemaker.llm.server import EmbeddedServer
from tastemaker.ratings.engine import RunSummary, pair_seed, plan_ratings, run_ratings
from tastemaker.ratings.prompts import PersonaView, PromptFormat, load_template
from tastemaker.ratings.records import (
    PARQUET_SCHEMA,
    RatingKey,
    RatingRecord,
    insert_rating,
    load_ratings,
    stored_keys,
)
from tastemaker.ratings.sources import pair_up, store_items, store_personas
from tastemaker.ratings.strategies import LogprobStrategy, SampleStrategy, Strategy
from tastemaker.store import Store, open_store
from tests.ratings.test_strategies import SMOL_MIN_VALID

MODEL = "smollm2-135m-instruct"
PERSONAS = [
    (
        "p1",
        "Ana",
        "Women",
        "Ana runs marathons and works as a physiotherapist. She loves bright gear.",
    ),
    ("p2", "George", "Men", "George is a retired banker. He wears tailored suits every day."),
    (
        "p3",
        "Kim",
        "Women",
        "Kim is a goth musician in Berlin. She only wears black, never pastels.",
    ),
]


def _seed_store(store: Store, catalog: Path) -> None:
    import_catalog(store, catalog)
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO personas (id, name, gender, bio) VALUES (?, ?, ?, ?)", PERSONAS
        )


def _run(
    store: Store,
    server: EmbeddedServer,
    per_persona: int,
    *,
    strategy: Strategy | None = None,
    fmt: PromptFormat = "model",
) -> RunSummary:
    template = load_template()
    strategy = strategy or LogprobStrategy(min_valid=SMOL_MIN_VALID)
    key = RatingKey(template.version, MODEL, strategy.name)
    pairs = pair_up(store_personas(store), store_items(store), per_persona=per_persona, seed=1)

    async def main() -> RunSummary:
        config = LLMConfig(base_url=server.base_url, model=MODEL, concurrency=2)
        async with LLMClient(config) as llm:
            return await run_ratings(
                llm,
                pairs,
                strategy=strategy,
                template=template,
                fmt=fmt,
                key=key,
                server=server.base_url,
                seed=1,
                sink=lambda r: insert_rating(store, r, None),
                skip=stored_keys(store, key),
            )

    return asyncio.run(main())


@pytest.mark.llm
def test_a_rerun_skips_every_stored_rating(
    store: Store, sample_catalog: Path, smollm_server: EmbeddedServer
) -> None:
    _seed_store(store, sample_catalog)
    first = _run(store, smollm_server, per_persona=3)
    second = _run(store, smollm_server, per_persona=3)
    assert (first.planned, first.rated + first.failed) == (9, 9)
    assert (second.skipped, second.rated, second.calls) == (9, 0, 0)
    frame = load_ratings(store)
    assert len(frame) == 9
    assert frame.groupby("persona_id").size().tolist() == [3, 3, 3]
    rated = frame.dropna(subset=["answer"])
    sums = rated[[c for c in PARQUET_SCHEMA.names if c.startswith("p_")]].sum(axis=1)
    assert ((sums - 1).abs() < 1e-6).all()
    assert (frame["server"] == smollm_server.base_url).all()


@pytest.mark.llm
def test_the_models_template_is_asked_for_once_a_run_not_once_a_rating(
    store: Store, sample_catalog: Path, smollm_server: EmbeddedServer
) -> None:
    _seed_store(store, sample_catalog)
    template = load_template()
    pairs = pair_up(store_personas(store), store_items(store), per_persona=4, seed=2)
    records: list[RatingRecord] = []

    async def main() -> tuple[RunSummary, int]:
        config = LLMConfig(base_url=smollm_server.base_url, model=MODEL, concurrency=2)
        async with LLMClient(config) as llm:
            summary = await run_ratings(
                llm, pairs, strategy=LogprobStrategy(), template=template, fmt="model",
                key=RatingKey(template.version, MODEL, "logprobs"), server="s", seed=2,
                sink=records.append,
            )  # fmt: skip
            return summary, llm.ledger.calls

    summary, calls = asyncio.run(main())
    assert summary.rated + summary.failed == len(records) == 12
    assert calls == summary.calls + 2  # the rating calls, and the template's frame once


@pytest.mark.llm
def test_a_changed_request_rates_afresh_and_an_unchanged_one_skips(
    store: Store, sample_catalog: Path, smollm_server: EmbeddedServer
) -> None:
    """Format, temperature and the prompt text itself (a persona's bio) are in the key."""
    _seed_store(store, sample_catalog)
    first = _run(store, smollm_server, per_persona=2)
    other_format = _run(store, smollm_server, per_persona=2, fmt="inst")
    assert (first.rated + first.failed, other_format.skipped) == (6, 0)
    assert other_format.rated + other_format.failed == 6
    assert _run(store, smollm_server, per_persona=2, fmt="inst").skipped == 6  # unchanged

    with store.transaction() as conn:
        conn.execute("UPDATE personas SET bio = bio || ' She now wears only grey.' WHERE id = 'p1'")
    edited = _run(store, smollm_server, per_persona=2, fmt="inst")
    assert (edited.skipped, edited.rated + edited.failed) == (4, 2)  # only p1's two pairs

    cold = _run(store, smollm_server, 2, strategy=SampleStrategy(n=2, temperature=0.5))
    hot = _run(store, smollm_server, 1, strategy=SampleStrategy(n=2, temperature=1.5))
    assert (cold.rated + cold.failed, hot.skipped, hot.rated + hot.failed) == (6, 0, 3)

    frame = load_ratings(store, strategy="logprobs")
    assert len(frame) == 6  # the newest rating of each pair, all of one request set
    assert frame["request_set"].nunique() == 1
    assert frame["request_hash"].is_unique
    older = load_ratings(store, strategy="logprobs", request_set=_set_of(store, "model"))
    assert len(older) == 6
    assert set(older["request_hash"]).isdisjoint(frame["request_hash"])
    with pytest.raises(DataError, match="request set"):
        load_ratings(store, strategy="sample")  # 3 pairs at T=1.5, the rest at 0.5: refused
    assert len(load_ratings(store, strategy="sample", request_set=_set_of(store, "sample"))) == 6
    everything = store.conn.execute("SELECT count(*) FROM ratings").fetchone()[0]
    assert everything == 6 + 6 + 2 + 6 + 3  # nothing stored was lost


def _set_of(store: Store, wanted: str) -> str:
    """The request set of the first run that matches ``wanted`` (a format or a strategy)."""
    rows = store.conn.execute(
        "SELECT request_set, request FROM ratings GROUP BY request_set ORDER BY min(created_at)"
    ).fetchall()
    found = [s for s, r in rows if wanted in (json.loads(r)["format"], json.loads(r)["strategy"])]
    return str(found[0])


def test_pair_seeds_are_stable_and_distinct() -> None:
    assert pair_seed(0, "p1", "i1") == pair_seed(0, "p1", "i1")
    assert len({pair_seed(0, "p1", str(i)) for i in range(1000)}) == 1000


def test_a_failed_request_is_recorded_not_guessed(store: Store, sample_catalog: Path) -> None:
    _seed_store(store, sample_catalog)
    from tastemaker.ratings.strategies import RatingOutcome

    key = RatingKey("v", "m", "free")
    record = RatingRecord(
        "p1", "90001", key, "s", 0.0, 1, RatingOutcome(answer=None, error="boom", raw_output="x")
    )
    insert_rating(store, record, None)
    insert_rating(store, record, None)  # a re-run cannot duplicate
    frame = load_ratings(store)
    assert len(frame) == 1
    assert pd.isna(frame.loc[0, "answer"])
    assert frame.loc[0, "error"] == "boom"


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM ratings").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@pytest.mark.llm
@pytest.mark.slow
def test_a_killed_run_resumes_without_losing_or_duplicating(
    tmp_path: Path, sample_catalog: Path, smollm_server: EmbeddedServer
) -> None:
    with open_store(tmp_path / "tastemaker.sqlite") as store:
        _seed_store(store, sample_catalog)
    command = [
        sys.executable, "-m", "tastemaker", "--data-dir", str(tmp_path), "ratings", "generate",
        "--model", MODEL, "--per-persona", "8", "--seed", "3", "--no-cache",
    ]  # fmt: skip
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 240
    while _count(tmp_path / "tastemaker.sqlite") < 5 and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = _count(tmp_path / "tastemaker.sqlite")
    assert 5 <= before < 24

    resumed = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{before} already stored" in resumed.stdout
    with sqlite3.connect(tmp_path / "tastemaker.sqlite") as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT persona_id || '/' || item_id) FROM ratings"
        ).fetchone()
    assert total == distinct == 24


def test_persona_view_from_the_store_keeps_attributes(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO personas (id, name, gender, bio, occupation, brands) "
            "VALUES ('p', 'Ann', 'Women', 'Bio one. Bio two.', 'nurse', '[\"Quill\"]')"
        )
    (persona,) = store_personas(store)
    assert persona == PersonaView(
        "p", "Ann", "Women", "Bio one. Bio two.", {"occupation": "nurse", "brands": ["Quill"]}
    )


def test_retrying_failures_forgets_those_of_the_current_request_set_only(
    store: Store, sample_catalog: Path
) -> None:
    _seed_store(store, sample_catalog)
    from tastemaker.ratings.records import delete_failures
    from tastemaker.ratings.strategies import RatingOutcome

    key = RatingKey("v", "m", "free")
    failed = RatingOutcome(answer=None, error="not a rating")
    for item, request_set in (("90001", "old"), ("90002", "new"), ("90003", "new")):
        record = RatingRecord("p1", item, key, "s", 0.0, 1, failed, f"h{item}", request_set)
        insert_rating(store, record, None)
    assert delete_failures(store, key, "new") == 2
    assert stored_keys(store, key) == {("p1", "90001", "h90001")}


def _profiled_run(
    store: Store, server: EmbeddedServer, *, fault: bool
) -> tuple[list[RatingRecord], set[str]]:
    """A profiled run over two items a persona; with ``fault``, every profile call raises (a
    server returning nothing usable, which the real one rarely does on cue)."""
    template = load_template()
    strategy = LogprobStrategy(min_valid=SMOL_MIN_VALID)
    key = RatingKey(template.version, MODEL, strategy.name)
    pairs = pair_up(store_personas(store), store_items(store), per_persona=2, seed=3)
    records: list[RatingRecord] = []

    async def main() -> set[str]:
        config = LLMConfig(base_url=server.base_url, model=MODEL, concurrency=2)
        async with LLMClient(config) as llm:
            if fault:

                async def unusable_profile(*_: object, **__: object) -> object:
                    raise LLMOutputError("injected: the server returned nothing usable")

                llm.chat = unusable_profile  # type: ignore[assignment,method-assign]
            framed = await template.for_server(llm, "model")
            _, bare = plan_ratings(pairs, strategy=strategy, template=framed, fmt="model",
                                   key=key, server="s", seed=3)  # fmt: skip
            await run_ratings(
                llm, pairs, strategy=strategy, template=template, fmt="model", key=key,
                server="s", seed=3, sink=records.append, profiles=True,
            )  # fmt: skip
            return {p.request_hash for p in bare}

    return records, asyncio.run(main())


@pytest.mark.llm
def test_a_profiled_run_shows_each_profile_in_its_requests_or_records_why_not(
    store: Store, sample_catalog: Path, smollm_server: EmbeddedServer
) -> None:
    _seed_store(store, sample_catalog)
    records, bare_hashes = _profiled_run(store, smollm_server, fault=False)
    assert len(records) == 6
    for record in records:
        failed_profile = (record.outcome.error or "").startswith("profile failed")
        # a profile in the prompt makes another request; a failed one is recorded as such
        assert failed_profile or record.request_hash not in bare_hashes


@pytest.mark.llm
def test_a_failed_profile_is_a_recorded_failure_for_each_pair_never_a_rating(
    store: Store, sample_catalog: Path, smollm_server: EmbeddedServer
) -> None:
    _seed_store(store, sample_catalog)
    records, _ = _profiled_run(store, smollm_server, fault=True)
    assert len(records) == 6
    assert all(r.outcome.answer is None for r in records)
    assert all("profile failed: injected" in (r.outcome.error or "") for r in records)

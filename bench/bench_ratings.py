"""Rating quality and cost on the clear-cut set (bench/data/clearcut.toml).

For each strategy: pairwise accuracy (the share of a shopper's fit/misfit pairs where the fit
scores higher; ties count half) and seconds per rating. Then, with the logprobs strategy:
seconds per rating with and without the server's prompt-prefix cache, the wall-time ratio of
10 constrained samples to one logprobs rating, and the overhead of the pipeline (strategy,
engine, store writes) over the same HTTP requests sent raw.

Usage: python bench/bench_ratings.py [--model NAME] [--strategies logprobs,yesno,greedy,sample,free]
Prints a table and, as its last line, one JSON object. Run it on an idle machine: the timings
are ratios within one run, but a busy CPU still blurs them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from tastemaker.catalog.schema import Item
from tastemaker.catalog.text import item_text
from tastemaker.llm import LLMClient, LLMConfig
from tastemaker.llm.models import DEFAULT_MODEL, ensure_model
from tastemaker.llm.server import EmbeddedServer
from tastemaker.ratings.engine import run_ratings
from tastemaker.ratings.prompts import DEFAULT_TEMPLATE, PersonaView, load_template
from tastemaker.ratings.records import RatingKey, insert_rating
from tastemaker.ratings.sources import ItemView
from tastemaker.ratings.strategies import (
    FreeStrategy,
    LogprobStrategy,
    SampleStrategy,
    Strategy,
    YesNoStrategy,
)
from tastemaker.store import open_store

CLEARCUT = Path(__file__).parent / "data" / "clearcut.toml"
Case = tuple[PersonaView, list[ItemView], list[ItemView]]


def load_clearcut() -> list[Case]:
    data = tomllib.loads(CLEARCUT.read_text())
    cases = []
    for p in data["personas"]:
        attributes = {k: p[k] for k in ("age_band", "occupation", "aesthetic", "palette",
                                        "budget", "brands")}  # fmt: skip
        persona = PersonaView(p["id"], p["name"], p["gender"], p["bio"], attributes)

        def views(rows: list[dict[str, str]], kind: str, pid: str = p["id"]) -> list[ItemView]:
            return [
                ItemView(f"{pid}-{kind}{i}", item_text(Item(id=f"{pid}-{kind}{i}", **row)))
                for i, row in enumerate(rows)
            ]

        cases.append((persona, views(p["fits"], "fit"), views(p["misfits"], "misfit")))
    return cases


def strategies(names: Sequence[str]) -> dict[str, Strategy]:
    every: dict[str, Strategy] = {
        "logprobs": LogprobStrategy(),
        "yesno": YesNoStrategy(),
        "greedy": SampleStrategy(n=1, temperature=0.0),
        "sample": SampleStrategy(n=10, temperature=1.0),
        "free": FreeStrategy(),
    }
    return {n: every[n] for n in names}


def pairwise_accuracy(cases: list[Case], scores: dict[tuple[str, str], float | None]) -> float:
    hits = total = 0.0
    for persona, fits, misfits in cases:
        for fit in fits:
            for misfit in misfits:
                a, b = scores.get((persona.id, fit.id)), scores.get((persona.id, misfit.id))
                total += 1
                if a is None or b is None:
                    continue  # a failure counts as a miss
                hits += 1.0 if a > b else 0.5 if a == b else 0.0
    return hits / total


async def rate_all(
    server: EmbeddedServer,
    cases: list[Case],
    strategy: Strategy,
    model: str,
    template_name: str = DEFAULT_TEMPLATE,
) -> tuple[dict[tuple[str, str], float | None], list[float], int]:
    """Rate every pair one at a time (persona-major); returns scores, seconds each, calls."""
    template = load_template(template_name)
    config = LLMConfig(base_url=server.base_url, model=model, concurrency=1, timeout_s=300)
    scores: dict[tuple[str, str], float | None] = {}
    seconds: list[float] = []
    calls = 0
    async with LLMClient(config) as llm:
        template = await template.for_server(llm, "model")
        for persona, fits, misfits in cases:
            for item in [*fits, *misfits]:
                prompt = template.render(
                    persona, item.text, "model", yesno=strategy.name == "yesno"
                )
                started = time.perf_counter()
                outcome = await strategy.rate(llm, prompt, seed=11)
                seconds.append(time.perf_counter() - started)
                calls += outcome.calls
                score = outcome.expected if outcome.expected is not None else outcome.answer
                scores[(persona.id, item.id)] = None if score is None else float(score)
    return scores, seconds, calls


async def pipeline_vs_raw(
    server: EmbeddedServer, cases: list[Case], model: str
) -> dict[str, float]:
    """The engine (strategy + store writes) against the same HTTP bodies sent with httpx."""
    template = load_template()
    pairs = [(persona, item) for persona, fits, misfits in cases for item in [*fits, *misfits]]
    config = LLMConfig(base_url=server.base_url, model=model, concurrency=1, timeout_s=300)
    bodies: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "s.sqlite") as store:
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO personas (id, name, gender, bio) VALUES (?, ?, ?, ?)",
                [(p.id, p.name, p.gender, p.bio) for p, _, _ in cases],
            )
            conn.executemany(
                "INSERT INTO items (id, name, source, content_hash) VALUES (?, ?, 'bench', ?)",
                [(i.id, i.text, i.id) for _, i in pairs],
            )
        async with LLMClient(config) as llm:
            original = llm.complete

            async def recording(prompt: str, **kwargs: Any) -> Any:
                keys = ("max_tokens", "temperature", "logprobs")
                bodies.append({"prompt": prompt, **{k: kwargs[k] for k in keys}})
                return await original(prompt, **kwargs)

            llm.complete = recording  # type: ignore[method-assign]
            started = time.perf_counter()
            await run_ratings(
                llm, pairs, strategy=LogprobStrategy(), template=template, fmt="model",
                key=RatingKey(template.version, model, "logprobs"), server="bench", seed=11,
                sink=lambda r: insert_rating(store, r, None),
            )  # fmt: skip
            pipeline_s = time.perf_counter() - started
    async with httpx.AsyncClient(base_url=server.base_url, timeout=300) as raw:
        started = time.perf_counter()
        for body in bodies:
            response = await raw.post("/completions", json={"model": model, **body})
            response.raise_for_status()
        raw_s = time.perf_counter() - started
    return {"pipeline_s": pipeline_s, "raw_s": raw_s, "requests": len(bodies),
            "overhead": pipeline_s / raw_s - 1}  # fmt: skip


def start(path: Path, model: str, *, cache_prompt: bool = True) -> EmbeddedServer:
    return EmbeddedServer(
        path, model_name=model, ctx_per_slot=2048, n_parallel=1, cache_prompt=cache_prompt
    ).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--strategies", default="logprobs,yesno,greedy,sample")
    parser.add_argument("--compare-template", default="original-v1",
                        help="also run logprobs with this template")  # fmt: skip
    parser.add_argument("--timing-personas", type=int, default=2,
                        help="personas used for the prefix-cache and overhead timings")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    cases = load_clearcut()
    path = ensure_model(args.model)
    results: dict[str, Any] = {"model": args.model, "pairs": 72, "machine":
                               f"{platform.machine()}, {os.cpu_count()} cores"}  # fmt: skip
    server = start(path, args.model)
    try:
        per_strategy: dict[str, dict[str, float]] = {}
        runs = [
            (name, s, DEFAULT_TEMPLATE)
            for name, s in strategies(args.strategies.split(",")).items()
        ]
        if args.compare_template:
            runs.append(
                (f"logprobs@{args.compare_template}", LogprobStrategy(), args.compare_template)
            )
        for name, strategy, template in runs:
            scores, seconds, calls = asyncio.run(
                rate_all(server, cases, strategy, args.model, template)
            )
            per_strategy[name] = {
                "pairwise_accuracy": round(pairwise_accuracy(cases, scores), 4),
                "s_per_rating": round(statistics.mean(seconds), 3),
                "s_per_rating_warm": round(statistics.median(seconds), 3),
                "calls_per_rating": round(calls / len(seconds), 2),
                "failures": sum(v is None for v in scores.values()),
            }
            print(f"{name:>22}: " + json.dumps(per_strategy[name]), flush=True)
        results["strategies"] = per_strategy
        if "logprobs" in per_strategy and "sample" in per_strategy:
            results["sample10_over_logprobs"] = round(
                per_strategy["sample"]["s_per_rating_warm"]
                / per_strategy["logprobs"]["s_per_rating_warm"], 2)  # fmt: skip
        subset = cases[: args.timing_personas]
        _, warm, _ = asyncio.run(rate_all(server, subset, LogprobStrategy(), args.model))
        overhead = asyncio.run(pipeline_vs_raw(server, subset, args.model))
    finally:
        server.stop()
    cold_server = start(path, args.model, cache_prompt=False)
    try:
        _, cold, _ = asyncio.run(rate_all(cold_server, subset, LogprobStrategy(), args.model))
    finally:
        cold_server.stop()
    results["prefix_cache"] = {
        "s_per_rating_with": round(statistics.mean(warm), 3),
        "s_per_rating_without": round(statistics.mean(cold), 3),
        "speedup": round(statistics.mean(cold) / statistics.mean(warm), 2),
    }
    results["pipeline_overhead"] = {k: round(v, 3) for k, v in overhead.items()}
    print("prefix cache: " + json.dumps(results["prefix_cache"]))
    print("pipeline vs raw HTTP: " + json.dumps(results["pipeline_overhead"]))
    print(json.dumps(results))


if __name__ == "__main__":
    main()

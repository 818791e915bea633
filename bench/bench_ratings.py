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
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from tastemaker.catalog.schema import Item
from tastemaker.catalog.text import item_text
from tastemaker.llm import LLMClient, LLMConfig
from tastemaker.llm.models import DEFAULT_MODEL, ensure_model
from tastemaker.llm.server import EmbeddedServer
from tastemaker.personas.profile import distil_profile
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

DATA = Path(__file__).parent / "data"
SETS = {"clearcut": DATA / "clearcut.toml", "styleonly": DATA / "styleonly.toml"}
ATTRIBUTES = ("age_band", "occupation", "aesthetic", "palette", "budget", "brands")
Case = tuple[PersonaView, list[ItemView], list[ItemView]]


def load_set(name: str = "clearcut", split: str = "all") -> list[Case]:
    """A clear-cut set's shoppers as (persona, fits, misfits); ``split`` keeps the personas
    whose ``split`` field matches (dev/test in styleonly.toml), ``all`` keeps every one."""
    data = tomllib.loads(SETS[name].read_text())
    cases = []
    for p in data["personas"]:
        if split != "all" and p.get("split") != split:
            continue
        attributes = {k: p[k] for k in ATTRIBUTES if k in p}
        persona = PersonaView(p["id"], p["name"], p["gender"], p["bio"], attributes)

        def views(rows: list[dict[str, str]], kind: str, pid: str = p["id"]) -> list[ItemView]:
            return [
                ItemView(f"{pid}-{kind}{i}", item_text(Item(id=f"{pid}-{kind}{i}", **row)))
                for i, row in enumerate(rows)
            ]

        cases.append((persona, views(p["fits"], "fit"), views(p["misfits"], "misfit")))
    if not cases:
        raise SystemExit(f"{SETS[name]}: no personas with split = {split!r}")
    return cases


def load_clearcut() -> list[Case]:
    return load_set("clearcut")


def pair_count(cases: list[Case]) -> int:
    return sum(len(fits) * len(misfits) for _, fits, misfits in cases)


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


class Meter:
    """Calls, prompt/completion tokens and seconds of the requests made through one client."""

    def __init__(self, llm: LLMClient) -> None:
        self.calls = self.prompt_tokens = self.completion_tokens = 0
        for name in ("complete", "chat"):
            original = getattr(llm, name)

            async def metered(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                completion = await _original(*args, **kwargs)
                self.calls += 1
                self.prompt_tokens += completion.usage.prompt_tokens
                self.completion_tokens += completion.usage.completion_tokens
                return completion

            setattr(llm, name, metered)

    def snapshot(self) -> tuple[int, int, int]:
        return self.calls, self.prompt_tokens, self.completion_tokens


async def profiles_for(
    server: EmbeddedServer, cases: list[Case], model: str
) -> tuple[list[Case], dict[str, float]]:
    """The cases with each persona's distilled profile in its attributes, and the profile
    step's cost (one call per persona, counted once per persona as the issue asks)."""
    config = LLMConfig(base_url=server.base_url, model=model, concurrency=1, timeout_s=300)
    out: list[Case] = []
    async with LLMClient(config) as llm:
        meter = Meter(llm)
        started = time.perf_counter()
        for persona, fits, misfits in cases:
            profile = await distil_profile(llm, persona.name, persona.gender, persona.bio)
            attributes = {**persona.attributes, "profile": profile}
            out.append((replace(persona, attributes=attributes), fits, misfits))
            print(f"  profile {persona.id}: {profile!r}", flush=True)
        seconds = time.perf_counter() - started
    calls, prompt_tokens, completion_tokens = meter.snapshot()
    return out, {"calls": calls, "prompt_tokens": prompt_tokens,
                 "completion_tokens": completion_tokens, "seconds": round(seconds, 2)}  # fmt: skip


async def rate_all(
    server: EmbeddedServer,
    cases: list[Case],
    strategy: Strategy,
    model: str,
    template_name: str = DEFAULT_TEMPLATE,
    meter_out: dict[str, int] | None = None,
) -> tuple[dict[tuple[str, str], float | None], list[float], int]:
    """Rate every pair one at a time (persona-major); returns scores, seconds each, calls.
    ``meter_out`` receives the prompt and completion tokens the server reported."""
    template = load_template(template_name)
    config = LLMConfig(base_url=server.base_url, model=model, concurrency=1, timeout_s=300)
    scores: dict[tuple[str, str], float | None] = {}
    seconds: list[float] = []
    calls = 0
    async with LLMClient(config) as llm:
        template = await template.for_server(llm, "model")
        meter = Meter(llm)
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
    if meter_out is not None:
        _, meter_out["prompt_tokens"], meter_out["completion_tokens"] = meter.snapshot()
    return scores, seconds, calls


def embedding_scores(
    cases: list[Case], *, use_profile: bool
) -> dict[tuple[str, str], float | None]:
    """Cosine similarity of each item's text to the persona's bio, or, with a profile, to its
    Wears line minus to its Avoids line (the offline MiniLM encoder; no LLM call)."""
    from tastemaker.embed import MiniLMEncoder

    encoder = MiniLMEncoder()
    scores: dict[tuple[str, str], float | None] = {}
    for persona, fits, misfits in cases:
        items = [*fits, *misfits]
        item_vectors = encoder.encode_texts([i.text for i in items])
        if use_profile and persona.attributes.get("profile"):
            lines = str(persona.attributes["profile"]).splitlines()
            wears = next((x for x in lines if x.lower().startswith("wears")), persona.bio)
            avoids = next((x for x in lines if x.lower().startswith("avoids")), "")
            anchors = encoder.encode_texts([wears, avoids or wears])
            sims = item_vectors @ anchors[0] - (item_vectors @ anchors[1] if avoids else 0.0)
        else:
            sims = item_vectors @ encoder.encode_texts([persona.bio])[0]
        for item, sim in zip(items, sims, strict=True):
            scores[(persona.id, item.id)] = float(sim)
    return scores


def ensemble(
    cases: list[Case],
    parts: Sequence[dict[tuple[str, str], float | None]],
) -> dict[tuple[str, str], float | None]:
    """The sum of each part's within-persona z-scores (a failure in any part is a failure)."""
    out: dict[tuple[str, str], float | None] = {}
    for persona, fits, misfits in cases:
        keys = [(persona.id, i.id) for i in [*fits, *misfits]]
        total = dict.fromkeys(keys, 0.0)
        failed: set[tuple[str, str]] = set()
        for part in parts:
            values = [part.get(k) for k in keys]
            known = [v for v in values if v is not None]
            mean = statistics.fmean(known) if known else 0.0
            spread = statistics.pstdev(known) if len(known) > 1 else 0.0
            for k, v in zip(keys, values, strict=True):
                if v is None:
                    failed.add(k)
                else:
                    total[k] += (v - mean) / spread if spread > 0 else 0.0
        out.update({k: None if k in failed else total[k] for k in keys})
    return out


REACT_SYSTEM = (
    "You play one shopper in a fashion study. React to the item in the first person, in one "
    "or two short sentences, exactly as that shopper would."
)
REACT_ASK = "Say in one or two sentences how you feel about it and why."
REACT_FOLLOW_UP = "So, would you buy and wear it? Answer only Yes or No."
#: Semantic Similarity Rating anchors (arXiv 2510.08338): a reaction's rating is read from its
#: MiniLM similarity to statements of each point, here 1 (never) .. 5 (certainly) in two sets.
SSR_ANCHORS = (
    ("I would never wear this; it is not my style at all.",
     "I don't think I'd wear this, it's not really for me.",
     "I might wear it, I'm not sure; it's okay.",
     "I like it and would probably wear it.",
     "I love it; this is exactly my style and I would definitely wear it."),
    ("This is the opposite of what I wear.",
     "This doesn't suit my taste much.",
     "It's neither my style nor against it.",
     "This fits my taste well.",
     "This is perfect for me, just what I always wear."),
)  # fmt: skip


async def react_scores(
    server: EmbeddedServer, cases: list[Case], model: str
) -> tuple[dict[str, dict[tuple[str, str], float | None]], dict[str, float], list[str]]:
    """Two readings of one free-text reaction per pair: Semantic Similarity Rating (the
    reaction's MiniLM similarity to anchor statements of each point, turned into a pmf as in
    the paper: similarities less their minimum, normalised) and P(Yes) of a follow-up question
    asked after the reaction (the reaction as a short chain of thought). Returns both score
    maps, the cost of the whole (generation + follow-up), and the reactions for the log.

    Measured on the style-only dev half (Qwen2.5-Coder-1.5B, 2 shared cores, 36 pairs): SSR
    0.639 and reaction + yes/no 0.583 against logprobs 0.833 and yes/no 0.778, at 13.2 s per
    rating against 2.3 s: the small rater's reactions open "I would not buy and wear ..." for
    nearly every item and echo the bio, so the reaction carries less taste than the logprobs
    of a bare answer. Not carried to the test half or the product."""
    from tastemaker.embed import MiniLMEncoder

    encoder = MiniLMEncoder()
    anchors = [encoder.encode_texts(list(group)) for group in SSR_ANCHORS]  # [5, d] each
    points = [1.0, 2.0, 3.0, 4.0, 5.0]
    template = load_template(DEFAULT_TEMPLATE)
    config = LLMConfig(base_url=server.base_url, model=model, concurrency=1, timeout_s=300)
    ssr: dict[tuple[str, str], float | None] = {}
    yes: dict[tuple[str, str], float | None] = {}
    said: list[str] = []
    async with LLMClient(config) as llm:
        meter = Meter(llm)
        first = await llm.chat_frame(["system", "user"])
        second = await llm.chat_frame(["system", "user", "assistant", "user"])
        started = time.perf_counter()
        for persona, fits, misfits in cases:
            for item in [*fits, *misfits]:
                _, user = template.messages(persona, item.text, yesno=True)
                ask = str(user["content"]).replace("Answer only Yes or No.", REACT_ASK)
                messages = [{"role": "system", "content": REACT_SYSTEM},
                            {"role": "user", "content": ask}]  # fmt: skip
                reaction = (
                    await llm.complete(first.render(messages), max_tokens=60, temperature=0.0)
                ).text.strip()
                said.append(f"{persona.id} / {item.text[:40]}: {reaction}")
                vector = encoder.encode_texts([reaction])[0]
                expected = []
                for group in anchors:
                    sims = group @ vector
                    pmf = sims - sims.min()
                    total = float(pmf.sum())
                    if total > 0:
                        expected.append(float(pmf @ points) / total)
                key = (persona.id, item.id)
                ssr[key] = statistics.fmean(expected) if expected else None
                follow = [*messages, {"role": "assistant", "content": reaction},
                          {"role": "user", "content": REACT_FOLLOW_UP}]  # fmt: skip
                answer = await llm.complete(
                    second.render(follow), max_tokens=1, temperature=0.0, logprobs=20
                )
                probs = answer.top_probs(0)
                p_yes = sum(p for t, p in probs.items() if t.strip().lower() == "yes")
                p_no = sum(p for t, p in probs.items() if t.strip().lower() == "no")
                yes[key] = p_yes / (p_yes + p_no) if p_yes + p_no >= 0.5 else None
        seconds = time.perf_counter() - started
    calls, prompt_tokens, completion_tokens = meter.snapshot()
    n = sum(len(f) + len(m) for _, f, m in cases)
    cost = {"calls_per_rating": round(calls / n, 3),
            "prompt_tokens_per_rating": round(prompt_tokens / n, 1),
            "completion_tokens_per_rating": round(completion_tokens / n, 1),
            "s_per_rating": round(seconds / n, 3)}  # fmt: skip
    return {"ssr": ssr, "react+yesno": yes}, cost, said


PAIRWISE_SYSTEM = (
    "You play one shopper in a fashion study. Answer exactly as that shopper would, with A or "
    "B and nothing else."
)
PAIRWISE_ASK = (
    "{persona}\n\nWhich of these two fashion items would you rather buy and wear? Think about "
    "your style, colours, budget, age and gender.\n\nA: {a}\nB: {b}\nAnswer only A or B."
)


async def pairwise_scores(
    server: EmbeddedServer, cases: list[Case], model: str
) -> tuple[dict[tuple[str, str], float | None], dict[str, float]]:
    """Comparison within a persona: every pair of the persona's items is asked in both orders
    (position bias cancels) and P(A) read from the first token's logprobs; an item's score is
    its mean preference over its comparisons (a one-step Bradley-Terry estimate). The rater
    never learns which items are the fits: all pairs of the persona's items are compared, so
    the cost per item grows with the items per persona (2 (n-1) one-token calls)."""
    config = LLMConfig(base_url=server.base_url, model=model, concurrency=1, timeout_s=300)
    scores: dict[tuple[str, str], float | None] = {}
    calls = 0
    async with LLMClient(config) as llm:
        meter = Meter(llm)
        frame = await llm.chat_frame(["system", "user"])
        started = time.perf_counter()
        for persona, fits, misfits in cases:
            items = [*fits, *misfits]
            wins: dict[str, list[float]] = {i.id: [] for i in items}
            for x, first in enumerate(items):
                for second in items[x + 1 :]:
                    for a, b in ((first, second), (second, first)):
                        ask = PAIRWISE_ASK.format(persona=persona.describe(), a=a.text, b=b.text)
                        messages = [{"role": "system", "content": PAIRWISE_SYSTEM},
                                    {"role": "user", "content": ask}]  # fmt: skip
                        answer = await llm.complete(
                            frame.render(messages), max_tokens=1, temperature=0.0, logprobs=20
                        )
                        calls += 1
                        probs = answer.top_probs(0)
                        p_a = sum(p for t, p in probs.items() if t.strip() == "A")
                        p_b = sum(p for t, p in probs.items() if t.strip() == "B")
                        if p_a + p_b >= 0.5:
                            wins[a.id].append(p_a / (p_a + p_b))
                            wins[b.id].append(p_b / (p_a + p_b))
            for item in items:
                won = wins[item.id]
                scores[(persona.id, item.id)] = statistics.fmean(won) if won else None
        seconds = time.perf_counter() - started
    _, prompt_tokens, completion_tokens = meter.snapshot()
    n = sum(len(f) + len(m) for _, f, m in cases)
    cost = {"calls_per_rating": round(calls / n, 3),
            "prompt_tokens_per_rating": round(prompt_tokens / n, 1),
            "completion_tokens_per_rating": round(completion_tokens / n, 1),
            "s_per_rating": round(seconds / n, 3)}  # fmt: skip
    return scores, cost


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


def quality(
    server: EmbeddedServer, cases: list[Case], names: Sequence[str], model: str, *,
    profile: bool, embed: bool, react: bool = False, pairwise: bool = False,
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Accuracy and cost per rating of each strategy (and, with ``profile``, of each with the
    distilled profile; with ``embed``, the MiniLM similarity alone and in an ensemble), all
    measured in this one run on this one server; with ``react``, the two readings of a free-text
    reaction (:func:`react_scores`); with ``pairwise``, comparisons (:func:`pairwise_scores`)."""
    out: dict[str, dict[str, Any]] = {}
    scored: dict[str, dict[tuple[str, str], float | None]] = {}
    variants: list[tuple[str, list[Case], dict[str, float] | None]] = [("", cases, None)]
    if profile:
        profiled, profile_cost = asyncio.run(profiles_for(server, cases, model))
        variants.append(("+profile", profiled, profile_cost))
        print("profile step: " + json.dumps(profile_cost), flush=True)
    n_ratings = sum(len(f) + len(m) for _, f, m in cases)
    for suffix, variant, extra in variants:
        for name, strategy in strategies(names).items():
            tokens: dict[str, int] = {}
            scores, seconds, calls = asyncio.run(
                rate_all(server, variant, strategy, model, meter_out=tokens)
            )
            extra = extra or {}
            per = 1 / n_ratings
            out[name + suffix] = {
                "pairwise_accuracy": round(pairwise_accuracy(variant, scores), 4),
                "failures": sum(v is None for v in scores.values()),
                "calls_per_rating": round((calls + extra.get("calls", 0)) * per, 3),
                "prompt_tokens_per_rating": round(
                    (tokens["prompt_tokens"] + extra.get("prompt_tokens", 0)) * per, 1),
                "completion_tokens_per_rating": round(
                    (tokens["completion_tokens"] + extra.get("completion_tokens", 0)) * per, 1),
                "s_per_rating": round((sum(seconds) + extra.get("seconds", 0)) * per, 3),
            }  # fmt: skip
            scored[name + suffix] = scores
            print(f"{name + suffix:>22}: " + json.dumps(out[name + suffix]), flush=True)
    if react:
        maps, cost, said = asyncio.run(react_scores(server, cases, model))
        for line in said:
            print(f"  reaction {line}", flush=True)
        for key, scores in maps.items():
            scored[key] = scores
            out[key] = {"pairwise_accuracy": round(pairwise_accuracy(cases, scores), 4),
                        "failures": sum(v is None for v in scores.values()), **cost}  # fmt: skip
            print(f"{key:>22}: " + json.dumps(out[key]), flush=True)
    if pairwise:
        scores, cost = asyncio.run(pairwise_scores(server, cases, model))
        scored["pairwise"] = scores
        out["pairwise"] = {"pairwise_accuracy": round(pairwise_accuracy(cases, scores), 4),
                           "failures": sum(v is None for v in scores.values()), **cost}  # fmt: skip
        print(f"{'pairwise':>22}: " + json.dumps(out["pairwise"]), flush=True)
    if embed:
        for suffix, variant, _ in variants:
            sims = embedding_scores(variant, use_profile=bool(suffix))
            scored["embed" + suffix] = sims
            accuracy = round(pairwise_accuracy(variant, sims), 4)
            out["embed" + suffix] = {"pairwise_accuracy": accuracy, "calls_per_rating": 0.0}
            print(f"{'embed' + suffix:>22}: " + json.dumps(out["embed" + suffix]), flush=True)
            for name in names:
                if name + suffix in scored:
                    mix = ensemble(variant, [scored[name + suffix], sims])
                    key = f"{name}{suffix}+embed"
                    out[key] = {
                        **out[name + suffix],
                        "pairwise_accuracy": round(pairwise_accuracy(variant, mix), 4),
                    }
                    print(f"{key:>22}: " + json.dumps(out[key]), flush=True)  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--strategies", default="logprobs,yesno,greedy,sample")
    parser.add_argument("--set", default="clearcut", choices=sorted(SETS),
                        help="which clear-cut set to rate")  # fmt: skip
    parser.add_argument("--split", default="all", choices=("all", "dev", "test"),
                        help="styleonly.toml's persona half (dev while developing)")  # fmt: skip
    parser.add_argument("--profile", action="store_true",
                        help="also rate with each persona's LLM-distilled profile")  # fmt: skip
    parser.add_argument("--embed", action="store_true",
                        help="also score by MiniLM bio/profile-item similarity, alone and "
                        "in an ensemble with each strategy")  # fmt: skip
    parser.add_argument("--react", action="store_true",
                        help="also rate from a free-text reaction (SSR, then yes/no)")  # fmt: skip
    parser.add_argument("--pairwise", action="store_true",
                        help="also rate by A/B comparison within each persona")  # fmt: skip
    parser.add_argument("--quality-only", action="store_true",
                        help="accuracy and cost per rating only (no cache timings)")  # fmt: skip
    parser.add_argument("--compare-template", default="original-v1",
                        help="also run logprobs with this template")  # fmt: skip
    parser.add_argument("--timing-personas", type=int, default=2,
                        help="personas used for the prefix-cache and overhead timings")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    cases = load_set(args.set, args.split)
    path = ensure_model(args.model)
    results: dict[str, Any] = {"model": args.model, "set": args.set, "split": args.split,
                               "pairs": pair_count(cases), "machine":
                               f"{platform.machine()}, {os.cpu_count()} cores"}  # fmt: skip
    if args.quality_only:
        server = start(path, args.model)
        try:
            names = args.strategies.split(",")
            results["strategies"] = quality(
                server, cases, names, args.model, profile=args.profile, embed=args.embed,
                react=args.react, pairwise=args.pairwise,
            )  # fmt: skip
        finally:
            server.stop()
        print(json.dumps(results))
        return
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

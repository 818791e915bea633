"""Synthetic fashion ratings for the benchmarks: the full catalogue, personas, LLM ratings.

``ensure_ratings(data_dir)`` makes sure the store under ``data_dir`` holds what the fashion
benchmarks train on, doing only what is missing (every step resumes):

1. the full Fashion Product Images catalogue, imported and MiniLM-embedded (skipped when the
   store already has items);
2. ``personas`` LLM-written shoppers balanced by gender (``personas generate`` resumes by id);
3. a shared candidate *pool* of ``pool`` items drawn once, seeded, stratified over gender ×
   master category among adult items (Men, Women, Unisex). Each persona rates ``per_persona``
   pool items compatible with its gender (its own or Unisex), drawn with a per-persona seed.
   Interactions concentrate on a shown subset, as in real logs, and the LLM's cost stays
   bounded (the default rater takes ~1.1 s a rating with ``yesno`` on two cores);
4. the ratings of those pairs not yet stored, in rounds of :data:`ROUND` items per persona
   (the store keys ratings by persona, item, template, model, strategy and request hash, so a
   killed run loses only the request in flight, a partial one is balanced over the personas,
   and a changed prompt rates afresh);
5. quantile calibration onto the uniform target (``ratings calibrate --target uniform``),
   redone whenever a rating lacks its calibrated value, since the two-tower trains on it
   (``calibrate=False`` skips it: bench_fashion calibrates its training side itself with
   :func:`calibrate_training_side`, so its test ratings cannot shape the training targets).

Run it alone to collect the ratings: ``python bench/fashion_data.py [DATA_DIR]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

if TYPE_CHECKING:
    from tastemaker.ratings.prompts import PersonaView
    from tastemaker.ratings.sources import ItemView
    from tastemaker.store import Store

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT.parent / "shared" / "data" / "fashion-product-images-small"
DATA_DIR = ROOT / ".tastemaker-bench" / "fashion"
#: Persona gender (personas/pools.toml) -> the catalogue genders it may be shown.
COMPATIBLE = {"woman": ("Women", "Unisex"), "man": ("Men", "Unisex")}
POOL_GENDERS = ("Men", "Women", "Unisex")
#: Items each persona rates per round (see :func:`in_rounds`).
ROUND = 20
#: The server label stored with (and hashed into) every bench rating.
SERVER = "embedded llama.cpp (xllamacpp)"

__all__ = [
    "CATALOG",
    "DATA_DIR",
    "FashionRatings",
    "calibrate_if_needed",
    "calibrate_training_side",
    "draw_pool",
    "ensure_ratings",
    "in_rounds",
    "plan_pairs",
]


@dataclass(frozen=True)
class FashionRatings:
    """What the store holds after :func:`ensure_ratings` (for the benchmark's counts)."""

    data_dir: Path
    strategy: str
    model: str
    personas: int
    ratings: int
    pool: list[str]
    rated_now: int
    seconds: float


def _tm(data_dir: Path, *args: str) -> None:
    """Run one ``tastemaker`` stage through its command line (the stages' public interface)."""
    command = [sys.executable, "-m", "tastemaker", "--data-dir", str(data_dir), *args]
    subprocess.run(command, check=True)


def draw_pool(items: list[tuple[str, str, str]], size: int, seed: int = 0) -> list[str]:
    """``size`` item ids from ``(id, gender, master_category)`` rows, stratified and seeded.

    Only adult genders (:data:`POOL_GENDERS`) enter. Each gender × master-category stratum
    gets its share of ``size`` by largest remainder, at least one item if it has any, so rare
    categories (e.g. Personal Care) are shown too. Items are sorted by id first, so the pool
    depends on the catalogue and the seed only, not on the store's row order.
    """
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item_id, gender, category in sorted(items):
        if gender in POOL_GENDERS:
            strata[(gender, category)].append(item_id)
    total = sum(len(v) for v in strata.values())
    if total == 0:
        return []
    size = min(size, total)
    exact = {key: size * len(ids) / total for key, ids in strata.items()}
    quota = {key: max(1, int(share)) for key, share in exact.items()}
    by_remainder = sorted(strata, key=lambda key: (-(exact[key] - int(exact[key])), key))
    for key in by_remainder:
        if sum(quota.values()) >= size:
            break
        if quota[key] < len(strata[key]):
            quota[key] += 1
    rng = random.Random(f"pool:{seed}")
    chosen: list[str] = []
    for key in sorted(strata):
        chosen.extend(rng.sample(strata[key], min(quota[key], len(strata[key]))))
    return sorted(chosen)


def plan_pairs(
    personas: list[tuple[str, str]],
    pool: list[tuple[str, str]],
    per_persona: int,
    seed: int = 0,
) -> list[tuple[str, str]]:
    """``(persona_id, item_id)`` pairs grouped by persona, each persona's in draw order.

    ``personas``: ``(id, gender)``; ``pool``: ``(item_id, item_gender)``. Each persona draws
    ``per_persona`` of the pool items compatible with its gender, seeded by its id, so adding
    personas later never changes the earlier ones' items.
    """
    pairs: list[tuple[str, str]] = []
    for persona_id, gender in sorted(personas):
        allowed = COMPATIBLE.get(gender, POOL_GENDERS)
        candidates = sorted(i for i, g in pool if g in allowed)
        take = min(per_persona, len(candidates))
        picked = random.Random(f"{seed}:{persona_id}").sample(candidates, take)
        pairs.extend((persona_id, item_id) for item_id in picked)
    return pairs


def in_rounds(pairs: list[tuple[str, str]], size: int = ROUND) -> list[tuple[str, str]]:
    """``pairs`` (each persona's in draw order) reordered into rounds: every persona's first
    ``size`` items, then every persona's next ``size``, and so on.

    A stopped or still running collection then holds every persona with about as many
    ratings, each a uniform draw from its pool, rather than some personas done and the rest
    absent; within a round a persona's items stay together, so its prompt prefix is reused.
    """
    rank: dict[str, int] = defaultdict(int)
    keyed = []
    for persona_id, item_id in pairs:
        keyed.append((rank[persona_id] // size, persona_id, rank[persona_id], item_id))
        rank[persona_id] += 1
    return [(persona_id, item_id) for _, persona_id, _, item_id in sorted(keyed)]


def ensure_ratings(
    data_dir: Path = DATA_DIR,
    *,
    personas: int = 48,
    per_persona: int = 60,
    pool: int = 400,
    strategy: str = "yesno",
    seed: int = 0,
    catalog: Path = CATALOG,
    log: Callable[[str], None] = print,
    calibrate: bool = True,
) -> FashionRatings:
    """Bring the store under ``data_dir`` up to the protocol above; returns what it holds.

    Idempotent: a second call with the same arguments rates nothing. The ratings use the
    default template and the embedded default LLM (one slot: on two cores a second slot makes
    every request slower). Raises ``subprocess.CalledProcessError`` when a stage fails.
    """
    from tastemaker.ratings.engine import plan_ratings
    from tastemaker.ratings.prompts import DEFAULT_TEMPLATE, load_template
    from tastemaker.ratings.records import RatingKey, stored_keys
    from tastemaker.ratings.sources import store_personas
    from tastemaker.ratings.strategies import make_strategy
    from tastemaker.store import open_store
    from tastemaker.store.items import count_items, iter_items

    data_dir.mkdir(parents=True, exist_ok=True)
    store_path = data_dir / "tastemaker.sqlite"
    with open_store(store_path) as store:
        have_items = count_items(store)
    if have_items == 0:
        log(f"importing and embedding the catalogue from {catalog}")
        _tm(data_dir, "catalog", "import", str(catalog))
        _tm(data_dir, "embed", "items")
    with open_store(store_path) as store:
        have_personas = len(store_personas(store))
    if have_personas < personas:
        log(f"generating personas: {have_personas} stored, {personas} wanted")
        _tm(data_dir, "personas", "generate", "--n", str(personas), "--balance", "gender")

    template = load_template(DEFAULT_TEMPLATE)
    with open_store(store_path) as store:
        catalogue = [(i.id, i.gender or "", i.master_category or "") for i in iter_items(store)]
        gender_of = {item_id: gender for item_id, gender, _ in catalogue}
        pool_ids = draw_pool(catalogue, pool, seed)
        people = store_personas(store)[:personas]
        pairs = plan_pairs(
            [(p.id, p.gender) for p in people],
            [(i, gender_of[i]) for i in pool_ids],
            per_persona,
            seed,
        )
        from tastemaker.llm.config import LLMConfig

        config = LLMConfig(concurrency=1)
        key = RatingKey(template.version, config.model, strategy)
        stored = stored_keys(store, key)
        _, planned = plan_ratings(
            _views(store, in_rounds(pairs)),
            strategy=make_strategy(strategy),
            template=template,
            fmt="model",
            key=key,
            server=SERVER,
            seed=seed,
        )
        missing = [(p.persona.id, p.item.id) for p in planned if p.key not in stored]
    log(
        f"pool {len(pool_ids)} items, {len(people)} personas x {per_persona}: "
        f"{len(pairs)} pairs, {len(missing)} to rate ({strategy})"
    )
    started = time.perf_counter()
    if missing:
        _rate(data_dir, missing, strategy, seed, log)
    seconds = time.perf_counter() - started
    frame = (
        calibrate_if_needed(data_dir, strategy, log) if calibrate else stored(data_dir, strategy)
    )
    wanted = set(pairs)
    keys = zip(frame["persona_id"], frame["item_id"], strict=True)
    ours = frame[[key in wanted for key in keys]]
    return FashionRatings(
        data_dir=data_dir,
        strategy=strategy,
        model=config.model,
        personas=int(ours["persona_id"].nunique()),
        ratings=int(ours["answer"].notna().sum()),
        pool=pool_ids,
        rated_now=len(missing),
        seconds=seconds,
    )


def stored(data_dir: Path, strategy: str = "yesno") -> pd.DataFrame:
    """The ``strategy`` ratings of the default LLM stored under ``data_dir``."""
    from tastemaker.llm.config import LLMConfig
    from tastemaker.ratings.records import load_ratings
    from tastemaker.store import open_store

    store_path = data_dir / "tastemaker.sqlite"
    with open_store(store_path) as store:
        frame = load_ratings(store, model=LLMConfig().model, strategy=strategy)
    if frame.empty or frame["answer"].notna().sum() == 0:
        raise RuntimeError(f"{store_path}: no usable {strategy} ratings are stored")
    return frame


def calibrate_training_side(
    ratings: pd.DataFrame, train: set[tuple[str, str]], target: npt.NDArray[np.float64]
) -> pd.Series[int]:
    """Calibrated answers for every row of ``ratings``, the map fitted on the rows whose
    (persona, item) is in ``train`` only and applied to all (test rows included): the test
    side cannot move a training target. Aligned with ``ratings.index``."""
    from tastemaker.ratings.calibrate import Calibrator

    pairs = zip(ratings["persona_id"], ratings["item_id"], strict=True)
    on_train = np.fromiter((pair in train for pair in pairs), dtype=np.bool_, count=len(ratings))
    return Calibrator.fit(ratings[on_train], target).apply(ratings)


def calibrate_if_needed(
    data_dir: Path, strategy: str = "yesno", log: Callable[[str], None] = print
) -> pd.DataFrame:
    """Calibrate onto the uniform target when a stored rating lacks its calibrated value.

    Calibration maps the whole group by quantile, so it is redone over every rating rather
    than for the new ones alone. Returns the ``strategy`` ratings as stored afterwards.
    """
    from tastemaker.llm.config import LLMConfig
    from tastemaker.ratings.records import load_ratings
    from tastemaker.store import open_store

    model = LLMConfig().model
    store_path = data_dir / "tastemaker.sqlite"
    with open_store(store_path) as store:
        frame = load_ratings(store, model=model, strategy=strategy)
    if frame.empty or frame["answer"].notna().sum() == 0:
        raise RuntimeError(f"{store_path}: no usable {strategy} ratings are stored")
    if frame.loc[frame["answer"].notna(), "calibrated"].isna().any():
        log("calibrating onto the uniform target")
        _tm(data_dir, "ratings", "calibrate", "--target", "uniform")
        with open_store(store_path) as store:
            frame = load_ratings(store, model=model, strategy=strategy)
    return frame


def _rate(
    data_dir: Path,
    pairs: list[tuple[str, str]],
    strategy: str,
    seed: int,
    log: Callable[[str], None],
) -> None:
    """Rate ``pairs`` into the store with the embedded default LLM, one request at a time."""
    from tastemaker.llm.config import LLMConfig
    from tastemaker.llm.connection import connect
    from tastemaker.ratings.engine import run_ratings
    from tastemaker.ratings.prompts import DEFAULT_TEMPLATE, load_template
    from tastemaker.ratings.records import RatingKey, RatingRecord, insert_rating
    from tastemaker.ratings.strategies import make_strategy
    from tastemaker.store import open_store
    from tastemaker.store.runs import finish_run, start_run

    config = LLMConfig(concurrency=1)
    template = load_template(DEFAULT_TEMPLATE)
    rater = make_strategy(strategy)
    key = RatingKey(template.version, config.model, rater.name)
    with open_store(data_dir / "tastemaker.sqlite") as store:
        todo = _views(store, pairs)
        run_id = start_run(store, "ratings.generate", {"key": key.__dict__, "seed": seed,
                                                       "bench": "fashion"})  # fmt: skip
        done = [0]
        started = time.perf_counter()

        def sink(record: RatingRecord) -> None:
            insert_rating(store, record, run_id)
            done[0] += 1
            if done[0] % 50 == 0 or done[0] == len(todo):
                rate = done[0] / (time.perf_counter() - started)
                log(f"rated {done[0]}/{len(todo)} ({rate:.2f}/s)")

        async def main() -> None:
            async with connect(config, cache_path=data_dir / "llm_cache.sqlite") as llm:
                summary = await run_ratings(
                    llm,
                    todo,
                    strategy=rater,
                    template=template,
                    fmt="model",
                    key=key,
                    server=SERVER,
                    seed=seed,
                    sink=sink,
                )
            finish_run(store, run_id, summary.__dict__)
            log(
                f"{summary.rated} rated, {summary.failed} failed in {summary.seconds:.0f} s "
                f"({summary.ratings_per_second:.2f}/s)"
            )

        try:
            asyncio.run(main())
        except BaseException:
            finish_run(store, run_id, {"rated": done[0]}, ok=False)
            raise


def _views(store: Store, pairs: list[tuple[str, str]]) -> list[tuple[PersonaView, ItemView]]:
    """The persona and item views of ``pairs`` of ids, as the rating prompts read them."""
    from tastemaker.catalog.text import item_text
    from tastemaker.ratings.sources import ItemView, store_personas
    from tastemaker.store.items import get_item

    personas = {p.id: p for p in store_personas(store)}
    items: dict[str, ItemView] = {}
    for _, item_id in pairs:
        if item_id not in items:
            item = get_item(store, item_id)
            if item is None:
                raise RuntimeError(f"item {item_id} vanished from the store")
            items[item_id] = ItemView(item.id, item_text(item))
    return [(personas[p], items[i]) for p, i in pairs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DATA_DIR)
    parser.add_argument("--personas", type=int, default=48)
    parser.add_argument("--per-persona", type=int, default=60)
    parser.add_argument("--pool", type=int, default=400)
    parser.add_argument("--strategy", default="yesno")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    result = ensure_ratings(
        args.data_dir,
        personas=args.personas,
        per_persona=args.per_persona,
        pool=args.pool,
        strategy=args.strategy,
        seed=args.seed,
    )
    print(
        f"{result.personas} personas, {result.ratings} ratings over a pool of "
        f"{len(result.pool)} items ({result.rated_now} rated now in {result.seconds:.0f} s)"
    )


if __name__ == "__main__":
    main()

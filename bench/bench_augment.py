"""Does augmenting sparse real users with their twins' ratings help recommend to them? (ML-100K)

Usage: python bench/bench_augment.py [DATA] [--test-users 36] [--val-users 12] [--candidates 10]
       [--ks 3,5,10] [--weights 0.3,1] [--seeds 0,1,2] [--strategy yesno]

Protocol (issue 14.6a; LLMRec-style augmentation, scored on real held-out interactions):

* Sparse users: ``test + val`` users with at least 40 ratings are drawn (seeded) and split
  evenly over K ∈ ``--ks``; each keeps only their K earliest ratings for training, the rest is
  held out. Their relevant items are the held-out ratings of 4 or 5 (the positives of the
  training side too: on the model's scale 4 → 7.75, at or above the threshold 7). Every other
  user keeps their whole history (the dense real data a shop already has).
* The training side goes into a store (``datasets movielens --into-store`` rules), each sparse
  user gets a twin that sees their K ratings only, and a cheap generator picks C candidates
  per user (half by content similarity of MiniLM title+genre vectors to the K ratings weighted
  by how much they were liked, half by popularity, none seen). The default offline LLM rates
  every (twin, candidate) pair with ``--strategy`` and template viewer-v1; the ratings are
  calibrated onto the training side's real rating distribution (``ratings calibrate --target
  real``) and join training as the twin's user's rows (:mod:`tastemaker.model.mix`).
* Models: the ML-100K two-tower configuration (one member per fit) trained on real data
  only, and on real + synthetic at each ``--weights`` value; ``--seeds`` fits of each. The
  synthetic weight is chosen on the *validation* sparse users (mean NDCG@10 over seeds); the
  test sparse users are scored once, for real-only and the chosen weight, with popularity and
  content similarity on the same users. A sparse user's K real ratings are excluded from
  their ranking, the candidates the twin rated are not (recommending what the twin liked is
  the point of augmenting).
* Controls, at the chosen weight: the same candidates with each twin's ratings shuffled over
  its own candidates, and with every candidate a like (:func:`add_controls`): a lift that
  they match comes from adding those items, not from what the LLM said about them.
* Figures: Recall@10 and NDCG@10 per K, the mean over users of each user's mean over seeds,
  and the relative lift of the chosen mix over real-only with a 95 % bootstrap interval over
  users (paired). The LLM work is cached (the store and the response cache under
  ``.tastemaker-bench/augment``), so a rerun with a warm cache only trains.

Target (issue 14.6): a relative Recall@10 lift of at least 5 % at K = 5 with an interval that
excludes 0. The script prints what it measures; its last line is the JSON result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from rich.console import Console

from tastemaker.datasets import load_movielens
from tastemaker.datasets.into_store import movielens_into_store
from tastemaker.datasets.schema import Interactions
from tastemaker.evaluate.metrics import ndcg_at_k, recall_at_k
from tastemaker.store import Store, open_store

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT = Path(os.environ.get("TASTEMAKER_SHARED_DATA") or SHARED) / "ml-100k"
ROOT = Path(__file__).resolve().parents[1] / ".tastemaker-bench" / "augment"
DATASET = "ml-100k"
TEMPLATE = "viewer-v1"
MIN_RATINGS = 40  # a sparse user's whole history, so that something is left to hold out
LIKED = 4.0  # a held-out rating this high is relevant
TOP = 10

console = Console(stderr=True)
Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Sparse:
    """One sparse user: which group, their K training ratings, their relevant held-out items."""

    user_id: str
    role: str  # "val" or "test"
    k: int
    train_items: tuple[str, ...]
    relevant: frozenset[str]


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--test-users", type=int, default=36)
    parser.add_argument("--val-users", type=int, default=12)
    parser.add_argument("--candidates", type=int, default=10)
    parser.add_argument("--ks", default="3,5,10")
    parser.add_argument("--weights", default="0.3,1")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--strategy", default="yesno")
    parser.add_argument("--steps", type=int, default=0, help="training steps (0: the default)")
    return parser.parse_args(argv)


def choose_sparse(
    ratings: pd.DataFrame, ks: list[int], n_test: int, n_val: int, seed: int = 0
) -> list[Sparse]:
    """Draw the sparse users and cut each history in time (see the module docstring)."""
    counts = ratings.groupby("user_id").size()
    eligible = np.sort(counts[counts >= MIN_RATINGS].index.to_numpy())
    rng = np.random.default_rng(seed)
    drawn = rng.choice(eligible, size=n_test + n_val, replace=False)
    chosen: list[Sparse] = []
    for n, user in enumerate(drawn):
        role = "test" if n < n_test else "val"
        k = ks[(n if role == "test" else n - n_test) % len(ks)]
        mine = ratings[ratings["user_id"] == user].sort_values(["timestamp", "item_id"])
        train, held = mine.iloc[:k], mine.iloc[k:]
        relevant = frozenset(str(i) for i in held.loc[held["rating"] >= LIKED, "item_id"])
        if relevant:
            chosen.append(Sparse(str(user), role, k, tuple(str(i) for i in train["item_id"]),
                                 relevant))  # fmt: skip
    return chosen


def training_side(data: Interactions, sparse: list[Sparse]) -> Interactions:
    """``data`` with each sparse user's ratings cut to their K training ratings."""
    ratings = data.ratings
    keep = pd.Series(True, index=ratings.index)
    for user in sparse:
        mine = ratings["user_id"].astype(str) == user.user_id
        keep &= ~mine | ratings["item_id"].astype(str).isin(user.train_items)
    return replace(data, ratings=ratings[keep].reset_index(drop=True))


def item_vectors(store: Store) -> tuple[list[str], Floats]:
    from tastemaker.catalog.text import item_text
    from tastemaker.embed import encode_cached, get_text_encoder
    from tastemaker.store.items import iter_items

    items = list(iter_items(store))
    vectors = encode_cached(store, get_text_encoder("minilm"), [item_text(i) for i in items])
    return [i.id for i in items], vectors


def candidates(
    sparse: list[Sparse],
    ratings: pd.DataFrame,
    ids: list[str],
    vectors: Floats,
    count: int,
) -> dict[str, list[str]]:
    """Per sparse user: ``count // 2`` items most similar to their taste (training ratings
    centred on 3 as weights over item vectors), then the most popular, none already rated."""
    position = {item: n for n, item in enumerate(ids)}
    popular = (
        ratings.groupby(ratings["item_id"].astype(str))
        .size()
        .sort_values(ascending=False, kind="stable")
    )
    chosen: dict[str, list[str]] = {}
    for user in sparse:
        mine = ratings[ratings["user_id"].astype(str) == user.user_id]
        weights = mine["rating"].to_numpy(dtype=np.float32) - 3.0
        taste = (weights[:, None] * vectors[[position[str(i)] for i in mine["item_id"]]]).sum(0)
        similar = np.argsort(-(vectors @ taste), kind="stable")
        seen = set(user.train_items)
        picks: list[str] = []
        for item in (ids[n] for n in similar):
            if len(picks) >= count // 2:
                break
            if item not in seen:
                picks.append(item)
        for item in popular.index:
            if len(picks) >= count:
                break
            if item not in seen and item not in picks:
                picks.append(str(item))
        chosen[user.user_id] = picks
    return chosen


def rate_twins(
    store: Store, sparse: list[Sparse], pool: dict[str, list[str]], strategy: str
) -> tuple[tuple[str, str, str], dict[str, object]]:
    """Twins of the sparse users rate their candidates (cached); calibrated onto the training
    side's real ratings. Returns the set (llm, template version, request set) and the cost."""
    from tastemaker.commands.common import state
    from tastemaker.commands.llm_options import DEFAULTS, llm_config
    from tastemaker.commands.ratings import _server_label, rate_pairs
    from tastemaker.personas.twins import build_twins, save_twins
    from tastemaker.ratings.calibrate import calibrate, target_from_ratings
    from tastemaker.ratings.prompts import load_template
    from tastemaker.ratings.records import (
        RatingKey,
        RatingRecord,
        insert_rating,
        load_ratings,
        save_calibrated,
        stored_keys,
    )
    from tastemaker.ratings.requests import RequestSpec
    from tastemaker.ratings.sources import store_items, store_personas
    from tastemaker.ratings.strategies import make_strategy
    from tastemaker.store.real import load_interactions, real_user_attributes

    state.data_dir = ROOT
    real = load_interactions(store, [DATASET])
    wanted = {u.user_id for u in sparse}
    twins, skipped = build_twins(
        DATASET, real[real["user_id"].astype(str).isin(wanted)],
        real_user_attributes(store, DATASET), k=max(u.k for u in sparse), min_history=1,
    )  # fmt: skip
    if skipped:
        raise SystemExit(f"twins skipped: {skipped}")
    save_twins(store, twins)
    persona_of = {t.user_id: t.persona.id for t in twins}
    config = llm_config(None, DEFAULTS["model"], DEFAULTS["api_key_env"], None, 120.0)
    rater = make_strategy(strategy)
    template = load_template(TEMPLATE)
    key = RatingKey(template.version, config.model, rater.name)
    spec = RequestSpec.of(rater, key=key, server=_server_label(config), fmt="model")
    views = {p.id: p for p in store_personas(store, twins=True)}
    items = {i.id: i for i in store_items(store)}
    pairs = [(views[persona_of[u]], items[i]) for u, picks in pool.items() for i in picks]
    started = time.perf_counter()

    def sink(record: RatingRecord) -> None:
        insert_rating(store, record, None)

    summary = rate_pairs(
        config, pairs, rater, template, "model", key, 0, False, sink, stored_keys(store, key)
    )
    seconds = time.perf_counter() - started
    frame = load_ratings(
        store, model=config.model, strategy=rater.name, template_version=template.version,
        request_set=spec.request_set,
    )  # fmt: skip
    frame = frame[frame["persona_id"].isin(set(persona_of.values()))]
    target = target_from_ratings(np.rint(real["rating"].to_numpy(dtype=float)))
    values, _ = calibrate(frame, target)
    save_calibrated(store, frame.assign(calibrated=values))
    failed = int(frame["answer"].isna().sum())
    cost = {"pairs": len(pairs), "rated_now": summary.rated + summary.failed, "failed": failed,
            "calls": summary.calls, "seconds": round(seconds, 1)}  # fmt: skip
    return (config.model, template.version, spec.request_set), cost


#: Controls: the same candidates in training without the LLM's judgement of them.
CONTROLS = ("shuffled", "all_liked")


def add_controls(store: Store, chosen_set: tuple[str, str, str], seed: int = 0) -> None:
    """Two synthetic sets beside the twins' (same personas, items, template and request set,
    LLM ``control:<name>``), so that a lift can be traced to what the LLM said:

    * ``shuffled`` — each twin's calibrated ratings permuted over its own candidates (the
      same labels per user, no longer tied to the item);
    * ``all_liked`` — every candidate rated 10 (the candidates alone, as positives).
    """
    llm, template_version, request_set = chosen_set
    rows = store.conn.execute(
        "SELECT persona_id, item_id, strategy, request_hash, calibrated FROM ratings "
        "WHERE model = ? AND template_version = ? AND request_set = ? "
        "AND calibrated IS NOT NULL ORDER BY persona_id, item_id",
        (llm, template_version, request_set),
    ).fetchall()
    frame = pd.DataFrame(rows, columns=["persona_id", "item_id", "strategy", "hash", "value"])
    rng = np.random.default_rng(seed)
    shuffled = frame.groupby("persona_id")["value"].transform(
        lambda v: rng.permutation(v.to_numpy())
    )
    values = {"shuffled": shuffled.to_numpy(), "all_liked": np.full(len(frame), 10)}
    with store.transaction() as conn:
        for name in CONTROLS:
            conn.executemany(
                "INSERT OR REPLACE INTO ratings (persona_id, item_id, template_version, model, "
                "strategy, request_hash, request_set, server, answer, calibrated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'control (no LLM)', ?, ?)",
                [
                    (r.persona_id, r.item_id, template_version, f"control:{name}", r.strategy,
                     r.hash, request_set, int(v), int(v))
                    for r, v in zip(frame.itertuples(), values[name], strict=True)
                ],
            )  # fmt: skip


def fit_and_score(
    store: Store,
    sparse: list[Sparse],
    *,
    weight: float | None,
    chosen_set: tuple[str, str, str],
    strategy: str,
    seed: int,
    steps: int,
) -> dict[str, tuple[float, float]]:
    """Train one model (real only when ``weight`` is None) and score each sparse user:
    user id → (Recall@10, NDCG@10)."""
    from tastemaker.model.batches import UserRows
    from tastemaker.model.config import DataConfig
    from tastemaker.model.data import from_store
    from tastemaker.model.recommender import BENCH_MODEL, BENCH_TRAIN
    from tastemaker.model.train import score_users, train

    fields = {"item_fields": ("year",), "user_fields": ("gender", "age", "occupation")}
    if weight is None:
        config = DataConfig(synthetic=False, real=(DATASET,), **fields)
    else:
        llm, template_version, request_set = chosen_set
        config = DataConfig(real=(DATASET,), llm=llm, strategy=strategy,
                            template_version=template_version, request_set=request_set,
                            weights={"synthetic": weight}, rating="calibrated",
                            **fields)  # fmt: skip
    data = from_store(store, config, None)
    training = BENCH_TRAIN.model_copy(update={"seed": seed})
    if steps:
        training = training.model_copy(update={"max_steps": steps, "eval_every": steps})
    model = train(data, BENCH_MODEL, training).model
    ids = list(data.user_features.ids)
    items = list(data.item_features.ids)
    users = np.array([ids.index(f"{DATASET}:{u.user_id}") for u in sparse], np.int64)
    logits = score_users(model, UserRows.of(data), users)
    position = {item: n for n, item in enumerate(items)}
    return _rank_scores(sparse, logits, position)


def _rank_scores(
    sparse: list[Sparse], logits: Floats, position: dict[str, int]
) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for row, user in zip(logits, sparse, strict=True):
        row = row.copy()
        row[[position[i] for i in user.train_items]] = -np.inf
        top = np.argsort(-row, kind="stable")[:TOP]
        relevant = {position[i] for i in user.relevant}
        hits = np.array([[int(t) in relevant for t in top]])
        n = np.array([len(relevant)])
        out[user.user_id] = (float(recall_at_k(hits, n, TOP)[0]), float(ndcg_at_k(hits, n, TOP)[0]))
    return out


def baselines(
    sparse: list[Sparse], ratings: pd.DataFrame, ids: list[str], vectors: Floats
) -> dict[str, dict[str, tuple[float, float]]]:
    """Popularity and content similarity (as in :func:`candidates`) on the same users."""
    position = {item: n for n, item in enumerate(ids)}
    counts = ratings.groupby(ratings["item_id"].astype(str)).size()
    popularity = np.zeros(len(ids), np.float32)
    for item, count in counts.items():
        popularity[position[str(item)]] = float(count)
    content = []
    for user in sparse:
        mine = ratings[ratings["user_id"].astype(str) == user.user_id]
        weights = mine["rating"].to_numpy(dtype=np.float32) - 3.0
        taste = (weights[:, None] * vectors[[position[str(i)] for i in mine["item_id"]]]).sum(0)
        content.append(vectors @ taste)
    return {
        "popularity": _rank_scores(sparse, np.tile(popularity, (len(sparse), 1)), position),
        "content": _rank_scores(sparse, np.stack(content).astype(np.float32), position),
    }


def _mean_over_seeds(runs: list[dict[str, tuple[float, float]]]) -> dict[str, Floats]:
    return {u: np.mean([r[u] for r in runs], axis=0).astype(np.float32) for u in runs[0]}


def lift(
    base: dict[str, Floats], mix: dict[str, Floats], users: list[str], metric: int, seed: int = 0
) -> dict[str, float]:
    """Relative lift of ``mix`` over ``base`` (means over ``users``) with a 95 % paired
    bootstrap interval over users (2,000 resamples)."""
    a = np.array([base[u][metric] for u in users])
    b = np.array([mix[u][metric] for u in users])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(users), size=(2000, len(users)))
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = b[draws].mean(1) / a[draws].mean(1) - 1.0
    boot = boot[np.isfinite(boot)]
    value = float(b.mean() / a.mean() - 1.0) if a.mean() > 0 else float("nan")
    low, high = np.percentile(boot, [2.5, 97.5]) if len(boot) else (np.nan, np.nan)
    return {"base": float(a.mean()), "mix": float(b.mean()), "lift": value,
            "low": float(low), "high": float(high)}  # fmt: skip


def main(argv: list[str]) -> int:
    args = _args(argv)
    if not args.data.exists():
        console.print(f"skipped: no MovieLens data at {args.data}")
        return 0
    ks = [int(k) for k in args.ks.split(",")]
    weights = [float(w) for w in args.weights.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    started = time.perf_counter()
    data = load_movielens(args.data)
    sparse = choose_sparse(data.ratings, ks, args.test_users, args.val_users)
    options = {"ks": ks, "test": args.test_users, "val": args.val_users,
               "candidates": args.candidates, "strategy": args.strategy}  # fmt: skip
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()[:10]
    folder = ROOT / digest
    folder.mkdir(parents=True, exist_ok=True)
    train_side = training_side(data, sparse)
    with open_store(folder / "store.sqlite") as store:
        movielens_into_store(store, train_side, DATASET)
        ids, vectors = item_vectors(store)
        ratings = train_side.ratings
        pool = candidates(sparse, ratings, ids, vectors, args.candidates)
        console.print(
            f"{len(sparse)} sparse users ({sum(u.role == 'test' for u in sparse)} test), "
            f"{sum(map(len, pool.values()))} twin ratings to collect"
        )
        chosen_set, cost = rate_twins(store, sparse, pool, args.strategy)
        console.print(f"twin ratings: {cost}")
        runs: dict[str, list[dict[str, tuple[float, float]]]] = {}
        fit_seconds = []
        for seed in seeds:
            for weight in [None, *weights]:
                name = "real" if weight is None else f"mix_{weight:g}"
                t0 = time.perf_counter()
                runs.setdefault(name, []).append(fit_and_score(
                    store, sparse, weight=weight, chosen_set=chosen_set,
                    strategy=args.strategy, seed=seed, steps=args.steps,
                ))  # fmt: skip
                fit_seconds.append(time.perf_counter() - t0)
                console.print(f"seed {seed} {name}: {fit_seconds[-1]:.0f} s")
        base_scores = baselines(sparse, ratings, ids, vectors)
        means = {name: _mean_over_seeds(r) for name, r in runs.items()}
        val = [u.user_id for u in sparse if u.role == "val"]
        val_ndcg = {n: float(np.mean([m[u][1] for u in val])) for n, m in means.items()}
        chosen = max((n for n in means if n != "real"), key=lambda n: val_ndcg[n])
        console.print(f"validation NDCG@10 (sparse val users): {val_ndcg} -> chosen {chosen}")
        add_controls(store, chosen_set)
        weight = float(chosen.removeprefix("mix_"))
        for name in CONTROLS:
            control_set = (f"control:{name}", *chosen_set[1:])
            fits = [
                fit_and_score(store, sparse, weight=weight, chosen_set=control_set,
                              strategy=args.strategy, seed=seed, steps=args.steps)
                for seed in seeds
            ]  # fmt: skip
            means[name] = _mean_over_seeds(fits)
    result: dict[str, object] = {"chosen": chosen, "validation_ndcg": val_ndcg, "per_k": {}}
    per_k = result["per_k"]
    assert isinstance(per_k, dict)
    for k in ks:
        users = [u.user_id for u in sparse if u.role == "test" and u.k == k]
        figures = {
            "users": len(users),
            "recall": lift(means["real"], means[chosen], users, 0),
            "ndcg": lift(means["real"], means[chosen], users, 1),
            **{
                f"over_{name}": {
                    "recall": lift(means[name], means[chosen], users, 0),
                    "ndcg": lift(means[name], means[chosen], users, 1),
                }
                for name in CONTROLS
            },
            **{
                name: {
                    "recall": float(np.mean([s[u][0] for u in users])),
                    "ndcg": float(np.mean([s[u][1] for u in users])),
                }
                for name, s in base_scores.items()
            },
        }
        per_k[k] = figures
        r, n = figures["recall"], figures["ndcg"]
        print(
            f"K={k:<3} users {len(users):3}  Recall@10 real {r['base']:.4f} {chosen} "
            f"{r['mix']:.4f} "
            f"lift {r['lift']:+.1%} [{r['low']:+.1%}, {r['high']:+.1%}]  NDCG@10 real "
            f"{n['base']:.4f} mix {n['mix']:.4f} lift {n['lift']:+.1%} "
            f"[{n['low']:+.1%}, {n['high']:+.1%}]  popularity {figures['popularity']['recall']:.4f}"
            f" content {figures['content']['recall']:.4f}"
        )
        for name in CONTROLS:
            c = figures[f"over_{name}"]["recall"]
            print(
                f"      control {name}: Recall@10 {c['base']:.4f}; {chosen} over it "
                f"{c['lift']:+.1%} [{c['low']:+.1%}, {c['high']:+.1%}]"
            )
    result |= {"llm": chosen_set[0], "template": chosen_set[1], "strategy": args.strategy,
               "cost": cost, "options": options, "seeds": seeds,
               "fit_seconds_mean": round(float(np.mean(fit_seconds)), 1),
               "seconds": round(time.perf_counter() - started, 1),
               "machine": f"{platform.machine()}, {os.cpu_count()} cores"}  # fmt: skip
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

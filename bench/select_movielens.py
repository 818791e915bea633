"""Choosing the ML-100K two-tower configuration on validation, then reading the test split once.

Usage:
    python bench/select_movielens.py [--data DIR] [--candidates A,B,...] [--seeds 42,1042]
    python bench/select_movielens.py --test --candidates NAME [--seeds 42,1042,2042]

The benchmark's split (``bench_movielens.py``: per-user stratified 75/25, seed 42) is made
first. Without ``--test`` only its training part is used: it is split again (stratified 80/20,
seed 7) into a fit part and a validation part, every candidate is fitted on the fit part and
ranked on the validation part for each seed, and the candidate with the best mean validation
Recall@10 is named. ``--test`` fits ONE named candidate on the whole training part and scores
the benchmark's test part: run it once, after the choice, and publish what it prints.

Prints one line per (candidate, seed) and a mean/spread line per candidate; the LAST line is
one JSON object ``{split, candidates: {name: {recall_at_10: [..], ndcg_at_10: [..], mean_*,
train_seconds}}, chosen}``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tastemaker.datasets import load_movielens
from tastemaker.evaluate import Dataset, evaluate_full_ranking, stratified_split
from tastemaker.model.config import ModelConfig, TrainConfig
from tastemaker.model.recommender import (
    BENCH_MEMBERS,
    BENCH_MODEL,
    BENCH_TRAIN,
    TwoTowerRecommender,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT = Path(os.environ.get("TASTEMAKER_SHARED_DATA") or SHARED) / "ml-100k"
SEED, RATIO, K = 42, 0.75, 10  # the benchmark's split
VAL_SEED, VAL_RATIO = 7, 0.8  # the validation split carved out of its training part


@dataclass(frozen=True)
class Candidate:
    model: ModelConfig
    train: TrainConfig
    members: int
    note: str


#: The configuration in use before this selection (BENCH_TRAIN then held out 25 %).
BASE = BENCH_TRAIN.model_copy(update={"target_fraction": 0.25})


def _with(note: str, members: int = BENCH_MEMBERS, **train: object) -> Candidate:
    return Candidate(BENCH_MODEL, BASE.model_copy(update=train), members, note)


#: A small set: the configuration in use, the one before it, and settings the config supports
#: (each a change of ``current``). ``targets_40`` won and is BENCH_TRAIN now.
CANDIDATES = {
    "current": _with("history targets + per-target softmax, 2 members (in use before)"),
    "previous": _with(
        "held-out quarter as targets, one shared softmax, 2 members (the defaults before)",
        history_targets=False,
        per_target_softmax=False,
    ),
    "single": _with("current, one model instead of two", members=1),
    "early_stop": _with(
        "current with early stopping on the in-loop slice (every 150 steps, patience 4)",
        eval_every=150,
        patience=4,
    ),
    "targets_40": _with(
        "current with 40 % of the positives held out of the history", target_fraction=0.4
    ),
    "tau_0.2": _with("current at temperature 0.2", temperature=0.2),
}


def main() -> None:
    parser = argparse.ArgumentParser(description="ML-100K configuration selection (see above).")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("DATA") or DEFAULT))
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--seeds", default="42,1042")
    parser.add_argument("--test", action="store_true", help="Score the TEST split (once).")
    args = parser.parse_args()
    names = [n.strip() for n in args.candidates.split(",") if n.strip()]
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        sys.exit(
            f"select_movielens: unknown candidate(s) {unknown}; choose from {list(CANDIDATES)}"
        )
    if args.test and len(names) != 1:
        sys.exit("select_movielens: --test reads the test split once, for ONE chosen candidate")
    seeds = [int(s) for s in args.seeds.split(",")]

    dataset = Dataset.from_interactions(load_movielens(args.data))
    split = stratified_split(dataset.ratings, RATIO, SEED)
    if args.test:
        fit, held, label = dataset.with_ratings(split.train), split.test, "TEST"
    else:
        ratings = split.train.reset_index(drop=True)
        inner = stratified_split(ratings, VAL_RATIO, VAL_SEED)
        fit, held, label = dataset.with_ratings(inner.train), inner.test, "validation"
    print(f"{label}: fit on {len(fit.ratings)} ratings, score {len(held)} held-out ratings of "
          f"{held['user'].nunique()} users; seeds {seeds}; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip

    report: dict[str, dict[str, object]] = {}
    for name in names:
        candidate = CANDIDATES[name]
        recall, ndcg, seconds = [], [], []
        for seed in seeds:
            model = TwoTowerRecommender(
                seed=seed, model=candidate.model, config=candidate.train, members=candidate.members
            )
            started = time.perf_counter()
            model.fit(fit)
            seconds.append(time.perf_counter() - started)
            result = evaluate_full_ranking(model, fit, held, k=K)
            recall.append(result[f"recall_at_{K}"])
            ndcg.append(result[f"ndcg_at_{K}"])
            print(f"  {name:11s} seed {seed:5d}: Recall@10 {recall[-1]:.4f} NDCG@10 "
                  f"{ndcg[-1]:.4f} ({seconds[-1]:.0f} s)", flush=True)  # fmt: skip
        report[name] = {
            "note": candidate.note,
            "recall_at_10": recall,
            "ndcg_at_10": ndcg,
            "mean_recall_at_10": float(np.mean(recall)),
            "mean_ndcg_at_10": float(np.mean(ndcg)),
            "train_seconds": seconds,
        }
        print(f"{name:11s} mean Recall@10 {np.mean(recall):.4f} [{min(recall):.4f}-"
              f"{max(recall):.4f}] NDCG@10 {np.mean(ndcg):.4f} [{min(ndcg):.4f}-{max(ndcg):.4f}]"
              f"  {candidate.note}", flush=True)  # fmt: skip
    chosen = max(report, key=lambda n: float(report[n]["mean_recall_at_10"]))  # type: ignore[arg-type]
    if not args.test:
        print(f"chosen on validation Recall@10: {chosen}")
    print(json.dumps({"split": label, "seeds": seeds, "candidates": report, "chosen": chosen}))


if __name__ == "__main__":
    main()

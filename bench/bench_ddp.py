"""Data-parallel training (``train.nproc = 2``, DDP on gloo) against one process on ML-100K.

Protocol: bench_movielens's (stratified 75/25 split, seed 42, full ranking with each user's
training items excluded, k = 10) with the ML-100K configuration of
:mod:`tastemaker.model.recommender`, one member per fit (the published figure averages two) so
that each fit is one training run. Each seed trains once with ``nproc`` 1 and once with 2; both
runs take the same steps over the same ``batch_users`` (the two processes split each step's
users and average their gradients), but the replicas sample their shares with generators of
their own, so the two runs differ as two seeds do.

Target (issue 16): two processes reach the one-process Recall@10 within noise. Printed: each
seed's figures and training seconds, the mean and spread per nproc, and the mean paired
difference (2 - 1) over the seeds with its 95 % t interval; "within noise" is an interval that
holds 0. Times are ratios within this run (the two cores are shared).

Usage: python bench/bench_ddp.py [DATA] [--seeds 42,1042,2042]   (DATA: an ML-100K folder;
default as bench_movielens). Without the data it prints why it skipped and exits 0. Last
line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np
from scipy import stats

from tastemaker.datasets import load_movielens
from tastemaker.errors import TastemakerError
from tastemaker.evaluate import Dataset, evaluate_models
from tastemaker.evaluate.splits import stratified_split
from tastemaker.model.recommender import BENCH_TRAIN, TwoTowerRecommender

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT = Path(os.environ.get("TASTEMAKER_SHARED_DATA") or SHARED) / "ml-100k"
SPLIT_SEED, RATIO, K = 42, 0.75, 10
METRICS = (f"recall_at_{K}", f"ndcg_at_{K}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "data", nargs="?", type=Path, default=Path(os.environ.get("DATA") or DEFAULT)
    )
    parser.add_argument("--seeds", default="42,1042,2042")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"bench_ddp: skipped, no ML-100K at {args.data}")
        return 0
    try:
        interactions = load_movielens(args.data)
    except TastemakerError as exc:
        sys.exit(f"bench_ddp: {exc}")
    dataset = Dataset.from_interactions(interactions, name="MovieLens")
    split = stratified_split(dataset.ratings, RATIO, SPLIT_SEED)
    seeds = [int(s) for s in args.seeds.split(",")]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"{split.describe()}; seeds {seeds}; one member per fit",
        flush=True,
    )
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    for seed in seeds:
        for nproc in (1, 2):
            model = TwoTowerRecommender(
                seed=seed, config=BENCH_TRAIN.model_copy(update={"nproc": nproc}), members=1
            )
            report = evaluate_models(dataset, split, [model], k=K, sampled=False, seed=seed)
            (result,) = report.results
            row = {m: float(result.full[m]) for m in METRICS} | {"seconds": result.train_seconds}
            runs[nproc].append(row)
            print(
                f"seed {seed} nproc {nproc}: recall@{K} {row[METRICS[0]]:.4f}, "
                f"ndcg@{K} {row[METRICS[1]]:.4f}, fit {row['seconds']:.1f} s",
                flush=True,
            )
    summary: dict[str, object] = {"seeds": seeds}
    for metric in (*METRICS, "seconds"):
        one = np.array([r[metric] for r in runs[1]])
        two = np.array([r[metric] for r in runs[2]])
        diff = two - one
        half = (
            float(stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff)))
            if len(diff) > 1
            else float("nan")
        )
        mean = float(diff.mean())
        summary[metric] = {
            "nproc_1": [float(one.mean()), float(one.std(ddof=1)) if len(one) > 1 else 0.0],
            "nproc_2": [float(two.mean()), float(two.std(ddof=1)) if len(two) > 1 else 0.0],
            "difference": [mean, mean - half, mean + half],
        }
        print(
            f"{metric}: nproc 1 {one.mean():.4f} ± {one.std(ddof=1):.4f}, nproc 2 "
            f"{two.mean():.4f} ± {two.std(ddof=1):.4f} (mean ± sd over seeds); 2 - 1 = "
            f"{mean:+.4f} [{mean - half:+.4f}, {mean + half:+.4f}] (95 % t)"
        )
    recall = summary[METRICS[0]]
    assert isinstance(recall, dict)
    low, high = recall["difference"][1:]
    verdict = "within noise" if low <= 0.0 <= high else "NOT within noise"
    ratio = float(
        np.mean([r["seconds"] for r in runs[2]]) / np.mean([r["seconds"] for r in runs[1]])
    )
    print(f"two processes against one: Recall@{K} {verdict}; fit time ratio {ratio:.2f}")
    summary["time_ratio"] = ratio
    sys.stdout.flush()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

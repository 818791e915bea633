"""MovieLens benchmark: two-tower vs. popularity, item-kNN, ALS and BPR on one split.

Usage: python bench/bench_movielens.py [DATA]  (DATA: a MovieLens directory in either layout,
ML-100K or ml-latest; default: $DATA, else ml-100k under $TASTEMAKER_SHARED_DATA, else under
the shared data folder beside the repo)

Protocol (Microsoft Recommenders' MovieLens benchmark): per-user stratified split 75/25 with
seed 42, every test rating relevant, full ranking over the whole catalogue with each user's
training items excluded, k = 10. Prints the full-ranking table, then the sampled-100-candidates
table (labelled; not comparable), and as its LAST line one JSON object:
{model: {recall_at_10, ndcg_at_10, precision_at_10, map_at_10, train_seconds}}.
MAP divides by the number of relevant items, as in their published table.

Targets on ML-100K for the two-tower model: Recall@10 >= 0.23 and NDCG@10 >= 0.49 (published
on this protocol: BiVAE 0.219 / 0.475, BPR 0.213 / 0.442, LightGCN 0.144 / 0.420). Its
configuration is chosen on a validation split of the training part by
``bench/select_movielens.py``, which also read this test split once with it: Recall@10 0.2297
/ NDCG@10 0.5015 on seed 42 (the seed here), 0.2308 / 0.5023 over seeds 42, 1042 and 2042
(see :mod:`tastemaker.model.recommender`). Tune nothing on what this script prints.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

from rich.console import Console

from tastemaker.datasets import load_movielens
from tastemaker.errors import TastemakerError
from tastemaker.evaluate import Dataset, build_models, evaluate_models, print_report
from tastemaker.evaluate.splits import stratified_split

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT = Path(os.environ.get("TASTEMAKER_SHARED_DATA") or SHARED) / "ml-100k"
MODELS = ("two_tower", "popularity", "item_knn", "als", "bpr")
SEED, RATIO, K = 42, 0.75, 10
TARGETS = {"recall_at_10": 0.23, "ndcg_at_10": 0.49}


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.environ.get("DATA") or DEFAULT)
    console = Console(width=132, highlight=False)  # wide enough for the table when piped
    started = time.perf_counter()
    try:
        interactions = load_movielens(data)
    except TastemakerError as exc:
        sys.exit(f"bench_movielens: {exc}")
    dataset = Dataset.from_interactions(interactions, name=f"MovieLens ({interactions.layout})")
    split = stratified_split(dataset.ratings, RATIO, SEED)
    load_s = time.perf_counter() - started
    console.print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"data {data}: {len(dataset.ratings)} ratings, {dataset.n_users} users, "
        f"{dataset.n_items} items, {len(interactions.problems)} bad rows; "
        f"{split.describe()} (load + split {load_s:.1f} s)",
        soft_wrap=True,
    )
    models, notes = build_models(MODELS, seed=SEED)
    for note in notes:  # e.g. two_tower until tastemaker.model provides it
        console.print(note)
    report = evaluate_models(dataset, split, models, k=K, seed=SEED, progress=console.print)
    print_report(report, console)
    headline = report.headline()
    if "two_tower" in headline and interactions.layout == "ml-100k":
        met = {m: headline["two_tower"][m] >= t for m, t in TARGETS.items()}
        console.print(f"two_tower targets {TARGETS}: {'met' if all(met.values()) else 'NOT met'}")
    sys.stdout.flush()
    print(json.dumps(headline))


if __name__ == "__main__":
    main()

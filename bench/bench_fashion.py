"""Fashion benchmark: the two-tower against popularity and content-kNN on synthetic ratings,
and fold-in of a held-out shopper against the same shopper trained in.

Usage: python bench/bench_fashion.py [DATA_DIR] [--no-collect] [--validate] [two-tower options]

Data: :func:`fashion_data.ensure_ratings` (LLM personas rating items of a shared pool drawn
from the full 44k catalogue). ``--no-collect`` uses what the store already holds (e.g. while
the collection still runs).

Protocol (printed with the figures):

* per-persona stratified 75/25 split of the ratings (seed 42); the ratings are then
  calibrated onto the uniform target by a quantile map fitted on the training side alone and
  applied unchanged to the test side (:func:`calibrate_on_training_side`), so held-out
  ratings cannot shape the training targets (with ``--validate``: fitted on the validation
  training part); test positives are held-out calibrated ratings ≥ 7; full ranking over every
  catalogue item, each persona's training items excluded; k = 10;
* two_tower: the store's model (MiniLM text from the embedding cache, categorical fields and
  a per-item embedding; persona text and attributes; history attention with dislikes weighing
  −1), full softmax over the catalogue, 300 steps, trained on the training part;
* popularity and item_knn_content (cosine of the same MiniLM item vectors, 100 neighbours),
  each fitted on the training positives (``*_all``: on every training rating, shown too, so
  the baselines are judged by their better input, not one picked for them);
* fold-in: 16 held-out personas (8 per gender, seeded) with 5 liked training-side items each,
  in ``--groups`` disjoint groups (3 by default; the figures are pooled over all of them).
  Model A is trained without them and folds each in from the 5 liked items through the
  exported model (``fold_in_user``); model B is trained with them, their history being those
  5 items. Both rank for the rest of their positives; same seed, same settings. Model B also
  knows their attributes and persona text, which a fold-in from liked items lacks, so two more
  rows make the comparison like for like: A folded in with those attributes and text too
  (``fold_in_profile``), and B' trained with the held-out personas' attributes and text
  blanked (``trained_in_items_only``: the user tower then reads what a liked-items fold-in
  gives it).

``--validate`` runs the same protocol on the training part alone (stratified 80/20, seed 7):
that, never the test set, is where the two-tower settings were chosen. On all 2,220 ratings
(31 validation personas) validation Recall@10 was 0.197 with per-item embeddings (300
steps), 0.167 without, 0.172 without and 900 steps: hence the defaults, full softmax, 300
steps, item ids. (An earlier snapshot of ~900 ratings, 57 validation positives, had ranked
no-ids first, 0.052 vs 0.038: at that size the figures are noise.) In-batch negatives scored
0.000 there: they never push down the 44k items nobody rated, whose random id embeddings
then fill the top 10, while the full softmax does, at ~0.3-0.5 s a step over 44k items.
On 4,800 ratings by 80 personas (263 validation positives), making every positive a target,
each against the unrated items only (``--history-targets --per-target-softmax``, the options
ML-100K validated), raised validation Recall@10 from 0.1351 to 0.1570 (NDCG@10 0.1055 ->
0.1228; popularity 0.0760): hence they are on by default. With 16 held-out personas (278
validation positives), hiding each persona's attributes and text in a share of the steps
(``--profile-dropout``) lifted the fold-in from 5 liked items alone (Recall@10 0.0572 at 0,
0.0676 at 0.3, 0.0722 at 0.5; fold-in ratio 0.612 / 0.735 / 0.746) with the main model
unchanged at 0.5 (0.1570 / 0.1548 / 0.1608): hence 0.5. Pooled over 3 groups (48 held-out
personas, 835 validation positives), cutting those hidden-profile users' histories to 5 liked
items in training (``--cold-start-items 5``, the input a fold-in from 5 liked items gives the
tower), with the history embeddings of items no training history held zeroed, gave fold-in
Recall@10 0.0636 against trained-in 0.0911 (ratio 0.699; NDCG@10 ratio 0.981), where 0 gave
0.0642 / 0.0939 (0.683; NDCG@10 ratio 0.733, before the zeroing). Recall is a wash; the
folded-in shopper's ranking (NDCG) caught up with the trained-in one: hence 5, at a cost to
the main model (validation Recall@10 0.1440 with it, 0.1570 without; one run each). The
groups differ far more than the settings: the third group's ratio was 0.30-0.51 whatever
the setting or training seed, the first group's 0.94-0.98. (All figures above were measured
with the calibration fitted on every rating, test side included; not re-measured since.)
Prints the tables and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fashion_data import DATA_DIR, calibrate_training_side, ensure_ratings

from tastemaker.evaluate import (
    Dataset,
    EvaluationReport,
    ItemKNN,
    Popularity,
    Recommender,
    evaluate_models,
    stratified_split,
)
from tastemaker.evaluate.personas import OnPositives, positive_test
from tastemaker.evaluate.splits import Split
from tastemaker.model.config import DataConfig, ModelConfig, TrainConfig
from tastemaker.model.data import TrainingData, from_store
from tastemaker.model.export import export_model, load_model
from tastemaker.model.features import FeatureTable
from tastemaker.model.foldin import fold_in_user
from tastemaker.model.pipeline import cached_text
from tastemaker.model.recommender import StoreTwoTowerRecommender, store_dataset
from tastemaker.model.train import train
from tastemaker.ratings.calibrate import load_target
from tastemaker.ratings.records import load_ratings, save_calibrated
from tastemaker.store import Store, open_store

M = TypeVar("M", bound=Recommender)
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float32]
POSITIVE = 7.0  # DataConfig.positive_min_rating: calibrated ratings at or above are likes
HELD_OUT = 16  # 8 left about 200 test positives: the ratio moved 0.3-0.8 with the settings
SEED_ITEMS = 5


class FoldedIn(StoreTwoTowerRecommender):
    """Model A: trained without ``held_out`` users, who are then folded in, no retraining.

    ``fit`` trains on the other users' rows only and exports the model; ``score`` runs
    :func:`fold_in_user` on the loaded export with each held-out user's liked training items
    (and, with ``profile``, their attributes and encoded persona text), as the service does
    for a new shopper.
    """

    def __init__(
        self,
        data: TrainingData,
        model: ModelConfig,
        config: TrainConfig,
        held_out: Ints,
        out_dir: Path,
        profile: bool = False,
        trained: FoldedIn | None = None,
    ) -> None:
        super().__init__(data, model, config)
        self.held_out, self.out_dir, self.profile = held_out, out_dir, profile
        self.name = "fold_in_profile" if profile else "fold_in"
        self.liked: dict[int, list[str]] = {}
        self.export: Path | None = None
        self.trained = trained
        if trained is not None:
            self.description = f"the {trained.name} model (trained once), other inputs"

    def fit(self, train_set: Dataset) -> None:
        if self.trained is not None:  # the same model A, folded in with other inputs
            self.export, self.liked = self.trained.export, self.trained.liked
            return
        ratings = train_set.ratings
        others = ratings[~ratings["user"].isin(self.held_out)]
        chosen = self.rows_of(train_set.with_ratings(others))
        self.result = train(chosen, self.model_config, self.train_config)
        self.export = export_model(self.result.model, self.out_dir, version=self.name)
        likes = ratings[ratings["user"].isin(self.held_out) & (ratings["rating"] >= POSITIVE)]
        ids = self.data.item_features.ids
        self.liked = {
            int(user): [ids[i] for i in likes["item"][likes["user"] == user]]
            for user in np.unique(likes["user"].to_numpy())
        }

    def score(self, users: Ints) -> Floats:
        if self.export is None:
            raise RuntimeError("fit first")
        serving = load_model(self.export)
        features = self.data.user_features
        vectors = []
        for user in np.asarray(users, np.int64):
            liked = self.liked.get(int(user), [])
            if not self.profile:
                vectors.append(fold_in_user(serving, liked=liked))
                continue
            text = None if features.text is None else features.text[user]
            vectors.append(
                fold_in_user(
                    serving,
                    liked=liked,
                    attributes=attributes(features, int(user)),
                    text_vector=text,
                )
            )
        return serving.scores(np.stack(vectors).astype(np.float32))


def without_profiles(data: TrainingData, users: Ints) -> TrainingData:
    """``data`` with ``users``' attributes and persona text blanked: no tokens and a zero text
    vector, which is what the user tower reads for a shopper folded in from liked items alone."""
    features = data.user_features
    tokens = features.tokens.copy()
    tokens[users] = 0
    text = None
    if features.text is not None:
        text = features.text.copy()
        text[users] = 0.0
    blank = dataclasses.replace(features, tokens=tokens, text=text)
    return dataclasses.replace(data, user_features=blank)


def attributes(features: FeatureTable, row: int) -> dict[str, object]:
    """A user's categorical fields back from their tokens (``field=value``, one per field)."""
    vocab = features.vocab.tokens
    pairs = (vocab[t - 1].split("=", 1) for t in features.tokens[row] if t > 0)
    return {field: value for field, value in pairs}


class SameGraph(ItemKNN):
    """Content kNN fitted on other ratings, reusing ``fitted``'s neighbour graph: the graph
    depends on the item vectors alone, and over 44k items it takes minutes to build."""

    def __init__(self, fitted: ItemKNN) -> None:
        super().__init__(fitted.item_vectors, fitted.neighbours)
        self.fitted = fitted
        self.description += " (graph built once, by item_knn_content)"

    def _content_graph(self, vectors: npt.NDArray[np.float32]) -> sp.csr_matrix:
        graph = self.fitted._similar
        n_items = vectors.shape[0]
        if graph.shape != (n_items, n_items):
            raise RuntimeError("fit the source item_knn_content first")
        return graph


def named(model: M, name: str) -> M:
    """``model`` listed under another name (a variant beside the default one)."""
    model.name = name  # type: ignore[misc]
    return model


def positives(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["rating"] >= POSITIVE]


def fold_in_splits(
    ratings: pd.DataFrame, split: Split, features: FeatureTable, seed: int, groups: int
) -> list[tuple[Split, Ints]]:
    """Up to ``groups`` disjoint sets of held-out users, and the split each pair of fold-in
    models is measured on (see module doc).

    Eligible users have ≥ ``SEED_ITEMS`` training-side positives and another positive; each
    group draws an equal number from each gender (the ``gender=…`` token of their features).
    There are fewer groups when too few users are eligible."""
    rng = np.random.default_rng(seed)
    train_pos = positives(split.train)["user"].value_counts()
    all_pos = positives(ratings)["user"].value_counts()
    by_gender: dict[str, list[int]] = {}
    for user, count in train_pos.items():
        if count >= SEED_ITEMS and all_pos.get(user, 0) > SEED_ITEMS:
            gender = str(attributes(features, int(str(user))).get("gender", ""))
            by_gender.setdefault(gender, []).append(int(str(user)))
    share = HELD_OUT // max(1, len(by_gender))
    drawn = {g: rng.permutation(sorted(by_gender[g])) for g in sorted(by_gender)}
    groups = min(groups, min((len(u) // share for u in drawn.values()), default=0))
    out = []
    for group in range(groups):
        chosen = [u for g in drawn for u in drawn[g][group * share : (group + 1) * share]]
        out.append(_held_out_split(ratings, split, np.sort(np.asarray(chosen, np.int64)), rng))
    return out


def _held_out_split(
    ratings: pd.DataFrame, split: Split, held: Ints, rng: np.random.Generator
) -> tuple[Split, Ints]:
    """Model B's training part (the others' training rows plus ``SEED_ITEMS`` liked training
    items per held-out user) and the test: the held-out users' other positives."""
    seed_rows = []
    liked = positives(split.train)
    for user in held:
        mine = liked[liked["user"] == user]
        seed_rows.append(mine.iloc[rng.choice(len(mine), SEED_ITEMS, replace=False)])
    seeds = pd.concat(seed_rows)
    is_held = split.train["user"].isin(held)
    train_b = pd.concat([split.train[~is_held], seeds])
    rest = ratings[ratings["user"].isin(held)]
    key = rest["user"] * 1_000_000 + rest["item"]
    rest = rest[~key.isin(seeds["user"] * 1_000_000 + seeds["item"])]
    return Split(train_b, positives(rest), "fold_in", {"held_out": len(held)}), held


def bench_split(ratings: pd.DataFrame, seed: int, validate: bool) -> tuple[pd.DataFrame, Split]:
    """The ratings the protocol uses and its split: 75/25 (``seed``), or with ``validate`` the
    training part alone split 80/20 (seed 7). The split depends on the (user, item) rows
    only, never on the rating values."""
    split = stratified_split(ratings, 0.75, seed)
    if validate:
        ratings = split.train.reset_index(drop=True)
        split = stratified_split(ratings, 0.8, 7)
    return ratings, split


def training_pairs(data: TrainingData, split: Split) -> set[tuple[str, str]]:
    """The (persona id, item id) pairs of ``split.train``."""
    users, items = data.user_features.ids, data.item_features.ids
    rows = zip(split.train["user"], split.train["item"], strict=True)
    return {(users[int(u)], items[int(i)]) for u, i in rows}


def calibrate_on_training_side(
    store: Store, config: DataConfig, seed: int, validate: bool
) -> set[tuple[str, str]]:
    """Store calibrated ratings whose map is fitted on the training side of the protocol's
    split only (uniform target); returns the training pairs it was fitted on."""
    raw = from_store(store, config.model_copy(update={"rating": "answer"}), None)
    _, split = bench_split(store_dataset(raw).ratings, seed, validate)
    train_pairs = training_pairs(raw, split)
    frame = load_ratings(store, model=config.llm, strategy=config.strategy)
    frame = frame[frame["answer"].notna()]
    calibrated = calibrate_training_side(frame, train_pairs, load_target("uniform"))
    save_calibrated(store, frame.assign(calibrated=calibrated))
    return train_pairs


def print_table(title: str, report: EvaluationReport) -> None:
    print(f"\n{title}: {report.split}")
    print(f"{'model':<24} {'recall@10':>9} {'ndcg@10':>8} {'prec@10':>8} {'map@10':>8} "
          f"{'cover@10':>8} {'users':>5} {'fit s':>7}  description")  # fmt: skip
    for r in report.results:
        f = r.full
        print(f"{r.name:<24} {f['recall_at_10']:9.4f} {f['ndcg_at_10']:8.4f} "
              f"{f['precision_at_10']:8.4f} {f['map_at_10']:8.4f} {f['coverage_at_10']:8.4f} "
              f"{int(f['users']):5d} {r.train_seconds:7.1f}  {r.description}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description="Fashion benchmark (see the module docstring).")
    parser.add_argument("data_dir", nargs="?", type=Path, default=DATA_DIR)
    parser.add_argument("--no-collect", action="store_true", help="Use the stored ratings.")
    parser.add_argument("--validate", action="store_true", help="Train part only, 80/20 split.")
    parser.add_argument("--personas", type=int, default=48)
    parser.add_argument("--per-persona", type=int, default=60)
    parser.add_argument("--pool", type=int, default=400)
    parser.add_argument("--strategy", default="yesno")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--negatives", choices=("full", "in_batch"), default="full")
    parser.add_argument("--temperature", type=float, default=0.25)
    parser.add_argument("--max-steps", type=int, default=300)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--models", default="", help="Comma-separated subset (default all).")
    parser.add_argument("--no-fold-in", action="store_true", help="Skip the fold-in check.")
    parser.add_argument(
        "--groups", type=int, default=3, help="Disjoint groups of held-out personas (fold-in)."
    )
    parser.add_argument("--no-item-ids", action="store_true", help="No per-item embeddings.")
    # Both on by default: chosen on the validation split (see the module docstring).
    parser.add_argument(
        "--history-targets",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Every positive a target (train.history_targets).",
    )
    parser.add_argument("--profile-dropout", type=float, default=0.5, help="train.profile_dropout.")
    parser.add_argument("--cold-start-items", type=int, default=5, help="train.cold_start_items.")
    parser.add_argument(
        "--per-target-softmax",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Each target against unrated items only (train.per_target_softmax).",
    )
    args = parser.parse_args()

    collected = None
    if not args.no_collect:
        collected = ensure_ratings(
            args.data_dir,
            personas=args.personas,
            per_persona=args.per_persona,
            pool=args.pool,
            strategy=args.strategy,
            calibrate=False,  # calibrated below, on the training side only
        )
    started = time.perf_counter()
    data_config = DataConfig(strategy=args.strategy)
    with open_store(args.data_dir / "tastemaker.sqlite") as store:
        fitted_on = calibrate_on_training_side(store, data_config, args.seed, args.validate)
        data = from_store(store, data_config, cached_text("minilm", store))
    load_s = time.perf_counter() - started
    dataset = store_dataset(data)
    ratings, split = bench_split(dataset.ratings, args.seed, args.validate)
    if args.validate:
        dataset = dataset.with_ratings(ratings)
    if training_pairs(data, split) != fitted_on:
        raise SystemExit("bench_fashion: the split moved between the raw and calibrated loads")
    test = positive_test(split, POSITIVE)
    pool = int(np.unique(data.items).size)
    model_config = ModelConfig(encoder="minilm", dim=args.dim, use_item_ids=not args.no_item_ids)
    train_config = TrainConfig(
        seed=args.seed,
        negatives=args.negatives,
        temperature=args.temperature,
        max_steps=args.max_steps,
        history_targets=args.history_targets,
        per_target_softmax=args.per_target_softmax,
        profile_dropout=args.profile_dropout,
        cold_start_items=args.cold_start_items,
    )
    vectors = data.item_features.text
    assert vectors is not None  # MiniLM vectors from the store's cache

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), torch threads "
          f"{train_config.threads}, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    if collected is not None:
        print(f"ratings: {collected.ratings} by {collected.personas} personas "
              f"({collected.strategy}, {collected.model}) over a pool of {len(collected.pool)} "
              f"items; {collected.rated_now} rated in this run "
              f"({collected.seconds:.0f} s)")  # fmt: skip
    print(f"data: {data.n_users} personas, {len(data.users)} calibrated ratings on "
          f"{pool} distinct items, catalogue {data.n_items} items; "
          f"{int((data.ratings >= POSITIVE).sum())} positives (≥ 7); "
          f"loaded in {load_s:.1f} s")  # fmt: skip
    print(f"protocol: {'VALIDATION (train part only) ' if args.validate else ''}"
          f"{test.method} split {test.params}, test positives = held-out ratings ≥ 7 "
          f"({len(test.test)} of {len(split.test)}), full ranking over {data.n_items} items "
          f"minus each persona's training items, k = 10")  # fmt: skip

    knn = ItemKNN(vectors)
    models: list[Recommender] = [
        StoreTwoTowerRecommender(data, model_config, train_config),
        OnPositives(Popularity(), POSITIVE),
        OnPositives(knn, POSITIVE),
        named(OnPositives(Popularity(), None), "popularity_all"),
        named(OnPositives(SameGraph(knn), None), "item_knn_content_all"),
    ]
    if args.models:
        wanted = set(args.models.split(","))
        models = [m for m in models if m.name in wanted]
    report = evaluate_models(dataset, test, models, k=10, sampled=False, progress=print)
    print_table("ranking", report)

    fold_in: dict[str, object] = {}
    if not args.no_fold_in:
        fold_in = run_fold_in(
            dataset, ratings, split, data, model_config, train_config, args.seed, args.groups
        )
    headline = report.headline()
    beats = "two_tower" in headline and all(
        headline["two_tower"]["recall_at_10"] > headline[name]["recall_at_10"]
        for name in headline
        if name != "two_tower"
    )
    print(f"\ntwo_tower beats every baseline at Recall@10: {beats}; fold-in ratio "
          f"{fold_in.get('ratio')} [target >= 0.8]")  # fmt: skip
    print(json.dumps({
        **headline,
        "fold_in": fold_in,
        "personas": int(data.n_users), "ratings": len(data.users), "pool": pool,
        "catalogue": int(data.n_items), "test_positives": len(test.test),
        "validate": bool(args.validate), "beats_baselines": beats,
        "torch_threads": train_config.threads,
        "load_average": round(os.getloadavg()[0], 2),
    }))  # fmt: skip


def run_fold_in(
    dataset: Dataset,
    ratings: pd.DataFrame,
    split: Split,
    data: TrainingData,
    model_config: ModelConfig,
    train_config: TrainConfig,
    seed: int,
    groups: int,
) -> dict[str, object]:
    """Model A folded in vs model B trained in (module docstring), once per group of held-out
    users; prints each group's table and the figures pooled over all held-out users."""
    pooled: dict[str, list[tuple[float, float, int]]] = {}
    held_total, positives_total = 0, 0
    for number, (held_split, held) in enumerate(
        fold_in_splits(ratings, split, data.user_features, seed, groups), start=1
    ):
        with tempfile.TemporaryDirectory() as tmp:
            model_a = FoldedIn(data, model_config, train_config, held, Path(tmp))
            fold_models: list[Recommender] = [
                model_a,
                FoldedIn(
                    data, model_config, train_config, held, Path(tmp), profile=True, trained=model_a
                ),
                named(StoreTwoTowerRecommender(data, model_config, train_config), "trained_in"),
                named(
                    StoreTwoTowerRecommender(
                        without_profiles(data, held), model_config, train_config
                    ),
                    "trained_in_items_only",
                ),
            ]
            fold = evaluate_models(dataset, held_split, fold_models, k=10, sampled=False,
                                   progress=print)  # fmt: skip
        print_table(f"fold-in group {number}: {len(held)} held-out personas, {SEED_ITEMS} liked "
                    f"items each", fold)  # fmt: skip
        for r in fold.results:
            pooled.setdefault(r.name, []).append(
                (r.full["recall_at_10"], r.full["ndcg_at_10"], int(r.full["users"]))
            )
        held_total += len(held)
        positives_total += len(held_split.test)

    if not pooled:
        print(f"\nfold-in: no persona has {SEED_ITEMS} liked training items and another liked one")
        return {"groups": 0, "ok": False}

    def mean(name: str, column: int) -> float:
        rows = pooled[name]
        return sum(row[column] * row[2] for row in rows) / max(1, sum(row[2] for row in rows))

    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 else float("nan")

    recall = {name: mean(name, 0) for name in pooled}
    ndcg = {name: mean(name, 1) for name in pooled}
    print(f"\nfold-in pooled over {len(pooled['fold_in'])} groups, {held_total} held-out "
          f"personas, {positives_total} test positives:")  # fmt: skip
    for name in pooled:
        print(f"  {name:<24} recall@10 {recall[name]:.4f}  ndcg@10 {ndcg[name]:.4f}")
    folded, trained_in = recall["fold_in"], recall["trained_in"]
    items_only, profile = recall["trained_in_items_only"], recall["fold_in_profile"]
    print(f"fold-in / trained-in Recall@10: {ratio(folded, trained_in):.3f} [target >= 0.8]; "
          f"with attributes and persona text: {ratio(profile, trained_in):.3f}; against a "
          f"trained-in user that also has only the {SEED_ITEMS} items (no attributes or text): "
          f"{ratio(folded, items_only):.3f}; NDCG@10 ratio "
          f"{ratio(ndcg['fold_in'], ndcg['trained_in']):.3f}")  # fmt: skip
    return {
        "recall_folded": round(folded, 6),
        "recall_trained_in": round(trained_in, 6),
        "ratio": round(ratio(folded, trained_in), 4),
        "ndcg_ratio": round(ratio(ndcg["fold_in"], ndcg["trained_in"]), 4),
        "recall_folded_profile": round(profile, 6),
        "profile_ratio": round(ratio(profile, trained_in), 4),
        "recall_trained_in_items_only": round(items_only, 6),
        "items_only_ratio": round(ratio(folded, items_only), 4),
        "groups": len(pooled["fold_in"]),
        "held_out": held_total,
        "liked_items": SEED_ITEMS,
        "test_positives": positives_total,
        "ok": bool(ratio(folded, trained_in) >= 0.8),
    }


if __name__ == "__main__":
    main()

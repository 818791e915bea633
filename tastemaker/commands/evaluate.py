"""``tastemaker evaluate [DATA]``: fit the two-tower model and the baselines on one split,
print the full-ranking table (and the sampled-candidates one, labelled), write JSON.

With a MovieLens directory it runs the MovieLens protocol (every test rating relevant). With
no DATA it evaluates on the store's persona ratings, read as ``--config run.toml`` says (the
same ``[data]`` and ``[model]`` sections ``tastemaker train`` reads): test positives are the
held-out ratings at or above ``data.positive_min_rating`` (the source's default: 7 on the
persona scale), and the baselines are fitted on the
training ratings at or above it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import numpy as np
import numpy.typing as npt
import typer

from tastemaker.commands.common import err, friendly, out, state, store
from tastemaker.config import load_config
from tastemaker.evaluate import (
    Dataset,
    EvaluationReport,
    Recommender,
    build_models,
    evaluate_models,
    make_split,
    print_report,
    write_json,
)

DEFAULT_MODELS = "two_tower,popularity,item_knn,als,bpr"
STORE_MODELS = "two_tower,popularity,item_knn_content"


@friendly
def evaluate_command(
    data: Annotated[
        Path | None,
        typer.Argument(help="MovieLens directory (ML-100K or ml-latest); omit for the store."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="run.toml for the store's ratings (as `train` reads it)."),
    ] = None,
    split: Annotated[str, typer.Option(help="stratified | leave_last_out | temporal.")] = (
        "stratified"
    ),
    ratio: Annotated[float, typer.Option(help="Train share (stratified, temporal).")] = 0.75,
    seed: Annotated[int, typer.Option(help="Split, model and negative-sampling seed.")] = 42,
    k: Annotated[int, typer.Option("--k", min=1, help="Cut-off of the ranking metrics.")] = 10,
    models: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated: two_tower, popularity, item_knn, item_knn_content, als, "
            f"bpr, bias [default: {DEFAULT_MODELS}; for the store: {STORE_MODELS}]."
        ),
    ] = None,
    encoder: Annotated[
        str, typer.Option(help="Text encoder for item_knn_content on MovieLens (see `embed`).")
    ] = "minilm",
    sampled: Annotated[
        bool, typer.Option("--sampled/--no-sampled", help="Also run the sampled-100 protocol.")
    ] = True,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="JSON report \\[default: DATA_DIR/evaluate/<name>.json]."),
    ] = None,
) -> None:
    """Side-by-side evaluation on one split: Recall/Precision/NDCG/MAP/HitRate@k, coverage,
    RMSE/MAE where a model has a rating head."""
    if data is None:
        chosen = _names(models or STORE_MODELS)
        report, name = _evaluate_store(config, chosen, split, ratio, seed, k, sampled)
    else:
        if config is not None:
            raise typer.BadParameter("--config is for the store's ratings; omit DATA to use it")
        chosen = _names(models or DEFAULT_MODELS)
        report, name = _evaluate_movielens(data, chosen, encoder, split, ratio, seed, k, sampled)
    print_report(report, out)
    target = out_path or state.data_dir / "evaluate" / f"{name}-{split}.json"
    write_json(report, target)
    err.print(f"wrote {target}", highlight=False)


def _names(models: str) -> list[str]:
    return [m.strip() for m in models.split(",") if m.strip()]


def _progress(line: str) -> None:
    err.print(line, highlight=False)


def _evaluate_movielens(
    data: Path,
    chosen: list[str],
    encoder: str,
    split: str,
    ratio: float,
    seed: int,
    k: int,
    sampled: bool,
) -> tuple[EvaluationReport, str]:
    from tastemaker.datasets import load_movielens

    interactions = load_movielens(data)
    dataset = Dataset.from_interactions(interactions)

    def item_vectors() -> npt.NDArray[np.float32]:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from tastemaker.embed import get_text_encoder

        return get_text_encoder(encoder).encode_texts(list(dataset.items["text"]))

    recommenders, notes = build_models(chosen, seed=seed, item_vectors=item_vectors)
    for note in notes:
        err.print(f"[yellow]{note}[/yellow]", highlight=False)
    the_split = make_split(split, dataset.ratings, ratio, seed)
    report = evaluate_models(
        dataset, the_split, recommenders, k=k, sampled=sampled, seed=seed, progress=_progress
    )
    report.notes.extend(notes)
    return report, interactions.layout


def _evaluate_store(
    config: Path | None,
    chosen: list[str],
    split: str,
    ratio: float,
    seed: int,
    k: int,
    sampled: bool,
) -> tuple[EvaluationReport, str]:
    from tastemaker.evaluate.personas import OnPositives, positive_test
    from tastemaker.model import TrainingRun
    from tastemaker.model.pipeline import load_training_data
    from tastemaker.model.recommender import StoreTwoTowerRecommender, store_dataset
    from tastemaker.ratings.scale import DISLIKE

    run = load_config(config, TrainingRun) if config is not None else TrainingRun()
    if run.data.source != "store":
        raise typer.BadParameter("this config reads MovieLens: pass its folder as DATA instead")
    with store() as opened:
        data = load_training_data(run, opened)
    dataset = store_dataset(data)
    threshold, _ = run.data.thresholds
    recommenders: list[Recommender] = []
    others = [n for n in chosen if n not in ("two_tower", "item_knn_content")]
    built, notes = build_models(others, seed=seed)
    for name in chosen:
        if name == "two_tower":
            train = run.train.model_copy(update={"seed": seed})
            recommenders.append(StoreTwoTowerRecommender(data, run.model, train))
        elif name == "item_knn_content":
            vectors = data.item_features.text
            if vectors is None:
                notes.append("item_knn_content: the config's encoder is 'none'; left out")
                continue
            from tastemaker.evaluate import ItemKNN

            recommenders.append(OnPositives(ItemKNN(vectors), threshold))
        else:
            recommenders.extend(OnPositives(m, threshold) for m in built if m.name == name)
    for note in notes:
        err.print(f"[yellow]{note}[/yellow]", highlight=False)
    the_split = positive_test(make_split(split, dataset.ratings, ratio, seed), threshold)
    err.print(
        f"{data.name}: {len(data.users)} ratings by {data.n_users} personas over "
        f"{data.n_items} items; test positives: held-out ratings ≥ {threshold}",
        highlight=False,
    )
    report = evaluate_models(
        dataset, the_split, recommenders, k=k, sampled=sampled, seed=seed, progress=_progress,
        dislike=float(DISLIKE),
    )  # fmt: skip
    if len(the_split.test) < 50:
        notes.append(
            f"only {len(the_split.test)} test positives: these figures are noise; rate more "
            "items per persona (`ratings generate --per-persona`) for a meaningful comparison"
        )
        err.print(f"[yellow]{notes[-1]}[/yellow]", highlight=False)
    report.notes.extend(notes)
    return report, "store"

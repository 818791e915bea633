"""``tastemaker evaluate DATA``: fit the two-tower model and the baselines on one split, print
the full-ranking table (and the sampled-candidates one, labelled), write JSON."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import numpy as np
import numpy.typing as npt
import typer

from tastemaker.commands.common import err, friendly, out, state
from tastemaker.datasets import load_movielens
from tastemaker.evaluate import (
    Dataset,
    build_models,
    evaluate_models,
    make_split,
    print_report,
    write_json,
)

DEFAULT_MODELS = "two_tower,popularity,item_knn,als,bpr"


@friendly
def evaluate_command(
    data: Annotated[Path, typer.Argument(help="MovieLens directory (ML-100K or ml-latest).")],
    split: Annotated[str, typer.Option(help="stratified | leave_last_out | temporal.")] = (
        "stratified"
    ),
    ratio: Annotated[float, typer.Option(help="Train share (stratified, temporal).")] = 0.75,
    seed: Annotated[int, typer.Option(help="Split, model and negative-sampling seed.")] = 42,
    k: Annotated[int, typer.Option("--k", min=1, help="Cut-off of the ranking metrics.")] = 10,
    models: Annotated[
        str,
        typer.Option(
            help="Comma-separated: two_tower, popularity, item_knn, "
            "item_knn_content, als, bpr, bias."
        ),
    ] = DEFAULT_MODELS,
    encoder: Annotated[
        str, typer.Option(help="Text encoder for item_knn_content (see `embed`).")
    ] = "minilm",
    sampled: Annotated[
        bool, typer.Option("--sampled/--no-sampled", help="Also run the sampled-100 protocol.")
    ] = True,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="JSON report [default: DATA_DIR/evaluate/<name>.json]."),
    ] = None,
) -> None:
    """Side-by-side evaluation on one split: Recall/Precision/NDCG/MAP/HitRate@k, coverage,
    RMSE/MAE where a model has a rating head."""
    interactions = load_movielens(data)
    dataset = Dataset.from_interactions(interactions)
    chosen = [m.strip() for m in models.split(",") if m.strip()]

    def item_vectors() -> npt.NDArray[np.float32]:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from tastemaker.embed import get_text_encoder

        return get_text_encoder(encoder).encode_texts(list(dataset.items["text"]))

    recommenders, notes = build_models(chosen, seed=seed, item_vectors=item_vectors)
    for note in notes:
        err.print(f"[yellow]{note}[/yellow]", highlight=False)
    the_split = make_split(split, dataset.ratings, ratio, seed)
    report = evaluate_models(
        dataset,
        the_split,
        recommenders,
        k=k,
        sampled=sampled,
        seed=seed,
        progress=lambda line: err.print(line, highlight=False),
    )
    report.notes.extend(notes)
    print_report(report, out)
    target = out_path or state.data_dir / "evaluate" / f"{interactions.layout}-{split}.json"
    write_json(report, target)
    err.print(f"wrote {target}", highlight=False)

"""The ``train`` stage end to end: read the ratings, encode the texts, train, export.

:func:`run_training` is what ``tastemaker train --config run.toml`` calls; it owns no logic of
its own beyond wiring :mod:`.data`, :mod:`.train` and :mod:`.export` together, so each can be
used alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tastemaker.model.config import TrainingRun
from tastemaker.model.data import TextVectors, TrainingData, from_dataset, from_store
from tastemaker.model.export import export_model
from tastemaker.model.train import TrainProgress, TrainResult, train
from tastemaker.store.db import Store

__all__ = ["TrainingOutcome", "cached_text", "load_training_data", "run_training"]

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class TrainingOutcome:
    """The export folder, the training result and the data it was trained on."""

    path: Path
    result: TrainResult
    data: TrainingData


def cached_text(spec: str, store: Store | None) -> TextVectors | None:
    """``texts → vectors`` for encoder ``spec`` through the store's embedding cache (None for
    ``'none'``), so item texts already embedded by ``tastemaker embed items`` are not redone."""
    if spec == "none":
        return None
    from tastemaker.embed import encode_cached, get_text_encoder

    encoder = get_text_encoder(spec)
    if store is None:
        return encoder.encode_texts
    return lambda texts: encode_cached(store, encoder, texts)


def load_training_data(run: TrainingRun, store: Store | None) -> TrainingData:
    """The ratings ``run.data`` names, with text vectors from ``run.model.encoder``."""
    text = cached_text(run.model.encoder, store)
    if run.data.source == "movielens":
        from tastemaker.datasets import load_movielens
        from tastemaker.evaluate.data import Dataset

        assert run.data.path is not None  # checked by DataConfig
        dataset = Dataset.from_interactions(
            load_movielens(run.data.path), name=f"MovieLens {run.data.path}"
        )
        positive_min, dislike_max = run.data.thresholds
        item_fields, user_fields = run.data.feature_fields
        return from_dataset(
            dataset,
            text=text,
            user_text=run.model.user_text,
            positive_min_rating=positive_min,
            dislike_max_rating=dislike_max,
            item_fields=item_fields,
            user_fields=user_fields,
        )
    if store is None:
        raise ValueError("data.source 'store' needs a store")
    return from_store(store, run.data, text)


def run_training(
    run: TrainingRun,
    *,
    data_dir: Path,
    store: Store | None,
    progress: Callable[[TrainProgress], None] | None = None,
) -> TrainingOutcome:
    """Train as ``run`` says and export to ``run.out_dir`` (default ``data_dir/models``)."""
    data = load_training_data(run, store)
    result = train(
        data,
        run.model,
        run.train,
        progress=progress,
        checkpoint_dir=run.checkpoint_dir,
    )
    out_root = run.out_dir or data_dir / "models"
    metrics = {
        **result.metrics,
        "users": float(data.n_users),
        "items": float(data.n_items),
        "ratings": float(len(data.users)),
    }
    path = export_model(
        result.model,
        out_root,
        metrics=metrics,
        run_config=run.model_dump(mode="json"),
        version=run.version,
        trained_on=data.sources,
    )
    return TrainingOutcome(path, result, data)

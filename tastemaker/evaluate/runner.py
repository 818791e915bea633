"""Fit and evaluate several models on one split, side by side: what ``tastemaker evaluate`` and
``bench/bench_movielens.py`` both run.

Models are named (:data:`MODELS`); ``two_tower`` comes from :mod:`tastemaker.model` when that
package provides ``TwoTowerRecommender`` (constructed as ``TwoTowerRecommender(seed=seed)``,
implementing :class:`~tastemaker.evaluate.protocol.Recommender`); until then it is reported as
unavailable and left out, never faked.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from tastemaker.errors import ConfigError
from tastemaker.evaluate.baselines import BiasBaseline, ItemKNN, Popularity
from tastemaker.evaluate.data import Dataset
from tastemaker.evaluate.protocol import (
    FULL_RANKING,
    SAMPLED,
    RatingPredictor,
    Recommender,
    evaluate_full_ranking,
    evaluate_ratings,
    evaluate_sampled,
)
from tastemaker.evaluate.splits import Split

__all__ = [
    "HEADLINE",
    "MODELS",
    "EvaluationReport",
    "ModelResult",
    "build_models",
    "evaluate_models",
]

#: Every model name ``build_models`` knows, in table order.
MODELS: Final = ("two_tower", "popularity", "item_knn", "item_knn_content", "als", "bpr", "bias")
#: The metrics of the benchmark's last-line JSON.
HEADLINE: Final = ("recall", "ndcg", "precision", "map")


@dataclass
class ModelResult:
    """One model's figures: full-ranking metrics, sampled metrics, rating errors, timings."""

    name: str
    description: str
    train_seconds: float
    eval_seconds: float
    full: dict[str, float]
    sampled: dict[str, float] | None = None
    rating: dict[str, float] | None = None


@dataclass
class EvaluationReport:
    """All models on one split; ``as_dict`` is the JSON written by ``tastemaker evaluate``."""

    dataset: dict[str, object]
    split: str
    k: int
    results: list[ModelResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "split": self.split,
            "k": self.k,
            "protocols": {"full": FULL_RANKING, "sampled": SAMPLED},
            "models": [asdict(r) for r in self.results],
            "notes": self.notes,
        }

    def headline(self) -> dict[str, dict[str, float]]:
        """``{model: {recall_at_k, ndcg_at_k, precision_at_k, map_at_k, train_seconds}}``."""
        return {
            r.name: {
                **{f"{m}_at_{self.k}": round(r.full[f"{m}_at_{self.k}"], 6) for m in HEADLINE},
                "train_seconds": round(r.train_seconds, 3),
            }
            for r in self.results
        }


def build_models(
    names: Sequence[str],
    seed: int = 42,
    item_vectors: Callable[[], npt.NDArray[np.float32]] | None = None,
) -> tuple[list[Recommender], list[str]]:
    """Instantiate ``names`` (from :data:`MODELS`); returns the models and notes on any left out.

    ``item_vectors`` (called only when ``item_knn_content`` is asked for) gives the content
    embeddings ``[n_items, dim]`` of the catalogue, row ``j`` for item index ``j``.
    """
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise ConfigError(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    models: list[Recommender] = []
    notes: list[str] = []
    for name in names:
        if name == "two_tower":
            model, note = _two_tower(seed)
            if model is None:
                notes.append(note)
                continue
            models.append(model)
        elif name == "item_knn_content":
            if item_vectors is None:
                notes.append("item_knn_content: no item vectors given; left out")
                continue
            models.append(ItemKNN(item_vectors()))
        else:
            models.append(_BASELINES[name](seed))
    return models, notes


def _factorization(name: str, seed: int) -> Recommender:
    from tastemaker.evaluate.factorization import ImplicitALS, ImplicitBPR  # loads implicit

    return ImplicitALS(seed=seed) if name == "als" else ImplicitBPR(seed=seed)


_BASELINES: Final[dict[str, Callable[[int], Recommender]]] = {
    "popularity": lambda seed: Popularity(),
    "item_knn": lambda seed: ItemKNN(),
    "als": lambda seed: _factorization("als", seed),
    "bpr": lambda seed: _factorization("bpr", seed),
    "bias": lambda seed: BiasBaseline(),
}


def _two_tower(seed: int) -> tuple[Recommender | None, str]:
    try:
        module = importlib.import_module("tastemaker.model")
    except ImportError as exc:
        return None, f"two_tower: tastemaker.model cannot be imported ({exc}); left out"
    factory = getattr(module, "TwoTowerRecommender", None)
    if factory is None:
        return None, "two_tower: tastemaker.model has no TwoTowerRecommender yet; left out"
    model = factory(seed=seed)
    if not isinstance(model, Recommender):
        return None, "two_tower: TwoTowerRecommender lacks name/fit/score; left out"
    return model, ""


def evaluate_models(
    dataset: Dataset,
    split: Split,
    models: Sequence[Recommender],
    k: int = 10,
    sampled: bool = True,
    seed: int = 42,
    progress: Callable[[str], None] | None = None,
    dislike: float | None = None,
) -> EvaluationReport:
    """Fit each model on ``split.train`` and evaluate it on ``split.test`` (same split for all).

    ``progress`` (e.g. ``print``) hears one line per model as it finishes. ``dislike`` is the
    scale's dislike value (persona ratings: −1), kept apart in the rating errors.
    """
    train = dataset.with_ratings(split.train)
    sizes = {"users": dataset.n_users, "items": dataset.n_items, "ratings": len(dataset.ratings)}
    report = EvaluationReport(dataset={"name": dataset.name, **sizes}, split=split.describe(), k=k)
    for model in models:
        started = time.perf_counter()
        model.fit(train)
        fitted = time.perf_counter()
        full = evaluate_full_ranking(model, train, split.test, k)
        extra = evaluate_sampled(model, train, split.test, k, seed=seed) if sampled else None
        rated = split.test if split.rating_test is None else split.rating_test
        rating = (
            evaluate_ratings(model, rated, dislike) if isinstance(model, RatingPredictor) else None
        )
        result = ModelResult(
            name=model.name,
            description=str(getattr(model, "description", "")),
            train_seconds=fitted - started,
            eval_seconds=time.perf_counter() - fitted,
            full=full,
            sampled=extra,
            rating=rating,
        )
        report.results.append(result)
        if progress is not None:
            progress(
                f"{result.name}: recall@{k} {full[f'recall_at_{k}']:.4f}, "
                f"ndcg@{k} {full[f'ndcg_at_{k}']:.4f} (fit {result.train_seconds:.1f} s)"
            )
    return report

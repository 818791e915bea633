"""Evaluation: splits, ranking and rating metrics, baselines, the two protocols, reports.

Offers:

- :class:`Dataset`: ratings over dense user/item indices with the user and item texts;
- splits :func:`stratified_split` (Microsoft Recommenders' semantics), :func:`leave_last_out`,
  :func:`temporal_split` and :func:`make_split`, each returning a :class:`Split`;
- metrics (:mod:`tastemaker.evaluate.metrics`): Recall, Precision, NDCG, MAP, HitRate at k,
  catalogue coverage, RMSE, MAE;
- the :class:`Recommender`, :class:`RatingPredictor` and :class:`DislikePredictor` (a
  dislike answer predicted apart from the ratings) protocols, and the protocols
  :func:`evaluate_full_ranking` (the headline) and :func:`evaluate_sampled` (100 sampled
  candidates, labelled as such), plus :func:`evaluate_ratings`;
- baselines :class:`Popularity`, :class:`ItemKNN`, :class:`BiasBaseline` here and
  ``ImplicitALS`` / ``ImplicitBPR`` in :mod:`tastemaker.evaluate.factorization` (imported on
  demand: it loads the ``implicit`` library);
- :func:`build_models` / :func:`evaluate_models` (:class:`EvaluationReport`) and the report
  writers :func:`print_report` / :func:`write_json`.
"""

from __future__ import annotations

from tastemaker.evaluate.baselines import BiasBaseline, ItemKNN, Popularity
from tastemaker.evaluate.data import Dataset
from tastemaker.evaluate.protocol import (
    FULL_RANKING,
    SAMPLED,
    DislikePredictor,
    RatingPredictor,
    Recommender,
    evaluate_full_ranking,
    evaluate_ratings,
    evaluate_sampled,
)
from tastemaker.evaluate.report import print_report, write_json
from tastemaker.evaluate.runner import (
    MODELS,
    EvaluationReport,
    ModelResult,
    build_models,
    evaluate_models,
)
from tastemaker.evaluate.splits import (
    SPLITS,
    Split,
    leave_last_out,
    make_split,
    stratified_split,
    temporal_split,
)

__all__ = [
    "FULL_RANKING",
    "MODELS",
    "SAMPLED",
    "SPLITS",
    "BiasBaseline",
    "Dataset",
    "DislikePredictor",
    "EvaluationReport",
    "ItemKNN",
    "ModelResult",
    "Popularity",
    "RatingPredictor",
    "Recommender",
    "Split",
    "build_models",
    "evaluate_full_ranking",
    "evaluate_models",
    "evaluate_ratings",
    "evaluate_sampled",
    "leave_last_out",
    "make_split",
    "print_report",
    "stratified_split",
    "temporal_split",
    "write_json",
]

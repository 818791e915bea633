"""Insights: the synthetic data behind the model, for the web app's insights page.

How many personas rated how many items, the histogram of their raw answers next to the
calibrated one (the instruction-tuned pile-up on 6 and 8 against the target spread), the
version of the model being served and the metrics its export recorded, if any.

The ratings table is scanned once per change of the store: the counts are cached under
SQLite's ``data_version``, which moves whenever another connection (the ``ratings`` and
``personas`` commands) commits, so a page view costs two small queries.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tastemaker.model.sources import describe_source
from tastemaker.ratings.scale import ANSWERS
from tastemaker.service.cache import ResultCache
from tastemaker.service.deps import StateDep
from tastemaker.service.twotower import TWO_TOWER, TwoTowerRuntime
from tastemaker.store.db import Store

__all__ = ["HistogramBin", "Insights", "ModelMetrics", "router"]

router = APIRouter(prefix="/api", tags=["insights"])


class HistogramBin(BaseModel):
    rating: int = Field(description="An allowed answer: -1 (dislike) or 1..10.")
    count: int


class ModelMetrics(BaseModel):
    """Numbers from ``<data dir>/models/<model>/metrics.json`` (nested keys joined by dots)."""

    model: str = Field(description="The model folder the metrics belong to.")
    values: dict[str, float]


class Insights(BaseModel):
    """The synthetic data behind the model. Histograms list all 11 answers, zeros included."""

    personas: int
    items: int = Field(description="Items in the served catalogue.")
    ratings: int = Field(description="Ratings with an answer (failures not counted).")
    failed_ratings: int = Field(description="Requests recorded as failed (no answer).")
    calibrated_ratings: int = Field(description="Ratings with a calibrated answer.")
    raw_histogram: list[HistogramBin]
    calibrated_histogram: list[HistogramBin]
    model_version: str | None = Field(description="The model being served; null before one.")
    model_metrics: ModelMetrics | None = Field(
        description="Metrics exported with a model; null when none were."
    )
    trained_on: list[str] = Field(
        description="What the served model learnt from, one line per source (its LLM, "
        "strategy and how many ratings); empty for the content model, which learnt nothing "
        "and recommends from item text alone."
    )


class _Counts(BaseModel):
    personas: int
    raw: dict[int, int]
    calibrated: dict[int, int]
    failed: int


@router.get("/insights", operation_id="getInsights")
def get_insights(state: StateDep) -> Insights:
    """Persona and rating counts, raw and calibrated rating histograms, model metrics."""
    counts = _counts(state.store, state.results)
    runtime = state.runtime
    version = runtime.version if runtime is not None else None
    return Insights(
        personas=counts.personas,
        items=len(state.catalog),
        ratings=sum(counts.raw.values()),
        failed_ratings=counts.failed,
        calibrated_ratings=sum(counts.calibrated.values()),
        raw_histogram=_bins(counts.raw),
        calibrated_histogram=_bins(counts.calibrated),
        model_version=version,
        trained_on=(
            [describe_source(source) for source in runtime.model.trained_on]
            if isinstance(runtime, TwoTowerRuntime)
            else []
        ),
        model_metrics=_metrics(
            state.settings.data_dir / "models",
            (version.removeprefix(TWO_TOWER) if version else None, state.settings.model_version),
        ),
    )


def _counts(store: Store, cache: ResultCache[object]) -> _Counts:
    data_version = int(store.conn.execute("PRAGMA data_version").fetchone()[0])
    key = ("insights", data_version)
    if isinstance(hit := cache.get(key), _Counts):
        return hit
    raw: dict[int, int] = {}
    calibrated: dict[int, int] = {}
    failed = 0
    rows = store.conn.execute(
        "SELECT answer, calibrated, COUNT(*) FROM ratings GROUP BY answer, calibrated"
    )
    for answer, calibrated_answer, n in rows:
        if answer is None:
            failed += n
        else:
            raw[answer] = raw.get(answer, 0) + n
        if calibrated_answer is not None:
            calibrated[calibrated_answer] = calibrated.get(calibrated_answer, 0) + n
    personas = int(store.conn.execute("SELECT COUNT(*) FROM personas").fetchone()[0])
    counts = _Counts(personas=personas, raw=raw, calibrated=calibrated, failed=failed)
    cache.put(key, counts)
    return counts


def _bins(counts: dict[int, int]) -> list[HistogramBin]:
    return [HistogramBin(rating=a, count=counts.get(a, 0)) for a in ANSWERS]


def _metrics(models_dir: Path, preferred: tuple[str | None, ...]) -> ModelMetrics | None:
    """The served (or configured) model's metrics, else the newest exported ones."""
    if not models_dir.is_dir():
        return None
    for name in preferred:
        if name and (path := models_dir / name / "metrics.json").is_file():
            return _read_metrics(path)
    found = sorted(models_dir.glob("*/metrics.json"), key=lambda p: p.stat().st_mtime)
    return _read_metrics(found[-1]) if found else None


def _read_metrics(path: Path) -> ModelMetrics | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a half-written or foreign file: the page shows no metrics, not a 500
    values: dict[str, float] = {}
    _flatten(data, "", values)
    return ModelMetrics(model=path.parent.name, values=values)


def _flatten(data: object, prefix: str, out: dict[str, float]) -> None:
    """Numbers of a JSON document, nested keys joined by dots (strings, lists, NaN skipped)."""
    if isinstance(data, dict):
        for key, value in data.items():
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(data, int | float) and not isinstance(data, bool) and math.isfinite(data):
        out[prefix] = float(data)

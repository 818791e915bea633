"""One fidelity run: cases, twins built on the training side, their ratings, every score.

:func:`prepare` draws the cases (:mod:`.cases`) and builds one twin per sampled user from
that user's training side only. The LLM then rates the twins' pairs through the ordinary
rating path (``ratings generate``'s engine, so the store keys, the response cache and the
ledger apply and a rerun is served from the store); :func:`twin_scores` reads the ratings
back. :func:`score_run` scores twins and baselines on the same cases.

A twin's score is its expected rating, or its answer where the strategy gives no expectation;
a rating that failed stays missing (counted by the metrics), never filled in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import numpy.typing as npt

from tastemaker.personas.twins import HistoryChoice, Twin, build_twins, save_twins
from tastemaker.ratings.fidelity.baselines import agreement_baseline, baseline_scores
from tastemaker.ratings.fidelity.cases import FidelityCases, NegativeDraw, build_cases
from tastemaker.ratings.fidelity.metrics import (
    Scores,
    agreement,
    discrimination,
    from_model_scale,
    quantile_map,
)
from tastemaker.ratings.records import load_ratings
from tastemaker.store.db import Store
from tastemaker.store.real import load_interactions, real_user_attributes

__all__ = ["FidelityOptions", "Prepared", "prepare", "score_run", "twin_scores"]


@dataclass(frozen=True)
class FidelityOptions:
    """Every choice of one run (stored with its report)."""

    dataset: str
    users: int = 50
    min_history: int = 10
    holdout: float = 0.2
    positives_per_user: int = 2
    agreement_per_user: int = 4
    ratios: tuple[int, ...] = (1, 3, 9)
    negatives: NegativeDraw = "uniform"
    k: int = 10
    choose: HistoryChoice = "recent"
    like_at: float = 7.0
    seed: int = 0
    min_users: int = 20


@dataclass(frozen=True)
class Prepared:
    """The cases and each sampled user's twin (by user id)."""

    options: FidelityOptions
    cases: FidelityCases
    twins: Mapping[str, Twin] = field(default_factory=dict)
    catalogue: tuple[str, ...] = ()

    def pairs(self) -> list[tuple[str, str]]:
        """(twin persona id, item id) for every pair to rate, grouped by twin."""
        return [(self.twins[u].persona.id, i) for u, i in self.cases.pairs() if u in self.twins]


def prepare(store: Store, options: FidelityOptions) -> Prepared:
    """Draw the cases over the store's real interactions of ``options.dataset`` and save one
    twin per sampled user, built from that user's training side only."""
    frame = load_interactions(store, [options.dataset])
    catalogue = tuple(row[0] for row in store.conn.execute("SELECT id FROM items ORDER BY id"))
    cases = build_cases(
        frame, catalogue, holdout=options.holdout, min_history=options.min_history,
        users=options.users, positives_per_user=options.positives_per_user,
        agreement_per_user=options.agreement_per_user, max_ratio=max(options.ratios),
        negatives=options.negatives, like_at=options.like_at, seed=options.seed,
        min_users=options.min_users,
    )  # fmt: skip
    sampled = cases.train[cases.train["user_id"].astype(str).isin(cases.users)]
    twins, _ = build_twins(
        options.dataset, sampled, real_user_attributes(store, options.dataset),
        k=options.k, choose=options.choose, min_history=1,
    )  # fmt: skip
    save_twins(store, twins)
    return Prepared(options, cases, {t.user_id: t for t in twins}, catalogue)


def twin_scores(
    store: Store,
    prepared: Prepared,
    *,
    model: str,
    strategy: str,
    template_version: str,
    request_set: str | None = None,
) -> Scores:
    """The stored ratings of the run's twins by ``model``/``strategy``/template (of one
    ``request_set`` when given), as scores."""
    frame = load_ratings(store, model=model, strategy=strategy,
                         template_version=template_version, request_set=request_set)  # fmt: skip
    user_of = {t.persona.id: u for u, t in prepared.twins.items()}
    frame = frame[frame["persona_id"].isin(user_of.keys()) & frame["answer"].notna()]
    value = frame["expected_rating"].fillna(frame["answer"].astype("Float64")).astype(float)
    return {
        (user_of[p], str(i)): float(v)
        for p, i, v in zip(frame["persona_id"], frame["item_id"], value, strict=True)
    }


def _agreement_views(
    prepared: Prepared, scores: Scores
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """The twin's agreement ratings on each user's own scale: raw (the inverse of the import
    rule) and calibrated (quantile-mapped onto the training side's real ratings of that scale;
    fitted on the twin's scores and the training side, never on held-out truth)."""
    cases = [c for c in prepared.cases.agreement if (c.user_id, c.item_id) in scores]
    raw = {(c.user_id, c.item_id): from_model_scale(scores[(c.user_id, c.item_id)], c.scale)
           for c in cases}  # fmt: skip
    calibrated: dict[tuple[str, str], float] = {}
    train = prepared.cases.train
    for scale in sorted({c.scale for c in cases}):
        mine = [c for c in cases if c.scale == scale]
        reference = train[(train["kind"] == "rating") & (train["scale"] == scale)]["value"]
        mapped = quantile_map([scores[(c.user_id, c.item_id)] for c in mine], reference)
        calibrated |= {(c.user_id, c.item_id): float(v) for c, v in zip(mine, mapped, strict=True)}
    return raw, calibrated


def score_run(
    prepared: Prepared,
    twins: Mapping[str, Scores],
    *,
    item_vectors: npt.NDArray[np.float32] | None = None,
) -> dict[str, object]:
    """Every entry's figures on the same cases: each named twin score set (``"model/strategy"``
    -> scores) and the baselines. Returns the JSON-ready report body."""
    options = prepared.options
    cases = prepared.cases
    pairs = cases.pairs()
    entries: dict[str, dict[str, object]] = {}
    baselines = baseline_scores(cases.train, pairs, prepared.catalogue, like_at=options.like_at,
                                item_vectors=item_vectors)  # fmt: skip
    for name, scores in [*twins.items(), *baselines.items()]:
        entry: dict[str, object] = {
            "kind": "twin" if name in twins else "baseline",
            "discrimination": {
                f"1:{r}": discrimination(cases.cases, scores, r, like_at=options.like_at,
                                         seed=options.seed)
                for r in options.ratios
            },
        }  # fmt: skip
        if name in twins:
            raw, calibrated = _agreement_views(prepared, scores)
            entry["agreement_raw"] = agreement(cases.agreement, raw)
            entry["agreement_calibrated"] = agreement(cases.agreement, calibrated)
        entries[name] = entry
    agree_pairs = [(c.user_id, c.item_id) for c in cases.agreement]
    bias = agreement_baseline(cases.train, agree_pairs, prepared.catalogue)
    entries["bias"] = {"kind": "baseline", "agreement_raw": agreement(cases.agreement, bias)}
    return {
        "options": {**asdict(options), "ratios": list(options.ratios)},
        "users": len(cases.users),
        "cases": len(cases.cases),
        "agreement_cases": len(cases.agreement),
        "pairs_rated": len(pairs),
        "entries": entries,
    }

"""Diagnostics that catch collapsed ratings before anyone trains on them.

The failure to design against: instruction-tuned raters avoid −1 and pile up on a couple of
answers (6 and 8 for Mistral 7B, 8 and 5 for the default rater's greedy answers), and give
every persona the same spread. The report measures exactly those symptoms and raises a
collapse warning when any crosses its threshold.

A dislike is its own outcome (:mod:`tastemaker.ratings.scale`): ``mean_rating``, the per-persona
means and spreads are over the answers 1..10, with the dislike shares (overall and per
persona) beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from tastemaker.ratings.scale import ANSWER_COLUMNS, ANSWERS, DISLIKE

__all__ = ["COLLAPSE_THRESHOLDS", "Diagnostics", "diagnose"]

#: Symptom -> threshold beyond which the ratings are reported as collapsed.
COLLAPSE_THRESHOLDS: Final[dict[str, float]] = {
    "modal_share_above": 0.5,  # one answer takes more than half the ratings
    "share_6_8_above": 0.5,  # the original team's pile-up on 6 and 8
    "entropy_bits_below": 1.5,  # of log2(11) = 3.46 bits for a uniform histogram
    "neg1_share_below": 0.01,  # the model never says dislike
    "median_persona_std_below": 1.0,  # personas do not discriminate between items
}


@dataclass(frozen=True)
class Diagnostics:
    """The figures of one set of ratings; ``warnings`` lists every symptom found."""

    n: int
    failures: int
    histogram: dict[str, int]
    neg1_share: float
    share_6_8: float
    modal_answer: int | None
    modal_share: float
    entropy_bits: float
    mean_distribution_entropy_bits: float | None
    mean_rating: float | None  # over 1..10
    persona_mean: dict[str, float]  # over 1..10; personas with only dislikes are absent
    persona_std: dict[str, float]  # over 1..10
    persona_neg1_share: dict[str, float]
    median_persona_std: float | None
    warnings: list[str]

    @property
    def collapsed(self) -> bool:
        return bool(self.warnings)


def _entropy_bits(p: npt.NDArray[np.float64]) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def diagnose(ratings: pd.DataFrame, *, column: str = "answer") -> Diagnostics:
    """Figures for ``ratings`` (columns ``persona_id`` and ``column``; ``p_*`` when present)."""
    answers = ratings[column].dropna().astype(int)
    n = len(answers)
    counts = np.array([(answers == a).sum() for a in ANSWERS], dtype=np.float64)
    share = counts / n if n else counts
    rated = ratings.dropna(subset=[column])
    is_dislike = rated[column].astype(int) == DISLIKE
    per_persona = rated[~is_dislike].groupby("persona_id")[column]
    persona_mean = per_persona.mean().round(3).to_dict()
    persona_std = per_persona.std(ddof=0).round(3).to_dict()
    dislike_share = is_dislike.groupby(rated["persona_id"]).mean().round(3).to_dict()
    likes = answers[answers != DISLIKE]
    median_std = float(np.median(list(persona_std.values()))) if persona_std else None
    dist_entropy: float | None = None
    if set(ANSWER_COLUMNS) <= set(ratings.columns):
        probs = ratings[list(ANSWER_COLUMNS)].dropna().to_numpy(dtype=np.float64)
        if len(probs):
            dist_entropy = float(np.mean([_entropy_bits(row) for row in probs]))
    modal = int(np.argmax(counts)) if n else None
    diagnostics = Diagnostics(
        n=n,
        failures=int(ratings[column].isna().sum()),
        histogram={str(a): int(c) for a, c in zip(ANSWERS, counts, strict=True)},
        neg1_share=float(share[0]) if n else 0.0,
        share_6_8=float(share[ANSWERS.index(6)] + share[ANSWERS.index(8)]) if n else 0.0,
        modal_answer=ANSWERS[modal] if modal is not None else None,
        modal_share=float(share.max()) if n else 0.0,
        entropy_bits=_entropy_bits(share) if n else 0.0,
        mean_distribution_entropy_bits=dist_entropy,
        mean_rating=float(likes.mean()) if len(likes) else None,
        persona_mean={str(k): float(v) for k, v in persona_mean.items()},
        persona_std={str(k): float(v) for k, v in persona_std.items()},
        persona_neg1_share={str(k): float(v) for k, v in dislike_share.items()},
        median_persona_std=median_std,
        warnings=[],
    )
    diagnostics.warnings.extend(_symptoms(diagnostics))
    return diagnostics


def _symptoms(d: Diagnostics) -> list[str]:
    if d.n == 0:
        return ["no ratings to diagnose"]
    t = COLLAPSE_THRESHOLDS
    found = []
    if d.modal_share > t["modal_share_above"]:
        found.append(f"collapse: answer {d.modal_answer} takes {d.modal_share:.0%} of ratings")
    if d.share_6_8 > t["share_6_8_above"]:
        found.append(f"collapse: 6 and 8 take {d.share_6_8:.0%} of ratings")
    if d.entropy_bits < t["entropy_bits_below"]:
        found.append(f"collapse: histogram entropy {d.entropy_bits:.2f} bits (of 3.46)")
    if d.neg1_share < t["neg1_share_below"]:
        found.append(f"no dislikes: -1 is {d.neg1_share:.1%} of ratings")
    if d.median_persona_std is not None and d.median_persona_std < t["median_persona_std_below"]:
        found.append(f"flat personas: median per-persona spread {d.median_persona_std:.2f} points")
    return found

"""How diverse a persona population is: attribute coverage, bio spread, name uniqueness.

A recommender trained on simulated shoppers can only learn tastes the population holds, so
before paying for ratings it is worth knowing whether the personas cover the pools (or whether
the sampler left whole aesthetics out), whether the bios say different things (mean pairwise
cosine distance of their embeddings: near 0 means the LLM wrote one persona many times), and
whether the LLM gave everyone the same three names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from tastemaker.embed.protocol import TextEncoder, Vectors
from tastemaker.personas.generate import DEFAULT_DEDUPE_THRESHOLD
from tastemaker.personas.pools import SCALAR_ATTRIBUTES, Pools
from tastemaker.personas.schema import Persona, count_sentences

__all__ = [
    "AttributeCoverage",
    "DiversityReport",
    "PairwiseStats",
    "diversity_report",
    "pairwise_stats",
]

_BLOCK: Final = 1024  # rows of the similarity matrix held at once: memory [1024, n]


@dataclass(frozen=True)
class AttributeCoverage:
    """How one attribute's pool is used: values used, pool size, and the count of each value.

    With a pool, ``used`` counts pool values that occur; without one, distinct values seen.
    """

    attribute: str
    used: int
    pool_size: int | None  # None when no pools were given
    counts: dict[str, int]

    @property
    def coverage(self) -> float | None:
        """Pool values used / pool size (values outside the pool are in ``counts`` only)."""
        return None if not self.pool_size else self.used / self.pool_size


@dataclass(frozen=True)
class PairwiseStats:
    """Cosine distances (1 - cosine similarity) over all pairs of bios."""

    pairs: int
    mean_distance: float | None
    min_distance: float | None
    near_duplicate_pairs: int  # pairs whose similarity is at or above the threshold


@dataclass(frozen=True)
class DiversityReport:
    """The diversity of one population of personas."""

    personas: int
    coverage: tuple[AttributeCoverage, ...]
    bios: PairwiseStats | None  # None when no encoder was given
    encoder: str | None
    unique_names: int
    duplicate_names: dict[str, int]
    mean_bio_sentences: float | None
    mean_bio_words: float | None

    @property
    def name_uniqueness(self) -> float | None:
        """Distinct names / personas (1.0: every name different)."""
        return self.unique_names / self.personas if self.personas else None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able dict (for ``--json`` and the runs table)."""
        return {
            "personas": self.personas,
            "coverage": {
                c.attribute: {
                    "used": c.used,
                    "pool_size": c.pool_size,
                    "coverage": c.coverage,
                    "counts": c.counts,
                }
                for c in self.coverage
            },
            "bios": None
            if self.bios is None
            else {
                "encoder": self.encoder,
                "pairs": self.bios.pairs,
                "mean_pairwise_distance": self.bios.mean_distance,
                "min_pairwise_distance": self.bios.min_distance,
                "near_duplicate_pairs": self.bios.near_duplicate_pairs,
            },
            "names": {
                "unique": self.unique_names,
                "uniqueness": self.name_uniqueness,
                "duplicates": self.duplicate_names,
            },
            "mean_bio_sentences": self.mean_bio_sentences,
            "mean_bio_words": self.mean_bio_words,
        }


def pairwise_stats(
    vectors: Vectors, *, threshold: float = DEFAULT_DEDUPE_THRESHOLD
) -> PairwiseStats:
    """Distances over the ``n (n - 1) / 2`` pairs of unit rows ``vectors [n, dim]``.

    The mean needs no pair matrix: the sum of all pairwise dot products is
    ``|sum of rows|² - sum of |row|²``. The minimum and the near-duplicate count walk the
    similarity matrix in blocks of rows, so memory stays ``[block, n]`` for any n.
    """
    matrix = np.asarray(vectors, dtype=np.float64)  # [n, dim]; float64 so sums do not drift
    n = matrix.shape[0]
    pairs = n * (n - 1) // 2
    if pairs == 0:
        return PairwiseStats(0, None, None, 0)
    total = matrix.sum(axis=0)  # [dim]
    off_diagonal = float(total @ total) - float(np.einsum("ij,ij->", matrix, matrix))
    mean_similarity = off_diagonal / (2 * pairs)
    best = -np.inf
    near = 0
    for start in range(0, n, _BLOCK):
        block = matrix[start : start + _BLOCK] @ matrix.T  # [b, n]
        rows = np.arange(start, start + block.shape[0])[:, None]  # [b, 1]
        upper = np.arange(n)[None, :] > rows  # [b, n]: each pair once, no self-pairs
        similarities = block[upper]
        if similarities.size:
            best = max(best, float(similarities.max()))
            near += int((similarities >= threshold).sum())
    return PairwiseStats(pairs, 1.0 - mean_similarity, 1.0 - best, near)


def diversity_report(
    personas: Sequence[Persona],
    *,
    pools: Pools | None = None,
    encoder: TextEncoder | None = None,
    threshold: float = DEFAULT_DEDUPE_THRESHOLD,
) -> DiversityReport:
    """Coverage of every attribute (against ``pools`` when given), bio spread, name reuse."""
    coverage: list[AttributeCoverage] = []
    for attribute in SCALAR_ATTRIBUTES:
        counts = Counter(str(getattr(p, attribute)) for p in personas)
        pool = pools.values(attribute) if pools is not None else None
        coverage.append(_coverage(attribute, counts, pool))
    brand_counts = Counter(b for p in personas for b in p.brands)
    coverage.append(
        _coverage("brands", brand_counts, pools.all_brands() if pools is not None else None)
    )
    bios = None
    if encoder is not None:
        bios = pairwise_stats(encoder.encode_texts([p.bio for p in personas]), threshold=threshold)
    names = Counter(p.name.casefold() for p in personas)  # "Anna Berg" and "anna berg" are one
    shown: dict[str, str] = {}
    for persona in personas:
        shown.setdefault(persona.name.casefold(), persona.name)
    return DiversityReport(
        personas=len(personas),
        coverage=tuple(coverage),
        bios=bios,
        encoder=encoder.id if encoder is not None else None,
        unique_names=len(names),
        duplicate_names={shown[k]: c for k, c in names.most_common() if c > 1},
        mean_bio_sentences=_mean([count_sentences(p.bio) for p in personas]),
        mean_bio_words=_mean([len(p.bio.split()) for p in personas]),
    )


def _coverage(attribute: str, counts: Counter[str], pool: list[str] | None) -> AttributeCoverage:
    ordered = dict(counts.most_common())
    if pool is None:
        used = len(counts)
    else:  # list unused pool values too, with 0, so gaps are visible
        ordered.update({value: 0 for value in pool if value not in counts})
        used = sum(1 for value in pool if counts[value] > 0)
    return AttributeCoverage(
        attribute=attribute,
        used=used,
        pool_size=len(pool) if pool is not None else None,
        counts=ordered,
    )


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None

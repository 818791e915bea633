"""Helpers for the index tests: random catalogues and a brute-force reference written by hand."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tastemaker.index import FILTER_FIELDS, Hit, ItemFilter

GENDERS = ("Men", "Women", "Unisex", "Boys", "Girls")
ARTICLES = tuple(f"Article{i}" for i in range(40))
COLOURS = ("Black", "White", "Blue", "Red", "Green", "Navy Blue")
SEASONS = ("Spring", "Summer", "Fall", "Winter")
USAGES = ("Casual", "Formal", "Sports", "Ethnic")
TOLERANCE = 1e-5


@dataclass
class Catalogue:
    """``n`` items: ids, float32 vectors ``[n, d]`` (not necessarily unit), metadata columns."""

    ids: list[str]
    vectors: npt.NDArray[np.float32]
    columns: dict[str, list[str | None]]

    def subset(self, rows: Sequence[int]) -> Catalogue:
        return Catalogue(
            [self.ids[r] for r in rows],
            self.vectors[list(rows)],
            {f: [values[r] for r in rows] for f, values in self.columns.items()},
        )


def unit(rows: npt.ArrayLike) -> npt.NDArray[np.float32]:
    array = np.asarray(rows, dtype=np.float32)
    normalised: npt.NDArray[np.float32] = array / np.linalg.norm(array, axis=1, keepdims=True)
    return normalised


def random_catalogue(n: int, dim: int, seed: int = 0, missing: float = 0.02) -> Catalogue:
    """Gaussian vectors and categorical metadata shaped like the fashion catalogue (skewed)."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)

    def column(values: Sequence[str]) -> list[str | None]:
        weights = 1.0 / np.arange(1, len(values) + 1)
        picked = rng.choice(len(values), n, p=weights / weights.sum())
        gone = rng.random(n) < missing
        return [None if gone[i] else values[picked[i]] for i in range(n)]

    columns = {
        "gender": column(GENDERS),
        "master_category": column(("Apparel", "Accessories", "Footwear")),
        "sub_category": column(("Topwear", "Bottomwear", "Shoes", "Bags", "Watches")),
        "article_type": column(ARTICLES),
        "base_colour": column(COLOURS),
        "season": column(SEASONS),
        "usage": column(USAGES),
    }
    ids = [f"item-{i:05d}" for i in rng.permutation(n)]
    return Catalogue(ids, vectors, columns)


def brute_force(
    catalogue: Catalogue,
    query: npt.ArrayLike,
    k: int,
    item_filter: ItemFilter | None = None,
    exclude: Collection[str] = (),
) -> tuple[list[Hit], dict[str, float]]:
    """The reference answer, by hand: float64 cosine, Python predicates, sort by (-score, id).

    Also returns every allowed item's score, to judge hits among near-ties.
    """
    vectors = catalogue.vectors.astype(np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    q = np.asarray(query, dtype=np.float64)
    q = q / np.linalg.norm(q)
    scores = vectors @ q
    allowed: dict[str, float] = {}
    for row, item_id in enumerate(catalogue.ids):
        if item_id in exclude:
            continue
        if item_filter is not None:
            ok = all(
                catalogue.columns[f][row] is not None
                and str(catalogue.columns[f][row]).strip().casefold() in values
                for f, values in item_filter.constraints().items()
            )
            if not ok:
                continue
        allowed[item_id] = float(scores[row])
    ranked = sorted(allowed.items(), key=lambda pair: (-pair[1], pair[0]))
    return [Hit(i, s) for i, s in ranked[:k]], allowed


def assert_same_hits(
    got: list[Hit], want: list[Hit], allowed: dict[str, float], tol: float = TOLERANCE
) -> None:
    """``got`` is a correct answer where ``want`` is: same length and scores, allowed ids only,
    no duplicates, best first with ties by id; ids may differ only among near-tied scores."""
    assert len(got) == len(want), (got, want)
    got_ids = [h.item_id for h in got]
    assert len(set(got_ids)) == len(got_ids), got
    for mine, theirs in zip(got, want, strict=True):
        assert mine.item_id in allowed, mine
        assert abs(mine.score - theirs.score) <= tol, (mine, theirs)
        assert abs(mine.score - allowed[mine.item_id]) <= tol, mine
    for before, after in itertools.pairwise(got):
        assert (before.score, after.item_id) >= (after.score, before.item_id), got
    # Group ranks whose reference scores chain within tol: a group's ids must agree, except the
    # last group, which k may cut through.
    groups: list[list[int]] = []
    for rank, hit in enumerate(want):
        if groups and want[groups[-1][-1]].score - hit.score <= 2 * tol:
            groups[-1].append(rank)
        else:
            groups.append([rank])
    for group in groups[:-1]:
        assert {got[r].item_id for r in group} == {want[r].item_id for r in group}, (got, want)


def random_filter(rng: np.random.Generator, catalogue: Catalogue, fields: int = 1) -> ItemFilter:
    """A filter on ``fields`` random fields, each allowing one or two values seen in the data."""
    chosen = rng.choice(len(FILTER_FIELDS), fields, replace=False)
    spec: dict[str, list[str]] = {}
    for index in chosen:
        field = FILTER_FIELDS[int(index)]
        seen = sorted({v for v in catalogue.columns[field] if v is not None})
        picked = rng.choice(len(seen), min(len(seen), int(rng.integers(1, 3))), replace=False)
        spec[field] = [seen[int(p)].upper() for p in picked]  # case must not matter
    return ItemFilter.from_mapping(spec)


def recall(got: list[list[Hit]], want: list[list[Hit]]) -> float:
    """Mean share of the reference ids found, over queries."""
    shares = [
        len({h.item_id for h in g} & {h.item_id for h in w}) / len(w)
        for g, w in zip(got, want, strict=True)
        if w
    ]
    return float(np.mean(shares))

"""Sampling training batches and the validation slice from :class:`TrainingData` (NumPy only).

A training example is a user with a random share of their positives held out as *targets*;
the rest of their ratings is the *history* the user tower reads. So the model learns to
predict items a user rated from the other items they rated — exactly what it does for a new
user at serving time (fold-in), and for a known user at evaluation time. With
``history_targets`` the history's positives are targets too (a denoising objective, as in
Mult-DAE, Liang et al. 2018): every positive is predicted, from a history that misses a random
share of them.

A share of the rows can be drawn *blank* (``profile_dropout``): the user tower then reads no
attributes or text for them, and with ``cold_start_items`` their history is cut to that many
liked items — what a shopper onboarded from a few liked items gives the tower at serving time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tastemaker.model.data import TrainingData

__all__ = ["Batch", "UserRows", "sample_batch", "validation_split"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float32]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class UserRows:
    """The rating rows grouped by user (CSR): user ``u`` owns rows ``indptr[u]:indptr[u+1]``."""

    indptr: Ints
    items: Ints
    weights: Floats
    positive: Bools
    ratings: Floats  # normalised to 0..1 for the rating head (0 for a dislike: no rating)
    dislike: Bools  # the scale's dislike answer (its own outcome, never a rating)
    graded: Bools  # has a rating or the dislike answer (an event has neither: no head row)
    loss_weights: Floats | None = None  # per row, its source's weight (None: all 1)

    @classmethod
    def of(cls, data: TrainingData) -> UserRows:
        order = np.argsort(data.users, kind="stable")
        counts = np.bincount(data.users, minlength=data.n_users)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        span = max(data.scale.high - data.scale.low, 1e-9)
        raw = data.ratings[order]
        graded = ~np.isnan(raw)
        dislike = data.scale.disliked(raw) & graded
        ratings = np.where(dislike | ~graded, 0.0, (raw - data.scale.low) / span)
        return cls(
            indptr,
            data.items[order],
            data.weights[order],
            data.positive[order],
            ratings.astype(np.float32),
            dislike,
            graded,
            None if data.loss_weights is None else data.loss_weights[order],
        )

    def lengths(self, users: Ints) -> Ints:
        return (self.indptr[users + 1] - self.indptr[users]).astype(np.int64)

    def entries(self, users: Ints) -> tuple[Ints, Ints]:
        """``(row, entry)``: for every rating of ``users``, its batch row and its CSR index."""
        lengths = self.lengths(users)
        rows = np.repeat(np.arange(len(users)), lengths)
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return rows.astype(np.int64), (np.repeat(self.indptr[users], lengths) + offsets)


@dataclass(frozen=True)
class Batch:
    """One step's users: their histories (padded), targets and known items.

    ``history_items``/``history_weights``: ``[B, L]`` catalogue indices and weights (0 pads);
    ``target_rows``/``target_items``: ``[T]``; ``known_rows``/``known_items``: ``[E]`` every
    other rated item of each row's user (masked out of the softmax); ``head_rows``/
    ``head_items``/``head_ratings``/``head_dislike``: ``[H]`` the pairs the rating head learns
    from (normalised rating, dislike flag); ``blank``: ``[B]`` rows whose attributes and text
    the user tower must not read; ``target_weights`` ``[T]`` and ``head_weights`` ``[H]``: each
    pair's loss weight (None when every row weighs 1).
    """

    users: Ints
    history_items: Ints
    history_weights: Floats
    target_rows: Ints
    target_items: Ints
    head_rows: Ints
    head_items: Ints
    head_ratings: Floats
    head_dislike: Bools
    known_rows: Ints
    known_items: Ints
    blank: Bools
    target_weights: Floats | None = None
    head_weights: Floats | None = None


def _random_first(
    keep: Bools, rows: Ints, n_rows: int, limit: int, rng: np.random.Generator
) -> Bools:
    """``keep`` narrowed to a random ``limit`` of each row's kept entries (grouped by row)."""
    keys = np.where(keep, rng.random(len(keep)), np.inf)
    order = np.lexsort((keys, rows))
    rank = np.empty(len(keep), np.int64)
    starts = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))[:-1]])
    rank[order] = np.arange(len(keep)) - starts[rows[order]]
    return keep & (rank < limit)


def padded(rows: Ints, items: Ints, weights: Floats, n_rows: int) -> tuple[Ints, Floats]:
    """Scatter ``(row, item, weight)`` entries (grouped by row) into ``[n_rows, L]`` arrays."""
    counts = np.bincount(rows, minlength=n_rows)
    width = max(1, int(counts.max()) if counts.size else 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    column = np.arange(len(rows)) - starts[rows]
    out_items = np.zeros((n_rows, width), np.int64)
    out_weights = np.zeros((n_rows, width), np.float32)
    out_items[rows, column] = items
    out_weights[rows, column] = weights
    return out_items, out_weights


def sample_batch(
    table: UserRows,
    users: Ints,
    *,
    target_fraction: float,
    history_length: int,
    rng: np.random.Generator,
    history_targets: bool = False,
    profile_dropout: float = 0.0,
    cold_start_items: int = 0,
) -> Batch:
    """Hold out each rating with probability ``target_fraction``: the held-out positives are
    the targets, every held-out pair a rating-head row, and the rest is the history.
    ``history_targets``: every positive is a target (and a head row), held out or not, and
    only the non-positive ratings are known items outside the targets.

    ``profile_dropout``: each row is blank with this probability; with ``cold_start_items``
    a blank row's history keeps only that many of its (non-target) positives, no dislikes.
    """
    rows, entries = table.entries(users)
    held = rng.random(len(entries)) < target_fraction
    target = table.positive[entries] & held
    readable = ~held & (table.weights[entries] != 0)
    if history_length > 0:
        readable = _random_first(readable, rows, len(users), history_length, rng)
    blank = np.zeros(len(users), np.bool_)
    if profile_dropout > 0.0:  # no draw otherwise: the default run's stream stays the same
        blank = rng.random(len(users)) < profile_dropout
    if cold_start_items > 0 and blank.any():
        liked = _random_first(readable & table.positive[entries], rows, len(users),
                              cold_start_items, rng)  # fmt: skip
        readable = np.where(blank[rows], liked, readable)
    head = held  # every held-out pair, positive or not, is one the rating head learns from
    if history_targets:
        target = table.positive[entries]
        head = held | target
    head &= table.graded[entries]  # an event has no rating to learn
    weights = table.loss_weights
    hist_items, hist_weights = padded(
        rows[readable], table.items[entries[readable]], table.weights[entries[readable]], len(users)
    )
    return Batch(
        users=users,
        history_items=hist_items,
        history_weights=hist_weights,
        target_rows=rows[target],
        target_items=table.items[entries[target]],
        head_rows=rows[head],
        head_items=table.items[entries[head]],
        head_ratings=table.ratings[entries[head]],
        head_dislike=table.dislike[entries[head]],
        known_rows=rows[~target],
        known_items=table.items[entries[~target]],
        blank=blank,
        target_weights=None if weights is None else weights[entries[target]],
        head_weights=None if weights is None else weights[entries[head]],
    )


def validation_split(
    data: TrainingData, *, user_share: float, fraction: float, seed: int
) -> tuple[Bools, Ints]:
    """Hold out ``fraction`` of the positives of a ``user_share`` of the users.

    Returns ``(held_out [n_rows] bool over data's rows, val_users)``. Only users with at least
    two positives are chosen, and each keeps at least one positive in training. (Drawing them
    among heavy users instead made validation peak far earlier than the test metrics did.)
    With ``data.validation`` only those rows count as positives here and may be held out (a
    mix validates on real users' real rows), and ``user_share`` is a share of their users.
    """
    rng = np.random.default_rng(seed)
    if data.validation is not None:
        counted = data.positive & data.validation
        n_users = int(np.unique(data.users[data.validation]).size)
    else:
        counted, n_users = data.positive, data.n_users
    positives = np.bincount(data.users[counted], minlength=data.n_users)
    eligible = np.flatnonzero(positives >= 2)
    count = min(len(eligible), max(1, round(user_share * n_users))) if len(eligible) else 0
    chosen = np.sort(rng.choice(eligible, size=count, replace=False)) if count else eligible[:0]
    held = np.zeros(len(data.users), np.bool_)
    draws = rng.random(len(data.users))
    is_chosen = np.isin(data.users, chosen) & counted
    held[is_chosen] = draws[is_chosen] < fraction
    # Every chosen user keeps one positive and holds out at least one.
    for user in chosen:
        mine = np.flatnonzero((data.users == user) & counted)
        kept = mine[~held[mine]]
        if len(kept) == 0:
            held[mine[0]] = False
        elif len(kept) == len(mine):
            held[mine[-1]] = True
    return held, chosen.astype(np.int64)


def full_history(table: UserRows, users: Ints) -> tuple[Ints, Floats]:
    """Every weighted rating of ``users`` as padded ``[B, L]`` (items, weights): inference."""
    rows, entries = table.entries(users)
    readable = table.weights[entries] != 0
    return padded(
        rows[readable], table.items[entries[readable]], table.weights[entries[readable]], len(users)
    )

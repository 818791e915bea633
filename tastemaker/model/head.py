"""The rating head: a 2-layer MLP that reads a (user, item) pair's tower outputs and gives two
outcomes, the graded rating (regressed on a 0..1 scale that :class:`RatingScale` maps to and
from the dataset's own) and, apart from it, the logit of a dislike.

A persona's ``-1`` means "dislike", not "a rating just below 1": regressed as a number it
would drag every expected rating down as if it were one. So a scale may name a ``dislike``
value outside its graded range; rows with that value leave the regression and train the
dislike logit instead, and a prediction is read as a rating over ``low..high`` plus
P(dislike). MovieLens has no such answer (``dislike`` None) and the logit goes unused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor, nn

__all__ = ["PERSONA_SCALE", "HeadOutput", "RatingHead", "RatingScale"]


@dataclass(frozen=True)
class RatingScale:
    """The graded range ``low..high`` (the head regresses ``(r - low) / (high - low)``) and
    the value that means "dislike", if the scale has one (outside the graded range)."""

    low: float
    high: float
    dislike: float | None = None

    def normalise(self, ratings: Tensor) -> Tensor:
        return (ratings - self.low) / max(self.high - self.low, 1e-9)

    def restore(self, values: Tensor) -> Tensor:
        """Back to the dataset's scale, clipped to its graded range: ``[n]``."""
        return (self.low + values * (self.high - self.low)).clamp(self.low, self.high)

    def disliked(self, ratings: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
        """Which of ``ratings`` ``[n]`` are the dislike answer (none without one)."""
        if self.dislike is None:
            return np.zeros(len(ratings), np.bool_)
        return np.asarray(ratings == self.dislike, dtype=np.bool_)


#: The persona scale: -1 = dislike, 1..10 how much the persona likes the item.
PERSONA_SCALE = RatingScale(1.0, 10.0, dislike=-1.0)


class HeadOutput(NamedTuple):
    """The head's two outcomes for ``n`` pairs: ``rating`` ``[n]`` (normalised, meaningful
    for a pair that is not disliked) and ``dislike`` ``[n]`` (the logit of P(dislike))."""

    rating: Tensor
    dislike: Tensor


class RatingHead(nn.Module):
    """``[cos(u, v)]`` (and ``u ⊙ v`` when ``product``) → hidden → (rating, dislike logit)."""

    def __init__(self, dim: int, hidden: int = 32, product: bool = True) -> None:
        super().__init__()
        self.product = product
        width = 1 + (dim if product else 0)
        self.trunk = nn.Sequential(nn.Linear(width, hidden), nn.GELU())
        self.rating = nn.Linear(hidden, 1)
        self.dislike = nn.Linear(hidden, 1)

    def forward(self, users: Tensor, items: Tensor) -> HeadOutput:
        """``users``, ``items``: unit rows ``[n, dim]`` of the pairs."""
        product = users * items
        cosine = product.sum(-1, keepdim=True)
        hidden = self.trunk(torch.cat([cosine, product], dim=-1) if self.product else cosine)
        return HeadOutput(self.rating(hidden).squeeze(-1), self.dislike(hidden).squeeze(-1))

"""The rating head: a 2-layer MLP that reads a (user, item) pair's tower outputs and regresses
the rating, on a 0..1 scale that :class:`RatingScale` maps to and from the dataset's own."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

__all__ = ["RatingHead", "RatingScale"]


@dataclass(frozen=True)
class RatingScale:
    """The dataset's rating range, so the head regresses ``(r - low) / (high - low)``."""

    low: float
    high: float

    def normalise(self, ratings: Tensor) -> Tensor:
        return (ratings - self.low) / max(self.high - self.low, 1e-9)

    def restore(self, values: Tensor) -> Tensor:
        """Back to the dataset's scale, clipped to its range: ``[n]``."""
        return (self.low + values * (self.high - self.low)).clamp(self.low, self.high)


class RatingHead(nn.Module):
    """``[cos(u, v)]`` (and ``u ⊙ v`` when ``product``) → hidden → 1: normalised rating ``[n]``."""

    def __init__(self, dim: int, hidden: int = 32, product: bool = True) -> None:
        super().__init__()
        self.product = product
        width = 1 + (dim if product else 0)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, 1))

    def forward(self, users: Tensor, items: Tensor) -> Tensor:
        """``users``, ``items``: unit rows ``[n, dim]`` of the pairs; returns ``[n]``."""
        product = users * items
        cosine = product.sum(-1, keepdim=True)
        inputs = torch.cat([cosine, product], dim=-1) if self.product else cosine
        out: Tensor = self.mlp(inputs).squeeze(-1)
        return out

"""The assembled model: both towers, the rating head, and the feature tables they read.

:class:`TwoTower` is what training produces and what the export writes out; it knows how to
compute item vectors for the catalogue and user vectors from histories, and nothing about
losses or optimisers.

With a fine-tuned CLIP text tower (``config.finetune_blocks > 0``) the item text input is not
the frozen vector of the feature table: it is the trained :class:`~.text_tower.TextTail` (a
submodule, so its weights train, checkpoint and export with the rest) run on the frozen
prefix states that ``prefixes`` gives for the rows asked for (a
:class:`~.text_prefix.PrefixCache` while training).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor, nn

from tastemaker.model.config import ModelConfig
from tastemaker.model.features import FeatureTable
from tastemaker.model.head import RatingHead, RatingScale
from tastemaker.model.text_tower import PrefixSource, TextTail
from tastemaker.model.towers import History, ItemInputs, ItemTower, UserInputs, UserTower

__all__ = ["TwoTower", "as_tensor"]

Floats = npt.NDArray[np.float32]


def as_tensor(array: npt.NDArray[np.generic] | None) -> Tensor | None:
    """A NumPy array as a CPU tensor sharing its memory (None stays None)."""
    return None if array is None else torch.from_numpy(np.ascontiguousarray(array))


class TwoTower(nn.Module):
    """Item tower + user tower + rating head over fixed user and item feature tables."""

    def __init__(
        self,
        config: ModelConfig,
        *,
        item_features: FeatureTable,
        user_features: FeatureTable,
        scale: RatingScale,
        temperature: float,
        text_tail: TextTail | None = None,
        prefixes: PrefixSource | None = None,
    ) -> None:
        super().__init__()
        if (text_tail is None) != (config.finetune_blocks == 0) or (
            text_tail is not None and prefixes is None
        ):
            raise ValueError(
                f"finetune_blocks {config.finetune_blocks} needs a text tail and its prefixes "
                "exactly when it is above 0"
            )
        self.config, self.scale, self.temperature = config, scale, temperature
        self.item_features, self.user_features = item_features, user_features
        n_items = len(item_features)
        self.item_tower = ItemTower(
            n_items=n_items,
            n_tokens=len(item_features.vocab),
            text_dim=item_features.text_dim,
            dim=config.dim,
            use_ids=config.use_item_ids,
            layers=config.item_layers,
            dropout=config.dropout,
        )
        self.user_tower = UserTower(
            n_items=n_items,
            n_tokens=len(user_features.vocab),
            text_dim=user_features.text_dim if config.user_text else 0,
            dim=config.dim,
            use_ids=config.use_item_ids,
            attention=config.attention,
            layers=config.user_layers,
            dropout=config.dropout,
        )
        self.head = RatingHead(config.dim, config.head_hidden, config.head_product)
        self.text_tail, self.prefixes = text_tail, prefixes
        self._item_tokens = torch.from_numpy(item_features.tokens)
        self._item_text = as_tensor(item_features.text)
        self._user_tokens = torch.from_numpy(user_features.tokens)
        self._user_text = as_tensor(user_features.text) if config.user_text else None

    def item_inputs(self, rows: Tensor) -> ItemInputs:
        """Catalogue rows ``[m]`` as item-tower inputs."""
        text = None if self._item_text is None else self._item_text[rows]
        if self.text_tail is not None:
            text = self.item_text(rows)
        return ItemInputs(rows=rows, tokens=self._item_tokens[rows], text=text)

    #: Items per pass of the text tail outside training (bounds its ``[m, T, hidden]``).
    text_chunk: int = 512

    def item_text(self, rows: Tensor) -> Tensor:
        """The fine-tuned text vectors ``[m, projection]`` of catalogue ``rows`` ``[m]``."""
        if self.text_tail is None or self.prefixes is None:
            raise ValueError("this model has no fine-tuned text tower")
        if torch.is_grad_enabled() or len(rows) <= self.text_chunk:
            out: Tensor = self.text_tail(*self.prefixes(rows))
            return out
        return torch.cat(
            [
                self.item_text(rows[i : i + self.text_chunk])
                for i in range(0, len(rows), self.text_chunk)
            ]
        )

    def user_inputs(self, users: Tensor) -> UserInputs:
        """User rows ``[B]`` as user-tower inputs."""
        text = None if self._user_text is None else self._user_text[users]
        return UserInputs(tokens=self._user_tokens[users], text=text)

    def items(self, rows: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """``(vectors [m, dim], bias [m])`` of catalogue ``rows`` (all items when None)."""
        if rows is None:
            rows = torch.arange(len(self.item_features))
        vectors, bias = self.item_tower(self.item_inputs(rows))
        if not self.config.item_bias:
            bias = torch.zeros_like(bias)
        return vectors, bias

    def users(
        self,
        users: Tensor,
        history: History,
        table_vectors: Tensor,
        table_rows: Tensor,
        blank: Tensor | None = None,
    ) -> Tensor:
        """User vectors ``[B, dim]``; ``history`` indexes a table of items whose item-tower
        vectors are ``table_vectors [n, dim]`` and catalogue rows ``table_rows [n]``.
        ``blank`` (bool ``[B]``) hides those users' attributes and text: their tower reads
        what it reads for a shopper folded in from items alone (no tokens, a zero text)."""
        keys = self.user_tower.keys(table_vectors, table_rows)
        inputs = self.user_inputs(users)
        if blank is not None:
            hidden = blank[:, None]
            text = None if inputs.text is None else inputs.text.masked_fill(hidden, 0.0)
            inputs = UserInputs(tokens=inputs.tokens.masked_fill(hidden, 0), text=text)
        out: Tensor = self.user_tower(history, keys, inputs)
        return out

    @torch.no_grad()
    def catalogue(self) -> tuple[Floats, Floats]:
        """Eval-mode ``(item vectors [n_items, dim], bias [n_items])`` as float32 arrays."""
        was = self.training
        self.eval()
        vectors, bias = self.items()
        self.train(was)
        return vectors.numpy().astype(np.float32), bias.numpy().astype(np.float32)

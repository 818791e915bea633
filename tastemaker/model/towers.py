"""The two towers: plain ``nn.Module``s that map features to unit vectors, and nothing else.

No loss, sampling or optimiser lives here (those are :mod:`.losses` and :mod:`.train`), so the
service rebuilds these modules from an export and runs them without any training code.

* :class:`ItemTower`: frozen text vector (projected) + a bag of categorical-token embeddings
  + a learned per-item embedding (for catalogue items; new items have none) → optional MLP →
  L2-normalised ``[dim]``; plus a scalar score offset (a learned popularity prior per known
  item; new items get a neutral value, the median).
* :class:`UserTower`: the user's history — attention pooling over the rated items'
  representations (the item tower's vectors projected, plus the user tower's own per-item
  history embedding), each weighted by its rating sign — + user text + attribute tokens →
  optional MLP → L2-normalised ``[dim]``. Because the history *is* the user representation,
  any user, including one who arrives after training, is served by running this tower on
  their history (fold-in), with no per-user parameter at all.

Scores are ``cos(u, v) / τ + bias(v)``; see :func:`scores`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional

__all__ = ["History", "ItemInputs", "ItemTower", "UserInputs", "UserTower", "scores"]


_SIZE_BUCKETS = 12


def _features(n_tokens: int, text_dim: int, dim: int) -> tuple[nn.EmbeddingBag, nn.Linear | None]:
    """A tower's feature inputs: a bag of categorical-token embeddings (token 0 = none, kept
    at zero) and a projection of the frozen text vector (None without text), both started
    small so the learned embeddings lead at first."""
    tokens = nn.EmbeddingBag(max(1, n_tokens), dim, mode="sum", padding_idx=0)
    nn.init.normal_(tokens.weight, std=0.01)
    with torch.no_grad():
        tokens.weight[0].zero_()
    text = nn.Linear(text_dim, dim, bias=False) if text_dim else None
    if text is not None:
        nn.init.normal_(text.weight, std=0.01)
    return tokens, text


def _mlp(dim: int, layers: int, dropout: float) -> nn.Module:
    """``layers`` hidden ``dim → dim`` GELU layers then a linear map; identity when 0."""
    if layers == 0:
        return nn.Identity()
    blocks: list[nn.Module] = []
    for _ in range(layers):
        blocks += [nn.Linear(dim, dim), nn.GELU(), nn.Dropout(dropout)]
    return nn.Sequential(*blocks, nn.Linear(dim, dim))


@dataclass(frozen=True)
class ItemInputs:
    """A batch of ``m`` items: ``rows`` int64 ``[m]`` (catalogue index, ``-1`` for an item
    the tower never saw), ``tokens`` int64 ``[m, width]`` (0 = none), ``text`` float32
    ``[m, text_dim]`` or None."""

    rows: Tensor
    tokens: Tensor
    text: Tensor | None = None


@dataclass(frozen=True)
class History:
    """A batch of ``B`` histories over a table of ``n`` items (rows of some item matrix).

    ``items``: int64 ``[B, L]`` row indices into the table; ``weights``: float32 ``[B, L]``,
    positive for liked (or merely rated) items, negative for disliked ones, 0 for padding.
    """

    items: Tensor
    weights: Tensor


@dataclass(frozen=True)
class UserInputs:
    """The users' own features: ``tokens`` int64 ``[B, width]``, ``text`` ``[B, text_dim]``."""

    tokens: Tensor
    text: Tensor | None = None


class ItemTower(nn.Module):
    """Item features → (unit vector ``[m, dim]``, score offset ``[m]``)."""

    def __init__(
        self,
        *,
        n_items: int,
        n_tokens: int,
        text_dim: int,
        dim: int,
        use_ids: bool = True,
        layers: int = 0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.n_items, self.dim = n_items, dim
        self.ids = nn.Embedding(n_items, dim) if use_ids else None
        if self.ids is not None:
            nn.init.normal_(self.ids.weight, std=0.1)
        self.tokens, self.text = _features(n_tokens, text_dim, dim)
        self.mlp = _mlp(dim, layers, dropout)
        # The score offset is a free parameter per item: deriving it from the embeddings (or
        # from the tokens) pulled them towards popularity and cost 0.5-1 % NDCG@10 on ML-100K.
        # Items the tower never saw get ``new_item_bias`` (set to the median after training).
        self.id_bias = nn.Parameter(torch.zeros(n_items))
        self.new_item_bias: Tensor
        self.register_buffer("new_item_bias", torch.zeros(()))

    @torch.no_grad()
    def set_new_item_bias(self) -> None:
        """Items the tower never saw will score with the median learned offset."""
        self.new_item_bias.fill_(self.id_bias.median())

    def forward(self, items: ItemInputs) -> tuple[Tensor, Tensor]:
        """``(vectors [m, dim] unit rows, bias [m])``; unknown rows (``-1``) use features only."""
        known = items.rows >= 0
        rows = items.rows.clamp(min=0)
        hidden = self.tokens(items.tokens)
        if self.ids is not None:
            hidden = hidden + self.ids(rows) * known.unsqueeze(1)
        if self.text is not None:
            if items.text is None:
                raise ValueError("this item tower reads text vectors; none were given")
            hidden = hidden + self.text(items.text)
        vectors = functional.normalize(self.mlp(hidden), dim=-1)
        new_item_bias: Tensor = self.new_item_bias
        bias = torch.where(known, self.id_bias[rows], new_item_bias)
        return vectors, bias


class UserTower(nn.Module):
    """History (+ user features) → unit vector ``[B, dim]``."""

    def __init__(
        self,
        *,
        n_items: int,
        n_tokens: int,
        text_dim: int,
        dim: int,
        use_ids: bool = True,
        attention: bool = True,
        layers: int = 0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.n_items, self.dim = n_items, dim
        self.history_ids = nn.Embedding(n_items, dim) if use_ids else None
        if self.history_ids is not None:
            nn.init.normal_(self.history_ids.weight, std=0.1)
        self.project = nn.Linear(dim, dim, bias=False)
        nn.init.normal_(self.project.weight, std=0.01)
        self.query = nn.Linear(dim, 1) if attention else None
        self.tokens, self.text = _features(n_tokens, text_dim, dim)
        self.mlp = _mlp(dim, layers, dropout)
        # How much history there is (log2 buckets): lets a short, noisy history lean on the
        # popularity direction more than a long one.
        self.size = nn.Embedding(_SIZE_BUCKETS, dim)
        nn.init.normal_(self.size.weight, std=0.01)

    @torch.no_grad()
    def forget_history_ids(self, unseen: Tensor) -> None:
        """Zero the history embeddings of the ``unseen`` rows (bool ``[n_items]``), items no
        training history held: theirs never moved from the random start, and in a shopper's
        onboarding history that noise outweighed what the item tower says about the item.
        Zeroed, such an item counts through its item-tower vector alone."""
        if self.history_ids is not None:
            self.history_ids.weight[unseen] = 0.0

    def keys(self, item_vectors: Tensor, item_rows: Tensor) -> Tensor:
        """History representations of a table of items: ``[n, dim]``.

        ``item_vectors`` ``[n, dim]`` are the item tower's outputs for the table, ``item_rows``
        ``[n]`` their catalogue indices (``-1``: unknown to this tower, no history embedding).
        """
        keys: Tensor = self.project(item_vectors)
        if self.history_ids is not None:
            known = (item_rows >= 0).unsqueeze(1)
            keys = keys + self.history_ids(item_rows.clamp(min=0)) * known
        return keys

    def pool(self, history: History, keys: Tensor) -> Tensor:
        """Attention-weighted mean of ``keys`` rows over each history: ``[B, dim]``.

        Entry ``(b, l)`` gets ``exp(score(key)) * |weight|`` of the attention mass and
        contributes ``sign(weight) * key``, so disliked items pull the user away. The mean runs
        through a dense ``[B, n]`` matrix, which for tables of a few thousand rows is much
        faster on CPU than gathering ``[B, L, dim]`` (both give the same result).
        """
        n = keys.shape[0]
        if self.query is not None:
            logits = self.query(torch.tanh(keys)).squeeze(-1)  # [n]
            mass = torch.exp(logits - logits.max().detach())[history.items]
        else:
            mass = torch.ones_like(history.weights)
        signed = torch.zeros(history.items.shape[0], n, dtype=keys.dtype, device=keys.device)
        signed = signed.scatter_add(1, history.items, mass * history.weights)
        total = (mass * history.weights.abs()).sum(1, keepdim=True)
        return (signed @ keys) / total.clamp(min=1e-12)

    def forward(self, history: History, keys: Tensor, user: UserInputs) -> Tensor:
        """``[B, dim]`` unit rows. ``keys``: :meth:`keys` of the table ``history`` indexes."""
        count = (history.weights != 0).sum(1).to(keys.dtype)
        bucket = torch.log2(count + 1.0).long().clamp(max=_SIZE_BUCKETS - 1)
        hidden = self.pool(history, keys) + self.tokens(user.tokens) + self.size(bucket)
        if self.text is not None:
            if user.text is None:
                raise ValueError("this user tower reads text vectors; none were given")
            hidden = hidden + self.text(user.text)
        out: Tensor = functional.normalize(self.mlp(hidden), dim=-1)
        return out


def scores(users: Tensor, items: Tensor, bias: Tensor | None, temperature: float) -> Tensor:
    """Logits ``[B, m]`` = ``users [B, dim] @ items [m, dim].T / τ + bias [m]``."""
    logits = users @ items.T / temperature
    return logits if bias is None else logits + bias

"""Side features of users and items as the towers read them: categorical tokens and text vectors.

Every categorical value becomes one token ``field=value`` in a single vocabulary per side
(``genres`` contributes one token per genre, ``year`` one per decade, ``age`` one per decade of
life), and an entity is the bag of its tokens. Index 0 is padding and also where an unknown
value goes, so a new item or a new user with a colour the model never saw still gets a vector,
just without that token. Text vectors come frozen from the embedding stage (unit rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["FeatureTable", "Vocabulary", "entity_tokens"]

Tokens = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float32]

#: Fields whose value is a "|"-joined list (one token per element).
_MULTI: Final = frozenset({"genres"})
#: Numeric fields bucketed by decade, so that nearby values share a token.
_DECADE: Final = frozenset({"year", "age"})


def entity_tokens(record: Mapping[str, object], fields: Sequence[str]) -> list[str]:
    """The tokens of one user or item, e.g. ``['gender=Women', 'usage=Casual']``.

    Missing values (None, NaN, empty strings, negative numbers for decade fields) give no token.
    """
    tokens: list[str] = []
    for field in fields:
        value = record.get(field)
        if value is None or (isinstance(value, float) and value != value):
            continue
        if field in _DECADE:
            try:
                number = int(float(str(value)))
            except ValueError:
                continue
            if number >= 0:
                tokens.append(f"{field}={number // 10 * 10}s")
            continue
        parts = str(value).split("|") if field in _MULTI else [str(value)]
        tokens.extend(f"{field}={p.strip()}" for p in parts if p.strip())
    return tokens


@dataclass(frozen=True)
class Vocabulary:
    """Token strings by index; index 0 is padding / unknown and has no string."""

    tokens: tuple[str, ...]

    @classmethod
    def build(cls, rows: Iterable[Sequence[str]]) -> Vocabulary:
        """Every distinct token of ``rows``, sorted (so the vocabulary is order-independent)."""
        return cls(tuple(sorted({t for row in rows for t in row})))

    def __len__(self) -> int:
        """Number of embedding rows needed: the tokens plus the padding row."""
        return len(self.tokens) + 1

    def encode(self, rows: Sequence[Sequence[str]], width: int | None = None) -> Tokens:
        """Token indices ``[len(rows), width]``, zero-padded; unknown tokens are dropped.

        ``width`` defaults to the longest row (at least 1).
        """
        index = {token: i + 1 for i, token in enumerate(self.tokens)}
        encoded = [[index[t] for t in row if t in index] for row in rows]
        width = max([1, *(len(r) for r in encoded)]) if width is None else width
        out = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(encoded):
            out[i, : min(len(row), width)] = row[:width]
        return out


@dataclass(frozen=True)
class FeatureTable:
    """Features of one side, row ``i`` for entity ``ids[i]``.

    ``tokens``: int64 ``[n, width]`` indices into ``vocab`` (0 = none); ``text``: float32
    ``[n, text_dim]`` unit rows, or None when the model reads no text; ``texts``: the strings
    those vectors encode (what a fine-tuned text tower reads), or None when not kept.
    """

    ids: tuple[str, ...]
    fields: tuple[str, ...]
    vocab: Vocabulary
    tokens: Tokens
    text: Floats | None = None
    texts: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.tokens.shape[0] != len(self.ids):
            raise ValueError(f"{self.tokens.shape[0]} token rows for {len(self.ids)} ids")
        if self.text is not None and self.text.shape[0] != len(self.ids):
            raise ValueError(f"{self.text.shape[0]} text rows for {len(self.ids)} ids")
        if self.texts is not None and len(self.texts) != len(self.ids):
            raise ValueError(f"{len(self.texts)} texts for {len(self.ids)} ids")

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        records: Sequence[Mapping[str, object]],
        fields: Sequence[str],
        text: Floats | None = None,
        texts: Sequence[str] | None = None,
    ) -> FeatureTable:
        """Tokenise ``records`` (one per id) over ``fields`` with a vocabulary built from them;
        ``text`` are the vectors of ``texts`` (both optional)."""
        rows = [entity_tokens(r, fields) for r in records]
        vocab = Vocabulary.build(rows)
        vectors = None if text is None else np.ascontiguousarray(text, dtype=np.float32)
        kept = None if texts is None else tuple(texts)
        return cls(tuple(ids), tuple(fields), vocab, vocab.encode(rows), vectors, kept)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def text_dim(self) -> int:
        """Width of the text vectors (0 without text)."""
        return 0 if self.text is None else int(self.text.shape[1])

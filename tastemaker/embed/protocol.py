"""The encoder protocols every embedding model implements.

Downstream stages (the item tower, the index) only ever see these two protocols, so MiniLM,
CLIP or a future encoder can be swapped without touching them. Two promises matter:

- ``id`` names the model *and* everything that changes its output (weights version, pooling,
  truncation). It namespaces the embedding cache, so two encoders that could disagree on a
  vector must never share an id.
- Rows come back as float32 and L2-normalised, so a dot product is the cosine similarity and
  an inner-product index (FAISS ``IndexFlatIP``) needs no further preparation.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

__all__ = ["ImageEncoder", "TextEncoder", "Vectors"]

#: A float32 matrix of shape ``[n, dim]`` whose rows have unit L2 norm.
Vectors = npt.NDArray[np.float32]


@runtime_checkable
class TextEncoder(Protocol):
    """Turns texts into unit vectors of one fixed size."""

    @property
    def id(self) -> str:
        """Stable identity (model, version, pooling, truncation): the cache namespace."""
        ...

    @property
    def dim(self) -> int:
        """The length of every vector this encoder returns."""
        ...

    def encode_texts(self, texts: Sequence[str]) -> Vectors:
        """Encode ``texts``; returns float32 ``[len(texts), dim]``, rows L2-normalised.

        Row ``i`` belongs to ``texts[i]`` whatever order the encoder batches them in, and an
        empty input gives an empty ``[0, dim]`` matrix.
        """
        ...


@runtime_checkable
class ImageEncoder(Protocol):
    """Turns image files into unit vectors of one fixed size."""

    @property
    def id(self) -> str:
        """Stable identity (model, version, preprocessing): the cache namespace."""
        ...

    @property
    def dim(self) -> int:
        """The length of every vector this encoder returns."""
        ...

    def encode_images(self, paths: Sequence[Path]) -> Vectors:
        """Encode the images at ``paths``; returns float32 ``[len(paths), dim]``, rows normalised.

        A missing or unreadable file raises :class:`~tastemaker.errors.EncoderError` naming it.
        """
        ...

"""Embeddings: item texts (and images) to unit vectors, cached by content, exported to files.

Offers:

- the protocols :class:`TextEncoder` and :class:`ImageEncoder` (float32 ``[n, dim]``, unit rows,
  a stable ``id`` that namespaces the cache);
- the encoders :class:`MiniLMEncoder` (offline default, 384-d) and :class:`ClipTextEncoder` /
  :class:`ClipImageEncoder` over :class:`ClipComponents` (CLIP ViT-B/32, 512-d, one space);
- :func:`get_text_encoder` / :func:`get_image_encoder` to build one from the ``encoder``
  setting, :func:`encoder_slug` and :func:`export_dir` to name its export folder;
- :class:`EmbeddingCache`, keyed by (encoder id, content hash), so nothing is encoded twice;
- :func:`embed_items`, the ``embed items`` stage, and its :class:`EmbedReport`;
- :func:`read_export` (an :class:`Export`) for the stages that read its ``vectors.npy``,
  ``ids.json`` and ``manifest.json`` (:class:`ExportPaths`).

The encoder classes load torch and transformers, so they are imported on first use: importing
this package stays cheap for the CLI. Importing it sets ``HF_HUB_OFFLINE=1`` unless the
environment already says otherwise.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

# tastemaker never downloads a model: every load passes local_files_only=True, and this also
# keeps huggingface_hub from any network call. It must be set before huggingface_hub is first
# imported (it reads the variable once), hence here; a value the user set wins.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tastemaker.embed.cache import EmbeddingCache
from tastemaker.embed.export import Export, ExportPaths, read_export
from tastemaker.embed.pipeline import EmbedReport, Progress, embed_items, encode_cached
from tastemaker.embed.protocol import ImageEncoder, TextEncoder, Vectors
from tastemaker.embed.registry import (
    DEFAULT_ENCODER,
    encoder_slug,
    export_dir,
    get_image_encoder,
    get_text_encoder,
)

if TYPE_CHECKING:
    from tastemaker.embed.clip import ClipComponents, ClipImageEncoder, ClipTextEncoder
    from tastemaker.embed.minilm import MiniLMEncoder

__all__ = [
    "DEFAULT_ENCODER",
    "ClipComponents",
    "ClipImageEncoder",
    "ClipTextEncoder",
    "EmbedReport",
    "EmbeddingCache",
    "Export",
    "ExportPaths",
    "ImageEncoder",
    "MiniLMEncoder",
    "Progress",
    "TextEncoder",
    "Vectors",
    "embed_items",
    "encode_cached",
    "encoder_slug",
    "export_dir",
    "get_image_encoder",
    "get_text_encoder",
    "read_export",
]

_LAZY = {
    "ClipComponents": "tastemaker.embed.clip",
    "ClipImageEncoder": "tastemaker.embed.clip",
    "ClipTextEncoder": "tastemaker.embed.clip",
    "MiniLMEncoder": "tastemaker.embed.minilm",
}


def __getattr__(name: str) -> object:
    """Import the torch-backed encoder classes only when first asked for."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

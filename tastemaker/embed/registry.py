"""Encoders by name: the ``encoder`` setting (``minilm`` or ``clip:<path-or-name>``) to an object.

The heavy modules (torch, transformers) are imported only when an encoder is built, so the CLI
starts fast and ``tastemaker --help`` never loads a model.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from tastemaker.embed.protocol import ImageEncoder, TextEncoder
from tastemaker.errors import ConfigError

if TYPE_CHECKING:
    from tastemaker.embed.clip import ClipComponents

__all__ = [
    "DEFAULT_ENCODER",
    "encoder_slug",
    "export_dir",
    "get_clip_components",
    "get_image_encoder",
    "get_text_encoder",
]

DEFAULT_ENCODER = "minilm"
_SPEC_HELP = "use 'minilm', 'minilm:<folder>' or 'clip:<folder-or-cached-hub-name>'"


def _split(spec: str) -> tuple[str, str]:
    kind, _, arg = spec.strip().partition(":")
    return kind.strip().lower(), arg.strip()


def get_text_encoder(spec: str = DEFAULT_ENCODER, *, batch_size: int = 64) -> TextEncoder:
    """The text encoder named by ``spec``; :class:`~tastemaker.errors.ConfigError` if unknown.

    ``minilm`` is the offline default (384-d); ``minilm:<folder>`` loads a model of the same
    family from a folder; ``clip:<folder-or-name>`` loads CLIP's text tower (512-d).
    """
    kind, arg = _split(spec)
    if kind == "minilm":
        from tastemaker.embed.minilm import MiniLMEncoder

        return MiniLMEncoder(Path(arg).expanduser() if arg else None, batch_size=batch_size)
    if kind == "clip":
        from tastemaker.embed.clip import ClipTextEncoder

        return ClipTextEncoder(_clip(_clip_arg(spec, arg)), batch_size=batch_size)
    raise ConfigError(f"unknown text encoder {spec!r}: {_SPEC_HELP}")


def get_image_encoder(spec: str, *, batch_size: int = 32) -> ImageEncoder:
    """The image encoder named by ``spec`` (only ``clip:<folder-or-name>`` has an image tower).

    Built together with :func:`get_text_encoder` for the same spec, both share one model load.
    """
    kind, arg = _split(spec)
    if kind != "clip":
        raise ConfigError(f"no image encoder for {spec!r}: use 'clip:<folder-or-cached-hub-name>'")
    from tastemaker.embed.clip import ClipImageEncoder

    return ClipImageEncoder(_clip(_clip_arg(spec, arg)), batch_size=batch_size)


def get_clip_components(spec: str) -> ClipComponents:
    """The CLIP model behind ``clip:<folder-or-name>`` (shared with its encoders), for code
    that needs its layers, such as fine-tuning its text blocks."""
    kind, arg = _split(spec)
    if kind != "clip":
        raise ConfigError(f"{spec!r} is not a CLIP encoder: use 'clip:<folder-or-cached-hub-name>'")
    return _clip(_clip_arg(spec, arg))


def _clip_arg(spec: str, arg: str) -> str:
    if not arg:
        raise ConfigError(f"encoder {spec!r} names no CLIP weights: {_SPEC_HELP}")
    return arg


@lru_cache(maxsize=2)
def _clip(name_or_path: str) -> ClipComponents:
    """One CLIP load per weights, shared by its text and image encoders."""
    from tastemaker.embed.clip import ClipComponents

    return ClipComponents.from_pretrained(name_or_path)


def encoder_slug(encoder_id: str) -> str:
    """A readable, filesystem-safe folder name for ``encoder_id``, unique per id.

    Punctuation becomes ``-`` and a short hash of the full id is appended, so two ids that
    differ only in punctuation (or in a part cut off by the length limit) never share a folder.
    """
    readable = re.sub(r"[^A-Za-z0-9._]+", "-", encoder_id).strip("-._")[:64].rstrip("-._")
    suffix = hashlib.sha256(encoder_id.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{suffix}" if readable else suffix


def export_dir(data_dir: Path, encoder_id: str) -> Path:
    """The export folder of ``encoder_id``: ``<data_dir>/embeddings/<slug>``."""
    return data_dir / "embeddings" / encoder_slug(encoder_id)

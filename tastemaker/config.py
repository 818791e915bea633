"""Run configurations: frozen pydantic models read from TOML that refuse unknown keys.

A misspelt key in a run config is an error, not a silently ignored default (a trap other
recommender toolkits' users lost days to). Each stage defines its own ``RunConfig`` subclass.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from tastemaker.errors import ConfigError
from tastemaker.validation import describe

__all__ = ["RunConfig", "load_config"]


class RunConfig(BaseModel):
    """Base of every run config: immutable, and unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


C = TypeVar("C", bound=RunConfig)


def load_config(path: Path, cls: type[C]) -> C:
    """Read ``path`` (TOML) into ``cls``; errors name the file and each offending key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe(exc)}") from exc

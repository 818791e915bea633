"""The persona stage's run config: how many personas, balanced how, written how.

It is recorded with every run (``runs.config``) and can be read from TOML with
:func:`tastemaker.config.load_config`; like every run config it rejects unknown keys.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from tastemaker.config import RunConfig
from tastemaker.personas.generate import DEFAULT_DEDUPE_THRESHOLD
from tastemaker.personas.pools import BalanceKey
from tastemaker.personas.prompt import Constraint

__all__ = ["PersonaRunConfig"]


class PersonaRunConfig(RunConfig):
    """Settings of one ``personas generate`` run (the LLM connection is :class:`LLMConfig`)."""

    n: int = Field(default=10, ge=0, description="Personas in the population.")
    balance: tuple[BalanceKey, ...] = Field(
        default=("gender",), description="Attributes with exact quotas (the rest are drawn)."
    )
    seed: int = Field(default=0, ge=0, description="Sampler seed; also fixes persona ids.")
    pools: Path | None = Field(default=None, description="Pools TOML; None: the shipped one.")
    dedupe_threshold: float = Field(
        default=DEFAULT_DEDUPE_THRESHOLD,
        gt=0.0,
        le=1.0,
        description="Bios at or above this cosine similarity to a kept bio are regenerated.",
    )
    max_attempts: int = Field(
        default=3, ge=1, le=10, description="Rounds per persona against near-duplicates."
    )
    temperature: float = Field(default=0.8, ge=0.0, le=2.0)
    max_tokens: int = Field(default=400, ge=64, le=4096)
    constraint: Constraint = "json_schema"
    batch_size: int = Field(
        default=32, ge=1, description="Personas written and saved per batch (progress is kept)."
    )

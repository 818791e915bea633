"""The attribute pools personas are sampled from, read from TOML into a frozen model.

The default pools ship as package data (``pools.toml`` beside this module); a user passes their
own file of the same shape to describe another market. Like every run config, unknown keys are
errors naming the file and the key: a misspelt ``aesthetc`` must not quietly leave the default
aesthetics in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final, Literal

from pydantic import Field, field_validator, model_validator

from tastemaker.config import RunConfig, load_config
from tastemaker.personas.schema import NAME_WORD_PATTERN

__all__ = [
    "DEFAULT_POOLS_PATH",
    "SCALAR_ATTRIBUTES",
    "BalanceKey",
    "Pools",
    "ScalarAttribute",
    "age_range",
    "load_pools",
]

ScalarAttribute = Literal[
    "gender", "age_band", "occupation", "region", "aesthetic", "palette", "budget"
]
#: Attributes that take one value per persona, in the order prompts and reports list them.
SCALAR_ATTRIBUTES: Final[tuple[ScalarAttribute, ...]] = (
    "gender",
    "age_band",
    "occupation",
    "region",
    "aesthetic",
    "palette",
    "budget",
)
#: What ``--balance`` accepts: any scalar attribute, or ``brands`` (even brand usage).
BalanceKey = Literal[
    "gender", "age_band", "occupation", "region", "aesthetic", "palette", "budget", "brands"
]

#: The shipped pools (package data, installed beside this module).
DEFAULT_POOLS_PATH: Final[Path] = Path(__file__).with_name("pools.toml")

_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:[-–]\s*(\d{1,3})|\+)\s*$")
_OPEN_BAND_SPAN = 15  # "65+" is read as 65-80 when an exact age is drawn
# One or two words the name grammar can decode, so "<first name> <last name>" always fits it.
_FIRST_NAME = re.compile(f"{NAME_WORD_PATTERN}( {NAME_WORD_PATTERN})?")

Pool = list[str]


class Pools(RunConfig):
    """One list of allowed values per attribute, and the favourite-brand pool.

    ``brands`` is either one flat list or a table keyed by budget tier (the keys must then be
    exactly the ``budget`` values), so favourite brands can follow the persona's budget.
    ``first_names`` (optional) is keyed by exactly the ``gender`` values; under each, a flat
    list or a table keyed by exactly the ``region`` values: the prompt offers one of them.
    """

    gender: Pool = Field(min_length=1)
    age_band: Pool = Field(min_length=1)
    occupation: Pool = Field(min_length=1)
    region: Pool = Field(min_length=1)
    aesthetic: Pool = Field(min_length=1)
    palette: Pool = Field(min_length=1)
    budget: Pool = Field(min_length=1)
    brands: Pool | dict[str, Pool]
    brands_per_persona: int = Field(default=3, ge=0, le=20)
    first_names: dict[str, Pool | dict[str, Pool]] | None = None

    @field_validator("gender", "age_band", "occupation", "region", "aesthetic", "palette", "budget")
    @classmethod
    def _clean_pool(cls, values: Pool) -> Pool:
        return _check_pool(values)

    @field_validator("brands")
    @classmethod
    def _clean_brands(cls, value: Pool | dict[str, Pool]) -> Pool | dict[str, Pool]:
        if isinstance(value, list):
            return _check_pool(value)
        return {tier: _check_pool(pool) for tier, pool in value.items()}

    @field_validator("first_names")
    @classmethod
    def _clean_first_names(
        cls, value: dict[str, Pool | dict[str, Pool]] | None
    ) -> dict[str, Pool | dict[str, Pool]] | None:
        if value is None:
            return None
        cleaned: dict[str, Pool | dict[str, Pool]] = {}
        for gender, names in value.items():
            if isinstance(names, list):
                cleaned[gender] = _check_names(names, gender)
            else:
                cleaned[gender] = {
                    region: _check_names(pool, f"{gender}.{region}")
                    for region, pool in names.items()
                }
        return cleaned

    @model_validator(mode="after")
    def _brands_fit(self) -> Pools:
        if isinstance(self.brands, dict):
            missing = [b for b in self.budget if b not in self.brands]
            extra = [t for t in self.brands if t not in self.budget]
            if missing or extra:
                raise ValueError(
                    "brands tiers must be exactly the budget values; "
                    f"missing tiers: {missing or 'none'}, tiers not in budget: {extra or 'none'}"
                )
        smallest = min(len(pool) for _, pool in self.brand_tiers())
        if self.brands_per_persona > smallest:
            raise ValueError(
                f"brands_per_persona is {self.brands_per_persona} but a brand pool has only "
                f"{smallest} brand(s)"
            )
        if self.first_names is not None:
            _keys_match("first_names", list(self.first_names), self.gender, "gender")
            for gender, names in self.first_names.items():
                if isinstance(names, dict):
                    _keys_match(f"first_names.{gender}", list(names), self.region, "region")
        return self

    def values(self, attribute: ScalarAttribute) -> Pool:
        """The pool of one scalar attribute."""
        pool: Pool = getattr(self, attribute)
        return pool

    def brand_tiers(self) -> Iterator[tuple[str | None, Pool]]:
        """``(budget tier, brands)`` pairs; a flat pool is one pair with tier None."""
        if isinstance(self.brands, list):
            yield None, self.brands
        else:
            for tier in self.budget:
                yield tier, self.brands[tier]

    def brands_for(self, budget: str) -> Pool:
        """The brands a persona with ``budget`` draws its favourites from."""
        return self.brands if isinstance(self.brands, list) else self.brands[budget]

    def first_names_for(self, gender: str, region: str) -> Pool | None:
        """The first names offered to a persona of ``gender`` and ``region``; None: no hint."""
        if self.first_names is None or gender not in self.first_names:
            return None
        names = self.first_names[gender]
        return names if isinstance(names, list) else names.get(region)

    def all_brands(self) -> Pool:
        """Every brand in the pools once, in file order (a brand may sit in several tiers)."""
        return list(dict.fromkeys(b for _, pool in self.brand_tiers() for b in pool))


def _check_pool(values: Pool) -> Pool:
    cleaned = [v.strip() for v in values]
    if any(not v for v in cleaned):
        raise ValueError("pool values must be non-empty text")
    duplicates = sorted({v for v in cleaned if cleaned.count(v) > 1})
    if duplicates:
        raise ValueError(f"duplicate values: {duplicates}")
    if not cleaned:
        raise ValueError("a pool needs at least one value")
    return cleaned


def _check_names(values: Pool, where: str) -> Pool:
    cleaned = _check_pool(values)
    bad = [name for name in cleaned if not _FIRST_NAME.fullmatch(name)]
    if bad:
        raise ValueError(
            f"first_names.{where}: {bad} cannot be decoded as a name (one or two capitalised "
            "words of Latin-1 letters, apostrophes or hyphens)"
        )
    return cleaned


def _keys_match(table: str, keys: list[str], wanted: Pool, attribute: str) -> None:
    missing = [k for k in wanted if k not in keys]
    extra = [k for k in keys if k not in wanted]
    if missing or extra:
        raise ValueError(
            f"{table} keys must be exactly the {attribute} values; "
            f"missing: {missing or 'none'}, not in {attribute}: {extra or 'none'}"
        )


def age_range(band: str) -> tuple[int, int] | None:
    """Inclusive ``(low, high)`` ages of a band like ``"25-34"`` or ``"65+"``; None if free text."""
    match = _BAND.match(band)
    if match is None:
        return None
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) is not None else low + _OPEN_BAND_SPAN
    return (low, high) if low <= high else None


def load_pools(path: Path | None = None) -> Pools:
    """The pools in ``path``, or the shipped defaults; errors name the file and each bad key."""
    return load_config(path if path is not None else DEFAULT_POOLS_PATH, Pools)

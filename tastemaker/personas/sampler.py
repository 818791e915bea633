"""Sampling persona attributes: exact quotas on the balanced attributes, the rest at random.

Balancing is greedy and exact on every marginal. Each persona takes, for every balanced
attribute, one of the values used least so far, so after any prefix of the population each
attribute's counts differ by at most one (n=10 over two genders gives 5 and 5, over three
values 4/3/3). Among those choices it takes the combination whose *pairs* of values have been
used least, so balancing gender and age band also spreads each gender over the age bands
instead of pairing them by accident. Ties are broken by a seeded generator: the same seed,
pools and balance always give the same population, and a run interrupted after k personas has
still generated a balanced prefix.

Persona ids are ``p{seed}-{index}-{hash}``, the hash taken over the sampled attributes: a
re-run with the same seed and pools reproduces the same ids (so stored personas are skipped,
not duplicated), while a changed pools file or balance gives new ids rather than silently
rewriting a persona that already has ratings under its old attributes.

When the pools list first names, each persona is also offered one for the prompt (the one of
its gender and region's list used least so far, random among equals), so the LLM writes a real,
fitting name instead of "John Doe". The hint is drawn from a generator of its own and is left
out of the id: adding or editing names changes neither the other attributes nor the ids, so
a run resumed under new name pools still skips the personas it has stored.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from collections import Counter
from collections.abc import Sequence
from typing import Final, cast, get_args

from tastemaker.errors import ConfigError
from tastemaker.personas.pools import (
    SCALAR_ATTRIBUTES,
    BalanceKey,
    Pools,
    ScalarAttribute,
    age_range,
)
from tastemaker.personas.schema import Attributes

__all__ = ["BALANCE_KEYS", "check_balance", "persona_id", "sample_attributes"]

BALANCE_KEYS: Final[tuple[str, ...]] = get_args(BalanceKey)


def check_balance(balance: Sequence[str]) -> list[BalanceKey]:
    """``balance`` without repeats, in order; an unknown attribute is a :class:`ConfigError`."""
    unknown = [key for key in balance if key not in BALANCE_KEYS]
    if unknown:
        raise ConfigError(
            f"cannot balance on {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(BALANCE_KEYS)}"
        )
    keys: list[BalanceKey] = []
    for key in balance:
        if key not in keys:
            keys.append(cast(BalanceKey, key))
    return keys


def persona_id(seed: int, index: int, values: dict[str, object]) -> str:
    """``p{seed}-{index:04d}-{6 hex}``: stable for one seed, index and set of attributes."""
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:6]
    return f"p{seed}-{index:04d}-{digest}"


def sample_attributes(
    pools: Pools, n: int, balance: Sequence[str] = (), seed: int = 0
) -> list[Attributes]:
    """``n`` personas' attributes, exact quotas on ``balance``, deterministic for ``seed``.

    ``balance`` names scalar attributes (``gender``, ``age_band``, ...) and/or ``brands``; for
    brands, each favourite-brand pool (one per budget tier) is used as evenly as possible.
    """
    if n < 0:
        raise ConfigError(f"the number of personas must be at least 0, got {n}")
    keys = check_balance(balance)
    balanced: list[ScalarAttribute] = [a for a in SCALAR_ATTRIBUTES if a in keys]
    rng = random.Random(f"tastemaker.personas.sampler:{seed}")
    name_rng = random.Random(f"tastemaker.personas.names:{seed}")
    name_counts: dict[tuple[str, ...], Counter[str]] = {}  # one counter per list of names
    counts = {a: Counter({v: 0 for v in pools.values(a)}) for a in balanced}
    pair_counts: Counter[tuple[str, str, str, str]] = Counter()
    brand_counts: dict[str | None, Counter[str]] = {
        tier: Counter({b: 0 for b in pool}) for tier, pool in pools.brand_tiers()
    }
    population: list[Attributes] = []
    for index in range(n):
        chosen = list(
            zip(balanced, _least_used_combination(balanced, counts, pair_counts, rng), strict=True)
        )
        for attribute, value in chosen:
            counts[attribute][value] += 1
        for (a, va), (b, vb) in itertools.combinations(chosen, 2):
            pair_counts[(a, va, b, vb)] += 1
        values: dict[str, object] = dict(chosen)
        for attribute in SCALAR_ATTRIBUTES:
            if attribute not in values:
                values[attribute] = rng.choice(pools.values(attribute))
        ages = age_range(str(values["age_band"]))
        values["age"] = rng.randint(*ages) if ages is not None else None
        budget = str(values["budget"])
        tier = None if isinstance(pools.brands, list) else budget
        values["brands"] = (
            _least_used_brands(brand_counts[tier], pools.brands_per_persona, rng)
            if "brands" in keys
            else rng.sample(pools.brands_for(budget), pools.brands_per_persona)
        )
        names = pools.first_names_for(str(values["gender"]), str(values["region"]))
        first_name = _least_used_name(names, name_counts, name_rng) if names else None
        population.append(
            Attributes.model_validate(
                {
                    **values,
                    "id": persona_id(seed, index, values),
                    "index": index,
                    "first_name": first_name,
                }
            )
        )
    return population


def _least_used_combination(
    balanced: Sequence[ScalarAttribute],
    counts: dict[ScalarAttribute, Counter[str]],
    pair_counts: Counter[tuple[str, str, str, str]],
    rng: random.Random,
) -> tuple[str, ...]:
    """One least-used value per balanced attribute, preferring values rarely paired so far.

    Attributes are filled in a random order; each takes, among its least-used values, the
    one least often seen together with the values already chosen for this persona (random
    among equals). Cost is linear in the pool sizes, whatever the number of attributes.
    """
    order = list(range(len(balanced)))
    rng.shuffle(order)
    chosen: dict[int, str] = {}
    for i in order:
        attribute = balanced[i]
        lowest = min(counts[attribute].values())
        candidates = [v for v, c in counts[attribute].items() if c == lowest]
        rng.shuffle(candidates)

        def pair_score(value: str, attribute: ScalarAttribute = attribute, i: int = i) -> int:
            return sum(
                pair_counts[_pair(balanced[j], chosen[j], attribute, value, j < i)] for j in chosen
            )

        chosen[i] = min(candidates, key=pair_score)  # first of equals: a seeded random tie
    return tuple(chosen[i] for i in range(len(balanced)))


def _pair(a: str, va: str, b: str, vb: str, a_first: bool) -> tuple[str, str, str, str]:
    """The key of a pair of values, ordered as the attributes are in ``balanced``."""
    return (a, va, b, vb) if a_first else (b, vb, a, va)


def _least_used_name(
    names: Sequence[str], usage: dict[tuple[str, ...], Counter[str]], rng: random.Random
) -> str:
    """The least-used of ``names`` (random among equals), counted as used.

    Counts are kept per list, so two personas share a first name only once its list is used up.
    """
    counts = usage.setdefault(tuple(names), Counter({name: 0 for name in names}))
    lowest = min(counts.values())
    name = rng.choice([n for n in names if counts[n] == lowest])
    counts[name] += 1
    return name


def _least_used_brands(usage: Counter[str], k: int, rng: random.Random) -> tuple[str, ...]:
    """The ``k`` least-used brands of one pool (random among equals), counted as used.

    Taking the k least used keeps the pool's counts within one of each other: if fewer than k
    brands sit at the minimum, all of them move up together with some from the level above.
    """
    brands = list(usage)
    rng.shuffle(brands)
    brands.sort(key=lambda b: usage[b])  # stable: the shuffle breaks ties
    chosen = tuple(brands[:k])
    for brand in chosen:
        usage[brand] += 1
    return chosen

"""The sampler: exact quotas on balanced attributes, determinism, stable ids."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tastemaker.errors import ConfigError
from tastemaker.personas.pools import SCALAR_ATTRIBUTES, Pools, age_range
from tastemaker.personas.sampler import BALANCE_KEYS, sample_attributes
from tastemaker.personas.schema import Attributes

THREE_GENDERS = {"gender": ["woman", "man", "non-binary"]}


def counts(pools: Pools, population: list[Attributes], attribute: str) -> list[int]:
    """Count of every pool value (zeros included), for the quota checks."""
    seen = Counter(getattr(p, attribute) for p in population)
    return [seen[v] for v in getattr(pools, attribute)]


def test_ten_personas_balanced_on_two_genders_are_five_and_five(pools: Pools) -> None:
    population = sample_attributes(pools, 10, ["gender"], seed=1)
    assert Counter(p.gender for p in population) == {"woman": 5, "man": 5}


def test_three_values_split_four_three_three(pools: Pools) -> None:
    three = pools.model_copy(update=THREE_GENDERS)
    population = sample_attributes(three, 10, ["gender"], seed=1)
    assert sorted(Counter(p.gender for p in population).values()) == [3, 3, 4]


def test_two_balanced_attributes_also_spread_the_pairs(pools: Pools) -> None:
    population = sample_attributes(pools, 24, ["gender", "age_band"], seed=3)
    assert set(counts(pools, population, "gender")) == {12}
    assert set(counts(pools, population, "age_band")) == {4}
    pairs = Counter((p.gender, p.age_band) for p in population)
    assert set(pairs.values()) == {2}  # 2 genders x 6 bands, each pair exactly twice


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=120),
    balance=st.lists(st.sampled_from(SCALAR_ATTRIBUTES), max_size=4, unique=True),
    seed=st.integers(min_value=0, max_value=2**31),
    three_genders=st.booleans(),
)
def test_balanced_counts_differ_by_at_most_one_and_sum_to_n(
    pools: Pools, n: int, balance: list[str], seed: int, three_genders: bool
) -> None:
    if three_genders:
        pools = pools.model_copy(update=THREE_GENDERS)
    population = sample_attributes(pools, n, balance, seed)
    assert len(population) == n
    for attribute in balance:
        quota = counts(pools, population, attribute)
        assert sum(quota) == n
        assert max(quota) - min(quota) <= 1, (attribute, quota)
    # every prefix is balanced too, so an interrupted run still has a balanced population
    for attribute in balance:
        prefix = counts(pools, population[: n // 2], attribute)
        assert max(prefix) - min(prefix) <= 1


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=40),
    balance=st.lists(st.sampled_from(BALANCE_KEYS), max_size=3, unique=True),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_same_seed_same_population(pools: Pools, n: int, balance: list[str], seed: int) -> None:
    assert sample_attributes(pools, n, balance, seed) == sample_attributes(pools, n, balance, seed)


def test_other_seed_other_population_and_ids(pools: Pools) -> None:
    a = sample_attributes(pools, 20, ["gender"], seed=1)
    b = sample_attributes(pools, 20, ["gender"], seed=2)
    assert [p.occupation for p in a] != [p.occupation for p in b]
    assert not {p.id for p in a} & {p.id for p in b}


def test_ids_are_unique_stable_and_name_seed_and_index(pools: Pools) -> None:
    population = sample_attributes(pools, 30, ["gender", "budget"], seed=7)
    assert len({p.id for p in population}) == 30
    assert [p.index for p in population] == list(range(30))
    assert population[4].id.startswith("p7-0004-")


def test_unbalanced_attributes_and_ages_stay_inside_their_pools(pools: Pools) -> None:
    for persona in sample_attributes(pools, 50, [], seed=5):
        for attribute in SCALAR_ATTRIBUTES:
            assert getattr(persona, attribute) in pools.values(attribute)
        low, high = age_range(persona.age_band) or (0, 0)
        assert persona.age is not None
        assert low <= persona.age <= high
        tier = pools.brands_for(persona.budget)
        assert len(persona.brands) == pools.brands_per_persona
        assert len(set(persona.brands)) == len(persona.brands)
        assert set(persona.brands) <= set(tier)  # favourite brands follow the budget


def test_balancing_brands_uses_each_tier_evenly(pools: Pools) -> None:
    population = sample_attributes(pools, 80, ["budget", "brands"], seed=2)
    for budget in pools.budget:
        used = Counter(b for p in population if p.budget == budget for b in p.brands)
        per_brand = [used[b] for b in pools.brands_for(budget)]
        assert max(per_brand) - min(per_brand) <= 1, (budget, per_brand)


def test_unknown_balance_attribute_is_a_config_error(pools: Pools) -> None:
    with pytest.raises(ConfigError, match="cannot balance on 'colour'"):
        sample_attributes(pools, 10, ["gender", "colour"])


def test_negative_n_is_a_config_error(pools: Pools) -> None:
    with pytest.raises(ConfigError):
        sample_attributes(pools, -1)


def test_first_name_hints_fit_gender_and_region_and_repeat_only_when_used_up(
    pools: Pools,
) -> None:
    population = sample_attributes(pools, 200, ["gender"], seed=4)
    by_list: dict[tuple[str, str], Counter[str]] = {}
    for persona in population:
        names = pools.first_names_for(persona.gender, persona.region)
        assert names is not None
        assert persona.first_name in names
        by_list.setdefault((persona.gender, persona.region), Counter())[persona.first_name] += 1
    for (gender, region), used in by_list.items():
        size = len(pools.first_names_for(gender, region) or [])
        assert max(used.values()) - (min(used.values()) if len(used) == size else 0) <= 1


def test_first_name_hints_change_no_attribute_and_no_id(pools: Pools) -> None:
    """Personas stored before the hints existed (and their ratings) keep their ids."""
    nameless = pools.model_copy(update={"first_names": None})
    hinted = sample_attributes(pools, 60, ["gender"], seed=0)
    plain = sample_attributes(nameless, 60, ["gender"], seed=0)
    assert all(p.first_name is None for p in plain)
    assert [h.model_copy(update={"first_name": None}) for h in hinted] == plain
    assert hinted[0].id == "p0-0000-9d9879"  # as stored by the fashion benchmark's first run

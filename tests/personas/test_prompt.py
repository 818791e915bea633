"""The persona prompt: attributes and the first-name hint in; a repair says what to fix."""

from __future__ import annotations

from tastemaker.personas.pools import Pools
from tastemaker.personas.prompt import persona_messages, repair_messages
from tastemaker.personas.sampler import sample_attributes
from tastemaker.personas.schema import Attributes

PLACEHOLDER = "name: 'John Doe' is a placeholder, not a persona's name"


def a_man(pools: Pools) -> Attributes:
    return next(a for a in sample_attributes(pools, 4, ["gender"], seed=0) if a.gender == "man")


def test_the_prompt_carries_the_attributes_and_the_first_name(pools: Pools) -> None:
    man = a_man(pools)
    system, user = persona_messages(man)
    assert system["role"] == "system"
    assert f"- gender: {man.gender}" in user["content"]
    assert f"- region: {man.region}" in user["content"]
    assert f"Their first name is {man.first_name}." in user["content"]
    assert "Invent a realistic full name" not in user["content"]
    assert user["content"].endswith('Answer as JSON: {"name": "...", "bio": "..."}')


def test_without_a_hint_the_model_invents_the_whole_name(pools: Pools) -> None:
    man = a_man(pools).model_copy(update={"first_name": None})
    content = persona_messages(man)[-1]["content"]
    assert "Invent a realistic full name" in content
    assert "first name is" not in content


def test_a_repair_for_a_rejected_name_says_so_and_offers_the_hint(pools: Pools) -> None:
    man = a_man(pools)
    messages = repair_messages(man, '{"name": "John Doe"}', PLACEHOLDER, name_rejected=True)
    assert messages[:2] == persona_messages(man)
    assert messages[2] == {"role": "assistant", "content": '{"name": "John Doe"}'}
    content = messages[-1]["content"]
    assert content.startswith(f"That answer is not valid: {PLACEHOLDER}. The name was rejected")
    assert "never a placeholder" in content
    assert f"Use the first name {man.first_name} with a realistic last name." in content
    assert "Rewrite the bio with the new name too." in content


def test_a_repair_without_a_hint_asks_for_a_fitting_name(pools: Pools) -> None:
    man = a_man(pools).model_copy(update={"first_name": None})
    content = repair_messages(man, "{}", PLACEHOLDER, name_rejected=True)[-1]["content"]
    assert "fit their gender, region and age" in content


def test_a_repair_for_the_bio_leaves_the_name_alone(pools: Pools) -> None:
    content = repair_messages(a_man(pools), "{}", "bio: too short")[-1]["content"]
    assert "The name was rejected" not in content
    assert "at least 2 complete sentences" in content

"""Persona text validation: a name and at least two sentences, strictly; the schema agrees."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tastemaker.errors import LLMOutputError
from tastemaker.personas.schema import (
    PERSONA_TEXT_SCHEMA,
    Attributes,
    Persona,
    PersonaText,
    count_sentences,
    parse_persona_text,
    rejected_fields,
)

TWO = "Anna wears linen all summer. She would never buy a logo sweatshirt."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anna likes hats.", 1),
        (TWO, 2),
        ("Anna likes hats. She wears them daily! Does she own ten?", 3),
        ("Dr. Smith wears grey suits to work.", 1),  # "Dr." is no sentence of its own
        ("She likes hats. Really.", 1),  # too short to count
        ("She likes hats. She wears them", 1),  # an unterminated tail does not count
        ('He said "I love denim." Then he left the shop.', 2),
        ("", 0),
    ],
)
def test_count_sentences(text: str, expected: int) -> None:
    assert count_sentences(text) == expected


def test_one_sentence_bio_is_rejected() -> None:
    with pytest.raises(ValidationError, match="at least 2 sentences"):
        PersonaText(name="Anna Berg", bio="Anna is a nurse who likes minimalist clothes.")


def test_two_sentence_bio_is_accepted_and_whitespace_collapsed() -> None:
    text = PersonaText(name="  Anna   Berg ", bio=TWO.replace(" She", "\n\n She"))
    assert text.name == "Anna Berg"
    assert text.bio == TWO


@pytest.mark.parametrize(
    "name", ["", "   ", "1234", "Shopper123", "Anna\nBerg", "a b c d e f g", "John Doe"]
)
def test_names_that_are_not_names_are_rejected(name: str) -> None:
    with pytest.raises(ValidationError):
        PersonaText(name=name, bio=TWO)


def test_extra_keys_and_wrong_types_are_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        PersonaText.model_validate({"name": "Anna Berg", "bio": TWO, "age": 30})
    with pytest.raises(ValidationError):
        PersonaText.model_validate({"name": 42, "bio": TWO})


def test_parse_accepts_plain_and_fenced_json() -> None:
    payload = json.dumps({"name": "Anna Berg", "bio": TWO})
    assert parse_persona_text(payload).name == "Anna Berg"
    assert parse_persona_text(f"```json\n{payload}\n```").bio == TWO


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ("Here you go: Anna Berg", "not a JSON object"),
        ('["Anna", "bio"]', "expected a JSON object, got list"),
        ('{"name": "Anna Berg"}', "bio: Field required"),
        ('{"name": "Anna Berg", "bio": "Anna likes hats."}', "at least 2 sentences"),
        ('{"name": "Anna Berg", "bio": "' + TWO + '"} and more', "not a JSON object"),
    ],
)
def test_parse_errors_say_what_is_wrong(raw: str, complaint: str) -> None:
    with pytest.raises(LLMOutputError, match=complaint):
        parse_persona_text(raw)


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        ('{"name": "John Doe", "bio": "' + TWO + '"}', {"name"}),
        ('{"name": "Jane Doe", "bio": "Anna likes hats."}', {"name", "bio"}),
        ('{"name": "Anna Berg"}', {"bio"}),
        ("Here you go: Anna Berg", set()),
        ('["Anna", "bio"]', set()),
    ],
)
def test_parse_errors_carry_the_rejected_fields(raw: str, fields: set[str]) -> None:
    with pytest.raises(LLMOutputError) as info:
        parse_persona_text(raw)
    assert rejected_fields(info.value) == fields


def test_a_placeholder_name_error_reads_plainly() -> None:
    with pytest.raises(LLMOutputError) as info:
        parse_persona_text(json.dumps({"name": "John Doe", "bio": TWO}))
    assert str(info.value) == "name: 'John Doe' is a placeholder, not a persona's name"


_BIO_PATTERN = PERSONA_TEXT_SCHEMA["properties"]["bio"]["pattern"]
_NAME_PATTERN = PERSONA_TEXT_SCHEMA["properties"]["name"]["pattern"]


def test_schema_patterns_are_python_regexes_that_reject_one_sentence() -> None:
    assert re.fullmatch(_BIO_PATTERN, TWO)
    assert not re.fullmatch(_BIO_PATTERN, "Anna is a nurse who likes hats.")
    assert re.fullmatch(_NAME_PATTERN, "Zoë O'Neil-Smith")
    assert not re.fullmatch(_NAME_PATTERN, "Anna")


_sentence = st.builds(
    lambda first, words, end: " ".join([first.capitalize(), *words]) + end,
    st.from_regex(r"[a-z]{2,8}", fullmatch=True),
    st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=2, max_size=12),
    st.sampled_from([".", "!", "?"]),
)


@settings(max_examples=200)
@given(st.lists(_sentence, min_size=2, max_size=6))
def test_anything_the_grammar_allows_passes_validation(sentences: list[str]) -> None:
    """The decoding constraint must never let through a bio that validation then rejects."""
    bio = " ".join(sentences)
    if re.fullmatch(_BIO_PATTERN, bio):
        assert PersonaText(name="Anna Berg", bio=bio).bio == bio


def test_persona_joins_attributes_and_text() -> None:
    attributes = Attributes(
        id="p0-0000-abcdef",
        index=0,
        gender="woman",
        age_band="25-34",
        age=29,
        occupation="nurse",
        region="North",
        aesthetic="minimalist",
        palette="neutrals",
        budget="mid-range",
        brands=("COS", "Arket"),
    )
    persona = Persona.from_parts(
        attributes, PersonaText(name="Anna Berg", bio=TWO), model="m", generation={"seed": 1}
    )
    assert persona.id == attributes.id
    assert persona.brands == ["COS", "Arket"]
    assert persona.age == 29
    assert persona.generation == {"seed": 1}
    hinted = attributes.model_copy(update={"first_name": "Anna"})
    assert Persona.from_parts(hinted, PersonaText(name="Anna Berg", bio=TWO), model="m") == (
        persona.model_copy(update={"generation": {}})
    )  # the hint shaped the name; it is no persona field

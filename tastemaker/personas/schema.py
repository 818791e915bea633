"""What a persona is: sampled attributes, the LLM's text, and the stored persona.

Three models with three jobs:

- :class:`Attributes` — what the sampler decides (everything but the name and bio);
- :class:`PersonaText` — what the LLM must return, validated strictly: a non-empty name and a
  bio of at least two sentences (the original team found one-line bios narrow the spread of
  ratings, because the model has too little to dislike);
- :class:`Persona` — the two joined, plus the model that wrote the text: a ``personas`` row.

:data:`PERSONA_TEXT_SCHEMA` is the JSON schema sent to the server to constrain decoding. It is
*stricter* than :class:`PersonaText` (its sentence pattern forbids abbreviations such as
"Dr." inside a sentence) so a constrained model cannot wander, while the Python validation,
which is the authority, accepts any honest two-sentence bio from an unconstrained server.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from tastemaker.errors import LLMOutputError
from tastemaker.validation import describe

__all__ = [
    "MIN_BIO_SENTENCES",
    "NAME_WORD_PATTERN",
    "PERSONA_TEXT_SCHEMA",
    "Attributes",
    "Persona",
    "PersonaText",
    "count_sentences",
    "parse_persona_text",
    "rejected_fields",
]

MIN_BIO_SENTENCES: Final = 2
_MAX_BIO_CHARS: Final = 2000
_MAX_NAME_CHARS: Final = 80
_MAX_NAME_WORDS: Final = 6
_PLACEHOLDER_NAMES: Final = frozenset({"john doe", "jane doe"})
_MIN_SENTENCE_WORDS: Final = 3

# A sentence ends at . ! or ? (possibly followed by a closing quote or bracket) and then
# whitespace or the end of the text.
_SENTENCE_END = re.compile(r"""(?<=[.!?])["')\]»”’]*(?=\s|$)""")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# One surrounding Markdown code fence, which unconstrained chat models like to add.
_FENCE = re.compile(r"^```[a-zA-Z]*\s*(.*?)\s*```$", re.DOTALL)

# The decoding constraint. Names: two to four capitalised words. Bios: two to five sentences,
# each starting with a capital and ending in . ! or ?, at most 252 characters, with no quote,
# backslash or newline inside (they would need JSON escapes the grammar would have to model).
# The length bounds matter: without them a small model writes one endless run-on sentence
# until max_tokens cuts the JSON off (at most ~1300 characters, ~330 tokens, fit in 400).
NAME_WORD_PATTERN: Final = r"[A-ZÀ-Þ][A-Za-zÀ-ÿ'’-]{1,20}"  # one word of a name, as decoded
_SENTENCE_PATTERN = r'[A-ZÀ-Þ][^.!?"\\\n]{10,250}[.!?]'
PERSONA_TEXT_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "name": {
            "type": "string",
            "pattern": f"^{NAME_WORD_PATTERN}( {NAME_WORD_PATTERN}){{1,3}}$",
        },
        "bio": {
            "type": "string",
            "pattern": f"^{_SENTENCE_PATTERN}( {_SENTENCE_PATTERN}){{1,4}}$",
        },
    },
    "required": ["name", "bio"],
    "additionalProperties": False,
}


def count_sentences(text: str) -> int:
    """Sentences in ``text``: runs of at least three words that end in ``.``, ``!`` or ``?``.

    An unterminated tail is not counted, nor are fragments such as "Dr." or "e.g.", which fall
    under the three-word floor, so a one-sentence bio with an abbreviation stays one sentence.
    """
    count = 0
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if len(_WORD.findall(text[start : match.end()])) >= _MIN_SENTENCE_WORDS:
            count += 1
            start = match.end()
    return count


class Attributes(BaseModel):
    """One persona's sampled attributes; ``id`` is derived from the run seed and the index."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    index: int = Field(ge=0, description="Position in the sampled population.")
    gender: str
    age_band: str
    age: int | None = Field(default=None, ge=0, description="Exact age inside age_band.")
    occupation: str
    region: str
    aesthetic: str
    palette: str
    budget: str
    brands: tuple[str, ...] = ()
    first_name: str | None = Field(
        default=None,
        description="First name the prompt offers (a hint for the LLM, not part of the id).",
    )


class PersonaText(BaseModel):
    """The LLM's answer: a name and a bio of at least two sentences; nothing else.

    A name must be a person's name (letters, no digits, at most six words, not a placeholder
    such as "John Doe": small models like to answer "Shopper123"); whitespace in both fields
    is collapsed to single spaces.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str = Field(min_length=1, max_length=_MAX_NAME_CHARS)
    bio: str = Field(min_length=1, max_length=_MAX_BIO_CHARS)

    @field_validator("name")
    @classmethod
    def _real_name(cls, value: str) -> str:
        if "\n" in value:
            raise ValueError("name must be one line")
        name = " ".join(value.split())
        if not _WORD.search(name):
            raise ValueError("name must contain letters")
        if name.casefold() in _PLACEHOLDER_NAMES:
            raise ValueError(f"{name!r} is a placeholder, not a persona's name")
        if any(ch.isdigit() for ch in name):
            raise ValueError(f"a person's name has no digits, got {name!r}")
        if len(name.split()) > _MAX_NAME_WORDS:
            raise ValueError(f"name has more than {_MAX_NAME_WORDS} words")
        return name

    @field_validator("bio")
    @classmethod
    def _two_sentences(cls, value: str) -> str:
        bio = " ".join(value.split())
        found = count_sentences(bio)
        if found < MIN_BIO_SENTENCES:
            raise ValueError(
                f"bio must have at least {MIN_BIO_SENTENCES} sentences of three or more words "
                f"each ending in '.', '!' or '?'; found {found}"
            )
        return bio


class Persona(BaseModel):
    """A stored persona: its attributes, the LLM-written name and bio, and their provenance.

    ``generation`` holds how the text was made (prompt version, seed, temperature, attempts)
    so a persona can be traced and regenerated; it is kept in the ``attributes`` JSON column.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    gender: str
    age_band: str | None = None
    age: int | None = None
    occupation: str | None = None
    region: str | None = None
    aesthetic: str | None = None
    palette: str | None = None
    budget: str | None = None
    brands: list[str] = Field(default_factory=list)
    bio: str = Field(min_length=1)
    model: str | None = None
    generation: dict[str, JsonValue] = Field(default_factory=dict)

    @classmethod
    def from_parts(
        cls,
        attributes: Attributes,
        text: PersonaText,
        *,
        model: str | None,
        generation: dict[str, JsonValue] | None = None,
    ) -> Persona:
        """Join sampled attributes and validated LLM text into one persona.

        The first-name hint is not a persona field: it shaped the name and is kept, if the
        caller wants it, in ``generation``.
        """
        fields = attributes.model_dump(exclude={"index", "brands", "first_name"})
        return cls(
            **fields,
            brands=list(attributes.brands),
            name=text.name,
            bio=text.bio,
            model=model,
            generation=dict(generation or {}),
        )


def parse_persona_text(raw: str) -> PersonaText:
    """Validate one LLM answer strictly; :class:`LLMOutputError` says what is wrong.

    Only surrounding whitespace and one Markdown code fence are forgiven; anything else (prose
    around the object, extra keys, a one-sentence bio) is an error, to be repaired or recorded,
    never patched up here.
    """
    text = raw.strip()
    fenced = _FENCE.match(text)
    if fenced is not None:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LLMOutputError(f"not a JSON object ({exc.msg} at character {exc.pos})") from exc
    if not isinstance(data, dict):
        raise LLMOutputError(f"expected a JSON object, got {type(data).__name__}")
    try:
        return PersonaText.model_validate(data)
    except ValidationError as exc:
        raise LLMOutputError(describe(exc, root="answer")) from exc


def rejected_fields(error: LLMOutputError) -> frozenset[str]:
    """The top-level fields (``name``, ``bio``) that failed validation in ``error``.

    Read from the pydantic error that :func:`parse_persona_text` chains, so a caller can say
    *what* to fix (a repair prompt that a name was a placeholder) without parsing the message.
    Empty when the answer was not a JSON object at all.
    """
    cause = error.__cause__
    if not isinstance(cause, ValidationError):
        return frozenset()
    return frozenset(str(err["loc"][0]) for err in cause.errors() if err["loc"])

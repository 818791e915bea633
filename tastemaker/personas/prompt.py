"""The persona-writing prompt: attributes in, one JSON object (name and bio) out.

The bio is asked to say what the shopper would *never* wear as well as what they love: the
rating stage needs personas with clear dislikes, or the model rates everything 6 to 8. The
attributes are given as a list but the model is told not to recite it, so bios read as people.

Left to itself the default model named half the men "John Doe" (a placeholder the schema
rejects) and most of the rest "John Smith", whatever their region; so when the sampler offers
a first name, the prompt asks for that first name and a last name that fits. A repair after a
rejected name says so plainly: given only the validation error, the model sent its answer back
unchanged.

Bump :data:`PROMPT_VERSION` whenever the wording changes; it is stored with every persona.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from tastemaker.personas.schema import MIN_BIO_SENTENCES, PERSONA_TEXT_SCHEMA, Attributes

__all__ = [
    "PROMPT_VERSION",
    "Constraint",
    "constraint_extra",
    "persona_messages",
    "repair_messages",
]

PROMPT_VERSION: Final = "persona-v2"

#: How the output is constrained: ``json_schema`` is llama.cpp's request field, and
#: ``response_format`` the OpenAI structured-output field that vLLM, llama.cpp, Ollama and
#: OpenAI all read; ``none`` leaves the model free and relies on validation and repair alone.
Constraint = Literal["json_schema", "response_format", "none"]

_SYSTEM = (
    "You write realistic shopper personas for a fashion store's recommender. "
    "Answer with one JSON object and nothing else."
)

_NAME_FREE = "Invent a realistic full name (first and last name) that fits their region and age"
_NAME_HINTED = (
    "Their first name is {first_name}. Give them a realistic last name that fits their region"
)
_INSTRUCTIONS = (
    "{name}, and write a bio of "
    "three or four sentences in the third person: how they dress day to day, what they love "
    "to buy, and what they would never wear. Draw on the attributes but do not recite them "
    'as a list. Answer as JSON: {{"name": "...", "bio": "..."}}'
)
_NAME_REJECTED = (
    "The name was rejected: it must be a realistic, distinct name for this one person, never a "
    'placeholder such as "John Doe". {choice} Rewrite the bio with the new name too. '
)

_MAX_ECHO_CHARS: Final = 1500  # how much of an invalid answer is sent back for repair

Message = dict[str, str]


def _describe(attributes: Attributes) -> str:
    age = (
        f"{attributes.age} (age band {attributes.age_band})"
        if attributes.age is not None
        else (attributes.age_band)
    )
    lines = [
        f"- gender: {attributes.gender}",
        f"- age: {age}",
        f"- occupation: {attributes.occupation}",
        f"- region: {attributes.region}",
        f"- style aesthetic: {attributes.aesthetic}",
        f"- favourite colour palette: {attributes.palette}",
        f"- clothing budget: {attributes.budget}",
    ]
    if attributes.brands:
        lines.append(f"- favourite brands: {', '.join(attributes.brands)}")
    return "\n".join(lines)


def _name_instruction(attributes: Attributes) -> str:
    if attributes.first_name is None:
        return _NAME_FREE
    return _NAME_HINTED.format(first_name=attributes.first_name)


def persona_messages(attributes: Attributes) -> list[Message]:
    """The chat messages that ask for one persona's name and bio.

    With a first-name hint (``attributes.first_name``) the model is asked to use it; without
    one it invents the whole name.
    """
    instructions = _INSTRUCTIONS.format(name=_name_instruction(attributes))
    return [
        {"role": "system", "content": _SYSTEM},
        {
            "role": "user",
            "content": f"Shopper attributes:\n{_describe(attributes)}\n\n{instructions}",
        },
    ]


def repair_messages(
    attributes: Attributes, output: str, error: str, *, name_rejected: bool = False
) -> list[Message]:
    """The conversation extended with the invalid answer and what was wrong with it.

    The model sees its own output and the validation error, which fixes the common slips
    (a one-sentence bio, a missing key, trailing prose after the JSON) in one more call.
    ``name_rejected`` adds that the name itself must change, and to what kind of name.
    """
    rename = ""
    if name_rejected:
        choice = (
            f"Use the first name {attributes.first_name} with a realistic last name."
            if attributes.first_name is not None
            else "Choose a first and last name that fit their gender, region and age."
        )
        rename = _NAME_REJECTED.format(choice=choice)
    return [
        *persona_messages(attributes),
        {"role": "assistant", "content": output[:_MAX_ECHO_CHARS]},
        {
            "role": "user",
            "content": (
                f"That answer is not valid: {error}. {rename}"
                "Reply again with only the corrected JSON "
                '{"name": "...", "bio": "..."}, where name is a full name and bio has at least '
                f"{MIN_BIO_SENTENCES} complete sentences."
            ),
        },
    ]


def constraint_extra(constraint: Constraint) -> dict[str, Any]:
    """The request-body fields that constrain decoding to :data:`PERSONA_TEXT_SCHEMA`."""
    if constraint == "json_schema":
        return {"json_schema": PERSONA_TEXT_SCHEMA}
    if constraint == "response_format":
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "persona", "schema": PERSONA_TEXT_SCHEMA, "strict": True},
            }
        }
    return {}

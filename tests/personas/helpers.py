"""Hand-made personas for the store and diversity tests."""

from __future__ import annotations

from tastemaker.personas.schema import Persona


def make_persona(index: int, **overrides: object) -> Persona:
    fields: dict[str, object] = {
        "id": f"p0-{index:04d}-abcdef",
        "name": f"Person Number{'x' * index}",
        "gender": "woman" if index % 2 == 0 else "man",
        "age_band": "25-34",
        "age": 25 + index,
        "occupation": "nurse",
        "region": "Northern Europe",
        "aesthetic": "minimalist",
        "palette": "neutrals",
        "budget": "mid-range",
        "brands": ["COS", "Arket"],
        "bio": f"Person {index} wears linen all summer. They would never buy a logo sweatshirt.",
        "model": "smollm2-135m-instruct",
        "generation": {"prompt_version": "persona-v1", "seed": index, "repaired": False},
    }
    fields.update(overrides)
    return Persona.model_validate(fields)

"""A persona's style profile: the bio distilled once by the LLM into explicit style attributes.

Why: a bio-only persona ("Rajesh is an accountant who wears pressed shirts…") leaves the rater
to infer taste from prose on every rating; on the style-only set (bench/data/styleonly.toml)
the default rater then ranks same-gender items wrongly a quarter of the time. Distilling the
bio once per persona into "wears / avoids" lines, shown in every rating prompt, moves that
inference out of the per-item call. The profile text is part of the rating prompt, so the
ratings' request hash covers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tastemaker.errors import LLMOutputError

if TYPE_CHECKING:
    from tastemaker.llm.client import LLMClient

__all__ = ["PROFILE_PROMPT_VERSION", "distil_profile"]

PROFILE_PROMPT_VERSION = "profile-v2"

_SYSTEM = "You are a fashion stylist. You read a shopper's bio and answer in one short line."
_ASK = {
    "Wears": "the kinds of clothing, styles and colours {name} likes to wear. Do not list "
    "anything the bio says {name} dislikes or avoids",
    "Avoids": "the kinds of clothing, styles and colours {name} dislikes or never wears",
}
_USER = """Shopper: {name} ({gender}).
Bio: {bio}

List up to six of {ask}. Answer with one comma-separated line and nothing else."""


async def distil_profile(llm: LLMClient, name: str, gender: str, bio: str) -> str:
    """The two-line "Wears: … / Avoids: …" profile of one persona (two greedy chat calls, one
    line each: asked together, the 1.5B default model mixed likes into dislikes).

    Repeated entries (greedy decoding can loop) are dropped. Raises
    :class:`LLMOutputError` naming the persona when a line comes back empty, so the caller
    records a failure instead of rating with half a profile.
    """
    lines = []
    for label, ask in _ASK.items():
        user = _USER.format(name=name, gender=gender, bio=bio.strip(), ask=ask.format(name=name))
        messages = ({"role": "system", "content": _SYSTEM}, {"role": "user", "content": user})
        completion = await llm.chat(messages, max_tokens=48, temperature=0.0, seed=0, stop=["\n"])
        text = completion.text.strip().removeprefix(f"{label}:").strip().rstrip(".")
        entries = list(dict.fromkeys(e.strip() for e in text.split(",") if e.strip()))[:6]
        if not entries:
            raise LLMOutputError(
                f"persona {name}: profile line {label!r} came back empty: {completion.text!r}"
            )
        lines.append(f"{label}: {', '.join(entries)}")
    return "\n".join(lines)

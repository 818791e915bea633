"""The one descriptive text of an item, composed from its fields, that the encoders embed.

The text reads like a shop's product line so that sentence encoders trained on natural
language place it well, and it names every categorical field so that items differing only in
colour or season get different vectors.

The brand and the start of the description follow, when an item has them. The description is
cut to :data:`DESCRIPTION_CHARS` (whole sentences where they fit, else whole words) so that
the text stays inside the encoder's window: MiniLM reads 256 word pieces and drops the rest,
and about 600 characters of English prose is 120-150 of them, after the 30-40 of the first
part. An item without these fields keeps the text it had before they existed, byte for byte,
so its cached embedding stays valid. The price is left out: it changes with every sale, and
would re-embed the item each time.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from tastemaker.catalog.schema import Item

__all__ = ["DESCRIPTION_CHARS", "description_excerpt", "item_text", "text_hash"]

#: The most characters of the description the text carries (see the module docstring).
DESCRIPTION_CHARS: Final = 600
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

_AUDIENCE = {"Men": "men", "Women": "women", "Boys": "boys", "Girls": "girls", "Unisex": "everyone"}


def item_text(item: Item) -> str:
    """e.g. 'Peter England Men Party Blue Jeans. Casual jeans for men in blue, for summer
    (Apparel, Bottomwear).', then 'By BRAND.' and the description's start when present."""
    parts = [item.name.rstrip(".") + "."]
    kind = " ".join(p for p in (item.usage, item.article_type) if p)
    detail = kind[:1].upper() + kind[1:] if kind else "An item"
    if item.gender:
        detail += f" for {_AUDIENCE.get(item.gender, item.gender.lower())}"
    if item.base_colour:
        detail += f" in {item.base_colour.lower()}"
    if item.season:
        detail += f", for {item.season.lower()}"
    categories = ", ".join(c for c in (item.master_category, item.sub_category) if c)
    if categories:
        detail += f" ({categories})"
    if detail != "An item" or not item.description:  # a described item needs no placeholder
        parts.append(detail + ".")
    if item.brand and item.brand.casefold() not in item.name.casefold():
        parts.append(f"By {item.brand.rstrip('.')}.")
    if item.description:
        parts.append(description_excerpt(item.description))
    return " ".join(parts)


def description_excerpt(description: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The start of ``description``, at most ``limit`` characters: whole sentences while they
    fit, else the first sentence cut at a word, ending in an ellipsis."""
    text = " ".join(description.split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in _SENTENCE_END.split(text):
        candidate = f"{kept} {sentence}" if kept else sentence
        if len(candidate) > limit:
            break
        kept = candidate
    if kept:
        return kept
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(",;:-") + "…"


def text_hash(text: str) -> str:
    """The content hash that keys the embedding cache: sha256 of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

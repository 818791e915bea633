"""The strict parser for free-text answers.

It accepts a bare answer, optionally labelled (``Rating: 7``), out of ten (``7/10``), or
followed by punctuation, and nothing else: an essay that merely contains a number is a
failure, never a guess. The caller gives the model one repair retry, then records the failure.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["parse_rating"]

_PATTERN: Final = re.compile(
    r"""^\s*
        (?:(?:rating|answer|score)\s*[:=]?\s*)?    # optional label
        [\"'*`]*                                    # stray quoting or markdown emphasis
        (?P<value>-1|10|[1-9])
        (?:\s*/\s*10)?                              # "7/10"
        [\"'*`]*
        \s*[.!]?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def parse_rating(text: str) -> int | None:
    """The rating in ``text`` if it is exactly one allowed answer, else None."""
    match = _PATTERN.match(text)
    return None if match is None else int(match.group("value"))

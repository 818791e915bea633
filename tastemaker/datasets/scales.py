"""Rating scales of real feedback, and the one rule that maps them onto the model's scale.

Real shoppers rate on their shop's scale (1–5 stars, 0.5–5 in half stars, thumbs up/down) or
say nothing and act (purchase, add to cart, click, view). tastemaker keeps every value on its
own scale, as given, and maps explicit ratings onto the model's scale (``-1`` dislike,
``1``..``10`` liking) by one rule, so real and synthetic ratings can train one model:

* a numeric scale ``lo-hi`` maps linearly onto 1..10: ``1 + 9 · (v − lo) / (hi − lo)``. The
  bottom of a numeric scale is the weakest liking (1), not a dislike: a shopper who gives one
  star said how much, not that they reject the item outright;
* a ``thumbs`` scale is a like or a dislike: up maps to 10, down to −1 (the app's likes and
  dislikes, source ``web``, are read the same way).

Implicit events are not ratings and get no mapped value; each kind has a weight (how strongly
it says "I want this"), :data:`EVENT_WEIGHTS` by default, or a ``weight`` column of the file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final, Literal

from tastemaker.errors import ConfigError

__all__ = [
    "EVENT_KINDS",
    "EVENT_WEIGHTS",
    "MODEL_SCALE",
    "THUMBS_DOWN",
    "THUMBS_UP",
    "EventKind",
    "RatingScale",
]

EventKind = Literal["purchase", "add_to_cart", "click", "view"]
#: Implicit event kinds, strongest intent first.
EVENT_KINDS: Final[tuple[EventKind, ...]] = ("purchase", "add_to_cart", "click", "view")
#: Default weight of each event kind: a purchase is the full signal, a view a faint one.
EVENT_WEIGHTS: Final[dict[str, float]] = {
    "purchase": 1.0,
    "add_to_cart": 0.5,
    "click": 0.3,
    "view": 0.1,
}
#: The model's scale: ``-1`` (dislike) and ``1``..``10``.
MODEL_SCALE: Final = "model"
#: How a thumbs-up and a thumbs-down read on the model's scale.
THUMBS_UP: Final = 10.0
THUMBS_DOWN: Final = -1.0

_UP: Final = frozenset({"up", "1", "+1", "+", "like", "liked", "yes", "true", "thumbs_up"})
_DOWN: Final = frozenset(
    {"down", "0", "-1", "-", "dislike", "disliked", "no", "false", "thumbs_down"}
)
_RANGE: Final = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:-|\.\.|to)\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class RatingScale:
    """One declared scale: numeric ``[low, high]``, or ``thumbs`` (``low``/``high`` unused).

    :meth:`parse` reads a value of this scale from a file cell; :meth:`to_model` maps it onto
    the model's scale by the module's rule. ``spec`` is how the scale is stored (``"1-5"``).
    """

    kind: Literal["numeric", "thumbs"]
    low: float = 0.0
    high: float = 1.0

    @classmethod
    def from_spec(cls, spec: str) -> RatingScale:
        """``"1-5"``, ``"0.5-5"``, ``"1..10"`` or ``"thumbs"``; anything else is a ConfigError."""
        text = spec.strip().lower()
        if text == "thumbs":
            return cls("thumbs")
        match = _RANGE.match(text)
        if match is None:
            raise ConfigError(f"--scale {spec!r}: expected LOW-HIGH (e.g. 1-5, 0.5-5) or thumbs")
        low, high = float(match.group(1)), float(match.group(2))
        if not low < high:
            raise ConfigError(f"--scale {spec!r}: the low end must be below the high end")
        return cls("numeric", low, high)

    @property
    def spec(self) -> str:
        return "thumbs" if self.kind == "thumbs" else f"{self.low:g}-{self.high:g}"

    def parse(self, text: str) -> float:
        """A cell of this scale as a number (thumbs: 1 up, 0 down); ValueError names why not."""
        cell = text.strip().lower()
        if self.kind == "thumbs":
            if cell in _UP:
                return 1.0
            if cell in _DOWN:
                return 0.0
            raise ValueError(f"{text.strip()!r} is neither up nor down (scale thumbs)")
        try:
            value = float(cell)
        except ValueError:
            raise ValueError(f"{text.strip()!r} is not a number (scale {self.spec})") from None
        if not math.isfinite(value) or not self.low <= value <= self.high:
            raise ValueError(f"{text.strip()!r} is outside the scale {self.spec}")
        return value

    def to_model(self, value: float) -> float:
        """``value`` (as :meth:`parse` returns it) on the model's scale: −1, or 1..10."""
        if self.kind == "thumbs":
            return THUMBS_UP if value >= 0.5 else THUMBS_DOWN
        return 1.0 + 9.0 * (value - self.low) / (self.high - self.low)

"""What a rating asks of the LLM, hashed: the identity under which a rating is stored.

A stored rating is keyed by (persona, item, template version, model, strategy, request hash),
so an interrupted run resumes (the same request hashes the same) and a changed request rates
afresh. The request hash is the sha256 of the canonical JSON of everything that is sent or
that changes how the reply is read:

* the model, the server label, the strategy, the template version and the prompt format;
* the strategy's :meth:`~tastemaker.ratings.strategies.Strategy.request_params` (temperature,
  n, max_tokens, the output constraint or grammar, logprobs top-k, branch and validity
  thresholds);
* the rendered prompt exactly as sent: the raw text, or the chat messages (so a changed
  persona bio, item text or prompt-building code changes the hash even when the template
  file did not). For the ``model`` format the messages are hashed, not the text the
  server's chat template makes of them: that frame is the model's own (the model and server
  are in the hash), and hashing the messages lets a run be planned before the server is up;
* the per-pair seed, for strategies that send one (``sample``, ``free``).

The *request set* is the hash of the same description without the per-pair parts (prompt
and seed): every rating of one run configuration shares it, and :func:`~tastemaker.ratings.
records.load_ratings` refuses to mix two sets of one (template, model, strategy) group.
Its description is stored as JSON in the ``request`` column.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from tastemaker.ratings.prompts import Prompt, PromptFormat
from tastemaker.ratings.records import RatingKey

if TYPE_CHECKING:
    from tastemaker.ratings.strategies import Strategy

__all__ = ["REQUEST_VERSION", "RequestSpec"]

#: Bump when the description below changes shape, so that every rating is made afresh.
REQUEST_VERSION: Final = 1


def _canonical(value: object) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RequestSpec:
    """The requests of one run configuration; :meth:`request_hash` names one pair's request.

    ``params`` is the strategy's ``request_params()``; ``seeded`` says whether the strategy
    sends the per-pair seed (then it is part of each request).
    """

    key: RatingKey
    server: str
    fmt: PromptFormat
    params: Mapping[str, object]
    seeded: bool
    description: str = field(init=False)
    request_set: str = field(init=False)

    def __post_init__(self) -> None:
        described = {
            "v": REQUEST_VERSION,
            "template_version": self.key.template_version,
            "model": self.key.model,
            "strategy": self.key.strategy,
            "server": self.server,
            "format": self.fmt,
            "params": dict(self.params),
            "seeded": self.seeded,
        }
        text = _canonical(described)
        object.__setattr__(self, "description", text)
        object.__setattr__(self, "request_set", _sha256(text)[:16])

    @classmethod
    def of(
        cls, strategy: Strategy, *, key: RatingKey, server: str, fmt: PromptFormat
    ) -> RequestSpec:
        """The spec of ``strategy``'s requests under ``key`` to ``server`` in format ``fmt``."""
        return cls(key, server, fmt, strategy.request_params(), strategy.seeded)

    def request_hash(self, prompt: Prompt, seed: int) -> str:
        """sha256 (hex) of this configuration plus the prompt as sent and the seed if sent."""
        by_messages = self.fmt in ("model", "messages") or prompt.text is None
        sent: dict[str, object] = {
            "set": self.description,
            "prompt": [dict(m) for m in prompt.messages] if by_messages else prompt.text,
        }
        if self.seeded:
            sent["seed"] = seed
        return _sha256(_canonical(sent))

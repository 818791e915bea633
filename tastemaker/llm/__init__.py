"""Talking to LLMs: one client for every OpenAI-compatible server, and an embedded default.

Offers:

- :class:`LLMConfig` — where the server is (or ``None`` for the embedded one), model, key
  variable, timeout, retries, concurrency, backoff;
- :func:`connect` — ``async with connect(config) as llm:`` starts what is needed and cleans up;
- :class:`LLMClient` — ``complete`` and ``chat`` with bounded concurrency, tenacity retries
  with full-jitter backoff on 408/429/5xx/timeouts, a per-request timeout, the response cache
  and the ledger; returns a :class:`Completion` whose ``top_logprobs(0)`` is the next-token
  distribution; ``chat_frame(roles)`` gives the model's own chat template as the server renders
  it (a :class:`ChatFrame`, fetched once per client);
- :class:`ResponseCache` — content-addressed responses in SQLite;
- :class:`Ledger` — calls, cache hits, retries, failures, tokens and time of one run;
- :class:`EmbeddedServer` — llama.cpp's HTTP server in this process (xllamacpp);
- :func:`ensure_model`, :data:`MODELS` — the local models and their once-per-machine build
  (``python -m tastemaker.llm.models build NAME``).

It knows nothing of personas or ratings; prompts arrive as text.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tastemaker.llm.cache import ResponseCache, cache_key, is_cacheable
    from tastemaker.llm.chat_template import ChatFrame
    from tastemaker.llm.client import LLMClient
    from tastemaker.llm.completion import Choice, Completion, GeneratedToken, TokenLogprob, Usage
    from tastemaker.llm.config import LLMConfig, default_cache_path
    from tastemaker.llm.connection import connect
    from tastemaker.llm.ledger import Ledger
    from tastemaker.llm.models import DEFAULT_MODEL, MODELS, ModelSpec, ensure_model
    from tastemaker.llm.server import EmbeddedServer

# Names are imported on first use: the openai SDK takes most of a second to import, and
# commands that never call an LLM (``tastemaker --help``, ``catalog import``) should not pay it.
_WHERE = {
    "ResponseCache": "cache", "cache_key": "cache", "is_cacheable": "cache",
    "LLMClient": "client", "ChatFrame": "chat_template",
    "Choice": "completion", "Completion": "completion", "GeneratedToken": "completion",
    "TokenLogprob": "completion", "Usage": "completion",
    "LLMConfig": "config", "default_cache_path": "config", "connect": "connection",
    "Ledger": "ledger", "DEFAULT_MODEL": "models", "MODELS": "models", "ModelSpec": "models",
    "ensure_model": "models", "EmbeddedServer": "server",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tastemaker.llm' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tastemaker.llm.{module}"), name)


__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "ChatFrame",
    "Choice",
    "Completion",
    "EmbeddedServer",
    "GeneratedToken",
    "LLMClient",
    "LLMConfig",
    "Ledger",
    "ModelSpec",
    "ResponseCache",
    "TokenLogprob",
    "Usage",
    "cache_key",
    "connect",
    "default_cache_path",
    "ensure_model",
    "is_cacheable",
]

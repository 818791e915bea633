"""The LLM options every LLM-using command shares, turned into one :class:`LLMConfig`."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from tastemaker.errors import ConfigError
from tastemaker.llm.config import DEFAULT_API_KEY_ENV, LLMConfig
from tastemaker.llm.models import DEFAULT_MODEL
from tastemaker.validation import describe

__all__ = ["ApiKeyEnv", "Concurrency", "LlmUrl", "ModelName", "NoCache", "Timeout", "llm_config"]

LlmUrl = Annotated[
    str | None,
    typer.Option("--llm", help="OpenAI-compatible base URL (…/v1); default: embedded llama.cpp."),
]
ModelName = Annotated[
    str, typer.Option("--model", help="Model name (embedded: a local model name).")
]
ApiKeyEnv = Annotated[
    str, typer.Option("--api-key-env", help="Environment variable holding the API key.")
]
Concurrency = Annotated[
    int | None,
    typer.Option(min=1, help="Requests in flight \\[default: 1 embedded, 8 with --llm]."),
]
Timeout = Annotated[float, typer.Option("--timeout", help="Per-request timeout, seconds.")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Bypass the response cache.")]

DEFAULTS = {"model": DEFAULT_MODEL, "api_key_env": DEFAULT_API_KEY_ENV}


def llm_config(
    llm: str | None, model: str, api_key_env: str, concurrency: int | None, timeout: float
) -> LLMConfig:
    """Validate the options; a bad value is a ConfigError naming the option.

    The embedded server defaults to one slot: on a small CPU two slots share the same cores
    and each request gets slower (measured 1.07 s vs 0.33 s per call on two cores).
    """
    if concurrency is None:
        concurrency = 1 if llm is None else 8
    try:
        return LLMConfig(
            base_url=llm,
            model=model,
            api_key_env=api_key_env,
            concurrency=concurrency,
            timeout_s=timeout,
        )
    except ValidationError as exc:
        raise ConfigError(describe(exc, as_flags=True)) from exc

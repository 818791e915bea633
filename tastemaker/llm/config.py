"""How to reach an LLM: one frozen config for a remote OpenAI-compatible server or the embedded one.

The same fields drive every server (vLLM, llama.cpp, Ollama, OpenAI, Mistral), so a run config
that names a remote URL and one that leaves it empty differ in one key, and both go through the
same client code. Unknown keys are rejected (a misspelt ``timout_s`` must not silently fall back
to the default).
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from tastemaker.config import RunConfig
from tastemaker.llm.models import DEFAULT_MODEL
from tastemaker.settings import get_settings

__all__ = ["DEFAULT_API_KEY_ENV", "LLMConfig", "default_cache_path"]

DEFAULT_API_KEY_ENV = "TASTEMAKER_LLM_API_KEY"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class LLMConfig(RunConfig):
    """Connection, retry and concurrency settings of one LLM endpoint.

    ``base_url=None`` means the embedded llama.cpp server, and ``model`` is then a name from
    :data:`tastemaker.llm.models.MODELS`; with a URL, ``model`` is whatever that server calls
    its model. The API key is never stored in the config, only the name of the environment
    variable that holds it, so configs can be committed and shared.
    """

    base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible base URL (…/v1); None starts the embedded llama.cpp server.",
    )
    model: str = Field(default=DEFAULT_MODEL, min_length=1, description="Model name.")
    api_key_env: str = Field(
        default=DEFAULT_API_KEY_ENV,
        description="Environment variable holding the API key (local servers need none).",
    )
    timeout_s: float = Field(default=120.0, gt=0, description="Per-request timeout (seconds).")
    max_retries: int = Field(default=4, ge=0, le=20, description="Retries after the first try.")
    concurrency: int = Field(default=2, ge=1, le=1024, description="Requests in flight at most.")
    backoff_base_s: float = Field(default=0.5, gt=0, description="First backoff ceiling.")
    backoff_max_s: float = Field(default=30.0, gt=0, description="Largest backoff ceiling.")
    ctx_per_slot: int = Field(
        default=4096, ge=256, description="Embedded server: context tokens of each parallel slot."
    )
    threads: int | None = Field(
        default=None, ge=1, description="Embedded server: CPU threads (None: all usable cores)."
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/")

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV_NAME.match(value):
            raise ValueError(f"not an environment variable name: {value!r}")
        return value

    @model_validator(mode="after")
    def _backoff_order(self) -> LLMConfig:
        if self.backoff_max_s < self.backoff_base_s:
            raise ValueError("backoff_max_s must be at least backoff_base_s")
        return self

    @property
    def embedded(self) -> bool:
        """True when this config asks for the embedded llama.cpp server."""
        return self.base_url is None


def default_cache_path() -> Path:
    """Where the response cache lives unless a run says otherwise: beside the store."""
    return get_settings().data_dir / "llm_cache.sqlite"

"""Process-wide settings, read once from the environment (prefix ``TASTEMAKER_``).

Settings are validated at start-up so a bad value fails loudly before any work is done, and
they are built by a cached getter so tests can clear the cache and override them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from tastemaker.errors import ConfigError

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Where tastemaker keeps its state and which defaults it runs with."""

    model_config = SettingsConfigDict(env_prefix="TASTEMAKER_", extra="forbid", frozen=True)

    data_dir: Path = Field(
        default=Path(".tastemaker"),
        description="Directory holding the SQLite store, embeddings, models and reports.",
    )
    encoder: str = Field(
        default="minilm",
        description="Text encoder: 'minilm' (offline default) or 'clip:<path-or-name>'.",
    )
    batch_size: int = Field(default=128, ge=1, le=4096, description="Encoder batch size.")

    # The service (``tastemaker serve``).
    host: str = Field(default="127.0.0.1", description="Address the service listens on.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port (0: any free port).")
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token for /api/admin routes; unset refuses them all."
    )
    cors_origins: list[str] = Field(
        default=["http://127.0.0.1:5173", "http://localhost:5173"],
        description="Origins allowed by CORS (the Vite dev server by default).",
    )
    max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest accepted request body, in bytes."
    )
    model_version: str | None = Field(
        default=None, description="Model version to serve (default: the newest exported)."
    )
    index_backend: Literal["faiss", "qdrant"] = Field(
        default="faiss",
        description=(
            "Which engine searches the item vectors: 'faiss' in the service's memory, or "
            "'qdrant' (a server at qdrant_url, or embedded in the process when it is unset)."
        ),
    )
    qdrant_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description=(
            "Qdrant server or cluster URL (http:// or https://) for index_backend='qdrant'; "
            "unset: Qdrant's embedded mode in memory, filled from the saved index at start."
        ),
    )
    qdrant_api_key: SecretStr | None = Field(
        default=None, description="API key for the Qdrant server (never written to disk)."
    )
    result_cache_size: int = Field(
        default=20_000, ge=0, description="Cached recommendation results (LRU entries)."
    )
    worker_threads: int = Field(
        default=4,
        ge=1,
        le=64,
        description=(
            "Threads that run the service's blocking work (searches, the towers' forward "
            "passes, store writes, index compaction) off the event loop."
        ),
    )

    @property
    def store_path(self) -> Path:
        """The SQLite file of the store."""
        return self.data_dir / "tastemaker.sqlite"

    def index_options(self, collection: str) -> dict[str, Any]:
        """What ``build_retriever``/``load_retriever`` take for a Qdrant index named
        ``collection``: this deployment's location and key (empty for FAISS)."""
        if self.index_backend != "qdrant":
            return {}
        key = self.qdrant_api_key.get_secret_value() if self.qdrant_api_key else None
        return {
            "qdrant_location": self.qdrant_url or ":memory:",
            "qdrant_collection": collection,
            "api_key": key,
        }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process; ``get_settings.cache_clear()`` re-reads the environment.

    A bad environment value is a :class:`~tastemaker.errors.ConfigError` naming the variable
    (``TASTEMAKER_WORKER_THREADS: Input should be greater than or equal to 1``), so the CLI
    prints one line instead of pydantic's report."""
    try:
        return Settings()
    except ValidationError as exc:
        parts = [
            f"TASTEMAKER_{'_'.join(map(str, e['loc'])).upper()}: "
            + e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        ]
        raise ConfigError("; ".join(parts)) from None

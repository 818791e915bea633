"""The one error hierarchy of tastemaker.

Every error a stage raises on purpose derives from :class:`TastemakerError`, so the CLI and the
service can catch the family at their edge and turn it into an exit code or an HTTP problem;
the status code is chosen there, never here::

    TastemakerError
    ├── ConfigError            a setting or run-config key is missing, unknown or invalid
    ├── DataError              input data is malformed (names the file, row and field)
    │   ├── CatalogError       a catalogue file cannot be read at all (empty, wrong layout)
    │   └── ImportRejected     --strict import with rejected rows
    ├── StoreError             the SQLite store cannot be opened or migrated
    │   └── MigrationError     the file is from a newer tastemaker, or a migration failed
    ├── NotFoundError          an id (item, persona, user, model version) is unknown
    ├── NotReadyError          the service has no model loaded yet
    ├── EncoderError           an embedding model cannot be loaded or run
    ├── IndexServerError       a vector-store server (Qdrant) does not answer or fails a request
    ├── TrainingError          a training process died, or the replicas of a run diverged
    └── LLMError               an LLM server call failed after retries
        ├── LLMTimeout         the per-request timeout expired
        └── LLMOutputError     the output could not be parsed, even after a repair retry
"""

from __future__ import annotations

__all__ = [
    "CatalogError",
    "ConfigError",
    "DataError",
    "EncoderError",
    "ImportRejected",
    "IndexServerError",
    "LLMError",
    "LLMOutputError",
    "LLMTimeout",
    "MigrationError",
    "NotFoundError",
    "NotReadyError",
    "StoreError",
    "TastemakerError",
    "TrainingError",
]


class TastemakerError(Exception):
    """Base of every error tastemaker raises on purpose."""


class ConfigError(TastemakerError):
    """A setting or run-config key is missing, unknown or has a bad value."""


class DataError(TastemakerError):
    """Input data is malformed; the message names the file, row and field."""


class CatalogError(DataError):
    """A catalogue file cannot be read at all (missing, empty, no usable columns)."""


class ImportRejected(DataError):
    """A ``--strict`` import found rows it had to reject (the good rows are still stored)."""


class StoreError(TastemakerError):
    """The SQLite store cannot be opened, read or written."""


class MigrationError(StoreError):
    """The store's schema is newer than this code, or a migration step failed."""


class NotFoundError(TastemakerError):
    """An id (item, persona, user, model version) is not known."""


class NotReadyError(TastemakerError):
    """The service has no model loaded yet (train one, or embed the catalogue)."""


class EncoderError(TastemakerError):
    """An embedding model cannot be loaded or run."""


class IndexServerError(TastemakerError):
    """A vector-store server (Qdrant) does not answer, or failed a request it was sent."""


class TrainingError(TastemakerError):
    """A training process died, or the replicas of a data-parallel run diverged."""


class LLMError(TastemakerError):
    """An LLM server call failed after its retries."""


class LLMTimeout(LLMError):
    """An LLM request ran past its per-request timeout."""


class LLMOutputError(LLMError):
    """LLM output could not be parsed into the expected shape, even after a repair retry."""

"""The importers' one convention for naming a file's layout: column maps and value maps.

Every importer (catalogue, interactions, users) takes the same three things:

* ``--map column=field`` (repeatable): which source column holds which field;
* ``--value-map field:source=target`` (repeatable): values of a closed field spelt the shop's
  way (``gender:Ladieswear=Women``), matched exactly, then case-insensitively;
* ``--mapping FILE.toml``: the same, written once for a repeatable layout::

      [columns]
      customer_id = "user"
      article_id = "item"

      [values.event]
      "1" = "purchase"

Options on the command line add to the file and win over it. A mapping file is a frozen
:class:`~tastemaker.config.RunConfig`, so a misspelt key is an error naming it; each importer
subclasses :class:`ImportMapping` with the settings of its own (a rating scale, an event kind).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import Field, ValidationError

from tastemaker.config import RunConfig, load_config
from tastemaker.errors import ConfigError
from tastemaker.validation import describe

__all__ = ["ImportMapping", "load_mapping", "parse_column_map", "parse_value_maps"]


class ImportMapping(RunConfig):
    """Columns and value maps of one file layout (a ``--mapping`` file's common tables).

    Value maps match the stripped cell case-insensitively; a target of ``""`` stores the field
    empty on purpose."""

    columns: dict[str, str] = Field(default_factory=dict, description="Source column -> field.")
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Field -> {value as in the file: value stored}."
    )

    def with_values(self: M, values: Mapping[str, Mapping[str, str]]) -> M:
        """This mapping with more value maps on top of its own (``--value-map`` pairs)."""
        merged = {field: dict(table) for field, table in self.values.items()}
        for field, table in values.items():
            merged.setdefault(field, {}).update(table)
        return self.model_validate({**self.model_dump(), "values": merged})

    def lookup(self) -> dict[str, dict[str, str]]:
        """Per field, the value map keyed by the case-folded source value."""
        return {
            field: {source.strip().casefold(): target for source, target in table.items()}
            for field, table in self.values.items()
        }

    def map_value(self, field: str, value: str) -> str:
        """``value`` of ``field`` after its value map (case-insensitive), else as it is."""
        table = self.values.get(field)
        if not table:
            return value
        folded = {k.strip().casefold(): v for k, v in table.items()}
        return folded.get(value.strip().casefold(), value)


M = TypeVar("M", bound=ImportMapping)


def parse_column_map(pairs: Sequence[str]) -> dict[str, str]:
    """``["title=name", ...]`` -> ``{"title": "name"}``; a malformed pair is a ConfigError."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ConfigError(f"--map {pair!r}: expected source_column=field")
        mapping[source.strip()] = target.strip()
    return mapping


def parse_value_maps(pairs: Sequence[str]) -> dict[str, dict[str, str]]:
    """``["gender:F=woman", ...]`` -> ``{"gender": {"F": "woman"}}``. The target is after the
    last ``=`` (a source value may hold one); an empty target stores empty on purpose. A
    malformed pair is a ConfigError."""
    maps: dict[str, dict[str, str]] = {}
    for pair in pairs:
        field, colon, rest = pair.partition(":")
        source, equals, target = rest.rpartition("=")
        if not colon or not equals or not field.strip() or not source.strip():
            raise ConfigError(f"--value-map {pair!r}: expected field:source_value=target_value")
        maps.setdefault(field.strip(), {})[source.strip()] = target.strip()
    return maps


def load_mapping(
    cls: type[M],
    path: Path | None,
    columns: Sequence[str] = (),
    values: Sequence[str] = (),
    **overrides: object,
) -> M:
    """The mapping file at ``path`` (or none) with the command line's maps and settings on top.

    ``overrides`` are the importer's own settings given as options; None means "not given".
    """
    base = load_config(path, cls) if path is not None else cls()
    settings: Mapping[str, object] = {k: v for k, v in overrides.items() if v is not None}
    try:
        merged = cls.model_validate(
            {
                **base.model_dump(),
                **settings,
                "columns": {**base.columns, **parse_column_map(columns)},
            }
        )
        return merged.with_values(parse_value_maps(values))
    except ValidationError as exc:
        raise ConfigError(describe(exc, as_flags=True)) from exc

"""Layouts: how a retail file's columns and values become item fields, kept for re-use.

A layout is a column map (source column -> item field) and value maps (per field, source value
-> stored value). It is written as TOML::

    [columns]
    prod_name = "name"
    index_group_name = "gender"

    [values.gender]
    Ladieswear = "Women"

and named on the command line by path or, for the layouts shipped in ``catalog/layouts/``
(``hm-articles``, ``amazon-meta``), by name. ``--map`` and ``--value-map`` add to a layout and
override it (a ``--map`` to a field takes it from the layout's column). A misspelt key is a
:class:`ConfigError` naming it, never a silently ignored line.

Value maps match the stripped cell case-insensitively and apply before validation; a target of
``""`` stores the field empty on purpose (no "unknown value" warning). A closed field's target
must be one of its values, so a typo in a map is caught before any row is read.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final

from pydantic import field_validator

from tastemaker.catalog.schema import CLOSED_FIELDS, FIELDS, canonical_field, closed_value
from tastemaker.config import load_config
from tastemaker.errors import ConfigError
from tastemaker.mapping import ImportMapping, parse_column_map, parse_value_maps

__all__ = [
    "VALUE_MAP_FIELDS",
    "Layout",
    "builtin_layouts",
    "load_layout",
    "parse_column_map",
    "parse_value_map",
]

#: Fields whose values can be mapped: the categorical ones (not ids, names, numbers or prose).
VALUE_MAP_FIELDS: Final = (
    "gender",
    "season",
    "master_category",
    "sub_category",
    "article_type",
    "base_colour",
    "usage",
    "brand",
)

_BUILTIN = resources.files("tastemaker.catalog") / "layouts"


def _value_target(field: str, source: str, target: str) -> str:
    """The stored spelling of ``target`` for ``field``; one a closed field refuses is an error."""
    target = target.strip()
    if not source.strip():
        raise ValueError(f"{field}: an empty source value cannot be mapped")
    if field in CLOSED_FIELDS and target:
        canonical = closed_value(field, target)
        if canonical is None:
            allowed = ", ".join(CLOSED_FIELDS[field].values())
            raise ValueError(f"{field}: {source!r} maps to {target!r}, not one of {allowed}")
        return canonical
    return target


def _value_field(field: str) -> str:
    canonical = canonical_field(field)
    if canonical not in VALUE_MAP_FIELDS:
        raise ValueError(
            f"{field!r} cannot take a value map; fields that can: {', '.join(VALUE_MAP_FIELDS)}"
        )
    return canonical


class Layout(ImportMapping):
    """A catalogue's column map and value maps (fields and closed values checked); ``about``
    says which files the layout is for."""

    about: str = ""

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = {c: f for c, f in columns.items() if canonical_field(f) is None}
        if unknown:
            column, field = next(iter(unknown.items()))
            raise ValueError(
                f"{column} = {field!r}: unknown field; fields are {', '.join(FIELDS)} "
                "(colour = base_colour)"
            )
        return columns

    @field_validator("values")
    @classmethod
    def _mappable_values(cls, values: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        checked: dict[str, dict[str, str]] = {}
        for field, table in values.items():
            target_field = _value_field(field)
            checked.setdefault(target_field, {}).update(
                {s: _value_target(target_field, s, t) for s, t in table.items()}
            )
        return checked


def builtin_layouts() -> list[str]:
    """Names of the layouts shipped with tastemaker."""
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in _BUILTIN.iterdir()
        if entry.name.endswith(".toml")
    )


def load_layout(name_or_path: str) -> Layout:
    """A layout from a TOML file, or a built-in one by name (a file of that name wins)."""
    path = Path(name_or_path)
    if path.is_file():
        return load_config(path, Layout)
    if name_or_path in builtin_layouts():
        with resources.as_file(_BUILTIN / f"{name_or_path}.toml") as builtin:
            return load_config(builtin, Layout)
    raise ConfigError(
        f"--mapping {name_or_path}: no such file, nor a built-in layout "
        f"({', '.join(builtin_layouts())})"
    )


def parse_value_map(pairs: list[str]) -> dict[str, dict[str, str]]:
    """``["gender:Ladieswear=Women"]`` -> ``{"gender": {"Ladieswear": "Women"}}``, each field and
    closed target checked (:func:`tastemaker.mapping.parse_value_maps` reads the pairs)."""
    maps: dict[str, dict[str, str]] = {}
    for pair in pairs:
        ((field, table),) = parse_value_maps([pair]).items()
        ((source, target),) = table.items()
        try:
            canonical = _value_field(field)
            maps.setdefault(canonical, {})[source] = _value_target(canonical, source, target)
        except ValueError as exc:
            raise ConfigError(f"--value-map {pair!r}: {exc}") from None
    return maps

"""Rows of a real users file checked into :class:`RealUser`\\s (attributes for twins).

Fields: ``user`` (required), ``age`` (whole years, 0–120), ``gender`` (a closed field:
``woman``, ``man`` or ``non-binary``; ``F``/``female``/``M``/``male``… are understood, other
spellings need ``--value-map gender:X=woman``), and free text: ``occupation``, ``region``,
``bio``, or any other name a column is mapped to (``--map club_member_status=membership``).
Columns named like a field are taken as that field; other columns are left out and listed.

An unknown value of a closed field is stored empty and counted (the importers' rule), so a
shop's odd code costs that one attribute, not the user.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from tastemaker.datasets.schema import BadRow
from tastemaker.datasets.tables import Table
from tastemaker.errors import ConfigError
from tastemaker.mapping import ImportMapping

__all__ = ["GENDERS", "USER_FIELDS", "RealUser", "UsersMapping", "UsersParse", "parse_users"]

USER_FIELDS: Final = ("user", "age", "gender", "occupation", "region", "bio")
#: Accepted genders (as personas spell them), keyed by the spellings understood.
GENDERS: Final[dict[str, str]] = {
    **dict.fromkeys(("woman", "women", "female", "f", "w"), "woman"),
    **dict.fromkeys(("man", "men", "male", "m"), "man"),
    **dict.fromkeys(("non-binary", "nonbinary", "nb", "x"), "non-binary"),
}
_NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MAX_TEXT: Final = 2000


class UsersMapping(ImportMapping):
    """A ``--mapping`` file for users: columns and value maps only."""


@dataclass(frozen=True)
class RealUser:
    """One real user: the file's id and the attributes read (only those present)."""

    id: str
    attributes: dict[str, str | int] = field(default_factory=dict)
    line: int = 0


@dataclass
class UsersParse:
    """What parsing a users file found besides the users: unknown closed values, by field and
    value, and the columns left out."""

    unknown_values: Counter[tuple[str, str]] = field(default_factory=Counter)
    ignored_columns: tuple[str, ...] = ()


def _columns(table: Table, mapping: UsersMapping) -> dict[str, str]:
    bad = sorted(t for t in mapping.columns.values() if not _NAME.match(t))
    if bad:
        raise ConfigError(f"--map targets {', '.join(bad)}: use lower-case names like 'city'")
    return table.columns_for(mapping.columns, USER_FIELDS, ("user",))


def parse_users(
    table: Table, mapping: UsersMapping, problems: list[BadRow], found: UsersParse
) -> Iterator[RealUser]:
    """Each good row as a :class:`RealUser`; bad rows into ``problems``, counts into ``found``."""
    columns = _columns(table, mapping)
    used = set(columns.values())
    found.ignored_columns = tuple(c for c in table.header if c not in used)
    for line, cells in table.rows:
        values = {f: mapping.map_value(f, raw.strip()) for f, c in columns.items()
                  if (raw := cells.get(c)) is not None and raw.strip()}  # fmt: skip
        user = values.pop("user", "")
        if not user:
            problems.append(BadRow(table.path.name, line, "user: missing"))
            continue
        attributes: dict[str, str | int] = {}
        reason = None
        for name, text in values.items():
            if name == "age":
                try:
                    age = float(text)
                except ValueError:
                    reason = f"age: {text!r} is not a number"
                    break
                if not age.is_integer() or not 0 <= age <= 120:
                    reason = f"age: {text!r} is not a whole number of years from 0 to 120"
                    break
                attributes["age"] = int(age)
            elif name == "gender":
                gender = GENDERS.get(text.casefold())
                if gender is None:
                    found.unknown_values[("gender", text)] += 1
                else:
                    attributes["gender"] = gender
            elif len(text) > _MAX_TEXT:
                reason = f"{name}: longer than {_MAX_TEXT} characters"
                break
            else:
                attributes[name] = text
        if reason is not None:
            problems.append(BadRow(table.path.name, line, reason))
            continue
        yield RealUser(user, attributes, line)

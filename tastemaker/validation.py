"""One line that names every offending key of a pydantic :class:`~pydantic.ValidationError`.

Settings, run configs, mappings, CLI options and LLM answers are all validated by pydantic;
its own message spans several lines and names the model class, not what the user typed. The
callers wrap this line in the error of their stage (ConfigError, LLMOutputError), prefixed
with the file or source when there is one.
"""

from __future__ import annotations

from pydantic import ValidationError

__all__ = ["describe"]


def describe(
    exc: ValidationError, *, as_flags: bool = False, depth: int | None = None, root: str = "<root>"
) -> str:
    """``key: message; key: message`` for each error of ``exc``.

    ``as_flags`` names keys as the CLI options that set them (``min_history`` is
    ``--min-history``); ``depth`` keeps only the first parts of a nested key; ``root`` names an
    error of the whole object. pydantic's "Value error, " prefix of a validator's own message
    is dropped: the message already says what is wrong.
    """
    parts = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"][:depth]]
        if as_flags:
            key = "--" + "-".join(loc).replace("_", "-") if loc else root
        else:
            key = ".".join(loc) or root
        parts.append(f"{key}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)

"""``python -m tastemaker.llm.models build [NAME]`` builds a model and prints its path.

The Makefile calls this so the 1.1 GB default is assembled once, before any test or run needs
it; ``list`` shows the registry.
"""

from __future__ import annotations

import sys

from tastemaker.errors import ConfigError, LLMError
from tastemaker.llm.models.build import ensure_model
from tastemaker.llm.models.registry import DEFAULT_MODEL, MODELS

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """``python -m tastemaker.llm.models build NAME`` prints the path; ``list`` the registry."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["list"] and len(args) == 1:
        for spec in MODELS.values():
            print(f"{spec.name}\t{spec.size}\t{spec.description}")
        return 0
    if args[:1] == ["build"] and len(args) <= 2:
        name = args[1] if len(args) == 2 else DEFAULT_MODEL
        try:
            print(ensure_model(name))
        except (ConfigError, LLMError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    print("usage: python -m tastemaker.llm.models {build [NAME] | list}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

"""An :class:`Interactions` as three Parquet files, so later stages read it without re-parsing.

``ratings.parquet``, ``users.parquet`` and ``items.parquet`` follow the declared column
schemas; ``manifest.json`` records the source, layout, counts and every reported bad row.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tastemaker.datasets.schema import ITEM_COLUMNS, USER_COLUMNS, BadRow, Interactions
from tastemaker.errors import DataError

__all__ = ["read_interactions", "write_interactions"]

_FILES = ("ratings", "users", "items")


def write_interactions(data: Interactions, directory: Path) -> dict[str, Path]:
    """Write ``data`` under ``directory`` (created); returns the paths written, by table."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / f"{name}.parquet" for name in _FILES}
    for name in _FILES:
        frame: pd.DataFrame = getattr(data, name)
        frame.to_parquet(paths[name], index=False)
    manifest = {
        **data.summary(),
        "problems": [
            {"file": p.file, "line": p.line, "reason": p.reason, "repaired": p.repaired}
            for p in data.problems
        ],
    }
    paths["manifest"] = directory / "manifest.json"
    paths["manifest"].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return paths


def read_interactions(directory: Path) -> Interactions:
    """Read what :func:`write_interactions` wrote; a missing or off-schema file is a DataError."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        frames = {name: pd.read_parquet(directory / f"{name}.parquet") for name in _FILES}
    except (OSError, ValueError) as exc:
        raise DataError(f"{directory}: not a dataset export: {exc}") from exc
    for name, columns in (("users", USER_COLUMNS), ("items", ITEM_COLUMNS)):
        text = [c for c, d in columns.items() if d == "object"]
        frames[name] = frames[name].astype({c: object for c in text})
    return Interactions(
        ratings=frames["ratings"],
        users=frames["users"],
        items=frames["items"],
        source=str(manifest.get("source", directory)),
        layout=str(manifest.get("layout", "unknown")),
        problems=tuple(BadRow(**p) for p in manifest.get("problems", [])),
    )

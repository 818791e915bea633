"""Finding an item's image on disk, safely.

Images are looked up by item id in one directory listing (one ``os.scandir`` instead of 44k
``stat`` calls), and an id can never name a file outside the images directory.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["IMAGE_SUFFIXES", "ImageIndex"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


class ImageIndex:
    """The images of one directory, keyed by file stem (the item id)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory.resolve() if directory is not None else None
        self._by_stem: dict[str, str] = {}
        if self.directory is not None and self.directory.is_dir():
            with os.scandir(self.directory) as entries:
                for entry in entries:
                    stem, suffix = os.path.splitext(entry.name)
                    if suffix.lower() not in IMAGE_SUFFIXES or not entry.is_file():
                        continue
                    # Prefer .jpg when an id has several formats: it is the catalogue's own.
                    if stem not in self._by_stem or suffix.lower() == ".jpg":
                        self._by_stem[stem] = entry.path

    def __len__(self) -> int:
        return len(self._by_stem)

    def find(self, item_id: str) -> str | None:
        """The absolute image path for ``item_id``, or None when the catalogue has none."""
        return self._by_stem.get(item_id)

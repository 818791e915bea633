"""The embedding export: the files through which later stages read item vectors.

One folder per encoder (see :func:`tastemaker.embed.registry.export_dir`) holds:

- ``vectors.npy``: float32 ``[n, dim]``, unit rows, row ``i`` is item ``ids[i]``;
- ``ids.json``: the ``n`` item ids as a JSON list, in store order (by id);
- ``manifest.json``: ``version``, ``encoder_id``, ``dim``, ``count``, ``dtype``,
  ``normalized``, ``content_digest`` (sha256 over the ``id<TAB>text hash`` lines, so a reader or
  a re-run can tell whether the export still matches the catalogue), ``files`` and
  ``created_at`` (UTC, ISO 8601).

All three files are first written under temporary names, then renamed into place with the
manifest removed meanwhile and renamed last: a folder with a manifest always holds the files
of that manifest's run, and a failed write leaves the previous export as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from tastemaker.embed.protocol import Vectors
from tastemaker.errors import EncoderError

__all__ = [
    "MANIFEST_VERSION",
    "Export",
    "ExportPaths",
    "content_digest",
    "export_is_current",
    "read_export",
    "write_export",
]

MANIFEST_VERSION = 1


@dataclass(frozen=True, slots=True)
class ExportPaths:
    """The three files of an export folder."""

    vectors: Path
    ids: Path
    manifest: Path

    def __iter__(self) -> Iterator[Path]:
        return iter((self.vectors, self.ids, self.manifest))

    @classmethod
    def of(cls, out_dir: Path) -> ExportPaths:
        return cls(out_dir / "vectors.npy", out_dir / "ids.json", out_dir / "manifest.json")


class Export(NamedTuple):
    """An export read back: ids, float32 ``[n, dim]`` unit vectors, and the manifest."""

    ids: list[str]
    vectors: Vectors
    manifest: dict[str, Any]


def content_digest(ids: Sequence[str], hashes: Sequence[str]) -> str:
    """sha256 over ``id<TAB>text hash`` lines: changes when any item, text or order changes."""
    digest = hashlib.sha256()
    for item_id, text_digest in zip(ids, hashes, strict=True):
        digest.update(f"{item_id}\t{text_digest}\n".encode())
    return digest.hexdigest()


def write_export(
    out_dir: Path,
    *,
    encoder_id: str,
    ids: Sequence[str],
    digest: str,
    vectors: Vectors,
) -> ExportPaths:
    """Write ``vectors`` (float32 ``[len(ids), dim]``) and ``ids`` to ``out_dir``, manifest last."""
    if vectors.dtype != np.float32 or vectors.ndim != 2 or vectors.shape[0] != len(ids):
        raise EncoderError(f"cannot export {vectors.dtype} {vectors.shape} for {len(ids)} ids")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = ExportPaths.of(out_dir)
    manifest = {
        "version": MANIFEST_VERSION,
        "encoder_id": encoder_id,
        "dim": int(vectors.shape[1]),
        "count": len(ids),
        "dtype": "float32",
        "normalized": True,
        "content_digest": digest,
        "files": {"vectors": paths.vectors.name, "ids": paths.ids.name},
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    staged = {path: path.with_name(f".{path.name}.{os.getpid()}.tmp") for path in paths}
    try:
        with staged[paths.vectors].open("wb") as handle:
            np.save(handle, vectors, allow_pickle=False)
        staged[paths.ids].write_text(json.dumps(list(ids)), encoding="utf-8")
        staged[paths.manifest].write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    except BaseException:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        raise
    # Everything is on disk; swap it in. Without its manifest the folder reads as no export,
    # so a crash between the renames cannot pair new vectors with old ids.
    paths.manifest.unlink(missing_ok=True)
    for path in (paths.vectors, paths.ids, paths.manifest):
        os.replace(staged[path], path)
    return paths


def export_is_current(out_dir: Path, *, encoder_id: str, dim: int, digest: str) -> bool:
    """Whether ``out_dir`` already holds this encoder's export of exactly these items.

    Checks the manifest and the shapes on disk (the vectors file's header only), so a re-run
    on an unchanged catalogue rewrites nothing; any doubt answers False and the export is
    written again.
    """
    paths = ExportPaths.of(out_dir)
    try:
        manifest = json.loads(paths.manifest.read_text("utf-8"))
        if not isinstance(manifest, dict) or (
            manifest.get("version"),
            manifest.get("encoder_id"),
            manifest.get("dim"),
            manifest.get("content_digest"),
        ) != (MANIFEST_VERSION, encoder_id, dim, digest):
            return False
        vectors = np.load(paths.vectors, mmap_mode="r", allow_pickle=False)
        return bool(
            paths.ids.is_file()
            and vectors.dtype == np.float32
            and vectors.shape == (manifest.get("count"), dim)
        )
    except (OSError, ValueError):
        return False


def read_export(out_dir: Path, *, mmap: bool = False) -> Export:
    """Read an export back, checking that its files agree with each other.

    ``mmap=True`` maps ``vectors.npy`` read-only instead of loading it (for large catalogues).
    A missing file or a disagreement raises :class:`~tastemaker.errors.EncoderError` naming
    the folder.
    """
    paths = ExportPaths.of(out_dir)
    try:
        manifest: dict[str, Any] = json.loads(paths.manifest.read_text("utf-8"))
        ids: list[str] = json.loads(paths.ids.read_text("utf-8"))
        vectors = np.load(paths.vectors, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise EncoderError(f"{out_dir}: cannot read the embedding export: {exc}") from exc
    expected = (manifest.get("count"), manifest.get("dim"))
    if vectors.dtype != np.float32 or vectors.shape != expected or len(ids) != expected[0]:
        raise EncoderError(
            f"{out_dir}: export files disagree: vectors {vectors.dtype} {vectors.shape}, "
            f"{len(ids)} ids, manifest says {expected}"
        )
    return Export(ids, vectors, manifest)

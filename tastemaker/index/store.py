"""Index persistence: one folder, by default ``<model_dir>/index/``, beside the model version.

The folder holds:

- ``vectors.npy``: float32 ``[n, d]`` unit rows, row ``i`` is item ``ids[i]``;
- ``ids.json``: the ``n`` item ids, in index order;
- ``metadata.npz`` + ``metadata.json``: the filter fields as int32 codes ``[n]`` per field and
  each field's vocabulary;
- ``faiss.index`` (FAISS kinds, once built): the FAISS index, its labels equal to positions;
- ``manifest.json``: ``format``, ``version``, ``kind``, ``dim``, ``count``, ``config``,
  ``ids_sha256``, ``files``, ``created_at`` and kind-specific facts (``faiss``).

A save writes a new folder beside the old one and swaps it in with renames, manifest written
last: a failed save leaves the previous index as it was. Loading checks the manifest against
the files (kind, dimension, count, ids digest) and names what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from tastemaker.errors import ConfigError, DataError
from tastemaker.index._vectors import Matrix
from tastemaker.index.config import IndexConfig
from tastemaker.index.filters import FILTER_FIELDS, ItemMetadata

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "StoredIndex",
    "ids_digest",
    "index_dir",
    "read_index",
    "read_manifest",
    "write_index",
]

FORMAT = "tastemaker-index"
FORMAT_VERSION = 1
VECTORS, IDS, MANIFEST = "vectors.npy", "ids.json", "manifest.json"
CODES, VOCAB, FAISS_FILE = "metadata.npz", "metadata.json", "faiss.index"


def index_dir(model_dir: Path) -> Path:
    """Where the index of the model version saved in ``model_dir`` lives."""
    return Path(model_dir) / "index"


def ids_digest(ids: Sequence[str]) -> str:
    """sha256 over the ids, one per line: tells whether an index matches a model's export."""
    digest = hashlib.sha256()
    for item_id in ids:
        digest.update(item_id.encode("utf-8") + b"\n")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class StoredIndex:
    """An index folder read back and checked."""

    directory: Path
    manifest: dict[str, Any]
    config: IndexConfig
    ids: list[str]
    vectors: Matrix
    metadata: ItemMetadata

    @property
    def faiss_path(self) -> Path:
        return self.directory / FAISS_FILE


def write_index(
    directory: Path,
    *,
    config: IndexConfig,
    ids: Sequence[str],
    vectors: Matrix,
    metadata: ItemMetadata,
    write_faiss: Callable[[Path], dict[str, Any]] | None = None,
) -> Path:
    """Write a complete index folder at ``directory``, replacing any previous one atomically.

    ``write_faiss(path)`` writes the FAISS file and returns facts for the manifest.
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staged = directory.with_name(f".{directory.name}.tmp-{token}")
    staged.mkdir()
    try:
        with (staged / VECTORS).open("wb") as handle:
            np.save(handle, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        (staged / IDS).write_text(json.dumps(list(ids)), encoding="utf-8")
        codes: dict[str, Any] = {f: metadata.codes(f) for f in FILTER_FIELDS}
        np.savez(staged / CODES, **codes)
        vocab = {f: list(metadata.vocabulary(f)) for f in FILTER_FIELDS}
        (staged / VOCAB).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        files = {"vectors": VECTORS, "ids": IDS, "metadata_codes": CODES, "metadata_values": VOCAB}
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "kind": config.kind,
            "dim": int(vectors.shape[1]),
            "count": len(ids),
            "config": config.model_dump(mode="json"),
            "ids_sha256": ids_digest(ids),
            "files": files,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if write_faiss is not None:
            manifest["faiss"] = write_faiss(staged / FAISS_FILE)
            if (staged / FAISS_FILE).exists():
                files["faiss"] = FAISS_FILE
        (staged / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    retired = directory.with_name(f".{directory.name}.old-{token}")
    if directory.exists():
        os.replace(directory, retired)
    os.replace(staged, directory)
    shutil.rmtree(retired, ignore_errors=True)
    return directory


def read_manifest(directory: Path) -> dict[str, Any]:
    """The checked manifest of the index at ``directory``."""
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: no index here (manifest.json missing)") from None
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: unreadable index manifest: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DataError(f"{path}: not a tastemaker index manifest")
    if manifest.get("version") != FORMAT_VERSION:
        raise DataError(
            f"{path}: index format version {manifest.get('version')!r}, this code reads "
            f"{FORMAT_VERSION}; rebuild the index"
        )
    for key, kind in (("kind", str), ("dim", int), ("count", int), ("config", dict)):
        if not isinstance(manifest.get(key), kind):
            raise DataError(f"{path}: manifest field {key!r} missing or not a {kind.__name__}")
    return manifest


def read_index(directory: Path, *, kinds: Collection[str], dim: int | None = None) -> StoredIndex:
    """Read and check the index at ``directory``; its kind must be one of ``kinds``.

    ``dim``, when given (the model's), must equal the index's dimension.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    kind, size, width = manifest["kind"], manifest["count"], manifest["dim"]
    if kind not in kinds:
        raise ConfigError(
            f"{directory}: holds a {kind!r} index, expected {' or '.join(map(repr, kinds))}"
        )
    if dim is not None and width != dim:
        raise DataError(f"{directory}: index vectors have dimension {width}, the model's {dim}")
    try:
        config = IndexConfig.model_validate(manifest["config"])
    except ValidationError as exc:
        raise ConfigError(f"{directory / MANIFEST}: bad index config: {exc}") from exc
    if config.kind != kind:
        raise DataError(f"{directory / MANIFEST}: kind {kind!r} but config.kind {config.kind!r}")
    needed = [VECTORS, IDS, CODES, VOCAB] + ([FAISS_FILE] if "faiss" in manifest["files"] else [])
    missing = [name for name in needed if not (directory / name).is_file()]
    if missing:
        raise DataError(f"{directory}: index files missing: {', '.join(missing)}")
    try:
        vectors = np.load(directory / VECTORS, allow_pickle=False)
        ids = json.loads((directory / IDS).read_text(encoding="utf-8"))
        with np.load(directory / CODES, allow_pickle=False) as codes_file:
            codes = {f: codes_file[f] for f in FILTER_FIELDS}
        vocab = json.loads((directory / VOCAB).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{directory}: unreadable index file: {exc}") from exc
    if vectors.dtype != np.float32 or vectors.shape != (size, width):
        raise DataError(
            f"{directory / VECTORS}: {vectors.dtype} {vectors.shape}, manifest says "
            f"float32 ({size}, {width})"
        )
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or len(ids) != size:
        raise DataError(f"{directory / IDS}: expected a list of {size} string ids")
    if ids_digest(ids) != manifest.get("ids_sha256"):
        raise DataError(f"{directory / IDS}: ids do not match the manifest's digest")
    if not isinstance(vocab, dict):
        raise DataError(f"{directory / VOCAB}: expected an object of vocabularies")
    metadata = ItemMetadata(codes, vocab)
    if len(metadata) != size:
        raise DataError(f"{directory / CODES}: {len(metadata)} rows, manifest says {size}")
    return StoredIndex(directory, manifest, config, ids, vectors, metadata)

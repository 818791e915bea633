from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tastemaker.embed.export import (
    MANIFEST_VERSION,
    ExportPaths,
    content_digest,
    export_is_current,
    read_export,
    write_export,
)
from tastemaker.embed.protocol import Vectors
from tastemaker.errors import EncoderError

IDS = ["a", "b", "c"]
HASHES = ["h1", "h2", "h3"]


def _vectors(n: int = 3, dim: int = 4) -> Vectors:
    matrix = np.random.default_rng(0).standard_normal((n, dim)).astype(np.float32)
    unit: Vectors = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    return unit


def _write(out_dir: Path) -> ExportPaths:
    digest = content_digest(IDS, HASHES)
    return write_export(out_dir, encoder_id="enc:1", ids=IDS, digest=digest, vectors=_vectors())


def test_round_trip(tmp_path: Path) -> None:
    paths = _write(tmp_path / "out")
    assert paths == ExportPaths.of(tmp_path / "out")
    export = read_export(tmp_path / "out")
    assert export.ids == IDS
    np.testing.assert_array_equal(export.vectors, _vectors())
    manifest = json.loads(paths.manifest.read_text())
    assert manifest == export.manifest
    assert {k: manifest[k] for k in ("version", "encoder_id", "dim", "count", "dtype")} == {
        "version": MANIFEST_VERSION,
        "encoder_id": "enc:1",
        "dim": 4,
        "count": 3,
        "dtype": "float32",
    }
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "ids.json",
        "manifest.json",
        "vectors.npy",
    ]


def test_mmap_read_gives_the_same_vectors_read_only(tmp_path: Path) -> None:
    _write(tmp_path)
    mapped = read_export(tmp_path, mmap=True).vectors
    np.testing.assert_array_equal(mapped, _vectors())
    assert not mapped.flags.writeable


def test_content_digest_changes_with_ids_hashes_and_order() -> None:
    base = content_digest(IDS, HASHES)
    assert content_digest(IDS, ["h1", "h2", "hX"]) != base
    assert content_digest(["a", "b", "d"], HASHES) != base
    assert content_digest(IDS[::-1], HASHES[::-1]) != base
    assert content_digest(IDS, HASHES) == base


def test_export_is_current_only_for_the_same_encoder_dim_and_items(tmp_path: Path) -> None:
    digest = content_digest(IDS, HASHES)
    assert not export_is_current(tmp_path, encoder_id="enc:1", dim=4, digest=digest)
    paths = _write(tmp_path)
    assert export_is_current(tmp_path, encoder_id="enc:1", dim=4, digest=digest)
    assert not export_is_current(tmp_path, encoder_id="enc:2", dim=4, digest=digest)
    assert not export_is_current(tmp_path, encoder_id="enc:1", dim=8, digest=digest)
    assert not export_is_current(tmp_path, encoder_id="enc:1", dim=4, digest="other")
    np.save(paths.vectors, _vectors(n=2))  # vectors replaced behind the manifest's back
    assert not export_is_current(tmp_path, encoder_id="enc:1", dim=4, digest=digest)
    paths.vectors.unlink()
    assert not export_is_current(tmp_path, encoder_id="enc:1", dim=4, digest=digest)
    paths.manifest.write_text("{not json")
    assert not export_is_current(tmp_path, encoder_id="enc:1", dim=4, digest=digest)


def test_read_export_refuses_files_that_disagree(tmp_path: Path) -> None:
    paths = _write(tmp_path)
    paths.ids.write_text(json.dumps(["a"]))
    with pytest.raises(EncoderError, match="export files disagree"):
        read_export(tmp_path)


def test_read_export_of_a_missing_folder_names_it(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match=r"absent: cannot read the embedding export"):
        read_export(tmp_path / "absent")


def test_write_refuses_vectors_that_do_not_fit_the_ids(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="for 3 ids"):
        write_export(tmp_path, encoder_id="e", ids=IDS, digest="d", vectors=_vectors(n=2))
    as_float64: Any = _vectors().astype(np.float64)
    with pytest.raises(EncoderError, match="float64"):
        write_export(tmp_path, encoder_id="e", ids=IDS, digest="d", vectors=as_float64)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_previous_export_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken_dumps(*args: object, **kwargs: object) -> str:
        raise OSError("disk full")

    monkeypatch.setattr("tastemaker.embed.export.json.dumps", broken_dumps)
    with pytest.raises(OSError, match="disk full"):
        write_export(
            tmp_path, encoder_id="enc:1", ids=IDS, digest="d", vectors=_vectors() * 0 + 0.5
        )
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tastemaker.catalog.schema import Item
from tastemaker.catalog.text import item_text
from tastemaker.embed.cache import EmbeddingCache
from tastemaker.embed.export import read_export
from tastemaker.embed.minilm import MiniLMEncoder
from tastemaker.embed.pipeline import embed_items
from tastemaker.embed.protocol import Vectors
from tastemaker.errors import EncoderError
from tastemaker.store import Store
from tastemaker.store.items import upsert_items
from tests.embed.helpers import FakeEncoder, assert_unit_rows

ITEMS = [
    Item(id="10", name="Turtle Check Men Navy Blue Shirt", gender="Men",
         article_type="Shirts", base_colour="Navy Blue", season="Fall", usage="Casual"),
    Item(id="11", name="Titan Women Silver Watch", gender="Women",
         article_type="Watches", base_colour="Silver", season="Winter"),
    Item(id="12", name="Nike Men Black Running Shoes", gender="Men",
         article_type="Sports Shoes", base_colour="Black"),
    Item(id="13", name="Red Dress"),
    Item(id="14", name="Blue Jeans", gender="Women", base_colour="Blue"),
]  # fmt: skip


@pytest.fixture
def filled(store: Store) -> Store:
    upsert_items(store, ITEMS, source="test")
    return store


def test_first_run_encodes_every_item_and_exports_them(filled: Store, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    report = embed_items(filled, encoder, out_dir=tmp_path / "out", batch_size=2)

    assert (report.total, report.encoded, report.cached, report.texts_encoded) == (5, 5, 0, 5)
    ids, vectors, manifest = read_export(tmp_path / "out")
    assert ids == sorted(item.id for item in ITEMS)  # store order: by id
    assert_unit_rows(vectors, 8)
    by_id = {item.id: item for item in ITEMS}
    expected = encoder.encode_texts([item_text(by_id[i]) for i in ids])
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    assert manifest["encoder_id"] == "fake:v1"
    assert (manifest["dim"], manifest["count"]) == (8, 5)
    assert manifest["created_at"].endswith("+00:00")
    assert report.paths.vectors == tmp_path / "out" / "vectors.npy"
    assert not report.export_reused
    summary = json.loads(json.dumps(report.as_dict()))
    assert summary["encoded"] == 5
    assert summary["manifest"] == str(tmp_path / "out" / "manifest.json")
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_a_rerun_encodes_nothing_and_exports_the_same_vectors(
    filled: Store, tmp_path: Path
) -> None:
    first = embed_items(filled, FakeEncoder(), out_dir=tmp_path / "a")
    again = FakeEncoder()
    second = embed_items(filled, again, out_dir=tmp_path / "b")

    assert again.encoded == []
    assert (second.encoded, second.cached, second.texts_encoded) == (0, 5, 0)
    assert first.paths.vectors.read_bytes() == second.paths.vectors.read_bytes()
    assert first.paths.ids.read_bytes() == second.paths.ids.read_bytes()
    a, b = (json.loads(r.manifest.read_text()) for r in (first.paths, second.paths))
    assert a["content_digest"] == b["content_digest"]


def test_a_rerun_into_the_same_folder_leaves_a_current_export_alone(
    filled: Store, tmp_path: Path
) -> None:
    first = embed_items(filled, FakeEncoder(), out_dir=tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    again = FakeEncoder()
    second = embed_items(filled, again, out_dir=tmp_path)
    assert (second.export_reused, second.encoded, second.cached) == (True, 0, 5)
    assert again.calls == []
    assert {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamps
    assert second.paths == first.paths


def test_another_encoder_does_not_reuse_the_export(filled: Store, tmp_path: Path) -> None:
    embed_items(filled, FakeEncoder(encoder_id="fake:v1"), out_dir=tmp_path)
    other = FakeEncoder(encoder_id="fake:v2")
    report = embed_items(filled, other, out_dir=tmp_path)
    assert (report.export_reused, report.texts_encoded) == (False, 5)
    assert read_export(tmp_path).manifest["encoder_id"] == "fake:v2"


def test_a_changed_item_is_re_encoded_alone(filled: Store, tmp_path: Path) -> None:
    embed_items(filled, FakeEncoder(), out_dir=tmp_path / "out")
    before = read_export(tmp_path / "out")[1]
    changed = replace(ITEMS[1], base_colour="Gold")
    upsert_items(filled, [changed], source="test")

    encoder = FakeEncoder()
    report = embed_items(filled, encoder, out_dir=tmp_path / "out")

    assert encoder.encoded == [item_text(changed)]
    assert (report.encoded, report.cached) == (1, 4)
    ids, after, _ = read_export(tmp_path / "out")
    row = ids.index("11")
    assert not np.allclose(after[row], before[row])
    np.testing.assert_array_equal(np.delete(after, row, 0), np.delete(before, row, 0))


def test_items_with_the_same_text_are_encoded_once(store: Store, tmp_path: Path) -> None:
    twins = [ITEMS[0], replace(ITEMS[0], id="99")]  # same fields, another id
    upsert_items(store, twins, source="test")
    encoder = FakeEncoder()
    report = embed_items(store, encoder, out_dir=tmp_path)
    assert (report.encoded, report.texts_encoded) == (2, 1)
    _, vectors, _ = read_export(tmp_path)
    np.testing.assert_array_equal(vectors[0], vectors[1])


def test_progress_counts_items_and_adds_up_to_the_total(filled: Store, tmp_path: Path) -> None:
    steps: list[int] = []
    embed_items(filled, FakeEncoder(), out_dir=tmp_path, batch_size=2, progress=steps.append)
    assert steps == [2, 2, 1]
    upsert_items(filled, [replace(ITEMS[0], season="Summer")], source="test")
    steps.clear()
    embed_items(filled, FakeEncoder(), out_dir=tmp_path, batch_size=2, progress=steps.append)
    assert steps == [4, 1]  # the cached items at once, then the one encoded
    steps.clear()
    embed_items(filled, FakeEncoder(), out_dir=tmp_path, batch_size=2, progress=steps.append)
    assert steps == [5]  # the export is current: everything at once


def test_an_interrupted_run_resumes_where_it_stopped(filled: Store, tmp_path: Path) -> None:
    class Failing(FakeEncoder):
        def encode_texts(self, texts: Sequence[str]) -> Vectors:
            if self.calls:
                raise RuntimeError("killed")
            return super().encode_texts(texts)

    with pytest.raises(RuntimeError, match="killed"):
        embed_items(filled, Failing(), out_dir=tmp_path, batch_size=2)
    assert EmbeddingCache(filled).count("fake:v1") == 2
    assert not (tmp_path / "manifest.json").exists()

    encoder = FakeEncoder()
    report = embed_items(filled, encoder, out_dir=tmp_path, batch_size=2)
    assert (report.texts_encoded, report.cached) == (3, 2)


def test_an_encoder_breaking_its_promise_is_an_error(filled: Store, tmp_path: Path) -> None:
    class WrongSize(FakeEncoder):
        def encode_texts(self, texts: Sequence[str]) -> Vectors:
            return np.zeros((len(texts), self.dim + 1), dtype=np.float32)

    with pytest.raises(EncoderError, match=r"expected float32 \(5, 8\)"):
        embed_items(filled, WrongSize(), out_dir=tmp_path)
    assert EmbeddingCache(filled).count("fake:v1") == 0


def test_cached_vectors_of_another_size_under_one_id_are_refused(
    filled: Store, tmp_path: Path
) -> None:
    embed_items(filled, FakeEncoder(dim=8), out_dir=tmp_path)
    with pytest.raises(EncoderError, match="two encoders share one id"):
        embed_items(filled, FakeEncoder(dim=4), out_dir=tmp_path)


def test_an_empty_store_exports_an_empty_matrix(store: Store, tmp_path: Path) -> None:
    report = embed_items(store, FakeEncoder(), out_dir=tmp_path)
    ids, vectors, manifest = read_export(tmp_path)
    assert (report.total, ids, vectors.shape, manifest["count"]) == (0, [], (0, 8), 0)


def test_with_minilm_end_to_end(filled: Store, tmp_path: Path, minilm: MiniLMEncoder) -> None:
    first = embed_items(filled, minilm, out_dir=tmp_path / "a", batch_size=2)
    second = embed_items(filled, minilm, out_dir=tmp_path / "b", batch_size=2)
    assert (first.texts_encoded, second.texts_encoded, second.cached) == (5, 0, 5)
    ids, vectors, manifest = read_export(tmp_path / "b")
    assert_unit_rows(vectors, 384)
    assert manifest["encoder_id"] == minilm.id
    np.testing.assert_array_equal(vectors, read_export(tmp_path / "a")[1])
    shirt, watch, shoes = (vectors[ids.index(i)] for i in ("10", "11", "12"))
    assert shirt @ shoes > shirt @ watch  # both men's, both clothing-ish

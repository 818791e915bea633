"""Embedding speed on the full catalogue: items/s on a cold cache, then a re-run (target ≤ 2 s).

Usage: python bench/bench_embed.py [CATALOG_DIR]  (default: the shared data folder beside the repo)
Prints the figures and, as its last line, one JSON object.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

from tastemaker.catalog.importer import import_catalog
from tastemaker.embed import embed_items, export_dir, get_text_encoder
from tastemaker.store import open_store

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-product-images-small"


def main() -> None:
    catalog = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.environ.get("CATALOG", DEFAULT))
    if not (catalog / "styles.csv").is_file():
        sys.exit(f"bench_embed: no styles.csv under {catalog}; pass the catalogue directory")
    encoder = get_text_encoder("minilm", batch_size=128)
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "bench.sqlite") as store:
        import_catalog(store, catalog)
        out = export_dir(Path(tmp), encoder.id)
        started = time.perf_counter()
        cold = embed_items(store, encoder, out_dir=out, batch_size=128)
        cold_s = time.perf_counter() - started
        started = time.perf_counter()
        warm = embed_items(store, encoder, out_dir=out, batch_size=128)
        warm_s = time.perf_counter() - started
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch threads "
          f"{torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"cold: {cold.total} items ({cold.texts_encoded} distinct texts encoded) in "
          f"{cold_s:.1f} s = {cold.total / cold_s:.0f} items/s, "
          f"{cold.texts_per_second:.0f} texts/s while encoding")  # fmt: skip
    print(f"re-run on unchanged items: {warm.encoded} encoded, {warm_s:.2f} s [target <= 2 s]")
    print(json.dumps({"items": cold.total, "texts_encoded": cold.texts_encoded,
                      "cold_s": round(cold_s, 2), "items_per_s": round(cold.total / cold_s, 1),
                      "texts_per_s": round(cold.texts_per_second, 1),
                      "rerun_s": round(warm_s, 3), "rerun_ok": warm_s <= 2.0}))  # fmt: skip


if __name__ == "__main__":
    main()

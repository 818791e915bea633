"""Import speed on the full Fashion Product Images catalogue (target: ≤ 15 s for 44,446 rows).

Usage: python bench/bench_import.py [CATALOG_DIR]  (default: the shared data folder beside the repo)
Prints the figures, and as its last line one JSON object.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from tastemaker.catalog.importer import import_catalog
from tastemaker.store import open_store

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-product-images-small"


def main() -> None:
    catalog = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.environ.get("CATALOG", DEFAULT))
    if not (catalog / "styles.csv").is_file():
        sys.exit(f"bench_import: no styles.csv under {catalog}; pass the catalogue directory")
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "bench.sqlite") as store:
        started = time.perf_counter()
        first = import_catalog(store, catalog)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        second = import_catalog(store, catalog)
        second_s = time.perf_counter() - started
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(
        f"first import: {first.rows_read} rows, {first.inserted} stored, "
        f"{len(first.rejected)} rejected, {first.without_image} without image: {first_s:.2f} s "
        f"({first.rows_read / first_s:,.0f} rows/s) [target <= 15 s]"
    )
    print(f"re-import: {second.unchanged} unchanged, {second.updated} updated: {second_s:.2f} s")
    print(json.dumps({"rows": first.rows_read, "stored": first.inserted,
                      "rejected": len(first.rejected), "import_s": round(first_s, 3),
                      "reimport_s": round(second_s, 3), "target_s": 15,
                      "ok": first_s <= 15}))  # fmt: skip


if __name__ == "__main__":
    main()

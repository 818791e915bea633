"""Index search speed at catalogue scale: single-query p50/p99 and batch throughput.

44k random unit vectors (d = 64 and 384) with the fashion catalogue's metadata (read from
``styles.csv`` when the shared data is present, otherwise drawn with its skew), searched by
exact, flat and hnsw indexes with no filter, a broad filter (one gender), a narrow one (one
article type) and 50 excluded "seen" items. The service's target is p99 <= 10 ms at 300 QPS,
so one in-process search has to stay well under a millisecond.

Usage: python bench/bench_index.py [--n 44000] [--dims 64,384] [--kinds exact,flat,hnsw]
       [--queries 500] [--threads 1] [--catalog DIR]
Prints the figures and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tastemaker.index import (
    FILTER_FIELDS,
    ItemFilter,
    Retriever,
    build_retriever,
    set_search_threads,
)

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-product-images-small"
STYLES = {
    "gender": "gender",
    "master_category": "masterCategory",
    "sub_category": "subCategory",
    "article_type": "articleType",
    "base_colour": "baseColour",
    "season": "season",
    "usage": "usage",
}
SKEW = {  # (values, share) when styles.csv is absent: the real catalogue's leading values
    "gender": ("Men Women Unisex Boys Girls", (50, 42, 5, 2, 1)),
    "master_category": ("Apparel Accessories Footwear Personal_Care", (48, 25, 21, 6)),
    "sub_category": ("Topwear Shoes Bags Bottomwear Watches Innerwear", (45, 21, 9, 8, 7, 5)),
    "article_type": (
        " ".join(f"Type{i}" for i in range(140)),
        tuple(1 / (i + 1) for i in range(140)),
    ),
    "base_colour": ("Black White Blue Brown Grey Red Green", (30, 17, 15, 11, 9, 8, 6)),
    "season": ("Summer Fall Winter Spring", (48, 26, 19, 7)),
    "usage": ("Casual Sports Ethnic Formal", (78, 9, 7, 5)),
}


def metadata_columns(
    n: int, catalog: Path, rng: np.random.Generator
) -> dict[str, list[str | None]]:
    """``n`` rows of metadata: the real catalogue's rows (cycled) or draws with its skew."""
    styles = catalog / "styles.csv"
    if styles.is_file():
        with styles.open(encoding="utf-8", errors="replace", newline="") as handle:
            rows = list(csv.DictReader(handle))
        picked = [rows[i % len(rows)] for i in range(n)]
        return {f: [r.get(c) or None for r in picked] for f, c in STYLES.items()}
    columns: dict[str, list[str | None]] = {}
    for field in FILTER_FIELDS:
        words, weights = SKEW[field]
        share = np.array(weights, dtype=float)
        values = [w.replace("_", " ") for w in words.split()]
        columns[field] = [values[i] for i in rng.choice(len(values), n, p=share / share.sum())]
    return columns


def item_vectors(
    kind: str, dim: int, columns: dict[str, list[str | None]], rng: np.random.Generator
) -> npt.NDArray[np.float32]:
    """``[n, dim]`` unit rows: i.i.d. Gaussian ("random", the worst case for HNSW and IVF:
    every point about equally far from every other), or "clustered": a random direction per
    article type, colour and gender plus noise, the low intrinsic dimension learnt item
    vectors have."""
    n = len(columns["gender"])
    if kind == "random":
        vectors = rng.standard_normal((n, dim)).astype(np.float32)
    else:
        vectors = 0.3 * rng.standard_normal((n, dim)).astype(np.float32)
        for field, weight in (("article_type", 1.0), ("base_colour", 0.6), ("gender", 0.4)):
            values = sorted({v or "" for v in columns[field]})
            codes = {v: i for i, v in enumerate(values)}
            directions = rng.standard_normal((len(values), dim)).astype(np.float32)
            vectors += weight * directions[[codes[v or ""] for v in columns[field]]]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


@dataclass(frozen=True)
class Case:
    """One kind of request: a filter and/or items to exclude."""

    filter: ItemFilter | None = None
    exclude: tuple[str, ...] = ()

    def ids(self, index: Retriever, queries: npt.NDArray[np.float32]) -> list[set[str]]:
        found = index.search(queries, 10, filter=self.filter, exclude=self.exclude)
        return [{hit.item_id for hit in hits} for hits in found]

    def latencies_ms(self, index: Retriever, queries: npt.NDArray[np.float32]) -> list[float]:
        """Wall time of one search per query row (after a short warm-up), in milliseconds."""
        for query in queries[:20]:
            index.search(query[None], 10, filter=self.filter, exclude=self.exclude)
        times = []
        for query in queries:
            started = time.perf_counter()
            index.search(query[None], 10, filter=self.filter, exclude=self.exclude)
            times.append((time.perf_counter() - started) * 1000)
        return times


def recall(got: list[set[str]], want: list[set[str]]) -> float:
    return float(np.mean([len(g & w) / len(w) for g, w in zip(got, want, strict=True) if w]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=44_000)
    parser.add_argument("--dims", default="64,384")
    parser.add_argument("--kinds", default="exact,flat,hnsw")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--vectors", choices=("random", "clustered"), default="random")
    parser.add_argument("--catalog", type=Path, default=Path(os.environ.get("CATALOG", DEFAULT)))
    args = parser.parse_args()
    set_search_threads(args.threads)
    rng = np.random.default_rng(0)
    columns = metadata_columns(args.n, args.catalog, rng)
    types = Counter(v for v in columns["article_type"] if v)
    # Narrow: the article type nearest 1 % of the catalogue (e.g. Jeans); broad: the top gender.
    narrow_type = min(types, key=lambda t: abs(types[t] - args.n / 100))
    broad_gender = Counter(v for v in columns["gender"] if v).most_common(1)[0][0]
    colours = Counter(v for v in columns["base_colour"] if v)
    medium_colour = min(colours, key=lambda c: abs(colours[c] - args.n / 10))
    ids = [f"item{i}" for i in range(args.n)]
    seen = [ids[int(i)] for i in rng.choice(args.n, 50, replace=False)]
    cases = {
        "none": Case(),
        "broad": Case(filter=ItemFilter(gender=broad_gender)),
        "medium": Case(filter=ItemFilter(base_colour=medium_colour)),
        "narrow": Case(filter=ItemFilter(article_type=narrow_type)),
        "seen": Case(exclude=tuple(seen)),
    }
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, search threads "
          f"{args.threads}, load average {os.getloadavg()[0]:.1f}; n={args.n}; broad: gender="
          f"{broad_gender} ({Counter(columns['gender'])[broad_gender]} items), medium: "
          f"base_colour={medium_colour} ({colours[medium_colour]}), narrow: "
          f"article_type={narrow_type} ({types[narrow_type]}); {args.vectors} vectors")  # fmt: skip
    report: dict[str, object] = {"n": args.n, "threads": args.threads, "vectors": args.vectors}
    results: list[dict[str, object]] = []
    for dim in (int(d) for d in args.dims.split(",")):
        vectors = item_vectors(args.vectors, dim, columns, rng)
        # Queries like the items (a shopper's taste sits among the items), not from elsewhere.
        picked = rng.choice(args.n, args.queries, replace=False)
        queries = vectors[picked] + 0.5 * item_vectors("random", dim, columns, rng)[picked]
        reference: Retriever | None = None
        for kind in args.kinds.split(","):
            started = time.perf_counter()
            index = build_retriever(kind, ids, vectors, columns)
            build_s = time.perf_counter() - started
            if reference is None:
                reference = build_retriever("exact", ids, vectors, columns)
            batch = queries[: args.batch]
            index.search(batch[:8], 10)
            started = time.perf_counter()
            index.search(batch, 10)
            qps = batch.shape[0] / (time.perf_counter() - started)
            print(f"d={dim} {kind:5s} build {build_s:6.2f} s, batch of {batch.shape[0]}: "
                  f"{qps:8.0f} queries/s")  # fmt: skip
            for name, case in cases.items():
                p50, p99 = np.percentile(case.latencies_ms(index, queries), [50, 99])
                rec = recall(case.ids(index, queries[:100]), case.ids(reference, queries[:100]))
                print(f"d={dim} {kind:5s} {name:6s}: p50 {p50:.3f} ms, p99 {p99:.3f} ms, "
                      f"recall@10 {rec:.3f}")  # fmt: skip
                results.append(
                    {"dim": dim, "kind": kind, "case": name, "p50_ms": round(p50, 4),
                     "p99_ms": round(p99, 4), "recall_at_10": round(rec, 4),
                     "batch_qps": round(qps, 1), "build_s": round(build_s, 2)}
                )  # fmt: skip
    report["results"] = results
    report["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report))


if __name__ == "__main__":
    main()

"""Reads while the catalogue changes: recommendation latency as items are added, removed and
the index compacts, against the same reads with no writes, in one run.

Issue 13 asked that a write or a compaction never freeze readers: the service runs searches,
forward passes, store writes and compactions in its worker pool, and a FAISS compaction
builds the new index off the lock. This bench checks it end to end on `tastemaker serve`
over the full catalogue with the content runtime (MiniLM text vectors, HNSW at 44k items:
the index kind where removals leave tombstones and compaction rebuilds the graph).

1. Import and embed the catalogue once into .tastemaker-bench/write-load (reused).
2. Start `tastemaker serve` with an admin token; onboard shoppers through the API.
3. Phase "reads": open-loop GET /api/users/{id}/recommendations at ``--rate`` for
   ``--seconds`` (bench_load's generator: latency counted from when a request was due).
4. Phase "reads+writes": the same reads, while a writer adds ``--add-rate`` items/s through
   POST /api/admin/items (each through the MiniLM item encoder), removes as many older ones,
   and calls POST /api/admin/compact back to back (each an HNSW rebuild of 44k items).

Usage: python bench/bench_write_load.py [CATALOG_DIR] [--seconds 10] [--rate 100]
       [--add-rate 5 (0: no writes; one removal, then one compaction)] [--no-compact]
Last line: one JSON object: per phase p50/p99/max (ms), errors, achieved rps; the writes and
compactions done and their latencies; p99 ratio of the two phases; target_met (reads+writes
p99 < 10 ms); the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

import httpx
from bench_load import free_port, load, onboard, percentile, tm, wait_ready  # bench/, on sys.path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "fashion-product-images-small"
DATA = ROOT / ".tastemaker-bench" / "write-load"
TOKEN = "bench-write-load"
#: Created under the data directory when the second phase's reads are done: the writer stops.
STOP_FILE = "stop-writes"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
#: Reads p99 while writing and compacting must stay under this (issue 13, item 12).
TARGET_P99_MS = 10.0


async def ids_of(client: httpx.AsyncClient, most: int) -> list[dict[str, object]]:
    """Up to ``most`` catalogue items (API views), page by page."""
    items: list[dict[str, object]] = []
    cursor = None
    while len(items) < most:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/items", params=params)).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return items[:most]


async def writer(
    client: httpx.AsyncClient, templates: list[dict[str, object]], rate: float, stop: asyncio.Event
) -> dict[str, float]:
    """Add ``rate`` new items per second (copies of catalogue items under new ids), remove an
    earlier addition for each one after the first few, until ``stop``."""
    rng = random.Random(1)
    added: list[str] = []
    add_ms: list[float] = []
    remove_ms: list[float] = []
    errors = 0
    fields = ("name", "gender", "master_category", "sub_category", "article_type",
              "base_colour", "season", "usage")  # fmt: skip
    n = 0
    while not stop.is_set():
        due = time.perf_counter() + 1 / rate
        template = rng.choice(templates)
        body = {"id": f"bench-new-{n}", **{f: template[f] for f in fields if template.get(f)}}
        body["name"] = f"{template['name']} (new {n})"
        started = time.perf_counter()
        response = await client.post("/api/admin/items", json=body, headers=ADMIN)
        add_ms.append((time.perf_counter() - started) * 1000)
        errors += response.status_code != 201
        added.append(body["id"])
        n += 1
        if len(added) > 5:
            started = time.perf_counter()
            gone = added.pop(0)
            response = await client.delete(f"/api/admin/items/{gone}", headers=ADMIN)
            remove_ms.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 204
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
    return {
        "adds": len(add_ms),
        "removes": len(remove_ms),
        "add_p50_ms": round(percentile(add_ms, 50), 1),
        "remove_p50_ms": round(percentile(remove_ms, 50), 1),
        "write_errors": errors,
    }


async def _none(result: dict[str, float]) -> dict[str, float]:
    return result


async def compactor(
    client: httpx.AsyncClient, stop: asyncio.Event, *, again: bool = True
) -> dict[str, float]:
    """POST /api/admin/compact back to back until ``stop`` (once when not ``again``)."""
    took: list[float] = []
    errors = 0
    while not stop.is_set() and (again or not took):
        started = time.perf_counter()
        response = await client.post("/api/admin/compact", headers=ADMIN, timeout=600)
        took.append((time.perf_counter() - started) * 1000)
        errors += response.status_code != 200
        await asyncio.sleep(0.05)
    return {
        "compactions": len(took),
        "compact_p50_ms": round(percentile(took, 50), 1),  # no-ops while nothing was removed
        "compact_max_ms": round(max(took, default=float("nan")), 1),
        "compact_errors": errors,
    }


def _write_process(
    port: int,
    templates: list[dict[str, object]],
    add_rate: float,
    compact: bool,
    stop_file: Path,
    results: multiprocessing.Queue[dict[str, float]],
) -> None:
    """The writer and the compactor, in a process of their own, until the stop file appears."""

    async def run() -> dict[str, float]:
        stop = asyncio.Event()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            await client.get("/api/health")
            results.put({})

            async def watch() -> None:
                while not stop_file.exists():
                    await asyncio.sleep(0.05)
                stop.set()

            watching = asyncio.create_task(watch())
            idle: dict[str, float] = {}
            writing = writer(client, templates, add_rate, stop) if add_rate > 0 else _none(idle)
            compacting = compactor(client, stop, again=add_rate > 0) if compact else _none(idle)
            writes, compactions = await asyncio.gather(writing, compacting)
            await watching
        return {**writes, **compactions}

    results.put(asyncio.run(run()))


async def main_async(args: argparse.Namespace) -> None:
    port = free_port()
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "TASTEMAKER_ADMIN_TOKEN": TOKEN}
    server = subprocess.Popen(
        [sys.executable, "-m", "tastemaker", "--data-dir", str(args.data_dir), "serve", "--port",
         str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    stop_file = args.data_dir / STOP_FILE
    stop_file.unlink(missing_ok=True)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            await wait_ready(client, "bench_write_load")
            templates = await ids_of(client, 2000)
            users = await onboard(client, [str(t["id"]) for t in templates], args.users)
            model = (await client.get(f"/api/users/{users[0]}/recommendations")).json()
            # warm the encoder and the first compaction path before anything is timed
            warm = await writer_once(client, templates[0])
            sent: set[str] = set()
            reads = await load(port, users, args.rate, args.seconds, sent)
            print("reads only: " + json.dumps(reads), flush=True)
            if args.compact and args.add_rate == 0:  # something for the compactions to reclaim
                gone = str(templates[-1]["id"])
                (await client.delete(f"/api/admin/items/{gone}", headers=ADMIN)).raise_for_status()
            # The writes come from another process: in this one their HTTP work would delay
            # the load generator's own reads and count as read latency.
            context = multiprocessing.get_context("spawn")
            results: multiprocessing.Queue[dict[str, float]] = context.Queue()
            writes_process = context.Process(
                target=_write_process,
                args=(port, templates, args.add_rate, args.compact, stop_file, results),
            )
            writes_process.start()
            ready = await asyncio.to_thread(results.get, True, 120)  # the writer is connected
            assert ready == {}, ready
            mixed = await load(port, users, args.rate, args.seconds, set())
            stop_file.touch()
            figures = await asyncio.to_thread(results.get, True, 900)
            writes_process.join(60)
            print("reads while writing and compacting: " + json.dumps(mixed), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
    summary = {
        "reads": reads,
        "reads_while_writing": mixed,
        **figures,
        "first_add_ms": warm,
        "p99_ratio": round(mixed["p99_ms"] / reads["p99_ms"], 2),
        "add_rate": args.add_rate,
        "compact": args.compact,
        "target_p99_ms": TARGET_P99_MS,
        "target_met": mixed["p99_ms"] < TARGET_P99_MS,
        "model": model["model_version"],
        "rate": args.rate,
        "seconds": args.seconds,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
    }
    print(json.dumps(summary))


async def writer_once(client: httpx.AsyncClient, template: dict[str, object]) -> float:
    """One add and its removal, timed: the first add loads the item encoder."""
    started = time.perf_counter()
    body = {"id": "bench-warm", "name": f"{template['name']} (warm-up)"}
    (await client.post("/api/admin/items", json=body, headers=ADMIN)).raise_for_status()
    took = (time.perf_counter() - started) * 1000
    (await client.delete("/api/admin/items/bench-warm", headers=ADMIN)).raise_for_status()
    (await client.post("/api/admin/compact", headers=ADMIN, timeout=600)).raise_for_status()
    return round(took, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalog", nargs="?", default=str(DEFAULT))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=100, help="Reads per second.")
    parser.add_argument("--add-rate", type=float, default=5.0, help="Items added per second.")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument(
        "--compact", action=argparse.BooleanOptionalAction, default=True,
        help="Compact back to back during the second phase (--no-compact: writes only).",
    )  # fmt: skip
    parser.add_argument("--data-dir", type=Path, default=DATA, help="Bench data directory.")
    args = parser.parse_args()
    if not (Path(args.catalog) / "styles.csv").is_file():
        raise SystemExit(f"bench_write_load: no styles.csv under {args.catalog}")
    data: Path = args.data_dir
    data.mkdir(parents=True, exist_ok=True)
    print("importing and embedding the catalogue (cached after the first run)…", flush=True)
    tm(data, "catalog", "import", args.catalog)
    tm(data, "embed", "items")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()

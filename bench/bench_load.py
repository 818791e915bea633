"""Load on `tastemaker serve` over the full catalogue: latency at 100, 300 and 500 requests/s.

It imports and embeds the catalogue once into .tastemaker-bench/fashion (reused afterwards),
starts `tastemaker serve` on a free 127.0.0.1 port, onboards shoppers through the API, then
sends GET /api/users/{id}/recommendations (random users, a third with filters) open-loop at
each rate. In the same run it times the retriever in-process, so the HTTP/in-process ratio is
measured on the same machine at the same moment. The server serves the newest two-tower
model exported in that data directory; when there is none, the run first trains one:

* by default on bench/load_data.py's rule-made ratings (48 personas x 60 items, the LLM
  protocol's shape, made in seconds with no LLM) with bench/data/load-run.toml, in
  .tastemaker-bench/load: a cold run takes minutes (import, embed, train), a warm one only
  the load itself. What the bench measures is the service on a model of that shape, not the
  ratings' quality;
* with ``--llm-ratings``, on the LLM's synthetic fashion ratings (bench/fashion_data.py,
  shared with bench_fashion.py; about an hour of LLM time on the first run) with
  bench/data/fashion-run.toml, in .tastemaker-bench/fashion.

Usage: python bench/bench_load.py [CATALOG_DIR] [--seconds 8] [--users 1000] [--data-dir DIR]
       [--llm-ratings]
Last line: one JSON object with, per rate, p50_ms, p99_ms, max_ms, errors, achieved_rps (and
wire_p50_ms, wire_p99_ms, fresh_wire_p50_ms, repeated_share), plus search_p50_ms (back to
back), the search p50 paced at each rate, http_back_to_back_p50_ms (requests one after another
on one connection, each running a search), the HTTP/search ratios and rss_mb.

The HTTP/search ratio is reported like for like, each HTTP figure against the search timed
the same way: paced at the same rate, or back to back. On these shared cores anything that
runs after an idle gap takes about three times as long as back to back, so the figures at
100/s against the back-to-back search (``p50_over_back_to_back_search_at_100``) mix the two.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "fashion-product-images-small"
DATA = ROOT / ".tastemaker-bench" / "load"
LLM_DATA = ROOT / ".tastemaker-bench" / "fashion"
RUN = ROOT / "bench" / "data" / "load-run.toml"
LLM_RUN = ROOT / "bench" / "data" / "fashion-run.toml"
RATES = (100, 300, 500)
FILTERS = [{"gender": "Women"}, {"master_category": "Footwear"}, {"article_type": "Watches"}]


def tm(data: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "tastemaker", "--data-dir", str(data), *args],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def wait_ready(client: httpx.AsyncClient, bench: str) -> None:
    """Poll /api/ready for up to five minutes (the server loads the model and the index)."""
    for _ in range(600):
        try:
            if (await client.get("/api/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.5)
    raise SystemExit(f"{bench}: the server never became ready")


async def onboard(client: httpx.AsyncClient, item_ids: list[str], n: int) -> list[str]:
    rng = random.Random(0)
    users = []
    for _ in range(n):
        body = {"liked": rng.sample(item_ids, 5)}
        response = await client.post("/api/users", json=body)
        response.raise_for_status()
        users.append(response.json()["id"])
    return users


class _Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for GETs.

    httpx costs a few ms of CPU per request, and the load generator shares the machine's two
    cores with the server: with it, the client, not the server, set the ceiling."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> _Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def get(self, target: str) -> tuple[int, float]:
        """The status, and the seconds from writing the request to reading its last byte."""
        sent = time.perf_counter()
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status, time.perf_counter() - sent

    def close(self) -> None:
        self.writer.close()


async def load(
    port: int, users: list[str], rate: int, seconds: float, sent: set[str]
) -> dict[str, float]:
    """Open loop: request i is due at start + i/rate whatever the earlier ones are doing; its
    latency runs from when it was due, so waiting for a free connection counts. The wire time
    runs from writing the request to reading its last byte: the server's latency without the
    generator's own lateness (it shares the two cores with the server). ``sent`` holds every
    target sent to this server so far: a repeated one is answered from the server's result
    cache, with no search."""
    pool: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(64):
        pool.put_nowait(await _Connection.open(port))
    latencies: list[float] = []
    wire: list[float] = []
    fresh: list[float] = []  # wire times of first-time targets: each of those ran a search
    errors = 0

    async def one(target: str, due: float, repeated: bool) -> None:
        nonlocal errors
        connection = await pool.get()
        try:
            status, seconds = await connection.get(target)
            wire.append(seconds * 1000)
            if not repeated:
                fresh.append(seconds * 1000)
            if status != 200:
                errors += 1
            pool.put_nowait(connection)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            connection.close()
            pool.put_nowait(await _Connection.open(port))
        latencies.append((time.perf_counter() - due) * 1000)

    targets = [
        f"/api/users/{user}/recommendations?{urlencode({'k': 10, **chosen})}"
        for user, chosen in _requests(users, rate, int(rate * seconds))
    ]
    loop = asyncio.get_running_loop()
    tasks: list[asyncio.Task[None]] = []
    all_sent = asyncio.Event()

    def fire(target: str, due: float) -> None:
        tasks.append(asyncio.create_task(one(target, due, target in sent)))
        sent.add(target)
        if len(tasks) == len(targets):
            all_sent.set()

    def pace(start: float) -> None:
        # The clock runs in a thread: time.sleep wakes within tens of microseconds of the due
        # time, while the event loop's timers round up to the next millisecond.
        for i, target in enumerate(targets):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            loop.call_soon_threadsafe(fire, target, due)

    start = time.perf_counter()
    pacer = threading.Thread(target=pace, args=(start,), daemon=True)
    pacer.start()
    await all_sent.wait()
    await asyncio.gather(*tasks)
    pacer.join()
    elapsed = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait().close()
    return {
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
        "wire_p50_ms": round(percentile(wire, 50), 2),
        "wire_p99_ms": round(percentile(wire, 99), 2),
        "fresh_wire_p50_ms": round(percentile(fresh, 50), 2),
        "errors": errors,
        "achieved_rps": round(len(tasks) / elapsed, 1),
        "repeated_share": round(1 - len(fresh) / len(tasks), 3),
    }


async def back_to_back(port: int, users: list[str], sent: set[str], total: int) -> float:
    """Wire p50 (ms) of ``total`` requests sent one after another on one connection, none of
    them sent before (so each runs a search): the HTTP latency under the conditions of the
    back-to-back in-process search, the like-for-like partner of ``search_p50_ms``."""
    connection = await _Connection.open(port)
    times: list[float] = []
    try:
        # rate -1 seeds a sequence that no rate's load draws
        for user, chosen in _requests(users, -1, total * 4):
            target = f"/api/users/{user}/recommendations?{urlencode({'k': 10, **chosen})}"
            if target in sent:
                continue
            sent.add(target)
            status, seconds = await connection.get(target)
            if status != 200:
                raise SystemExit(f"bench_load: {target} answered {status}")
            times.append(seconds * 1000)
            if len(times) == total:
                break
    finally:
        connection.close()
    return statistics.median(times)


def _requests(users: list[str], rate: int, total: int) -> list[tuple[str, dict[str, str]]]:
    """The load's sequence at ``rate``: (user, filter) pairs, a third of them filtered; the
    HTTP load and the in-process search draw the same one."""
    rng = random.Random(rate)
    sequence = []
    for _ in range(total):
        chosen = rng.choice(FILTERS) if rng.random() < 1 / 3 else {}
        sequence.append((rng.choice(users), chosen))
    return sequence


def in_process_search_ms(
    data: Path, users: list[str], rates: list[int], seconds: float
) -> dict[str, float]:
    """p50 of the retriever searches the route makes — the same users' query vectors, the same
    filters and seen-item exclusions, on the index the server loads — run in-process:

    - ``search_p50_ms``: back to back, as fast as the CPU goes with everything in its caches;
    - ``search_paced_p50_ms_at_<rate>``: one search every 1/rate s, as the server meets them
      under the load. On these shared cores a search after an idle gap takes about three times
      as long as one back to back (caches and the core's state go cold while it sleeps), so
      the HTTP/search ratio at a rate is taken against the search paced at that rate.
    """
    from tastemaker.index import ItemFilter, set_search_threads
    from tastemaker.service.app import build_state
    from tastemaker.service.loading import load_runtime
    from tastemaker.settings import Settings

    set_search_threads(1)  # as the service does at start-up
    state = build_state(Settings(data_dir=data), load_runtime)
    retriever = state.require_runtime().retriever

    def timed(user: str, chosen: dict[str, str]) -> float:
        entry = state.users.get(user)
        item_filter = ItemFilter(**chosen) if chosen else None
        started = time.perf_counter()
        retriever.search(entry.vector[None, :], 10, filter=item_filter, exclude=entry.seen)
        return (time.perf_counter() - started) * 1000

    out = {"search_p50_ms": statistics.median(timed(*r) for r in _requests(users, 0, 2000))}
    for rate in rates:
        timings, start = [], time.perf_counter()
        for i, request in enumerate(_requests(users, rate, min(int(rate * seconds), 1000))):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            timings.append(timed(*request))
        out[f"search_paced_p50_ms_at_{rate}"] = statistics.median(timings)
    state.store.close()
    return out


def stored_users(data: Path, n: int) -> list[str]:
    """Up to ``n`` shoppers onboarded by an earlier run (re-encoded by the server at start)."""
    with sqlite3.connect(data / "tastemaker.sqlite") as conn:
        rows = conn.execute("SELECT id FROM users ORDER BY id LIMIT ?", (n,)).fetchall()
    return [str(r[0]) for r in rows]


async def main_async(args: argparse.Namespace) -> None:
    port = free_port()
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    server = subprocess.Popen(
        [sys.executable, "-m", "tastemaker", "--data-dir", str(args.data_dir), "serve", "--port",
         str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                     timeout=10) as client:  # fmt: skip
            await wait_ready(client, "bench_load")
            ids: list[str] = []
            cursor = None
            while True:
                params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
                page = (await client.get("/api/items", params=params)).json()
                ids += [i["id"] for i in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None or len(ids) >= 5000:
                    break
            users = stored_users(args.data_dir, args.users)
            users += await onboard(client, ids, args.users - len(users))
            version = (await client.get(f"/api/users/{users[0]}/recommendations")).json()
            results, sent = {}, set()
            for rate in RATES:
                results[str(rate)] = await load(port, users, rate, args.seconds, sent)
                print(f"{rate} req/s: " + json.dumps(results[str(rate)]), flush=True)
            http_back_to_back = await back_to_back(port, users, sent, 1000)
            memory = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    search = in_process_search_ms(args.data_dir, users, RATES, args.seconds)
    ratios = {}
    for rate in RATES:
        paced, figures = search[f"search_paced_p50_ms_at_{rate}"], results[str(rate)]
        for name in ("p50_ms", "wire_p50_ms", "fresh_wire_p50_ms"):
            ratios[f"{name.removesuffix('_ms')}_over_paced_search_at_{rate}"] = (
                figures[name] / paced
            )
    ratios["p50_over_back_to_back_search_at_100"] = (
        results["100"]["p50_ms"] / search["search_p50_ms"]
    )
    ratios["http_back_to_back_over_search"] = http_back_to_back / search["search_p50_ms"]
    summary = {
        **results,
        "model": version["model_version"],
        "http_back_to_back_p50_ms": round(http_back_to_back, 3),
        **{key: round(value, 3) for key, value in search.items()},
        **{key: round(value, 2) for key, value in ratios.items()},
        "rss_mb": round(memory, 1),
        "users": len(users),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
    }
    print(
        f"in-process search p50: {search['search_p50_ms']:.3f} ms back to back, "
        + ", ".join(f"{search[f'search_paced_p50_ms_at_{r}']:.3f} ms at {r}/s" for r in RATES)
        + f"; server RSS {memory:.0f} MB"
    )
    print(f"HTTP back to back (fresh targets, one connection): p50 {http_back_to_back:.3f} ms, "
          f"{ratios['http_back_to_back_over_search']:.2f}x the back-to-back search")  # fmt: skip
    print(json.dumps(summary))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalog", nargs="?", default=str(DEFAULT))
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"Bench data directory [default: {DATA.relative_to(ROOT)}, or "
        f"{LLM_DATA.relative_to(ROOT)} with --llm-ratings].",
    )
    parser.add_argument(
        "--llm-ratings",
        action="store_true",
        help="Train the served model on the LLM's synthetic ratings (bench/fashion_data.py, "
        "about an hour of LLM time on the first run) instead of the rule-made ones.",
    )
    args = parser.parse_args()
    if not (Path(args.catalog) / "styles.csv").is_file():
        raise SystemExit(f"bench_load: no styles.csv under {args.catalog}")
    if args.data_dir is None:
        args.data_dir = LLM_DATA if args.llm_ratings else DATA
    data: Path = args.data_dir
    data.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print("importing and embedding the catalogue (cached after the first run)…", flush=True)
    tm(data, "catalog", "import", args.catalog)
    tm(data, "embed", "items")
    print(f"catalogue ready in {time.perf_counter() - started:.0f} s", flush=True)
    if not any((data / "models").glob("*/manifest.json")):
        trained = time.perf_counter()
        if args.llm_ratings:
            from fashion_data import ensure_ratings  # bench/, on sys.path when run as a script

            print("collecting synthetic ratings (about an hour of LLM time on the first run)…")
            ensure_ratings(data, catalog=Path(args.catalog))
            run = LLM_RUN
        else:
            from load_data import ensure_rule_ratings  # bench/, as above

            print("making the rule-made ratings (no LLM; bench/load_data.py)…", flush=True)
            print(f"{ensure_rule_ratings(data)} ratings stored", flush=True)
            run = RUN
        print(f"training the two-tower model ({run.name})…", flush=True)
        tm(data, "train", "--config", str(run))
        print(f"model ready in {time.perf_counter() - trained:.0f} s", flush=True)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()

"""A real ``tastemaker serve`` for the browser tests: a small data directory and the process.

The data directory holds the sample catalogue (200 items with images), its MiniLM text
vectors (so the service serves the content model), and a little synthetic LLM data for the
insights page: personas whose raw ratings pile up on 6 and 8, as instruction-tuned models do,
their calibrated spread, and a metrics file as a trained model would export it.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tastemaker.catalog.importer import import_catalog
from tastemaker.store import open_store

__all__ = ["build_data_dir", "serve"]

_PERSONAS = 12
_RATINGS_PER_PERSONA = 40
_RAW_CHOICES = (5, 6, 6, 6, 7, 8, 8, 8, 8, 9)  # the pile-up DESIGN.md warns about
_MODEL = "browser-fixture"


def build_data_dir(root: Path, sample_catalog: Path) -> Path:
    from tastemaker.embed import embed_items, export_dir, get_text_encoder

    encoder = get_text_encoder("minilm")
    with open_store(root / "tastemaker.sqlite") as store:
        import_catalog(store, sample_catalog)
        embed_items(store, encoder, out_dir=export_dir(root, encoder.id))
        items = [row[0] for row in store.conn.execute("SELECT id FROM items ORDER BY id")]
        rng = random.Random(7)
        with store.transaction() as conn:
            for n in range(_PERSONAS):
                pid = f"persona-{n:02d}"
                conn.execute(
                    "INSERT INTO personas (id, name, gender, bio) VALUES (?, ?, ?, ?)",
                    (pid, f"Shopper {n}", "Women" if n % 2 else "Men", "A synthetic shopper."),
                )
                rated = rng.sample(items, _RATINGS_PER_PERSONA)
                raw = [rng.choice(_RAW_CHOICES) for _ in rated]
                # Calibration by quantile within the persona: order kept, answers spread.
                order = sorted(range(len(rated)), key=lambda i: (raw[i], i))
                target = [-1, *range(1, 11)]
                for rank, i in enumerate(order):
                    calibrated = target[rank * len(target) // len(rated)]
                    conn.execute(
                        "INSERT INTO ratings (persona_id, item_id, template_version, model, "
                        "strategy, server, seed, answer, calibrated) "
                        "VALUES (?, ?, 'v1', ?, 'logprobs', 'fixture', 0, ?, ?)",
                        (pid, rated[i], _MODEL, raw[i], calibrated),
                    )
    metrics_dir = root / "models" / "two-tower-fixture"
    metrics_dir.mkdir(parents=True)
    (metrics_dir / "metrics.json").write_text(
        json.dumps({"recall@10": 0.412, "ndcg@10": 0.287, "rmse": 1.93, "epochs": 12})
    )
    return root


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(data_dir: Path, *, timeout: float = 90.0) -> Iterator[str]:
    """Run ``tastemaker serve`` on a free port until the block ends; yields its base URL."""
    port = _free_port()
    log_path = data_dir / "serve.log"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "OMP_WAIT_POLICY": "PASSIVE",
    }
    command = [sys.executable, "-m", "tastemaker", "--data-dir", str(data_dir), "serve"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"tastemaker serve exited:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/api/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"tastemaker serve not ready:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

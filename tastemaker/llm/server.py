"""The embedded llama.cpp server: the offline default, spoken to over the same HTTP API as any.

xllamacpp runs llama.cpp's own C++ HTTP server inside this process. Going through HTTP rather
than calling the binding directly costs well under a millisecond per call and buys one code path
for every server: retries, timeouts, the cache and the ledger behave the same against the
embedded model as against a vLLM fleet, and the tests of one are tests of the other.

The server listens on 127.0.0.1 only (no API key, never exposed) on a port the OS picks, so
parallel test runs and a running service never collide. Prompt caching is on: each slot keeps
the KV cache of its last prompt, and a request whose prompt starts the same way (one persona's
bio before each item) only evaluates the new suffix.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from tastemaker.errors import LLMError

__all__ = ["EmbeddedServer", "usable_cpus"]


def usable_cpus() -> int:
    """CPU cores this process may run on (respects affinity masks and container limits)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


class EmbeddedServer:
    """llama.cpp's OpenAI-compatible server for one GGUF file, as a context manager.

    ``n_parallel`` slots decode concurrently (continuous batching); each slot gets
    ``ctx_per_slot`` tokens of context, so the KV cache holds ``n_parallel * ctx_per_slot``.
    Match the client's concurrency to ``n_parallel``: extra requests would only queue inside
    the server, where their wait counts against the client's per-request timeout.
    ``chat_template`` (Jinja source) replaces the template inside the GGUF file, for a file
    that has none or a wrong one; the server renders it for chat and ``/apply-template``.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        model_name: str | None = None,
        ctx_per_slot: int = 4096,
        n_parallel: int = 2,
        threads: int | None = None,
        cache_prompt: bool = True,
        chat_template: str | None = None,
        startup_timeout_s: float = 300.0,
        verbose: bool = False,
    ) -> None:
        if n_parallel < 1 or ctx_per_slot < 1:
            raise ValueError("n_parallel and ctx_per_slot must be positive")
        self.model_path = Path(model_path)
        self.model_name = model_name or self.model_path.stem
        self.ctx_per_slot = ctx_per_slot
        self.n_parallel = n_parallel
        self.threads = threads or usable_cpus()
        self.cache_prompt = cache_prompt
        self.chat_template = chat_template
        self.startup_timeout_s = startup_timeout_s
        self.verbose = verbose
        self._server: Any = None
        self._address: str | None = None

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._server is not None

    @property
    def address(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        if self._address is None:
            raise LLMError("the embedded llama.cpp server is not running")
        return self._address

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (``…/v1``) to give an OpenAI client."""
        return self.address + "/v1"

    def start(self) -> EmbeddedServer:
        """Load the model and start serving; returns once ``/health`` answers ok.

        Blocks for the model load (about a second for 1 GB from the page cache). Raises
        :class:`LLMError` when the file cannot be loaded or the server never becomes healthy.
        """
        if self._server is not None:
            return self
        if not self.model_path.is_file():
            raise LLMError(f"{self.model_path}: model file not found")
        # libgomp reads this once, when xllamacpp's library is loaded; busy-waiting OpenMP
        # threads on a shared CPU make calls stall for seconds
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_path)
        params.model_alias = {self.model_name}
        params.hostnames = ["127.0.0.1"]
        params.port = 0  # the OS picks a free port: no race between choosing and binding
        params.n_parallel = self.n_parallel
        params.n_ctx = self.ctx_per_slot * self.n_parallel
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.cache_prompt = self.cache_prompt
        if self.chat_template is not None:  # else the template inside the GGUF file
            params.chat_template = self.chat_template
        params.verbosity = 3 if self.verbose else 0
        try:
            server = xllamacpp.Server(params)
        except RuntimeError as exc:
            raise LLMError(f"{self.model_path}: llama.cpp server failed to start: {exc}") from exc
        self._server = server
        self._address = str(server.listening_address).rstrip("/")
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        last = "no answer"
        with httpx.Client(timeout=5.0) as http:
            while time.monotonic() < deadline:
                try:
                    resp = http.get(self.address + "/health")
                    if resp.status_code == 200:
                        return
                    last = f"HTTP {resp.status_code}: {resp.text[:200]}"
                except httpx.HTTPError as exc:
                    last = repr(exc)
                time.sleep(0.05)
        raise LLMError(f"embedded llama.cpp server at {self.address} not healthy: {last}")

    def stop(self) -> None:
        """Stop serving and free the model; dropping the binding's object joins its threads."""
        server, self._server, self._address = self._server, None, None
        del server

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self._address or "stopped"
        return f"EmbeddedServer({self.model_name!r}, {state}, n_parallel={self.n_parallel})"

"""A real HTTP server on 127.0.0.1 in a background thread, for the fault-injecting fakes.

The fakes (``tests/llm/faults.py``, ``tests/personas/fakes.py``) differ in what they answer;
this holds what they share: the socket, the thread, ``base_url`` and a clean shutdown.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

__all__ = ["BackgroundHTTPServer"]


class BackgroundHTTPServer:
    """Serve ``handler`` on a free port while used as a context manager."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (``…/v1``)."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def release(self) -> None:
        """Called before shutdown: let handlers that wait on purpose finish."""

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

"""A real HTTP server that speaks just enough of the OpenAI API to fail on purpose.

Each incoming request takes the next action from a script (then ``default``), so a test says
"two 503s, then an answer" and checks what the client did about it: how many requests it sent,
what it counted, what it raised. Running a real server on a real socket (rather than mocking
the HTTP layer) exercises the openai SDK's error mapping and our timeouts as they happen in
production.

Actions:
  ``"ok"``          200 with an OpenAI-shaped body (llama.cpp-style logprobs when asked for)
  ``"400"``, ``"429"``, ``"503"``, …   that status with a JSON error body
  ``"429:0.25"``    a 429 carrying ``Retry-After: 0.25``
  ``"hang"``        no answer until the test ends (past any client timeout)
  ``"slow"``        answer ok after ``slow_s`` seconds (to observe concurrency)
  ``"drop"``        close the connection without answering
  ``"garbage"``     200 whose body is not JSON
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.http_server import BackgroundHTTPServer

__all__ = ["FaultInjectingServer"]


class FaultInjectingServer(BackgroundHTTPServer):
    """Serve scripted faults on 127.0.0.1; use as a context manager, read ``requests`` after."""

    def __init__(
        self,
        script: Iterable[str] = (),
        *,
        default: str = "ok",
        text: str = " 7",
        slow_s: float = 0.2,
    ) -> None:
        self.script: deque[str] = deque(script)
        self.default = default
        self.text = text
        self.slow_s = slow_s
        self.requests: list[dict[str, Any]] = []  # {"path", "headers", "body", "action"}
        self.peak_concurrent = 0
        self._concurrent = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        super().__init__(self._handler_class())

    @property
    def count(self) -> int:
        return len(self.requests)

    def _next_action(self, path: str, headers: dict[str, str], body: Any) -> str:
        with self._lock:
            action = self.script.popleft() if self.script else self.default
            self.requests.append({"path": path, "headers": headers, "body": body, "action": action})
            self._concurrent += 1
            self.peak_concurrent = max(self.peak_concurrent, self._concurrent)
            return action

    def _done(self) -> None:
        with self._lock:
            self._concurrent -= 1

    def answer(self, path: str, body: Any) -> dict[str, Any]:
        """An OpenAI-shaped success body for ``path`` (chat or completions)."""
        n = int(body.get("n", 1)) if isinstance(body, dict) else 1
        chat = path.endswith("/chat/completions")
        want_logprobs = isinstance(body, dict) and bool(body.get("logprobs"))
        k = int(body.get("top_logprobs" if chat else "logprobs") or 0) if want_logprobs else 0
        choices = []
        for i in range(n):
            choice: dict[str, Any] = {"index": i, "finish_reason": "stop", "logprobs": None}
            if chat:
                choice["message"] = {"role": "assistant", "content": self.text}
            else:
                choice["text"] = self.text
            if want_logprobs:
                top = [{"token": " 7", "logprob": -0.5}, {"token": " 8", "logprob": -1.5}]
                top += [{"token": f" x{j}", "logprob": -5.0 - j} for j in range(max(0, k - 2))]
                choice["logprobs"] = {
                    "content": [{"token": " 7", "logprob": -0.5, "top_logprobs": top[:k]}]
                }
            choices.append(choice)
        return {
            "id": "cmpl-fault",
            "object": "chat.completion" if chat else "text_completion",
            "created": 0,
            "model": body.get("model", "fake") if isinstance(body, dict) else "fake",
            "choices": choices,
            "usage": {
                "prompt_tokens": 5,
                "completion_tokens": 1,
                "total_tokens": 6,
                "prompt_tokens_details": {"cached_tokens": 2},
            },
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # silence access logs
                pass

            def _send_json(
                self, status: int, payload: Any, headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = raw.decode(errors="replace")
                action = server._next_action(self.path, dict(self.headers), body)
                try:
                    self._act(action, body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout) before we answered
                finally:
                    server._done()

            def _act(self, action: str, body: Any) -> None:
                if action == "ok":
                    self._send_json(200, server.answer(self.path, body))
                elif action == "slow":
                    server._stop.wait(server.slow_s)
                    self._send_json(200, server.answer(self.path, body))
                elif action == "hang":
                    server._stop.wait(60.0)
                elif action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                elif action == "garbage":
                    data = b"<html>bad gateway, but 200</html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    status, _, retry_after = action.partition(":")
                    headers = {"Retry-After": retry_after} if retry_after else None
                    error = {
                        "error": {"message": f"injected {status}", "type": "fault", "code": status}
                    }
                    self._send_json(int(status), error, headers)

        return Handler

    def release(self) -> None:
        self._stop.set()  # hanging handlers return, so shutdown does not wait on them

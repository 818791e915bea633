"""Tiny OpenAI-compatible chat servers, each injecting one kind of persona-writing trouble.

They run on a real socket and are spoken to by the real :class:`LLMClient`, so the tests cover
the request body we actually send (schema, seed, temperature, repair messages) and the way the
client's errors reach the generator. Each server records every request body it received.

- :class:`InvalidJSONServer` — answers prose, never JSON (first answer and repair alike);
- :class:`OneSentenceThenFixedServer` — a one-sentence bio first, a valid one on repair;
- :class:`DuplicateBioServer` — the same valid bio for everyone, whatever the seed;
- :class:`DistinctBioServer` — a different, valid bio for every request (from a fixed list);
- :class:`PlaceholderNameServer` — a valid bio under the name "John Doe", repair and all;
- :class:`PlaceholderThenHintedServer` — "John Doe" first; the repair takes the offered name;
- :class:`TruncatedAnswerServer` — JSON cut off mid-bio, ``finish_reason`` "length";
- :class:`ServerErrorServer` — HTTP 500 on every request.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.http_server import BackgroundHTTPServer

__all__ = [
    "DISTINCT_BIOS",
    "DistinctBioServer",
    "DuplicateBioServer",
    "InvalidJSONServer",
    "OneSentenceThenFixedServer",
    "PersonaChatServer",
    "PlaceholderNameServer",
    "PlaceholderThenHintedServer",
    "ServerErrorServer",
    "TruncatedAnswerServer",
]

DISTINCT_BIOS = [
    "Marta restores vintage motorcycles on weekends and lives in waxed jackets and heavy boots. "
    "She would never wear anything with sequins.",
    "Tom is a hospital pharmacist who irons a fresh pale blue shirt every morning. "
    "Loud sneakers and ripped jeans make him wince.",
    "Aiko skateboards to her design studio in oversized hoodies and chunky trainers. "
    "Formal tailoring feels like a costume to her.",
    "Gregor coaches a youth football team and owns eleven identical tracksuits. "
    "He has not bought a tie since his wedding.",
    "Priya collects hand-block printed cotton kurtas from small workshops in Jaipur. "
    "Synthetic fast fashion is something she refuses to buy.",
    "Lucas works night shifts in a bakery and wants clothes that survive flour and heat. "
    "Anything dry-clean-only stays on the rack.",
    "Fatima is a corporate lawyer who buys two perfect wool suits a year. "
    "Logos and slogans on clothing strike her as vulgar.",
    "Sven is a retired sailor who still dresses in navy knitwear and canvas trousers. "
    "Skinny fits and bright colours are not for him.",
    "Chloe DJs at warehouse parties in mesh tops, platform boots and silver jewellery. "
    "Beige knitwear bores her to tears.",
    "Ibrahim teaches chemistry and favours corduroy blazers with elbow patches. "
    "He finds athleisure far too casual for the classroom.",
    "Rosa grows vegetables on an allotment and shops for second-hand dungarees. "
    "She avoids delicate silk and anything white.",
    "Kenji is a jazz pianist who wears black turtlenecks and slim cropped trousers. "
    "Patterned shirts feel noisy to him.",
]


class PersonaChatServer(BackgroundHTTPServer):
    """Answer every ``/v1/chat/completions`` request with :meth:`reply`; record the bodies."""

    finish_reason = "stop"

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        super().__init__(self._handler_class())

    def reply(self, body: dict[str, Any], number: int) -> tuple[int, str]:
        """(HTTP status, assistant content) for request ``number`` (0-based)."""
        raise NotImplementedError

    @staticmethod
    def is_repair(body: dict[str, Any]) -> bool:
        """True for a repair request: the conversation already holds an assistant answer."""
        return any(m.get("role") == "assistant" for m in body.get("messages", []))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # silence access logs
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                with server._lock:
                    number = len(server.requests)
                    server.requests.append(body)
                status, content = server.reply(body, number)
                if status == 200:
                    payload: dict[str, Any] = {
                        "id": f"chat-{number}",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "fake"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": content},
                                "finish_reason": server.finish_reason,
                            }
                        ],
                        "usage": {"prompt_tokens": 50, "completion_tokens": 40},
                    }
                else:
                    payload = {"error": {"message": content, "type": "fault", "code": status}}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def persona_json(name: str, bio: str) -> str:
    return json.dumps({"name": name, "bio": bio})


class InvalidJSONServer(PersonaChatServer):
    """Prose instead of JSON, every time: the repair fails too."""

    def reply(self, body: dict[str, Any], number: int) -> tuple[int, str]:
        return 200, "Sure! Here is a lovely persona: Anna, who likes hats."


class OneSentenceThenFixedServer(PersonaChatServer):
    """A one-sentence bio at first; the repair request gets two sentences."""

    def reply(self, body: dict[str, Any], number: int) -> tuple[int, str]:
        if self.is_repair(body):
            return 200, persona_json("Anna Berg", DISTINCT_BIOS[0])
        return 200, persona_json("Anna Berg", "Anna likes hats.")


class DuplicateBioServer(PersonaChatServer):
    """The same valid bio for every request, whatever the seed."""

    def reply(self, body: dict[str, Any], number: int) -> tuple[int, str]:
        return 200, persona_json(f"Clone Number{'x' * (number % 5)}", DISTINCT_BIOS[1])


class DistinctBioServer(PersonaChatServer):
    """A different valid bio for every request, in order from :data:`DISTINCT_BIOS`."""

    def reply(self, body: dict[str, Any], number: int) -> tuple[int, str]:
        bio = DISTINCT_BIOS[number % len(DISTINCT_BIOS)]
        return 200, persona_json(f"{bio.split()[0]} Example", bio)


class PlaceholderNameServer(PersonaChatServer):
    """ "John Doe" with a valid bio, first answer and repair alike (what the default model did)."""

    def reply(self, body: dict[str, Any], number: int) -> tuple[int, str]:
        return 200, persona_json("John Doe", DISTINCT_BIOS[1])


class PlaceholderThenHintedServer(PersonaChatServer):
    """ "John Doe" at first; the repair uses the first name the repair message offers."""

    def reply(self, body: dict[str, Any], number: int) -> tuple[int, str]:
        if not self.is_repair(body):
            return 200, persona_json("John Doe", DISTINCT_BIOS[1])
        offered = re.search(r"Use the first name (\S+) ", body["messages"][-1]["content"])
        first = offered.group(1) if offered else "Nobody"
        return 200, persona_json(f"{first} Lindqvist", DISTINCT_BIOS[1].replace("Tom", first))


class ServerErrorServer(PersonaChatServer):
    """HTTP 500 on every request."""

    def reply(self, body: dict[str, Any], number: int) -> tuple[int, str]:
        return 500, "injected internal error"


class TruncatedAnswerServer(PersonaChatServer):
    """An answer cut off at the token limit, as a server reports it (``finish_reason``)."""

    finish_reason = "length"

    def reply(self, body: dict[str, Any], number: int) -> tuple[int, str]:
        return 200, persona_json("Anna Berg", DISTINCT_BIOS[0])[:60]

"""Property-based API testing: schemathesis generates requests from /openapi.json and sends
them to a real ``tastemaker serve`` process (uvicorn, a real store, a trained two-tower model).
Whatever it sends, the service must never answer with a server error; every answer must carry
a documented status and content type and match the schema documented for it; a request that
breaks the schema must be refused with a 4xx. Hand-written bad requests check that unknown ids
get 404 and invalid parameters 422, as documented."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks
from schemathesis.core.failures import FailureGroup

from tastemaker.service.schemas import Problem
from tests.service.conftest import ADMIN_TOKEN

EXAMPLES = 25  # per operation and mode
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory, two_tower_template: Path) -> Iterator[str]:
    data = tmp_path_factory.mktemp("live") / "data"
    shutil.copytree(two_tower_template, data)
    port = _free_port()
    env = {**os.environ, "TASTEMAKER_ADMIN_TOKEN": ADMIN_TOKEN, "OMP_WAIT_POLICY": "PASSIVE"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tastemaker", "--data-dir", str(data), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/ready", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("tastemaker serve did not become ready")
    yield url
    process.terminate()
    process.wait(timeout=30)
    if process.stderr is not None:
        process.stderr.close()


#: Every response: no server error, a documented status code and content type, a body that
#: matches the schema documented for that status, the documented headers.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
#: Requests that break the schema must be refused with a 4xx.
NEGATIVE_CHECKS = [*CHECKS, checks.negative_data_rejection]
#: The catalogue filters (gender, article_type, …: optional lists of free strings) and ``q`` /
#: ``cursor`` are documented as ``array | null`` or ``string | null``: schemathesis negates a
#: value into ``true`` or ``5``, which a query string carries as the valid strings "true" and
#: "5", and reports the 200 as a schema-violating request accepted. For the operations taking
#: them, invalid requests still get every conformance check, and BAD_REQUESTS below checks
#: their bad limits, k and bodies by hand.
SERIALISED_VALID = {"listItems", "recommend", "getUserRecommendations"}
#: Operations whose only inputs are free-form strings (ids): no request can break the schema.
NOTHING_TO_NEGATE = {
    "getItem", "getItemImage", "getItemEmbedding", "removeItem", "reloadModel", "compactIndex",
}  # fmt: skip


def _fuzz(
    operation: schemathesis.APIOperation, headers: dict[str, str], mode: GenerationMode
) -> list[str]:
    """Send generated requests for one operation; returns the failed checks, one line each."""
    failures: list[str] = []
    negative = mode is GenerationMode.NEGATIVE and operation.definition.raw["operationId"]
    chosen = NEGATIVE_CHECKS if negative and negative not in SERIALISED_VALID else CHECKS

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)  # fmt: skip
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=headers, timeout=30)
        try:
            case.validate_response(response, checks=chosen, headers=headers)
        except FailureGroup as group:
            failures.extend(
                f"{mode.value} {case.method} {case.formatted_path} -> {response.status_code}: "
                f"{failure.title}: {failure.message[:300]}"
                for failure in group.exceptions
            )

    try:
        check()
    except Unsatisfiable:
        if negative not in NOTHING_TO_NEGATE:
            raise
    return failures


def _modes(operation: schemathesis.APIOperation) -> list[GenerationMode]:
    """Valid requests for every operation; invalid ones where there is an input to break."""
    has_input = any(True for _ in operation.iter_parameters()) or len(operation.body) > 0
    return [GenerationMode.POSITIVE, *([GenerationMode.NEGATIVE] if has_input else [])]


def _documented(spec: dict[str, Any], method: str, path: str, status: int) -> bool:
    responses = spec["paths"][path][method.lower()]["responses"]
    media = responses.get(str(status), {}).get("content", {})
    return "application/problem+json" in media


@pytest.mark.slow
def test_every_response_conforms_to_the_documented_schema(live_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{live_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    failures = [
        failure
        for operation in operations
        for mode in _modes(operation)
        for failure in _fuzz(
            operation, ADMIN if operation.path.startswith("/api/admin") else {}, mode
        )
    ]
    assert len(operations) >= 15
    assert not failures, "\n".join(sorted(set(failures)))


#: (method, documented path, sent path, query or JSON body, headers) -> the status expected.
BAD_REQUESTS: list[tuple[str, str, str, dict[str, Any] | None, dict[str, str], int]] = [
    ("GET", "/api/items/{item_id}", "/api/items/no-such-item", None, {}, 404),
    ("GET", "/api/items/{item_id}/image", "/api/items/no-such-item/image", None, {}, 404),
    ("GET", "/api/items/{item_id}/similar", "/api/items/no-such-item/similar", None, {}, 404),
    ("GET", "/api/items/{item_id}/embedding", "/api/items/no-such-item/embedding", None, {}, 404),
    ("GET", "/api/users/{user_id}/recommendations", "/api/users/nobody/recommendations",
     None, {}, 404),
    ("POST", "/api/users/{user_id}/feedback", "/api/users/nobody/feedback",
     {"item_id": "x", "kind": "like"}, {}, 404),
    ("DELETE", "/api/admin/items/{item_id}", "/api/admin/items/no-such-item", None, ADMIN, 404),
    ("GET", "/api/items", "/api/items", {"limit": 0}, {}, 422),
    ("GET", "/api/items", "/api/items", {"limit": 201}, {}, 422),
    ("GET", "/api/items", "/api/items", {"limit": "many"}, {}, 422),
    ("GET", "/api/items", "/api/items", {"cursor": "not-a-cursor"}, {}, 400),
    ("GET", "/api/users/{user_id}/recommendations", "/api/users/nobody/recommendations",
     {"k": 0}, {}, 422),
    ("GET", "/api/items/{item_id}/similar", "/api/items/x/similar", {"k": 10_000}, {}, 422),
    ("POST", "/api/users", "/api/users", {"liked_items": ["x"]}, {}, 422),  # misspelt field
    ("POST", "/api/users", "/api/users", {"liked": ["no-such-item"]}, {}, 422),
    ("POST", "/api/recommendations", "/api/recommendations", {"liked": "x"}, {}, 422),
    ("POST", "/api/admin/items", "/api/admin/items", {"id": "a b", "name": "x"}, ADMIN, 422),
    ("POST", "/api/admin/items", "/api/admin/items", {"id": "a", "name": "x"}, {}, 401),
]  # fmt: skip


@pytest.mark.slow
def test_bad_input_gets_the_documented_problem(live_url: str) -> None:
    """Unknown ids are 404 and invalid parameters 422 (a foreign cursor 400), each as a problem
    body with that status, and each status documented for its operation."""
    spec = httpx.get(f"{live_url}/openapi.json", timeout=10).json()
    wrong = []
    for method, path, sent, data, headers, status in BAD_REQUESTS:
        options: dict[str, Any] = {"json": data} if method == "POST" else {"params": data}
        response = httpx.request(method, f"{live_url}{sent}", headers=headers, timeout=30,
                                 **options)  # fmt: skip
        body = response.json()
        got = (response.status_code, response.headers["content-type"], body.get("status"))
        if got != (status, "application/problem+json", status) or not body.get("detail"):
            wrong.append(f"{method} {sent} {data}: {got} {body}")
        elif not _documented(spec, method, path, status):
            wrong.append(f"{method} {path}: {status} is not documented")
        else:
            Problem.model_validate(body)
    assert not wrong, "\n".join(wrong)

"""Property-based API testing: schemathesis generates requests from /openapi.json and sends
them to a real ``tastemaker serve`` process (uvicorn, a real store, a trained two-tower model).
Whatever it sends, the service must never answer with a server error."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.service.conftest import ADMIN_TOKEN


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


def _fuzz(operation: schemathesis.APIOperation, headers: dict[str, str]) -> list[str]:
    """Send generated requests for one operation; returns the server errors seen."""
    failures: list[str] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)  # fmt: skip
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=headers, timeout=30)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path}: {response.text[:200]}")

    check()
    return failures


@pytest.mark.slow
def test_no_request_makes_the_service_fail(live_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{live_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    failures = [
        failure
        for operation in operations
        for failure in _fuzz(operation, admin if operation.path.startswith("/api/admin") else {})
    ]
    assert len(operations) >= 15
    assert failures == []

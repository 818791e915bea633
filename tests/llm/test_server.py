"""EmbeddedServer start-up failures (no model needed) and its life cycle with SmolLM2 (llm)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tastemaker.errors import LLMError
from tastemaker.llm.server import EmbeddedServer, usable_cpus


def test_missing_file_is_an_llm_error(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="model file not found"):
        EmbeddedServer(tmp_path / "nope.gguf").start()


def test_a_file_that_is_not_gguf_is_an_llm_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"GGUF" + b"\0" * 4096)
    server = EmbeddedServer(bogus)
    with pytest.raises(LLMError, match="failed to start"):
        server.start()
    assert not server.running


def test_address_before_start_is_an_llm_error(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="not running"):
        _ = EmbeddedServer(tmp_path / "m.gguf").base_url


def test_bad_sizes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n_parallel"):
        EmbeddedServer(tmp_path / "m.gguf", n_parallel=0)


def test_threads_default_to_usable_cpus(tmp_path: Path) -> None:
    assert EmbeddedServer(tmp_path / "m.gguf").threads == usable_cpus() >= 1


@pytest.mark.llm
def test_starts_on_a_free_local_port_and_stops(smollm_path: Path) -> None:
    with EmbeddedServer(smollm_path, model_name="smol", ctx_per_slot=512, n_parallel=1) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.base_url.endswith("/v1")
        assert httpx.get(server.address + "/health").json() == {"status": "ok"}
        models = httpx.get(server.base_url + "/models").json()
        assert models["data"][0]["id"] == "smol"
        address = server.address
    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(address + "/health", timeout=2.0)

"""The model's chat template as the server renders it: frames fetched once, checked, exact.

The llm tests run llama.cpp's server with SmolLM2, with the template inside its GGUF file and
with other real Jinja templates put in its place (``EmbeddedServer(chat_template=...)``), so the
frames are checked against templates that are not ChatML, that trim, and that change text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tastemaker.errors import ConfigError, LLMError
from tastemaker.llm.chat_template import ChatFrame
from tastemaker.llm.client import LLMClient
from tastemaker.llm.config import LLMConfig
from tastemaker.llm.server import EmbeddedServer
from tests.llm.faults import FaultInjectingServer

#: Mistral's framing as a Jinja template (system text before the first [INST]).
INST = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}[INST] {{ m['content'] }}"
    " [/INST]{% elif m['role'] == 'system' %}{{ m['content'] }}\n\n{% else %}{{ m['content'] }}"
    "</s>{% endif %}{% endfor %}"
)
#: Gemma's habit: each content trimmed, turns as <start_of_turn>ROLE.
TRIM = (
    "{% for m in messages %}<start_of_turn>{{ m['role'] }}\n{{ m['content'] | trim }}"
    "<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
#: A template that rewrites contents: no frame can stand in for it.
UPPER = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] | upper }}\n{% endfor %}"

RATING = ("system", "user")
REPAIR = ("system", "user", "assistant", "user")


def _conversation(roles: tuple[str, ...]) -> list[dict[str, str]]:
    contents = [
        "You play one shopper. Answer with a single number.",
        "You are Ana (Women, 25-34).\nShe runs.\n\nItem: Red Shoes {size 38}.\nOnly the number.",
        " 7 because\n",
        "Return only the number (-1, or 1 to 10), nothing else.",
    ]
    return [{"role": r, "content": c} for r, c in zip(roles, contents, strict=False)]


def _client(server: EmbeddedServer | FaultInjectingServer, **overrides: Any) -> LLMClient:
    return LLMClient(LLMConfig(base_url=server.base_url, model="m", **overrides))


async def _frames_and_truth(
    server: EmbeddedServer, roles: tuple[str, ...]
) -> tuple[ChatFrame, str, str, int]:
    async with _client(server) as llm:
        frame = await llm.chat_frame(roles)
        calls = llm.ledger.calls
        messages = _conversation(roles)
        return frame, frame.render(messages), await llm.apply_template(messages), calls


@pytest.fixture(scope="module")
def templated(smollm_path: Path, request: pytest.FixtureRequest) -> Iterator[EmbeddedServer]:
    with EmbeddedServer(
        smollm_path, model_name="m", ctx_per_slot=512, n_parallel=1, chat_template=request.param
    ) as server:
        yield server


@pytest.mark.llm
@pytest.mark.parametrize(
    "templated", [None, INST, TRIM], indirect=True, ids=["the-gguf's", "inst", "trim"]
)
@pytest.mark.parametrize("roles", [RATING, REPAIR])
def test_a_frame_renders_what_the_servers_template_renders(
    templated: EmbeddedServer, roles: tuple[str, ...]
) -> None:
    frame, rendered, truth, calls = asyncio.run(_frames_and_truth(templated, roles))
    assert rendered == truth
    # SmolLM2's GGUF holds a ChatML template; the others are not ChatML
    assert ("<|im_start|>user" in truth) == (templated.chat_template is None)
    assert frame.trims == (templated.chat_template == TRIM)
    assert calls == 2  # the placeholders, then the check with probe contents


@pytest.mark.llm
@pytest.mark.parametrize("templated", [UPPER], indirect=True, ids=["upper"])
def test_a_template_that_changes_the_text_is_refused(templated: EmbeddedServer) -> None:
    with pytest.raises(ConfigError, match=r"/apply-template .*changes the text"):
        asyncio.run(_frames_and_truth(templated, RATING))


@pytest.mark.llm
def test_a_frame_is_asked_for_once_per_client_even_by_concurrent_callers(
    smollm_server: EmbeddedServer,
) -> None:
    async def main() -> tuple[list[ChatFrame], int]:
        async with _client(smollm_server) as llm:
            frames = await asyncio.gather(*(llm.chat_frame(RATING) for _ in range(5)))
            frames.append(await llm.chat_frame(list(RATING)))
            return frames, llm.ledger.calls

    frames, calls = asyncio.run(main())
    assert calls == 2
    assert all(f is frames[0] for f in frames)


def test_a_server_without_the_endpoint_is_a_config_error_naming_it() -> None:
    with FaultInjectingServer(["404"]) as server:
        llm = _client(server, max_retries=3)
        with pytest.raises(ConfigError, match="no /apply-template endpoint: HTTP 404") as info:
            asyncio.run(_fetch(llm))
    assert server.base_url.removesuffix("/v1") + "/apply-template" in str(info.value)
    assert "--format messages" in str(info.value)
    assert [r["path"] for r in server.requests] == ["/apply-template"]  # a 404 is not retried


def test_a_reply_without_a_prompt_is_an_llm_error() -> None:
    # the fake answers with a completion body, which has no "prompt"
    with FaultInjectingServer() as server, pytest.raises(LLMError, match="no prompt"):
        asyncio.run(_fetch(_client(server)))


def test_server_failures_on_the_endpoint_are_retried_like_any_call() -> None:
    with FaultInjectingServer(["503"], default="404") as server:
        llm = LLMClient(
            LLMConfig(base_url=server.base_url, model="m", backoff_base_s=0.01, backoff_max_s=0.01)
        )
        with pytest.raises(ConfigError):
            asyncio.run(_fetch(llm))
    assert server.count == 2
    assert llm.ledger.retry_reasons == {"503": 1}


async def _fetch(llm: LLMClient) -> ChatFrame:
    async with llm:
        return await llm.chat_frame(RATING)


def test_a_frame_refuses_other_roles() -> None:
    frame = ChatFrame(RATING, ("<s>", "|", "|>"), "here")
    assert frame.render(_conversation(RATING)).startswith("<s>You play")
    with pytest.raises(ValueError, match="roles"):
        frame.render(_conversation(REPAIR))

"""One async client for every OpenAI-compatible server, with tenacity retries, limits and cache.

The openai SDK does the HTTP and the request shapes; its own retries are switched off
(``max_retries=0``) because a rating run needs to *see* them: tenacity's ``before_sleep`` hook
counts each retry and its reason in the ledger, and the policy (:mod:`tastemaker.llm.retry`:
408/429/5xx, connection failures and timeouts, full-jitter backoff) is one setting for every
server. Inside the SDK the retries would be invisible to the ledger, hold the concurrency slot
through the backoff, and follow the SDK's schedule rather than the config's.

Concurrency is bounded by a semaphore held for each attempt, not during backoff, so a task
waiting out a 429 leaves its place to others. Each attempt is bounded by ``timeout_s`` in total
(not only between bytes, which is all the HTTP client's timeout guarantees).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import openai
import tenacity

from tastemaker.errors import ConfigError, LLMError, LLMTimeout
from tastemaker.llm.cache import ResponseCache, cache_key, is_cacheable
from tastemaker.llm.chat_template import ChatFrame, fetch_frame
from tastemaker.llm.completion import Completion, completion_from_dict, parse_response
from tastemaker.llm.config import LLMConfig
from tastemaker.llm.ledger import Ledger
from tastemaker.llm.retry import Backoff, describe, is_retryable, retry_reason

__all__ = ["NO_API_KEY", "LLMClient"]

NO_API_KEY = "no-key"  # local servers want no key, but the SDK insists on some string

Sleep = Callable[[float], Awaitable[None]]


class LLMClient:
    """Completions and chat completions against one OpenAI-compatible ``base_url``.

    Use as ``async with LLMClient(config, base_url=...) as llm:`` inside the event loop that
    will use it (the HTTP pool and the semaphore belong to that loop). ``cache`` and ``ledger``
    are optional and may be shared by several clients of one run.
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        base_url: str | None = None,
        cache: ResponseCache | None = None,
        ledger: Ledger | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        url = base_url or config.base_url
        if url is None:
            raise ConfigError(
                "LLMClient needs a base URL: set llm.base_url, or start the embedded server "
                "(tastemaker.llm.connect does both)"
            )
        self.config = config
        self.base_url = url.rstrip("/")
        self.model = config.model
        self.cache = cache
        self.ledger = ledger if ledger is not None else Ledger()
        self._sleep = sleep
        self._semaphore = asyncio.Semaphore(config.concurrency)
        self._frames: dict[tuple[str, ...], ChatFrame] = {}
        self._frames_lock = asyncio.Lock()
        self._key_set = bool(os.environ.get(config.api_key_env))
        self._openai = openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=os.environ.get(config.api_key_env) or NO_API_KEY,
            max_retries=0,
            timeout=config.timeout_s,
        )

    async def complete(
        self,
        prompt: str,
        *,
        max_tokens: int = 16,
        temperature: float = 0.0,
        seed: int | None = None,
        logprobs: int | None = None,
        stop: Sequence[str] | None = None,
        n: int = 1,
        top_p: float | None = None,
        extra: Mapping[str, Any] | None = None,
        use_cache: bool = True,
    ) -> Completion:
        """Continue ``prompt`` (``/v1/completions``); the raw prompt is sent as is.

        ``logprobs=k`` asks for the top-k alternatives at every generated token; read the
        first token's distribution with ``completion.top_logprobs(0)``. With llama.cpp and
        vLLM these come from the model's full softmax, independent of temperature and of any
        grammar in ``extra``. ``extra`` goes into the request body as is (llama.cpp
        ``grammar``, vLLM ``guided_choice``…) and is part of the cache key. llama.cpp accepts
        ``n`` only up to its number of slots; draw more samples as separate seeded calls.
        """
        params = _common_params(max_tokens, temperature, seed, stop, n, top_p)
        if logprobs is not None:
            params["logprobs"] = logprobs
        return await self._request("completions", {"prompt": prompt}, params, extra, use_cache)

    async def chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        max_tokens: int = 16,
        temperature: float = 0.0,
        seed: int | None = None,
        logprobs: int | None = None,
        stop: Sequence[str] | None = None,
        n: int = 1,
        top_p: float | None = None,
        extra: Mapping[str, Any] | None = None,
        use_cache: bool = True,
    ) -> Completion:
        """Answer a conversation (``/v1/chat/completions``); the server applies its template.

        ``logprobs=k`` becomes ``logprobs=true, top_logprobs=k``; otherwise as :meth:`complete`.
        """
        params = _common_params(max_tokens, temperature, seed, stop, n, top_p)
        if logprobs is not None:
            params["logprobs"] = True
            params["top_logprobs"] = logprobs
        body = {"messages": [dict(m) for m in messages]}
        return await self._request("chat", body, params, extra, use_cache)

    async def apply_template(self, messages: Sequence[Mapping[str, str]]) -> str:
        """The prompt the server's chat template makes of ``messages``, the assistant turn
        opened (llama.cpp's ``POST /apply-template``; other servers answer 404)."""
        body = {"messages": [dict(m) for m in messages]}
        data, started = await self._send_with_retries("apply-template", body, {})
        prompt = data.get("prompt")
        if not isinstance(prompt, str):
            self.ledger.record_failure()
            raise LLMError(f"{self._where('apply-template')}: no prompt in {str(data)[:300]!r}")
        self.ledger.record_success(time.perf_counter() - started, 0, 0)
        return prompt

    async def chat_frame(self, roles: Sequence[str]) -> ChatFrame:
        """The model's chat template around messages of ``roles``, asked of the server once per
        client and role sequence (see :mod:`tastemaker.llm.chat_template`)."""
        key = tuple(roles)
        async with self._frames_lock:  # concurrent first callers wait for one fetch
            frame = self._frames.get(key)
            if frame is None:
                frame = await fetch_frame(self.apply_template, key, self._where("apply-template"))
                self._frames[key] = frame
        return frame

    async def _request(
        self,
        endpoint: str,
        body: dict[str, Any],
        params: dict[str, Any],
        extra: Mapping[str, Any] | None,
        use_cache: bool,
    ) -> Completion:
        extra_body = dict(extra or {})
        key: str | None = None
        if (
            self.cache is not None
            and use_cache
            and is_cacheable(params["temperature"], params.get("seed"))
        ):
            key = cache_key(
                {
                    "model": self.model,
                    "endpoint": endpoint,
                    **body,
                    "params": params,
                    "extra": extra_body,
                }
            )
            hit = self.cache.get(key)
            if hit is not None:
                self.ledger.record_cache_hit()
                return completion_from_dict(hit, cached=True)
        data, started = await self._send_with_retries(endpoint, {**body, **params}, extra_body)
        try:
            completion = parse_response(data, chat=endpoint == "chat", fallback_model=self.model)
        except LLMError:
            self.ledger.record_failure()
            raise
        usage = completion.usage
        self.ledger.record_success(
            time.perf_counter() - started,
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.cached_tokens,
        )
        if key is not None and self.cache is not None:
            self.cache.put(key, completion.to_dict(), model=self.model, endpoint=endpoint)
        return completion

    async def _send_with_retries(
        self, endpoint: str, kwargs: dict[str, Any], extra_body: dict[str, Any]
    ) -> tuple[dict[str, Any], float]:
        """Send with retries; return the body and the time the first attempt got a slot.

        Latency counts from that moment: the wait for the semaphore is our own queue, not the
        server's speed. Each attempt takes a slot and gives it back before the backoff.
        """
        first_start: list[float] = []

        async def attempt() -> dict[str, Any]:
            async with self._semaphore:
                start = self.ledger.call_started()
                if not first_start:
                    first_start.append(start)
                try:
                    async with asyncio.timeout(self.config.timeout_s):
                        return await self._send_once(endpoint, kwargs, extra_body)
                finally:
                    self.ledger.call_ended()

        retrying = tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(self.config.max_retries + 1),
            wait=Backoff(self.config.backoff_base_s, self.config.backoff_max_s),
            retry=tenacity.retry_if_exception(is_retryable),
            before_sleep=self._count_retry,
            sleep=self._sleep,
            reraise=True,  # the last attempt's own exception, mapped to ours below
        )
        try:
            data: dict[str, Any] = await retrying(attempt)
        except (TimeoutError, openai.APIError, LLMError) as exc:
            raise self._failed(endpoint, exc) from exc
        return data, first_start[0]

    def _count_retry(self, state: tenacity.RetryCallState) -> None:
        """tenacity ``before_sleep``: an attempt failed in a way worth another one."""
        exc = state.outcome.exception() if state.outcome is not None else None
        self.ledger.record_retry((retry_reason(exc) if exc is not None else None) or "unknown")

    def _failed(self, endpoint: str, exc: BaseException) -> LLMError:
        """Count a call that raised and say why: retries used up, a 4xx, or a bad body."""
        reason = retry_reason(exc)
        self.ledger.record_failure(timeout=reason == "timeout")
        if isinstance(exc, LLMError):  # a 200 whose body is not JSON: retrying would not help
            return exc
        if reason is None and isinstance(exc, openai.APIStatusError):
            return LLMError(self._status_message(endpoint, exc))
        attempts = self.config.max_retries + 1  # only stop_after_attempt ends the retries
        what = f"{self._where(endpoint)}: gave up after {attempts} attempt(s), last: "
        if reason == "timeout":
            return LLMTimeout(what + f"no answer within {self.config.timeout_s:g} s")
        return LLMError(what + describe(exc))

    async def _send_once(
        self, endpoint: str, kwargs: dict[str, Any], extra_body: dict[str, Any]
    ) -> dict[str, Any]:
        extra = extra_body or None
        if endpoint == "apply-template":
            text: str = await self._openai.post(self._template_url, cast_to=str, body=kwargs)
            return self._json_object(endpoint, text)
        if endpoint == "chat":
            raw: Any = await self._openai.chat.completions.with_raw_response.create(
                model=self.model, **kwargs, extra_body=extra
            )
        else:
            raw = await self._openai.completions.with_raw_response.create(
                model=self.model, **kwargs, extra_body=extra
            )
        return self._json_object(endpoint, raw.http_response.text)

    def _json_object(self, endpoint: str, text: str) -> dict[str, Any]:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise LLMError(
                f"{self._where(endpoint)}: response is not JSON: {text[:300]!r}"
            ) from exc
        if not isinstance(data, dict):
            raise LLMError(
                f"{self._where(endpoint)}: response is not a JSON object: {str(data)[:300]!r}"
            )
        return data

    @property
    def _template_url(self) -> str:
        """llama.cpp serves ``/apply-template`` beside ``/v1``, not under it."""
        return self.base_url.removesuffix("/v1") + "/apply-template"

    def _where(self, endpoint: str) -> str:
        if endpoint == "apply-template":
            return f"{self._template_url} (model {self.model!r})"
        path = "/chat/completions" if endpoint == "chat" else "/completions"
        return f"{self.base_url}{path} (model {self.model!r})"

    def _status_message(self, endpoint: str, exc: openai.APIStatusError) -> str:
        msg = f"{self._where(endpoint)}: {describe(exc)}"
        if exc.status_code in (401, 403) and not self._key_set:
            msg += f" (no API key: set the environment variable {self.config.api_key_env})"
        return msg

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._openai.close()

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"LLMClient({self.base_url!r}, model={self.model!r})"


def _common_params(
    max_tokens: int,
    temperature: float,
    seed: int | None,
    stop: Sequence[str] | None,
    n: int,
    top_p: float | None,
) -> dict[str, Any]:
    if max_tokens < 1 or n < 1:
        raise ValueError("max_tokens and n must be at least 1")
    params: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature}
    if n != 1:
        params["n"] = n
    if seed is not None:
        params["seed"] = seed
    if stop:
        params["stop"] = list(stop)
    if top_p is not None:
        params["top_p"] = top_p
    return params

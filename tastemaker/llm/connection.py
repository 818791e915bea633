"""Open a ready client from a config: the embedded server when there is no URL, else the URL.

This is the one place that decides between the embedded llama.cpp server and a remote one, so
every stage gets the same behaviour from ``async with connect(config) as llm:``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from tastemaker.llm.cache import ResponseCache
from tastemaker.llm.client import LLMClient
from tastemaker.llm.config import LLMConfig, default_cache_path
from tastemaker.llm.ledger import Ledger
from tastemaker.llm.models import ensure_model
from tastemaker.llm.server import EmbeddedServer

__all__ = ["connect"]


@contextlib.asynccontextmanager
async def connect(
    config: LLMConfig,
    *,
    cache_path: Path | None = None,
    use_cache: bool = True,
    ledger: Ledger | None = None,
    verbose_server: bool = False,
) -> AsyncIterator[LLMClient]:
    """Yield an :class:`LLMClient` for ``config``; stop everything it started on exit.

    With ``config.base_url`` None the model is built or found in the cache (see
    :func:`~tastemaker.llm.models.ensure_model`) and served with one slot per allowed
    concurrent request. The response cache is ``cache_path`` or the default file beside the
    store; ``use_cache=False`` skips it. Blocking start-up work runs in a thread so the event
    loop stays responsive.
    """
    with contextlib.ExitStack() as stack:
        base_url = config.base_url
        if base_url is None:
            model_path = await asyncio.to_thread(ensure_model, config.model)
            server = EmbeddedServer(
                model_path,
                model_name=config.model,
                ctx_per_slot=config.ctx_per_slot,
                n_parallel=config.concurrency,
                threads=config.threads,
                verbose=verbose_server,
            )
            await asyncio.to_thread(server.start)
            stack.callback(server.stop)
            base_url = server.base_url
        cache = None
        if use_cache:
            cache = stack.enter_context(ResponseCache(cache_path or default_cache_path()))
        async with LLMClient(config, base_url=base_url, cache=cache, ledger=ledger) as client:
            yield client

"""``tastemaker serve``: the HTTP API (and the built web app) on one address."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from tastemaker.commands.common import friendly, out, state
from tastemaker.errors import ConfigError
from tastemaker.validation import describe

__all__ = ["serve_command"]

WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"


@friendly
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address \\[env TASTEMAKER_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port, 0 for any free one.")] = None,
    model_version: Annotated[
        str | None, typer.Option(help="Model version to serve (default: newest).")
    ] = None,
) -> None:
    """Serve the API under /api and the web app at / (when built)."""
    import uvicorn

    from tastemaker.service.app import create_app
    from tastemaker.service.loading import load_runtime
    from tastemaker.settings import Settings, get_settings

    base = get_settings()
    updates: dict[str, object] = {"data_dir": state.data_dir}
    if host is not None:
        updates["host"] = host
    if port is not None:
        updates["port"] = port
    if model_version is not None:
        updates["model_version"] = model_version
    try:  # validated, so --port 70000 is refused here rather than by bind()
        settings = Settings.model_validate({**base.model_dump(), **updates})
    except ValidationError as exc:
        raise ConfigError(describe(exc, as_flags=True, depth=1)) from exc
    app = create_app(settings, runtime_loader=load_runtime, web_dir=WEB_DIST)
    # Bind first, so that the printed URL names the real port (with --port 0, the free one
    # the system chose) and is only printed once something listens there.
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.create_server((settings.host, settings.port), family=family)
    bound = sock.getsockname()[1]
    out.print(f"serving on http://{settings.host}:{bound}", highlight=False)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])

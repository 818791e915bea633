"""The FastAPI application: built by :func:`create_app` from settings (or a ready state).

Start-up opens the store, loads the catalogue into memory and, when a model has been
exported, the recommender runtime; the process serves the catalogue even before a model
exists (``/api/ready`` says 503 until then).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Scope

from tastemaker import __version__
from tastemaker.index import set_search_threads
from tastemaker.service.catalog import CatalogView
from tastemaker.service.hotpath import RecommendationsHotPath
from tastemaker.service.limits import BodySizeLimit
from tastemaker.service.metrics import MetricsMiddleware
from tastemaker.service.problems import install_problem_handlers
from tastemaker.service.routes import admin, catalog, health, insights, users
from tastemaker.service.state import ServiceState
from tastemaker.service.users import UserEntry
from tastemaker.settings import Settings
from tastemaker.store import open_store
from tastemaker.store.items import iter_items
from tastemaker.store.users import iter_users

if TYPE_CHECKING:
    from tastemaker.service.runtime import Runtime

__all__ = ["build_state", "create_app"]

RuntimeLoader = Callable[[ServiceState], "Runtime | None"]


class _WebApp(StaticFiles):
    """The built web app. A path with no file and no suffix is a client-side route
    (/recommendations, /items/42) and gets index.html, so reloads and shared links work;
    unknown /api paths stay JSON 404s."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if PurePosixPath(path).parts[:1] == ("api",):
            raise StarletteHTTPException(404, f"no route /{path}")
        route = not PurePosixPath(path).suffix
        try:
            response = await super().get_response(path, scope)
        except StarletteHTTPException as exc:  # no such file, and no 404.html either
            if exc.status_code != 404 or not route:
                raise
            response = Response(status_code=404)
        if response.status_code == 404 and route:
            return FileResponse(Path(str(self.directory)) / "index.html")
        return response


def build_state(settings: Settings, runtime_loader: RuntimeLoader | None = None) -> ServiceState:
    """Open the store under ``settings.data_dir`` and load what the routes need."""
    store = open_store(settings.store_path)
    state = ServiceState(settings=settings, store=store, catalog=CatalogView(iter_items(store)))
    if runtime_loader is not None:
        state.runtime = runtime_loader(state)
    if state.runtime is not None:
        stored = list(iter_users(store))
        if stored:
            vectors = state.runtime.encode_users([u.profile for u in stored])
            for user, vector in zip(stored, vectors, strict=True):
                state.users.put(
                    UserEntry(user.id, user.version, user.profile, vector, state.runtime.version)
                )
    return state


def create_app(
    settings: Settings,
    *,
    runtime_loader: RuntimeLoader | None = None,
    web_dir: Path | None = None,
) -> FastAPI:
    """The service. ``web_dir`` (the built web app) is served at ``/`` when given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One thread per search: on a small CPU, BLAS and FAISS threads fighting over the
        # cores made single queries 5-40x slower (bench/bench_index.py).
        set_search_threads(1)
        state = build_state(settings, runtime_loader)
        app.state.service = state
        # The catalogue, the model and the users are loaded once and live as long as the
        # process: frozen out of the collector, they no longer make every full collection walk
        # millions of objects (pauses of tens of ms in the latency tail under load).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            state.close()

    app = FastAPI(
        title="tastemaker",
        version=__version__,
        description="Recommendations bootstrapped from LLM-simulated shoppers.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    # Added first, so it runs innermost: inside the size limit, CORS and the metrics.
    app.add_middleware(RecommendationsHotPath)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    app.include_router(catalog.router)
    app.include_router(users.router)
    app.include_router(admin.router)
    app.include_router(insights.router)
    if web_dir is not None and (web_dir / "index.html").is_file():
        app.mount("/", _WebApp(directory=web_dir, html=True), name="web")
    return app

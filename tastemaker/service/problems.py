"""Errors as RFC 9457 problem details, chosen here at the edge and nowhere else.

Stages raise the :mod:`tastemaker.errors` family; this module maps each class to an HTTP
status and a ``application/problem+json`` body with a clear ``detail``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tastemaker.errors import (
    ConfigError,
    DataError,
    EncoderError,
    IndexServerError,
    LLMError,
    NotFoundError,
    NotReadyError,
    StoreError,
    TastemakerError,
)
from tastemaker.service.schemas import Problem

__all__ = ["install_problem_handlers", "problem", "problem_responses"]

_log = logging.getLogger("tastemaker.service")

_STATUS: list[tuple[type[TastemakerError], int, str]] = [
    (NotReadyError, 503, "Not ready"),
    (NotFoundError, 404, "Not found"),
    (DataError, 422, "Invalid data"),
    (ConfigError, 400, "Bad request"),
    (StoreError, 503, "Store unavailable"),
    (EncoderError, 503, "Encoder unavailable"),
    (IndexServerError, 503, "Index server unavailable"),
    (LLMError, 503, "LLM unavailable"),
]


_REF = "#/components/schemas/Problem"
_DESCRIPTIONS = {
    400: "Bad request: a cursor this API did not return, or a body that cannot be parsed",
    401: "Missing or wrong bearer token",
    403: "Admin routes are disabled",
    404: "Not found",
    413: "Request body too large",
    422: "Invalid request or data",
    503: "No model loaded, or the store, encoder or index server is unavailable",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problem statuses a route can answer; naming 422 here
    replaces FastAPI's default 422 (a JSON body of another shape than the one we send)."""
    content = {"application/problem+json": {"schema": {"$ref": _REF}}}
    return {s: {"description": _DESCRIPTIONS[s], "content": content} for s in statuses}


def problem(status: int, title: str, detail: str, **extra: object) -> JSONResponse:
    """A problem-details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def install_problem_handlers(app: FastAPI) -> None:
    """Route every expected error to a problem-details response, and put the ``Problem``
    schema that :func:`problem_responses` points to in the OpenAPI document."""
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = default_openapi()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(problem_schema.pop("$defs", {}))
            schemas["Problem"] = problem_schema
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(TastemakerError)
    async def _tastemaker(_: Request, exc: TastemakerError) -> JSONResponse:
        for cls, status, title in _STATUS:
            if isinstance(exc, cls):
                return problem(status, title, str(exc))
        return problem(500, "Internal error", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
        return problem(422, "Invalid request", detail, errors=errors)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # Not an error a user can cause (those are TastemakerErrors): a bug. The client gets
        # a problem document without internals; the log keeps the traceback.
        _log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(500, "Internal error", f"unexpected {type(exc).__name__}; see the log")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, _title(exc.status_code), str(exc.detail))


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"

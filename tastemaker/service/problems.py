"""Errors as RFC 9457 problem details, chosen here at the edge and nowhere else.

Stages raise the :mod:`tastemaker.errors` family; this module maps each class to an HTTP
status and a ``application/problem+json`` body with a clear ``detail``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tastemaker.errors import (
    ConfigError,
    DataError,
    NotFoundError,
    NotReadyError,
    StoreError,
    TastemakerError,
)

__all__ = ["install_problem_handlers", "problem"]

_STATUS: list[tuple[type[TastemakerError], int, str]] = [
    (NotReadyError, 503, "Not ready"),
    (NotFoundError, 404, "Not found"),
    (DataError, 422, "Invalid data"),
    (ConfigError, 400, "Bad request"),
    (StoreError, 503, "Store unavailable"),
]


def problem(status: int, title: str, detail: str, **extra: object) -> JSONResponse:
    """A problem-details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def install_problem_handlers(app: FastAPI) -> None:
    """Route every expected error to a problem-details response."""

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

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, _title(exc.status_code), str(exc.detail))


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"

"""One error envelope for every failure, API and pages alike:
`{"ok": false, "error": {"code", "message", "where"}}` with the status our error hierarchy gives.
The caller's mistakes are 4xx; only our own bugs are 500, and those say nothing of their cause."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from inwriting.errors import InwritingError

log = logging.getLogger("inwriting.web")

HTTP_CODES = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "refused",
    429: "too_many_requests",
}


def envelope(code: str, message: str, where: str | None = None) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message, "where": where}}


def error_response(status: int, code: str, message: str, where: str | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(envelope(code, message, where), status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for problem in exc.errors()[:5]:
        where = ".".join(str(p) for p in problem.get("loc", ()) if p != "body")
        parts.append(f"{where}: {problem.get('msg', 'invalid')}" if where else str(problem.get("msg")))
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the envelope."""

    @app.exception_handler(InwritingError)
    async def domain_error(request: Request, exc: InwritingError) -> JSONResponse:
        status = exc.http_status if 400 <= exc.http_status < 500 else 500
        return error_response(status, exc.code, exc.message, exc.where)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "invalid_input", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # Our bug: log the type and place (never request bodies or credentials), tell nothing more.
        log.error("internal error on %s %s: %s", request.method, ascii(request.url.path), type(exc).__name__)
        return error_response(500, "internal_error", "internal error; it has been logged")

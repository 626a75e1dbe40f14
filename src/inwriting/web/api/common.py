"""What every API module shares: the id patterns requests are checked against before any use case
runs, the error envelope as the schema documents it, the event a recorded act returns, the body-size
limit, and the temporary files that use cases reading paths (imports, answers, bundles) need."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Literal, Self

from fastapi import APIRouter, Request, Response, Security
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse
from starlette.types import Message

from inwriting.app.recorder import Recorded
from inwriting.web.errors import error_response
from inwriting.web.limits import WRITE_METHODS, writes_gate

# ---- identifiers ---------------------------------------------------------------------------------
# Checked here so that a malformed id is a 400 before any use case (or database) sees it; each
# pattern admits every id the domain can make. `[0-9]`, not `\d`: the schema's regexes are Unicode-aware.

_ID = r"[A-Za-z][A-Za-z0-9_.-]{0,63}"
_N = r"[1-9][0-9]{0,5}"
_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_VERSION = rf"{_ID}@v{_N}"

ID = rf"^{_ID}$"  # parties, processes, tracks, documents
PARTY = ID
VERSION = rf"^{_VERSION}$"
TEXT = rf"^{_VERSION}(?:/answer/{_ID}/{_N})?$"  # a version or an answer
HANDOVER = rf"^{_VERSION}/h{_N}$"
MEETING = rf"^{_ID}/{_DAY}(?:-[0-9]{{1,3}})?$"
PRECONDITION = rf"^{_ID}/pre/{_N}$"
INSTRUMENT = r"^[a-z][a-z0-9-]{0,63}$"
# recorded ones are numbered by their recorder; an instrument's are INSTRUMENT/EID/OBLIGOR
COMMITMENT = rf"^(?:(?:{_ID}|@operator)/commitment/{_N}|[a-z][a-z0-9-]{{0,63}}/[A-Za-z0-9_]{{1,200}}/{_ID})$"
CLAIM = rf"^{_ID}/claim/{_N}$"
STATEMENT = rf"^{_ID}/statement/{_N}$"
EID = r"^[A-Za-z0-9_]{1,200}$"
DATE = rf"^{_DAY}$"
WHEN = r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$"  # a year, a month or a day

# Free text is the domain's to judge (it refuses control characters and bidi overrides, naming them);
# only NUL is refused here, which PostgreSQL cannot hold even in a query that looks a text up: by this
# pattern in query and form fields, by `Body` in JSON bodies.
PLAIN = r"^[^\x00]*$"
SHORT = 200  # names, places, labels
LINE = 1_000  # reasons, sources, one-line texts
LONG = 100_000  # texts of points, quotes, claims
MANY = 200  # items in a list (recipients, points, evidence)


# ---- models --------------------------------------------------------------------------------------


class Body(BaseModel):
    """A request body: unknown fields are refused, so that a misspelt one is never silently dropped;
    no string in it may hold NUL."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _no_nul(self) -> Self:
        for name, value in self:
            if _holds_nul(value):
                raise ValueError(f"{name} holds a NUL character")
        return self


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    return False  # nested bodies checked themselves


class Ok(BaseModel):
    """Every successful answer carries `ok: true` (a failure is the error envelope)."""

    ok: Literal[True] = True


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, for scripts: invalid_input, not_found, conflict, refused, …")
    message: str = Field(description="One line for people.")
    where: str | None = Field(description="The field, line, event or hash concerned, if any.")


class ErrorEnvelope(BaseModel):
    ok: Literal[False]
    error: ErrorDetail


class EventOut(BaseModel):
    """The signed event an act appended to the log."""

    seq: int
    id: str
    type: str
    time: str
    leaf_hash: str


class Acted(Ok):
    event: EventOut


def event_of(recorded: Recorded) -> EventOut:
    return EventOut.model_validate(recorded.to_json())


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorEnvelope, "description": "Malformed request (bad id, field, date or file)"},
    401: {"model": ErrorEnvelope, "description": "No valid API token"},
    404: {"model": ErrorEnvelope, "description": "No such thing, or not one the caller's party may see"},
    409: {"model": ErrorEnvelope, "description": "It exists already, or the record moved on"},
    413: {"model": ErrorEnvelope, "description": "The request body or file is too large"},
    422: {"model": ErrorEnvelope, "description": "A rule of the record refuses the act"},
}

# ---- body size -----------------------------------------------------------------------------------

MAX_BODY = 1 << 20  # a JSON body; routes that take texts raise it


class LimitedRoute(APIRoute):
    """A route that refuses a body over `openapi_extra["x-max-body"]` bytes (else MAX_BODY) with the
    413 envelope: up front when Content-Length says so, else while the body streams in. A request that
    writes waits for its turn (`web.limits.writes_gate`) before it takes a thread."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        limit = int((self.openapi_extra or {}).get("x-max-body", MAX_BODY))

        async def limited(request: Request) -> Response:
            declared = request.headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > limit):
                return error_response(413, "too_large", f"the request body is over {limit} bytes")
            received = 0
            upstream = request.receive

            async def receive() -> Message:
                nonlocal received
                message = await upstream()
                received += len(message.get("body", b""))
                if received > limit:  # FastAPI lets an HTTPException through to our envelope
                    raise HTTPException(413, f"the request body is over {limit} bytes")
                return message

            # See web.limits: requests that write wait for a turn here, so they cannot fill every thread.
            turn = writes_gate() if request.method in WRITE_METHODS else nullcontext()
            async with turn:
                return await handler(Request(request.scope, receive))

        return limited


# Documents the token in the schema (`web.auth` checks it): `Authorization: Bearer iw_…`.
BEARER = HTTPBearer(
    auto_error=False, description="An API token: `inwriting account token new PARTY DELEGATE`"
)


def api_router(tag: str) -> APIRouter:
    return APIRouter(tags=[tag], responses=ERRORS, route_class=LimitedRoute, dependencies=[Security(BEARER)])


def max_body(limit: int) -> dict[str, Any]:
    """`openapi_extra` for a route taking a larger body (documented in the schema as x-max-body)."""
    return {"x-max-body": limit}


# ---- files ---------------------------------------------------------------------------------------


def temp_folder() -> Path:
    """A new private folder (mode 0700) for files a use case reads or writes."""
    return Path(tempfile.mkdtemp(prefix="inwriting-api-"))


@contextmanager
def scratch() -> Iterator[Path]:
    """A private temporary folder for a use case that reads or writes a path, removed afterwards."""
    folder = temp_folder()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def download(data: bytes, *, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type, headers=attachment(filename))


def file_download(path: Path, *, media_type: str, filename: str, cleanup: Path) -> FileResponse:
    """Stream a file written by a use case, removing its folder once sent."""
    return FileResponse(
        path,
        media_type=media_type,
        headers=attachment(filename),
        background=BackgroundTask(shutil.rmtree, cleanup, ignore_errors=True),
    )


def attachment(filename: str) -> dict[str, str]:
    safe = re.sub(r"[^A-Za-z0-9_.@-]+", "-", filename) or "download"
    return {"Content-Disposition": f'attachment; filename="{safe}"', "X-Content-Type-Options": "nosniff"}


def binary(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """The 200 response of a download, for the schema."""
    schema = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": description, "content": {m: schema for m in media_types}}}

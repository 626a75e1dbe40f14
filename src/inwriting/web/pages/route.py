"""How every page runs: signed in or sent to log in, POSTs only from this site's own pages (the Origin,
or else the Referer, must name the host the request came to), and every failure as an HTML page,
NotFound in the same words whether the thing is missing or not the viewer's to see."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from inwriting.app.accounts import Principal
from inwriting.errors import InwritingError, NotFound
from inwriting.web.auth import (
    MaybePrincipalDep,
    same_origin,
)
from inwriting.web.pages.render import error_page, harden, not_found

log = logging.getLogger("inwriting.web.pages")

MAX_BODY = 4 * 1024 * 1024  # a form; the draft upload has its own, larger limit
MAX_FIELDS = 30_000  # an answer form has three fields per point, and a draft may have thousands
CROSS_SITE = "refused: this form was not sent from a page of this site"


class LoginRequired(Exception):
    """The page needs a signed-in delegate; the route turns this into a redirect to /login."""


def safe_next(target: str | None) -> str:
    """A place to go after logging in: a path on this site, never another site ("//evil", "/\\evil")."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 0x20 for ch in target):
        return "/"
    return target


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = here if request.method == "GET" else "/"
    return "/login" if target == "/" else f"/login?next={quote(target, safe='')}"


def redirect(url: str) -> Response:
    """303 See Other: after a POST, the browser fetches the result with GET."""
    return harden(RedirectResponse(url, status_code=303))


class PageRoute(APIRoute):
    """A page: cross-site POSTs refused, failures rendered as HTML (never the API's JSON)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            if request.method == "POST" and not same_origin(request):
                return error_page(request, 403, CROSS_SITE)
            if await _has_nul(request):  # no id or text of ours holds one; PostgreSQL cannot store it
                return error_page(request, 400, "the request holds a NUL character, which no text may")
            try:
                return harden(await handle(request))
            except LoginRequired:
                return redirect(login_url(request))
            except NotFound:
                return not_found(request)
            except InwritingError as exc:
                if 400 <= exc.http_status < 500:
                    return error_page(request, exc.http_status, str(exc))
                log.error("%s on %s %s", exc.code, request.method, ascii(request.url.path))
                return error_page(request, 503, "the service cannot answer just now; try again")
            except RequestValidationError:
                return error_page(request, 400, "this page was asked for with parameters it does not take")
            except StarletteHTTPException as exc:
                message = exc.detail if isinstance(exc.detail, str) else "refused"
                return error_page(request, exc.status_code, message)
            except Exception as exc:  # our bug: log its type and place, tell nothing more
                log.error(
                    "internal error on %s %s: %s", request.method, ascii(request.url.path), type(exc).__name__
                )
                return error_page(request, 500, "internal error; it has been logged")

        return page


async def _has_nul(request: Request) -> bool:
    """Whether the path, the query or a (urlencoded or multipart text) form field holds a NUL."""
    if "\x00" in request.url.path or "%00" in request.url.query or "\x00" in request.url.query:
        return True
    if request.method != "POST":
        return False
    form = await request.form(max_files=1, max_fields=MAX_FIELDS)  # parsed once; handlers reuse it
    return any(isinstance(value, str) and "\x00" in value for _, value in form.multi_items())


def page_router(*, max_body_size: int = MAX_BODY) -> APIRouter:
    return APIRouter(route_class=PageRoute, max_body_size=max_body_size, include_in_schema=False)


def signed_in(request: Request, principal: MaybePrincipalDep) -> Principal:
    """The delegate the page is for; without a valid session, off to the login page."""
    if principal is None:
        raise LoginRequired
    request.state.principal = principal
    return principal


ViewerDep = Annotated[Principal, Depends(signed_in)]


async def form_data(request: Request) -> FormData:
    return await request.form(max_files=1, max_fields=MAX_FIELDS)


FormDep = Annotated[FormData, Depends(form_data)]


def text(form: FormData, name: str) -> str:
    """A text field as typed, with the browser's CRLF line ends made LF ("" when absent)."""
    value = form.get(name)
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), in order, blanks dropped."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


def optional(value: str) -> str | None:
    """A blank field means "not given" to a use case."""
    value = value.strip()
    return value or None

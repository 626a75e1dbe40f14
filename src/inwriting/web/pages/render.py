"""Rendering pages: one Jinja2 environment (autoescape on for every template, undefined names are
errors), the HTML error page, and the headers every page response carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from inwriting.web.pages.links import GLOBALS

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Every value is escaped unless a template says otherwise (none does): a draft's text is never markup.
_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.globals.update(GLOBALS)
templates = Jinja2Templates(env=_ENV)

# Scripts, styles and forms only from here; no inline script or style, no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

NOT_FOUND = "This does not exist, or it is not yours to see."


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The template `name` with the signed-in principal (if any) and `context`."""
    principal = getattr(request.state, "principal", None)
    response = templates.TemplateResponse(
        request, name, {"principal": principal, **context}, status_code=status
    )
    harden(response)
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """The one HTML error page (the API renders the same failures as the JSON envelope)."""
    return render(request, "error.html", status, code=status, message=message)


def not_found(request: Request) -> HTMLResponse:
    """The same words for what does not exist and what the viewer may not see."""
    return error_page(request, 404, NOT_FOUND)


def harden(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    return response

"""Who a request acts for: an API token (`Authorization: Bearer iw_…`) or, for pages, the session
cookie a login sets (itself an API token, HttpOnly and SameSite=Strict). Every use case then runs
with the delegate's party as the viewer and the delegate as the one acting."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request

from inwriting.app import accounts
from inwriting.app.accounts import Principal, Unauthenticated
from inwriting.app.context import App

SESSION_COOKIE = "inwriting_session"


def get_app(request: Request) -> App:
    app: App = request.app.state.inwriting
    return app


AppDep = Annotated[App, Depends(get_app)]


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return secret.strip()
    return None


def api_principal(request: Request, app: AppDep) -> Principal:
    """The delegate an API request acts for (401 with the envelope otherwise). A page's session
    cookie also works, but then a request that changes anything must come from this site's pages."""
    secret = bearer(request)
    if secret is None:
        secret = request.cookies.get(SESSION_COOKIE)
        if secret and request.method not in ("GET", "HEAD", "OPTIONS") and not same_origin(request):
            raise HTTPException(403, "a request with the session cookie must come from this site's own pages")
    if not secret:
        raise Unauthenticated("send an API token: Authorization: Bearer <token>")
    return accounts.authenticate_token(app, secret)


PrincipalDep = Annotated[Principal, Depends(api_principal)]


def _netloc(value: str) -> str:
    """host[:port], lower-cased, without the scheme's default port."""
    value = value.strip().lower()
    for default in (":80", ":443"):
        if value.endswith(default):
            return value[: -len(default)]
    return value


def same_origin(request: Request) -> bool:
    """Whether a POST comes from a page of this host: its Origin, or without one its Referer, must
    name the host the request was sent to. Neither header (or `Origin: null`) is refused too."""
    source = request.headers.get("origin") or request.headers.get("referer")
    host = request.headers.get("host")
    if not source or not host or source == "null":
        return False
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and _netloc(parts.netloc) == _netloc(host)


def page_principal(request: Request, app: AppDep) -> Principal | None:
    """The delegate a page is shown to, or None (the page then sends the visitor to log in)."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    try:
        return accounts.authenticate_token(app, secret)
    except Unauthenticated:
        return None


MaybePrincipalDep = Annotated[Principal | None, Depends(page_principal)]

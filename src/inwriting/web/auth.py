"""Who a request acts for: an API token (`Authorization: Bearer iw_…`) or, for pages, the session
cookie a login sets (itself an API token, HttpOnly and SameSite=Strict). Every use case then runs
with the delegate's party as the viewer and the delegate as the one acting."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

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
    """The delegate an API request acts for (401 with the envelope otherwise)."""
    secret = bearer(request) or request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise Unauthenticated("send an API token: Authorization: Bearer <token>")
    return accounts.authenticate_token(app, secret)


PrincipalDep = Annotated[Principal, Depends(api_principal)]


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

"""Logging in and out: a delegate's password buys a session token (an API token that expires
tomorrow) kept in an HttpOnly, SameSite=Strict cookie; logging out revokes it."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, timedelta

from fastapi import Request
from starlette.responses import Response

from inwriting.app import accounts
from inwriting.app.context import App
from inwriting.errors import InwritingError
from inwriting.web.auth import SESSION_COOKIE, AppDep, MaybePrincipalDep
from inwriting.web.pages.render import render
from inwriting.web.pages.route import FormDep, page_router, redirect, safe_next, text

router = page_router()

BAD_LOGIN = "Wrong party, delegate or password."  # one answer for every failure: nothing to probe
_TOKEN_ID = re.compile(r"iw_(tok_[0-9a-f]{12})_")


def tomorrow(app: App) -> str:
    return (app.clock().astimezone(UTC).date() + timedelta(days=1)).isoformat()


@router.get("/login")
def login_form(request: Request, principal: MaybePrincipalDep, next: str = "/") -> Response:
    if principal is not None:
        return redirect(safe_next(next))
    return render(request, "login.html", next=safe_next(next), party="", delegate="", error=None)


@router.post("/login")
def login(request: Request, app: AppDep, form: FormDep) -> Response:
    party, delegate = text(form, "party").strip(), text(form, "delegate").strip()
    password, target = text(form, "password"), safe_next(text(form, "next"))
    try:
        if len(password) > accounts.MAX_PASSWORD:
            raise accounts.Unauthenticated(BAD_LOGIN)
        principal = accounts.login(app, party, delegate, password)
        issued = accounts.issue_token(app, principal.party, principal.delegate, expires=tomorrow(app))
    except InwritingError:
        return render(
            request, "login.html", 401, next=target, party=party, delegate=delegate, error=BAD_LOGIN
        )
    response = redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request, app: AppDep, principal: MaybePrincipalDep) -> Response:
    secret = request.cookies.get(SESSION_COOKIE, "")
    match = _TOKEN_ID.match(secret)
    if principal is not None and match is not None:
        with contextlib.suppress(InwritingError):  # revoked meanwhile (another tab): over either way
            accounts.revoke_token(app, match.group(1))
    response = redirect("/login")
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response

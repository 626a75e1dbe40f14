"""The commitment register as the party may see it: each commitment with its form, source and
status, the claims that it was broken with theirs; and the public statements it was drawn from."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from inwriting.app import register
from inwriting.web.auth import AppDep
from inwriting.web.pages.render import render
from inwriting.web.pages.route import ViewerDep, page_router

router = page_router()


@router.get("/register")
def register_page(request: Request, app: AppDep, viewer: ViewerDep, party: str = "") -> Response:
    views = register.commitments(app, viewer=viewer.party, party=party or None)
    return render(
        request,
        "register.html",
        commitments=views,
        statements=register.statements(app),  # public: everyone sees them all
        party=party,
    )

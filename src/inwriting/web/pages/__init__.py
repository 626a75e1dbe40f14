"""Server-rendered pages (Jinja2) over the application services, one router made of a module per
area. Every page acts for the signed-in delegate's party: it reads with `viewer=` that party and
signs with `as_party=` it and `delegate=` the delegate; no form names another acting party.

The order matters: `/versions/{version:path}` (in `versions`) comes after every longer
`/versions/{version}/...` route, and `fallback` (any other address: the HTML 404) comes last."""

from __future__ import annotations

from inwriting.web.pages import (
    alignment,
    answers,
    dashboard,
    drafting,
    fallback,
    instruments,
    publication,
    register,
    search,
    session,
    tracks,
    verify,
    versions,
)
from inwriting.web.pages.route import page_router

router = page_router()
for _module in (
    session,
    dashboard,
    tracks,
    drafting,
    answers,
    alignment,
    versions,
    publication,
    instruments,
    register,
    search,
    verify,
    fallback,
):
    router.include_router(_module.router)

__all__ = ["router"]

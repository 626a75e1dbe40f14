"""Any other page address: the HTML 404 page (in the same words as a text the viewer may not see),
rather than the API's JSON. Registered last, after every page; /api/v1 and /static are mounted
before the pages and keep their own answers."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from inwriting.web.auth import MaybePrincipalDep
from inwriting.web.pages.render import not_found
from inwriting.web.pages.route import page_router

router = page_router()


@router.get("/{rest:path}")
def nowhere(request: Request, principal: MaybePrincipalDep, rest: str) -> Response:
    request.state.principal = principal
    return not_found(request)

"""Search the texts the party may see, point by point; every hit links to its point (the use case
answers only with what the viewer may read)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from inwriting.app import search as search_cases
from inwriting.app.search import MAX_QUERY, Hit
from inwriting.errors import InvalidInput
from inwriting.web.auth import AppDep
from inwriting.web.pages.links import instrument_url, text_url
from inwriting.web.pages.render import render
from inwriting.web.pages.route import ViewerDep, page_router

router = page_router()
LIMIT = 50


def hit_url(hit: Hit) -> str:
    base = instrument_url(hit.text) if hit.kind == "instrument" else text_url(hit.text)
    return f"{base}#{hit.eid}" if hit.eid else base


@router.get("/search")
def search_page(request: Request, app: AppDep, viewer: ViewerDep, q: str = "") -> Response:
    if not q.strip():
        return render(request, "search.html", q=q, hits=None, limit=LIMIT, max_query=MAX_QUERY, error=None)
    try:
        hits = search_cases.search(app, q, viewer=viewer.party, limit=LIMIT)
    except InvalidInput as exc:
        return render(
            request, "search.html", 400, q=q, hits=None, limit=LIMIT, max_query=MAX_QUERY, error=str(exc)
        )
    found = [(h, hit_url(h)) for h in hits]
    return render(request, "search.html", q=q, hits=found, limit=LIMIT, max_query=MAX_QUERY, error=None)

"""`GET /search`: the points (and preambles) matching every word of a query, in the texts the caller's
party may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from inwriting.app import search as search_cases
from inwriting.web.api.common import PLAIN, Ok, api_router
from inwriting.web.auth import AppDep, PrincipalDep

router = api_router("search")


class Hit(BaseModel):
    text: str
    kind: str
    title: str
    eid: str | None
    label: str | None
    snippet: str
    complete: bool = Field(True, description="Every word of the query is in it (such hits come first)")


class Hits(Ok):
    query: str
    hits: list[Hit]


@router.get("/search", response_model=Hits, summary="Full-text search over the texts the caller may read")
def search(
    app: AppDep,
    principal: PrincipalDep,
    q: Annotated[
        str,
        Query(min_length=1, max_length=search_cases.MAX_QUERY, pattern=PLAIN, description="Words to find"),
    ],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Hits:
    found = search_cases.search(app, q, viewer=principal.party, limit=limit)
    return Hits(query=q, hits=[Hit.model_validate(h.to_json()) for h in found])

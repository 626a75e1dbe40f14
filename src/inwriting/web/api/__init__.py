"""The JSON API's routers, mounted at /api/v1: one module per area, each a thin layer over the use
cases of `inwriting.app`, always reading as the caller's party and acting as it (never as another)."""

from __future__ import annotations

from fastapi import APIRouter

from inwriting.web.api import (
    alignment,
    disclosure,
    drafts,
    instruments,
    me,
    negotiation,
    public,
    record,
    register,
    search,
    talks,
)

ROUTERS: list[APIRouter] = [
    me.router,
    drafts.router,
    negotiation.router,
    alignment.router,
    talks.router,
    disclosure.router,
    instruments.router,
    register.router,
    record.router,
    search.router,
    public.router,
]

__all__ = ["ROUTERS"]

"""`create_app`: the FastAPI application: the JSON API mounted at /api/v1 (OpenAPI at
/api/v1/openapi.json) and the pages at /, over one `inwriting.app.context.App`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from inwriting import __version__
from inwriting.app.context import App
from inwriting.web import errors
from inwriting.web.limits import apply_thread_limit

STATIC = Path(__file__).parent / "static"


@asynccontextmanager
async def _lifespan(_web: FastAPI) -> AsyncIterator[None]:
    apply_thread_limit()
    yield


def create_api(app: App) -> FastAPI:
    from inwriting.web.api import ROUTERS

    api = FastAPI(
        title="inwriting API",
        version=__version__,
        description=(
            "The system of record for written commitments between parties. Every request acts for one"
            " delegate of one party (an API token: `Authorization: Bearer iw_…`) and sees only what that"
            " party may see: anything else does not exist (404). Every failure is the envelope"
            ' `{"ok": false, "error": {"code", "message", "where"}}`.'
        ),
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    api.state.inwriting = app
    errors.install(api)
    for router in ROUTERS:
        api.include_router(router)
    return api


def create_app(app: App) -> FastAPI:
    web = FastAPI(
        title="inwriting",
        version=__version__,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    web.state.inwriting = app
    errors.install(web)
    web.mount("/api/v1", create_api(app))
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    from inwriting.web.pages import router as pages

    web.include_router(pages)
    return web


def create_app_from_env() -> FastAPI:
    """The application over the database and keystore the environment names (INWRITING_DATABASE_URL,
    INWRITING_KEYSTORE): what each worker process of `inwriting serve --workers N` builds."""
    import os

    return create_app(
        App.open(os.environ.get("INWRITING_DATABASE_URL"), os.environ.get("INWRITING_KEYSTORE"))
    )

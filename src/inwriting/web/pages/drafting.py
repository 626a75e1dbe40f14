"""Forms that put texts on the table: import a draft file onto a track (a signed version by the
party), and hand a version over to recipients, with a due date and a demand for an answer point
by point. Each is one signed event through its use case; a refusal re-shows the form, as filled in."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from inwriting.app import drafts, negotiation, registry, talks
from inwriting.app.accounts import Principal
from inwriting.app.context import App
from inwriting.app.feed import full_state, tracks_of
from inwriting.domain.access import AUDIENCES
from inwriting.domain.documents import KINDS
from inwriting.domain.model import Track
from inwriting.errors import InvalidInput, InwritingError, NotFound
from inwriting.importers.text import MAX_BYTES
from inwriting.web.auth import AppDep
from inwriting.web.pages.links import version_url
from inwriting.web.pages.render import render
from inwriting.web.pages.route import FormDep, ViewerDep, optional, page_router, redirect, text, texts, upload

router = page_router(max_body_size=MAX_BYTES + 1024 * 1024)  # a draft file (20 MB) and the form around it

IMPORT_FIELDS = ("title", "kind", "document", "based_on", "audience")
HANDOVER_FIELDS = ("due", "meeting", "date")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def _track(app: App, track: str, viewer: Principal) -> Track:
    """The track, if the party takes part in it (else it does not exist, for this page)."""
    found = next((t for t in tracks_of(full_state(app), viewer.party) if t.id == track), None)
    if found is None:
        raise NotFound(f"track {track} does not exist")
    return found


def _others(app: App, viewer: Principal) -> list[tuple[str, str]]:
    return [(v.party.id, v.party.name) for v in registry.list_parties(app) if v.party.id != viewer.party]


def _file_name(name: str) -> str:
    """The upload's base name, made safe for a temporary folder; its extension picks the importer."""
    base = _UNSAFE_NAME.sub("-", Path(name.replace("\\", "/")).name).strip("-.")
    return base or "draft.txt"


def _save(source: UploadFile, folder: Path) -> Path:
    """The upload in `folder`, refused past the importers' limit without reading further."""
    path = folder / _file_name(source.filename or "")
    size = 0
    with path.open("wb") as out:
        while chunk := source.file.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_BYTES:
                raise InvalidInput(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
            out.write(chunk)
    return path


def _import_page(
    request: Request,
    app: App,
    viewer: Principal,
    track: Track,
    values: dict[str, Any],
    *,
    status: int = 200,
    error: str | None = None,
) -> Response:
    return render(
        request,
        "import.html",
        status,
        track=track,
        values=values,
        kinds=KINDS,
        audiences=AUDIENCES,
        others=_others(app, viewer),
        error=error,
    )


@router.get("/tracks/{track}/import")
def import_form(request: Request, app: AppDep, viewer: ViewerDep, track: str) -> Response:
    found = _track(app, track, viewer)
    values: dict[str, Any] = {"kind": "treaty", "audience": "author", "audience_parties": []}
    return _import_page(request, app, viewer, found, values)


@router.post("/tracks/{track}/import")
def import_draft(request: Request, app: AppDep, viewer: ViewerDep, form: FormDep, track: str) -> Response:
    found = _track(app, track, viewer)
    values: dict[str, Any] = {name: text(form, name).strip() for name in IMPORT_FIELDS}
    values["audience_parties"] = texts(form, "audience_parties")
    source = upload(form, "file")
    try:
        if source is None:
            raise InvalidInput("choose the file to import (text, Markdown, Word, PDF or Akoma Ntoso)")
        with tempfile.TemporaryDirectory(prefix="inwriting-import-") as folder:
            imported = drafts.import_draft(
                app,
                _save(source, Path(folder)),
                track=found.id,
                as_party=viewer.party,
                kind=values["kind"] or "treaty",
                title=optional(values["title"]),
                based_on=optional(values["based_on"]),
                document=optional(values["document"]),
                audience=values["audience"] or "author",
                audience_parties=values["audience_parties"],
                delegate=viewer.delegate,
            )
    except InwritingError as exc:
        error = f"{exc} (choose the file again)"
        return _import_page(request, app, viewer, found, values, status=exc.http_status, error=error)
    return redirect(version_url(imported.version))


def _handover_page(
    request: Request,
    app: App,
    viewer: Principal,
    version: str,
    values: dict[str, Any],
    *,
    status: int = 200,
    error: str | None = None,
) -> Response:
    view = drafts.read_version(app, version, viewer=viewer.party)  # NotFound outside the audience
    return render(
        request,
        "handover.html",
        status,
        v=view.seen_version,
        values=values,
        others=_others(app, viewer),
        meetings=talks.meetings(app, view.seen_version.track, viewer=viewer.party),
        error=error,
    )


@router.get("/versions/{version}/handover")
def handover_form(request: Request, app: AppDep, viewer: ViewerDep, version: str) -> Response:
    values: dict[str, Any] = {"to": [], "point_by_point": True, "due": "", "meeting": "", "date": ""}
    return _handover_page(request, app, viewer, version, values)


@router.post("/versions/{version}/handover")
def handover(request: Request, app: AppDep, viewer: ViewerDep, form: FormDep, version: str) -> Response:
    drafts.read_version(app, version, viewer=viewer.party)  # NotFound outside the audience
    values: dict[str, Any] = {name: text(form, name).strip() for name in HANDOVER_FIELDS}
    values["to"] = texts(form, "to")
    values["point_by_point"] = text(form, "point_by_point") == "yes"
    try:
        if not values["to"]:
            raise InvalidInput("choose at least one recipient")
        negotiation.handover(
            app,
            version,
            to=values["to"],
            due=optional(values["due"]),
            point_by_point=values["point_by_point"],
            meeting=optional(values["meeting"]),
            date=optional(values["date"]),
            delegate=viewer.delegate,
            as_party=viewer.party,
        )
    except InwritingError as exc:
        return _handover_page(request, app, viewer, version, values, status=exc.http_status, error=str(exc))
    return redirect(version_url(version) + "#status")

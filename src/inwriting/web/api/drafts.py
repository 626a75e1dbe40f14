"""Drafts: import a file as the next signed version of a document, read a version, its lineage, an
export of it, and the redline between two versions. Everything is read as the caller's party sees it."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Annotated, Literal

from fastapi import File, Form, Path, Query, Response, UploadFile
from pydantic import BaseModel, StringConstraints
from starlette.exceptions import HTTPException

from inwriting.app import drafts
from inwriting.domain.documents import draft_to_json
from inwriting.domain.redline import redline_to_json
from inwriting.importers.text import MAX_BYTES
from inwriting.web.api.common import (
    ID,
    LINE,
    MANY,
    PARTY,
    PLAIN,
    VERSION,
    EventOut,
    Ok,
    api_router,
    binary,
    download,
    max_body,
    scratch,
)
from inwriting.web.auth import AppDep, PrincipalDep

router = api_router("drafts")

Kind = Literal["treaty", "agreement", "note", "non-paper", "statement"]
Audience = Literal["author", "track", "parties", "public"]
ExportFormat = Literal["md", "akn", "docx", "html"]
VersionPath = Annotated[str, Path(pattern=VERSION, description="A version, e.g. `draft-treaty@v1`")]

_CHUNK = 1 << 20
_FORM_OVERHEAD = 1 << 20  # the other fields and the multipart framing around the file
_MEDIA = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "akn": ("application/akn+xml", "xml"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "html": ("text/html; charset=utf-8", "html"),
}


class Imported(Ok):
    version: str
    points: int
    notes: list[str]
    event: EventOut


class PointOut(BaseModel):
    eid: str
    label: str
    heading: str | None
    text: str
    children: list[PointOut]


class AmendmentOut(BaseModel):
    eid: str
    text: str
    author: str
    date: str


class VersionOut(Ok):
    version: str
    author: str
    track: str
    kind: str
    based_on: str | None
    content: str
    title: str
    preamble: str
    points: list[PointOut]
    notes: list[str]
    source_header: list[tuple[str, str]]
    amendments: list[AmendmentOut]


class LineageEntry(BaseModel):
    version: str
    track: str
    author: str
    title: str
    based_on: str | None
    points: int
    event: int


class Lineage(Ok):
    document: str
    versions: list[LineageEntry]


Diff = list[tuple[str, str]]  # [op, text]: op is equal | insert | delete


class Title(BaseModel):
    title: str


class RedlineSummary(BaseModel):
    unchanged: int
    changed: int
    added: int
    removed: int
    moved: int
    renumbered: int


class PointChangeOut(BaseModel):
    status: str
    old_eid: str | None
    new_eid: str | None
    old_label: str | None
    new_label: str | None
    moved: bool
    renumbered: bool
    heading_diff: Diff
    diff: Diff


class RedlineOut(Ok):
    old_version: str
    new_version: str
    old: Title
    new: Title
    title_diff: Diff
    preamble_diff: Diff
    summary: RedlineSummary
    points: list[PointChangeOut]


def upload_name(filename: str | None) -> str:
    """The upload's own name, reduced to safe characters: its suffix picks the importer and its stem
    names the document unless one is given."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    suffix = PurePath(base).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ".txt"
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", base[: len(base) - len(PurePath(base).suffix)]).strip("-.")[:100]
    return f"{stem or 'upload'}{suffix}"


@router.post(
    "/drafts",
    response_model=Imported,
    status_code=201,
    summary="Import a file as the next version of a document, signed by the caller's party",
    openapi_extra=max_body(MAX_BYTES + _FORM_OVERHEAD),
)
def import_draft(
    app: AppDep,
    principal: PrincipalDep,
    file: Annotated[
        UploadFile, File(description="Text (.txt), Markdown (.md), Word (.docx), PDF or Akoma Ntoso (.xml)")
    ],
    track: Annotated[str, Form(pattern=ID, description="The track it is tabled on")],
    kind: Annotated[Kind, Form()] = "treaty",
    title: Annotated[
        str | None, Form(max_length=LINE, pattern=PLAIN, description="Default: from the file")
    ] = None,
    document: Annotated[str | None, Form(pattern=ID, description="Default: from the file name")] = None,
    based_on: Annotated[str | None, Form(pattern=VERSION, description="The version it builds on")] = None,
    audience: Annotated[Audience, Form(description="Who may read it; hand-overs widen it")] = "author",
    audience_parties: Annotated[
        list[Annotated[str, StringConstraints(pattern=PARTY)]] | None,
        Form(max_length=MANY, description="With audience `parties`: the readers"),
    ] = None,
) -> Imported:
    name = upload_name(file.filename)
    with scratch() as folder:
        path = folder / name
        size = 0
        with path.open("wb") as out:
            while chunk := file.file.read(_CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise HTTPException(413, f"the file is over {MAX_BYTES} bytes (20 MB)")
                out.write(chunk)
        imported = drafts.import_draft(
            app,
            path,
            track=track,
            as_party=principal.party,
            kind=kind,
            title=title,
            based_on=based_on,
            document=document,
            audience=audience,
            audience_parties=audience_parties or [],
            delegate=principal.delegate,
        )
    return Imported.model_validate(imported.to_json())


@router.get("/versions/{version}", response_model=VersionOut, summary="A version's points")
def show_version(app: AppDep, principal: PrincipalDep, version: VersionPath) -> VersionOut:
    found, draft = drafts.get_version(app, version, viewer=principal.party)
    return VersionOut.model_validate(
        {
            "version": found.id,
            "author": found.author,
            "track": found.track,
            "kind": found.kind,
            "based_on": found.based_on,
            "content": found.content,
            **draft_to_json(draft),
        }
    )


@router.get(
    "/documents/{document}/versions",
    response_model=Lineage,
    summary="A document's versions, each with the base it was built on",
)
def lineage(app: AppDep, principal: PrincipalDep, document: Annotated[str, Path(pattern=ID)]) -> Lineage:
    versions = drafts.lineage(app, document, viewer=principal.party)
    return Lineage(
        document=document,
        versions=[
            LineageEntry(
                version=v.id,
                track=v.track,
                author=v.author,
                title=v.title,
                based_on=v.based_on,
                points=len(v.outline),
                event=v.created_seq,
            )
            for v in versions
        ],
    )


@router.get(
    "/versions/{version}/export",
    response_class=Response,
    responses=binary("The version as a file", *(m for m, _ in _MEDIA.values())),
    summary="A version as Markdown, Akoma Ntoso, Word or HTML (all but HTML re-import)",
)
def export(
    app: AppDep,
    principal: PrincipalDep,
    version: VersionPath,
    format: Annotated[ExportFormat, Query()] = "md",
) -> Response:
    data = drafts.export_version(app, version, format, viewer=principal.party)
    media_type, suffix = _MEDIA[format]
    return download(data, media_type=media_type, filename=f"{version}.{suffix}")


@router.get("/redline", response_model=RedlineOut, summary="Per point: what changed between two versions")
def redline(
    app: AppDep,
    principal: PrincipalDep,
    old: Annotated[str, Query(pattern=VERSION)],
    new: Annotated[str, Query(pattern=VERSION)],
) -> RedlineOut:
    result = drafts.compare(app, old, new, viewer=principal.party)
    return RedlineOut.model_validate({**redline_to_json(result), "old_version": old, "new_version": new})


@router.get(
    "/redline/export",
    response_class=Response,
    responses=binary("The redline as a file", _MEDIA["html"][0], _MEDIA["docx"][0]),
    summary="The redline as an HTML page or a Word file with tracked changes",
)
def redline_export(
    app: AppDep,
    principal: PrincipalDep,
    old: Annotated[str, Query(pattern=VERSION)],
    new: Annotated[str, Query(pattern=VERSION)],
    format: Annotated[Literal["html", "docx"], Query()] = "html",
) -> Response:
    result = drafts.compare(app, old, new, viewer=principal.party)
    if format == "html":
        from inwriting.exporters.redline_html import to_redline_html

        page = to_redline_html(result, old_version=old, new_version=new).encode("utf-8")
        return download(page, media_type=_MEDIA["html"][0], filename=f"{old}-{new}.html")
    from inwriting.exporters.redline_docx import to_redline_docx

    data = to_redline_docx(result, old_version=old, new_version=new)
    return download(data, media_type=_MEDIA["docx"][0], filename=f"{old}-{new}.docx")

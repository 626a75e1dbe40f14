"""Reading texts: a version with its points (each id an anchor), lineage, status per recipient and
the acts open on it; its export; the redline between two versions; the position matrix."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from inwriting.app import disclosure, drafts, negotiation
from inwriting.domain.matrix import BY_PARTS, NOT_ADDRESSED, PROPOSED, UNANSWERED
from inwriting.domain.model import POSITIONS
from inwriting.errors import InvalidInput
from inwriting.web.auth import AppDep
from inwriting.web.pages.render import render
from inwriting.web.pages.route import ViewerDep, page_router

router = page_router()

MEDIA_TYPES = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "akn": ("application/akn+xml", "xml"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "html": ("text/html; charset=utf-8", "html"),
}


@router.get("/versions/{version}/export")
def export(app: AppDep, viewer: ViewerDep, version: str, format: str = "md") -> Response:
    """The version as Markdown, Akoma Ntoso, Word or HTML, as the viewer may read it."""
    if format not in MEDIA_TYPES:
        raise InvalidInput(f"format must be one of {', '.join(MEDIA_TYPES)}")
    data = drafts.export_version(app, version, format, viewer=viewer.party)
    media_type, suffix = MEDIA_TYPES[format]
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in version)
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'},
    )


@router.get("/redline")
def redline(request: Request, app: AppDep, viewer: ViewerDep, old: str = "", new: str = "") -> Response:
    if not old or not new:
        raise InvalidInput("name the two versions to compare: /redline?old=DOC@v1&new=DOC@v2")
    found = drafts.compare(app, old, new, viewer=viewer.party)
    s = found.summary
    counts = [
        ("unchanged", s.unchanged),
        ("changed", s.changed),
        ("added", s.added),
        ("removed", s.removed),
        ("moved", s.moved),
        ("renumbered", s.renumbered),
    ]
    return render(request, "redline.html", r=found, old=old, new=new, counts=counts)


@router.get("/matrix/{scope}")
def matrix(request: Request, app: AppDep, viewer: ViewerDep, scope: str) -> Response:
    """Points down, parties across: each cell the party's position, unanswered cells and contested
    rows marked by more than colour."""
    grid = negotiation.matrix(app, scope, members=True, viewer=viewer.party)
    legend = [*POSITIONS, UNANSWERED, BY_PARTS, PROPOSED]
    return render(
        request,
        "matrix.html",
        scope=scope,
        m=grid,
        legend=legend,
        empty=NOT_ADDRESSED,
        contested=sum(r.contested for r in grid.rows),
        unanswered=sum(1 for r in grid.rows if r.unanswered),
    )


@router.get("/versions/{version:path}")
def version_page(request: Request, app: AppDep, viewer: ViewerDep, version: str) -> Response:
    party = viewer.party
    view = drafts.read_version(app, version, viewer=party)  # NotFound outside the audience
    found, draft = view.seen_version, view.seen_draft
    whole = view.seen_draft is view.draft
    lineage = drafts.lineage(app, found.document, viewer=party)
    report = negotiation.status_report(app, version, members=True, viewer=party)
    story = disclosure.story(app, version, viewer=party)
    earlier = [v for v in lineage if v.number < found.number]
    compare_to = found.based_on or (earlier[-1].id if earlier else None)  # bases are named only if seen
    recipients = report["recipients"]
    return render(
        request,
        "version.html",
        v=found,
        draft=draft,
        whole=whole,
        lineage=lineage,
        recipients=recipients,
        story=story.to_json(),
        compare_to=compare_to,
        is_author=found.author == party,
        may_answer=whole and any(r["party"] == party for r in recipients),
        formats=list(MEDIA_TYPES),
    )

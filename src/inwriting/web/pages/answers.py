"""Answering point by point, and reading a party's answer beside the draft.

The form lists every point with a position, its text and a reason; "Review" reads it back exactly as
the use case will (the Markdown answer convention of `importers.answer`, the CLI's path) and shows
which points would be left unanswered; "Record" then signs it through `negotiation.answer`. An
answer that leaves points out is recorded as written, and its status names them.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.responses import Response

from inwriting.app import drafts, negotiation
from inwriting.app.accounts import Principal
from inwriting.app.context import App
from inwriting.domain.completeness import Outline
from inwriting.domain.documents import DraftText
from inwriting.domain.model import POSITIONS, Position, Version
from inwriting.errors import InvalidInput, InwritingError, NotFound
from inwriting.web.auth import AppDep
from inwriting.web.pages import answer_sheet as sheets
from inwriting.web.pages.links import positions_url
from inwriting.web.pages.render import render
from inwriting.web.pages.route import FormDep, ViewerDep, optional, page_router, redirect, text

router = page_router()


@dataclass(frozen=True)
class Answering:
    """What the form needs: the version as the party reads it, its outline, and where the party stands."""

    version: Version
    draft: DraftText
    whole: bool
    outline: Outline
    mine: dict[str, Any] | None  # the party's row of the status report (None: not handed to it)


def _answering(app: App, version: str, viewer: Principal) -> Answering:
    view = drafts.read_version(app, version, viewer=viewer.party)  # NotFound outside the audience
    report = negotiation.status_report(app, version, members=True, viewer=viewer.party)
    mine = next((r for r in report["recipients"] if r["party"] == viewer.party), None)
    outline = negotiation.outline_of(view.seen_draft)
    whole = view.seen_draft is view.draft
    return Answering(view.seen_version, view.seen_draft, whole, outline, mine)


def _sheet(a: Answering) -> sheets.Sheet:
    earlier = {e["eid"]: e for e in a.mine["answered"]} if a.mine else {}
    return sheets.blank_sheet(a.version.id, a.draft.points, a.outline.paths(), earlier)


def _form(
    request: Request, a: Answering, sheet: sheets.Sheet, status: int = 200, error: str | None = None
) -> Response:
    chosen = [Position(r.eid, r.position) for r in sheet.rows if r.position]  # as typed, so far
    gaps = sheets.flag(sheet, a.outline, chosen)
    return render(
        request,
        "answer_form.html",
        status,
        v=a.version,
        sheet=sheet,
        gaps=gaps,
        positions=POSITIONS,
        may_answer=a.mine is not None and a.whole,
        error=error or ("; ".join(sheet.errors) if sheet.errors else None),
    )


@router.get("/versions/{version}/answer")
def answer_form(request: Request, app: AppDep, viewer: ViewerDep, version: str) -> Response:
    a = _answering(app, version, viewer)
    return _form(request, a, _sheet(a))


@router.post("/versions/{version}/answer")
def answer_step(request: Request, app: AppDep, viewer: ViewerDep, form: FormDep, version: str) -> Response:
    a = _answering(app, version, viewer)
    sheet = sheets.fill(_sheet(a), form, text)
    step = text(form, "step")
    if a.mine is None or not a.whole:
        return _form(
            request, a, sheet, 422, f"{version} was not handed to {viewer.party}; there is nothing to answer"
        )
    if step == "edit":
        return _form(request, a, sheet)
    parsed = sheets.read_back(sheet, a.version.title, a.version.outline)
    if parsed is None:
        return _form(request, a, sheet, 400)
    if step != "submit":
        gaps = sheets.flag(sheet, a.outline, parsed.positions)
        return render(
            request,
            "answer_review.html",
            v=a.version,
            sheet=sheet,
            parsed=parsed,
            gaps=gaps,
        )
    markdown, starts = sheets.to_markdown(sheet, a.version.title)
    try:
        with tempfile.TemporaryDirectory(prefix="inwriting-answer-") as folder:
            path = Path(folder) / sheets.SOURCE
            path.write_text(markdown, encoding="utf-8")
            recorded = negotiation.answer(
                app,
                version,
                as_party=viewer.party,
                file=path,
                date=optional(sheet.date),
                delegate=viewer.delegate,
            )
    except InvalidInput as exc:
        sheets.place_error(sheet, exc, starts)
        return _form(request, a, sheet, 400)
    except InwritingError as exc:  # refused by the rules: nothing was written
        return _form(request, a, sheet, exc.http_status, str(exc))
    target = positions_url(version, viewer.party) + "?" + urlencode({"recorded": recorded.answer})
    return redirect(target)


@dataclass(frozen=True)
class Line:
    """A point of the draft beside the party's position on it."""

    eid: str
    label: str
    heading: str | None
    text: str
    depth: int
    position: dict[str, Any] | None
    state: str  # "answered" | "inherited" | "unanswered" | "by-parts" | "partial"


def _lines(draft: DraftText, paths: dict[str, str], row: dict[str, Any]) -> list[Line]:
    answered = {a["eid"]: a for a in row["answered"]}
    gaps = {u["eid"] for u in row["unanswered"]}
    lines: list[Line] = []

    def walk(points: tuple[Any, ...], depth: int, in_gap: bool) -> bool:
        """Adds the points' lines; True if any of them (or their sub-points) is unanswered."""
        any_gap = False
        for p in points:
            gap = in_gap or p.eid in gaps
            at = len(lines)
            lines.append(Line(p.eid, paths.get(p.eid, p.label), p.heading, p.text, depth, None, ""))
            below = walk(p.children, depth + 1, gap)
            position = answered.get(p.eid)
            if position is not None:
                state = "inherited" if position["inherited_from"] else "answered"
            else:
                state = "unanswered" if gap else ("partial" if below else "by-parts")
            lines[at] = Line(p.eid, lines[at].label, p.heading, p.text, depth, position, state)
            any_gap = any_gap or gap or below
        return any_gap

    walk(draft.points, 0, False)
    return lines


@router.get("/versions/{version}/answers/{party}")
def positions(
    request: Request, app: AppDep, viewer: ViewerDep, version: str, party: str, recorded: str = ""
) -> Response:
    """The draft's points side by side with one party's positions; unanswered points flagged."""
    view = drafts.read_version(app, version, viewer=viewer.party)
    report = negotiation.status_report(app, version, members=True, viewer=viewer.party)
    row = next((r for r in report["recipients"] if r["party"] == party), None)
    if row is None:  # not a recipient, or not a row the viewer may see: the same words
        raise NotFound(f"no answer of {party} to {version}")
    paths = negotiation.outline_of(view.seen_draft).paths()
    just = next((a for a in row["answers"] if a["answer"] == recorded), None)
    return render(
        request,
        "positions.html",
        v=view.seen_version,
        party=party,
        row=row,
        lines=_lines(view.seen_draft, paths, row),
        recorded=just,
        may_answer=party == viewer.party and view.seen_draft is view.draft,
    )

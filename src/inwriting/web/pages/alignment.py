"""An answer given in prose beside the points it answers: each paragraph with the points it seems to
address (and how surely), the position it seems to take with the sentence that carries it, and the
decision that stands on it; the points no paragraph addresses. The answering party or the version's
author confirms the reading, paragraph by paragraph (keep, change, drop, or leave undecided) or all
suggestions at once, as one signed event through `alignment.confirm`.

Suggestions count for nothing until confirmed. A form the rules refuse is shown again as typed, and
nothing is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import Response

from inwriting.alignment import DEFAULT_ENGINE, ENGINES
from inwriting.app import alignment
from inwriting.app.accounts import Principal
from inwriting.domain.alignment import summary
from inwriting.domain.model import DECISIONS, POSITIONS, Answer
from inwriting.errors import InwritingError
from inwriting.web.auth import AppDep
from inwriting.web.pages.links import alignment_url
from inwriting.web.pages.render import render, templates
from inwriting.web.pages.route import FormDep, ViewerDep, optional, page_router, redirect, text, texts

router = page_router()

ACCEPT_ALL = "accept-all"


def prose_reading(answer: Answer) -> str:
    """ "answered in prose, confirmed by US (sherman)": for the pages that show an answer's status."""
    return summary(answer.alignment)


templates.env.globals["prose_reading"] = prose_reading  # the dashboard's owed answers use it


@dataclass
class Typed:
    """What the form says of one paragraph ("" decision: leave it as it stands)."""

    decision: str = ""
    points: list[str] = field(default_factory=list)
    position: str = ""
    text: str = ""


@dataclass(frozen=True)
class Row:
    """One paragraph: as the engine reads it (`p`, from `AlignmentView.to_json`), its text split
    around the sentence that carries the position, and what the form holds for it."""

    p: dict[str, Any]
    before: str
    sentence: str
    after: str
    typed: Typed
    locked: bool  # the answering party decided it, and only it may change that


def split(paragraph: str, sentence: str | None) -> tuple[str, str, str]:
    """The paragraph as (before, the carrying sentence, after); all before when it is not found."""
    at = paragraph.find(sentence) if sentence else -1
    if not sentence or at < 0:
        return paragraph, "", ""
    return paragraph[:at], sentence, paragraph[at + len(sentence) :]


def _typed(form: FormData, paragraphs: list[dict[str, Any]]) -> dict[int, Typed]:
    found = {}
    for p in paragraphs:
        n = p["paragraph"]
        decision = text(form, f"decision:{n}").strip()
        found[n] = Typed(
            decision,
            texts(form, f"points:{n}"),
            text(form, f"position:{n}").strip(),
            text(form, f"text:{n}").strip(),
        )
    return found


def _as_decided(n: int, typed: Typed) -> dict[str, Any]:
    """A decision as the use case takes it: points, position and text only when it is changed."""
    item: dict[str, Any] = {"paragraph": n, "decision": typed.decision}
    if typed.decision == "change":
        item["points"] = typed.points
        if typed.position:
            item["position"] = typed.position
        if typed.text:
            item["text"] = typed.text
    return item


def _shown(p: dict[str, Any], typed: Typed | None) -> Typed:
    """What the form starts from: as typed, else the decision that stands, else the suggestion."""
    if typed is not None:
        return typed
    confirmed = p["confirmed"]
    if confirmed is not None and confirmed["points"]:
        return Typed("", [x["eid"] for x in confirmed["points"]], confirmed["position"] or "noted")
    return Typed("", [x["eid"] for x in p["points"]], p["position"] or "noted")


def _page(
    request: Request,
    viewer: Principal,
    view: alignment.AlignmentView,
    engine: str,
    *,
    status: int = 200,
    typed: dict[int, Typed] | None = None,
    date: str = "",
    error: str | None = None,
    recorded: str = "",
) -> Response:
    document = view.to_json()
    answer, version = view.answer, view.version
    rows = []
    for p in document["paragraphs"]:
        before, sentence, after = split(p["text"], p["sentence"])
        confirmed = p["confirmed"]
        locked = viewer.party != answer.party and confirmed is not None and confirmed["by"] == answer.party
        shown = _shown(p, (typed or {}).get(p["paragraph"]))
        rows.append(Row(p, before, sentence, after, shown, locked))
    return render(
        request,
        "alignment.html",
        status,
        a=answer,
        v=version,
        doc=document,
        rows=rows,
        points=[(p.eid, p.path) for p in view.points],
        positions=POSITIONS,
        decisions=DECISIONS,
        engine=engine,
        engines=ENGINES,
        may_confirm=viewer.party in (answer.party, version.author),
        date=date,
        error=error,
        recorded=recorded,
    )


def _here(answer: str, engine: str, **query: str) -> str:
    params = {**({"engine": engine} if engine != DEFAULT_ENGINE else {}), **query}
    return alignment_url(answer) + (f"?{urlencode(params)}" if params else "")


@router.get("/answers/{answer:path}/alignment")
def alignment_page(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    answer: str,
    engine: str = DEFAULT_ENGINE,
    recorded: str = "",
) -> Response:
    view = alignment.suggestions(app, answer, viewer=viewer.party, engine_name=engine)
    return _page(request, viewer, view, engine, recorded=recorded if recorded.isdigit() else "")


@router.post("/answers/{answer:path}/alignment")
def alignment_confirm(
    request: Request, app: AppDep, viewer: ViewerDep, form: FormDep, answer: str
) -> Response:
    engine = text(form, "engine").strip() or DEFAULT_ENGINE
    view = alignment.suggestions(app, answer, viewer=viewer.party, engine_name=engine)  # NotFound first
    typed = _typed(form, view.to_json()["paragraphs"])
    date = text(form, "date").strip()
    accept_all = text(form, "step") == ACCEPT_ALL
    decisions = None if accept_all else [_as_decided(n, t) for n, t in typed.items() if t.decision]
    if decisions == []:
        error = "choose keep, change or drop for at least one paragraph, or accept all suggestions"
        return _page(request, viewer, view, engine, status=400, typed=typed, date=date, error=error)
    try:
        _, done = alignment.confirm(
            app,
            answer,
            as_party=viewer.party,
            accept_all=accept_all,
            decisions=decisions,
            engine_name=engine,
            date=optional(date),
            delegate=viewer.delegate,
        )
    except InwritingError as exc:  # refused by the rules: nothing was written
        if not 400 <= exc.http_status < 500:
            raise
        status = exc.http_status
        return _page(request, viewer, view, engine, status=status, typed=typed, date=date, error=str(exc))
    return redirect(_here(answer, engine, recorded=str(done.seq)))

"""Who sees a text, and the acts about its publication: the owner asks that it not be published or
answers a request (consent, refusal); another party asks to publish it; either publishes it, whole
or chosen points, as the track's policy allows. Each act is one signed event through its use case."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from inwriting.app import disclosure
from inwriting.app.accounts import Principal
from inwriting.app.context import App
from inwriting.errors import InvalidInput, InwritingError
from inwriting.web.auth import AppDep
from inwriting.web.pages.links import disclosure_url
from inwriting.web.pages.render import render
from inwriting.web.pages.route import FormDep, ViewerDep, optional, page_router, redirect, text

router = page_router()

ACTS = ("embargo", "request", "consent", "refuse", "publish")
FIELDS = ("reason", "until", "points", "date")


def _page(
    request: Request,
    app: App,
    viewer: Principal,
    subject: str,
    *,
    status: int = 200,
    act: str | None = None,
    values: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    story = disclosure.story(app, subject, viewer=viewer.party)  # NotFound for a text not seen
    found = story.to_json()
    events: list[tuple[str, int, str, str, str]] = [
        (
            a["date"],
            a["event"],
            a["party"],
            a["kind"],
            (a["reason"] or "") + (f" (until {a['until']})" if a["until"] else ""),
        )
        for a in found["acts"]
    ]
    for p in found["publications"]:
        details = ", ".join(
            x
            for x in (
                p["publisher"] or "",
                p["source"] or "",
                f"points {', '.join(p['points'])}" if p["points"] else "",
                "over the owner's objection" if p["over_objection"] else "",
            )
            if x
        )
        events.append(
            (
                p["date"],
                p["event"],
                p["by"],
                "published elsewhere" if p["elsewhere"] else "published",
                details,
            )
        )
    return render(
        request,
        "disclosure.html",
        status,
        subject=subject,
        story=found,
        events=sorted(events),
        owner=story.owner == viewer.party,
        act=act,
        values=values or {},
        error=error,
    )


@router.get("/disclosure")
def disclosure_page(request: Request, app: AppDep, viewer: ViewerDep, text: str = "") -> Response:
    if not text:
        raise InvalidInput("name the text: /disclosure?text=DOC@v1")
    return _page(request, app, viewer, text)


def _act(app: App, viewer: Principal, subject: str, act: str, values: dict[str, str]) -> None:
    common: dict[str, Any] = {
        "as_party": viewer.party,
        "date": optional(values["date"]),
        "delegate": viewer.delegate,
    }
    reason = optional(values["reason"])
    if act == "embargo":
        if reason is None:
            raise InvalidInput("say why the text should not be published")
        disclosure.request_embargo(app, subject, reason=reason, until=optional(values["until"]), **common)
    elif act == "request":
        disclosure.request_publication(app, subject, reason=reason, **common)
    elif act in ("consent", "refuse"):
        disclosure.answer_request(app, subject, consent=act == "consent", reason=reason, **common)
    elif act == "publish":
        points = [p.strip() for p in values["points"].replace(",", " ").split() if p.strip()]
        disclosure.publish(app, subject, points=points, **common)
    else:
        raise InvalidInput(f"act must be one of {', '.join(ACTS)}")


@router.post("/disclosure")
def disclosure_act(request: Request, app: AppDep, viewer: ViewerDep, form: FormDep) -> Response:
    subject, act = text(form, "text").strip(), text(form, "act").strip()
    disclosure.story(app, subject, viewer=viewer.party)  # NotFound for a text not seen, before any act
    values = {name: text(form, name).strip() for name in FIELDS}
    try:
        _act(app, viewer, subject, act, values)
    except InwritingError as exc:
        return _page(
            request, app, viewer, subject, status=exc.http_status, act=act, values=values, error=str(exc)
        )
    return redirect(disclosure_url(subject))

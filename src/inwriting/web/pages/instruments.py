"""Instruments: the list the party may see; one instrument's status per participant in the table a
treaty depositary keeps (initialled, signature with place and date, ratification, entry into force,
reservations); and the form by which the party's signatory signs it (place, date)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from inwriting.app import instruments
from inwriting.app.accounts import Principal
from inwriting.app.context import App
from inwriting.errors import InwritingError
from inwriting.record.instrument import TextPoint
from inwriting.web.auth import AppDep
from inwriting.web.pages.links import instrument_url
from inwriting.web.pages.render import render
from inwriting.web.pages.route import FormDep, ViewerDep, optional, page_router, redirect, text

router = page_router()


@router.get("/instruments")
def instrument_list(request: Request, app: AppDep, viewer: ViewerDep) -> Response:
    return render(request, "instruments.html", found=instruments.listing(app, viewer=viewer.party))


def _page(
    request: Request,
    app: App,
    viewer: Principal,
    iid: str,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    view = instruments.show(app, iid, viewer=viewer.party)  # NotFound for one the party may not see
    i = view.instrument
    mine = next((r for r in view.rows if r.party == viewer.party), None)
    return render(
        request,
        "instrument.html",
        status,
        view=view,
        i=i,
        points=_with_depth(view.text.points),
        may_sign=mine is not None and mine.signed is None and mine.withdrawn is None,
        values=values or {"place": "", "date": ""},
        error=error,
    )


def _with_depth(points: tuple[TextPoint, ...]) -> list[tuple[TextPoint, int]]:
    depth: dict[str, int] = {}
    for p in points:  # parents come first
        depth[p.eid] = depth[p.parent] + 1 if p.parent in depth else 0
    return [(p, depth[p.eid]) for p in points]


@router.get("/instruments/{iid}")
def instrument_page(request: Request, app: AppDep, viewer: ViewerDep, iid: str) -> Response:
    return _page(request, app, viewer, iid)


@router.post("/instruments/{iid}/sign")
def sign(request: Request, app: AppDep, viewer: ViewerDep, form: FormDep, iid: str) -> Response:
    instruments.show(app, iid, viewer=viewer.party)  # NotFound for one the party may not see
    values = {"place": text(form, "place").strip(), "date": text(form, "date").strip()}
    try:
        instruments.sign(
            app,
            iid,
            as_party=viewer.party,
            delegate=viewer.delegate,
            place=values["place"],
            date=optional(values["date"]),
        )
    except InwritingError as exc:
        return _page(request, app, viewer, iid, status=exc.http_status, values=values, error=str(exc))
    return redirect(instrument_url(iid) + "#status")

"""Instruments: the list the party may see; one instrument's status per participant in the table a
treaty depositary keeps (initialled, signature with place and date, ratification, entry into force,
reservations); the form by which the party's signatory signs it (place, date), the party's other acts
on it (initial, ratify, entry into force, suspend, resume, withdraw), and making a version an
instrument."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from inwriting.app import instruments
from inwriting.app.accounts import Principal
from inwriting.app.context import App
from inwriting.domain.register import Instrument
from inwriting.errors import InvalidInput, InwritingError
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
        acts=_acts_open(i, viewer) if mine is not None and mine.withdrawn is None else [],
        values={"place": "", "date": "", "reason": "", **(values or {})},
        error=error,
    )


def _with_depth(points: tuple[TextPoint, ...]) -> list[tuple[TextPoint, int]]:
    depth: dict[str, int] = {}
    for p in points:  # parents come first
        depth[p.eid] = depth[p.parent] + 1 if p.parent in depth else 0
    return [(p, depth[p.eid]) for p in points]


ACTS = {
    "initial": "Initial the agreed text",
    "ratify": "Record the ratification",
    "enter-into-force": "Record entry into force",
    "suspend": "Suspend (for this party)",
    "resume": "Resume",
    "withdraw": "Withdraw",
}
NEEDS_REASON = frozenset({"suspend", "resume", "withdraw"})


def _acts_open(i: Instrument, viewer: Principal) -> list[tuple[str, str]]:
    """The acts the party might take now; the rules still decide (and say why not) on submit."""
    party = viewer.party
    signed = i.act_of(party, "sign") is not None
    found = []
    if not signed and i.act_of(party, "initial") is None:
        found.append("initial")
    if i.ratification and signed and i.act_of(party, "ratify") is None:
        found.append("ratify")
    if i.in_force is None and signed:
        found.append("enter-into-force")
    if i.in_force_for(party) is not None:
        found.append("resume" if i.suspended(party) else "suspend")
    if signed:
        found.append("withdraw")
    return [(a, ACTS[a]) for a in found]


@router.post("/instruments/{iid}/act")
def act(request: Request, app: AppDep, viewer: ViewerDep, form: FormDep, iid: str) -> Response:
    instruments.show(app, iid, viewer=viewer.party)  # NotFound for one the party may not see
    chosen = text(form, "act")
    values = {"date": text(form, "date").strip(), "reason": text(form, "reason").strip(), "place": ""}
    party, day, delegate = viewer.party, optional(values["date"]), viewer.delegate
    try:
        if chosen not in ACTS:
            raise InvalidInput(f"choose one of: {', '.join(ACTS)}")
        if chosen in NEEDS_REASON and not values["reason"]:
            raise InvalidInput(f"say why ({chosen})")
        if chosen == "initial":
            instruments.initial(app, iid, as_party=party, delegate=delegate, date=day)
        elif chosen == "ratify":
            instruments.ratify(app, iid, as_party=party, delegate=delegate, date=day)
        elif chosen == "enter-into-force":
            instruments.enter_into_force(app, iid, as_party=party, delegate=delegate, date=day)
        elif chosen == "withdraw":
            instruments.withdraw(
                app, iid, as_party=party, reason=values["reason"], date=day, delegate=delegate
            )
        else:
            resume = chosen == "resume"
            reason = values["reason"]
            instruments.suspend(
                app, iid, as_party=party, reason=reason, resume=resume, date=day, delegate=delegate
            )
    except InwritingError as exc:
        return _page(request, app, viewer, iid, status=exc.http_status, values=values, error=str(exc))
    return redirect(instrument_url(iid) + "#status")


KINDS = ("treaty", "agreement", "memorandum", "joint-statement", "protocol")


@router.post("/versions/{version}/instrument")
def create(request: Request, app: AppDep, viewer: ViewerDep, form: FormDep, version: str) -> Response:
    """Make the agreed version an instrument between its track's parties."""
    kind = text(form, "kind")
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}")
    iid, _ = instruments.create(
        app,
        version=version,
        kind=kind,
        as_party=viewer.party,
        instrument=optional(text(form, "id").strip()),
        ratification=text(form, "ratification") == "yes",
        delegate=viewer.delegate,
    )
    return redirect(instrument_url(iid))


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

"""Talks around the texts: meetings held on a track, and preconditions with every answer to them; a
party sees those of the tracks it takes part in."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field

from inwriting.app import talks
from inwriting.web.api.common import (
    DATE,
    ID,
    LINE,
    LONG,
    MANY,
    PRECONDITION,
    SHORT,
    VERSION,
    Acted,
    Body,
    Ok,
    api_router,
    event_of,
)
from inwriting.web.auth import AppDep, PrincipalDep

router = api_router("talks")

TrackQuery = Annotated[str | None, Query(pattern=ID, description="Only this track")]
LimitQuery = Annotated[int, Query(ge=1, le=talks.MAX_PAGE, description="Items a page holds (at most 1000)")]
CURSOR = r"^[A-Za-z0-9_.@/~-]{1,400}$"
AfterQuery = Annotated[
    str | None, Query(pattern=CURSOR, description="The `next` of the page before (none: the first page)")
]
NEXT = "The cursor of the next page, to pass as `after`; null on the last page"


class MeetingIn(Body):
    track: str = Field(pattern=ID)
    date: str = Field(pattern=DATE, description="The day it was held (not in the future)")
    place: str = Field(min_length=1, max_length=SHORT)
    delegates: list[Annotated[str, Field(min_length=1, max_length=SHORT)]] = Field(
        default_factory=list, max_length=MANY, description="The people present"
    )
    tabled: list[Annotated[str, Field(pattern=VERSION)]] = Field(
        default_factory=list, max_length=MANY, description="Versions put on the table"
    )


class MeetingAdded(Acted):
    meeting: str = Field(description="Its id, TRACK/DATE; hand-overs may name it")


class MeetingOut(BaseModel):
    meeting: str
    track: str
    date: str
    place: str
    delegates: list[str]
    tabled: list[str]
    event: int


class Meetings(Ok):
    meetings: list[MeetingOut] = Field(description="A page: in date order (then record order), oldest first")
    next: str | None = Field(description=NEXT)


@router.get("/meetings", response_model=Meetings, summary="Meetings in date order, a page at a time")
def meetings(
    app: AppDep,
    principal: PrincipalDep,
    track: TrackQuery = None,
    limit: LimitQuery = talks.PAGE,
    after: AfterQuery = None,
) -> Meetings:
    found, following = talks.meetings_page(app, track, viewer=principal.party, after=after, limit=limit)
    return Meetings(
        next=following,
        meetings=[
            MeetingOut(
                meeting=m.id,
                track=m.track,
                date=m.date,
                place=m.place,
                delegates=list(m.delegates),
                tabled=list(m.tabled),
                event=m.seq,
            )
            for m in found
        ],
    )


@router.post(
    "/meetings",
    response_model=MeetingAdded,
    status_code=201,
    summary="Record a meeting on a track the caller's party takes part in",
)
def add_meeting(app: AppDep, principal: PrincipalDep, body: MeetingIn) -> MeetingAdded:
    mid, recorded = talks.add_meeting(
        app,
        track=body.track,
        date=body.date,
        place=body.place,
        delegates=body.delegates,
        tabled=body.tabled,
        as_party=principal.party,
        acting=principal.delegate,
    )
    return MeetingAdded(meeting=mid, event=event_of(recorded))


class PreconditionIn(Body):
    track: str = Field(pattern=ID)
    text: str = Field(min_length=1, max_length=LONG, description="The condition, as stated")
    version: str | None = Field(None, pattern=VERSION, description="The text it attaches to, if any")
    anticipated: bool = Field(
        False, description="Not set by the caller's party but expected from others (to reject in advance)"
    )
    date: str | None = Field(None, pattern=DATE)


class PreconditionAdded(Acted):
    precondition: str


class PreconditionAnswerIn(Body):
    act: Literal["accept", "reject", "meet", "waive"]
    reason: str | None = Field(None, max_length=LINE)
    date: str | None = Field(None, pattern=DATE)


class PreconditionAnswered(Acted):
    precondition: str
    act: str
    status: str


class PreconditionAct(BaseModel):
    act: str
    party: str
    date: str
    reason: str | None
    event: int


class PreconditionOut(BaseModel):
    precondition: str
    track: str
    by: str
    text: str
    version: str | None
    date: str
    anticipated: bool
    status: str
    acts: list[PreconditionAct]


class Preconditions(Ok):
    preconditions: list[PreconditionOut] = Field(description="A page: in record order, oldest first")
    next: str | None = Field(description=NEXT)


@router.get(
    "/preconditions",
    response_model=Preconditions,
    summary="Preconditions with their status and every answer to them, a page at a time",
)
def preconditions(
    app: AppDep,
    principal: PrincipalDep,
    track: TrackQuery = None,
    limit: LimitQuery = talks.PAGE,
    after: AfterQuery = None,
) -> Preconditions:
    found, following = talks.preconditions_page(app, track, viewer=principal.party, after=after, limit=limit)
    return Preconditions(
        next=following,
        preconditions=[
            PreconditionOut(
                precondition=p.id,
                track=p.track,
                by=p.by,
                text=p.text,
                version=p.version,
                date=p.date,
                anticipated=p.anticipated,
                status=p.status,
                acts=[
                    PreconditionAct(act=a.act, party=a.party, date=a.date, reason=a.reason, event=a.seq)
                    for a in p.acts
                ],
            )
            for p in found
        ],
    )


@router.post(
    "/preconditions",
    response_model=PreconditionAdded,
    status_code=201,
    summary="State a precondition on a track (id TRACK/pre/N)",
)
def add_precondition(app: AppDep, principal: PrincipalDep, body: PreconditionIn) -> PreconditionAdded:
    pid, recorded = talks.add_precondition(
        app,
        track=body.track,
        as_party=principal.party,
        text=body.text,
        version=body.version,
        date=body.date,
        anticipated=body.anticipated,
        delegate=principal.delegate,
    )
    return PreconditionAdded(precondition=pid, event=event_of(recorded))


@router.post(
    "/preconditions/{precondition:path}/answers",
    response_model=PreconditionAnswered,
    status_code=201,
    summary="Accept, reject, meet or waive a precondition",
)
def answer_precondition(
    app: AppDep,
    principal: PrincipalDep,
    precondition: Annotated[str, Path(pattern=PRECONDITION, description="e.g. `ru-us/pre/1`")],
    body: PreconditionAnswerIn,
) -> PreconditionAnswered:
    recorded = talks.answer_precondition(
        app,
        precondition,
        act=body.act,
        as_party=principal.party,
        reason=body.reason,
        date=body.date,
        delegate=principal.delegate,
    )
    track = precondition.split("/pre/")[0]
    found = [p for p in talks.preconditions(app, track, viewer=principal.party) if p.id == precondition]
    return PreconditionAnswered(
        precondition=precondition,
        act=body.act,
        status=found[0].status if found else body.act,
        event=event_of(recorded),
    )

"""The commitment register: commitments (and offers) as the caller's party may see them, with their
text, source and status; public statements; claims that a commitment was broken, with the obligor's
answers and the parties' findings. Every act is recorded and signed by the caller's party."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field

from inwriting.app import register, talks
from inwriting.web.api.common import (
    CLAIM,
    COMMITMENT,
    EID,
    ID,
    INSTRUMENT,
    LINE,
    LONG,
    MANY,
    MEETING,
    PARTY,
    SHORT,
    STATEMENT,
    VERSION,
    WHEN,
    Acted,
    Body,
    Ok,
    api_router,
    event_of,
)
from inwriting.web.api.talks import NEXT, AfterQuery, LimitQuery
from inwriting.web.auth import AppDep, PrincipalDep

router = api_router("register")

PartyStr = Annotated[str, Field(pattern=PARTY)]
CommitmentPath = Annotated[str, Path(pattern=COMMITMENT, description="e.g. `RU/commitment/1`")]
ClaimPath = Annotated[str, Path(pattern=CLAIM, description="e.g. `US/claim/1`")]
When = Annotated[str | None, Field(pattern=WHEN, description="A year, month or day (default: today)")]
_POINT_REF = f"^{VERSION[1:-1]}#{EID[1:-1]}$"

# ---- reading -------------------------------------------------------------------------------------


class ClaimActOut(BaseModel):
    kind: str
    value: str
    party: str
    date: str
    text: str | None


class ClaimOut(BaseModel):
    id: str
    commitment: str
    by: str
    date: str
    text: str
    evidence: list[str]
    status: str
    acts: list[ClaimActOut]


class Declined(BaseModel):
    by: str
    date: str
    reason: str | None


class Ended(BaseModel):
    date: str
    reason: str


class CommitmentOut(BaseModel):
    id: str
    obligor: str
    beneficiaries: list[str]
    text: str
    form: str
    source_kind: str
    source: str
    date: str
    recorded_by: str
    instrument: str | None
    point: str | None
    offer: str | None
    statement: str | None
    meeting: str | None
    public: bool
    state: str
    status: str
    declined: Declined | None
    ended: Ended | None
    suspended: str | None
    claims: list[ClaimOut]


class CommitmentShown(Ok, CommitmentOut):
    pass


class Commitments(Ok):
    commitments: list[CommitmentOut] = Field(description="A page: in record order, oldest first")
    next: str | None = Field(description=NEXT)


class StatementOut(BaseModel):
    id: str
    speaker: str
    party: str
    date: str
    medium: str
    source: str
    quote: str
    points: list[str]


class Statements(Ok):
    statements: list[StatementOut]


class Claims(Ok):
    claims: list[ClaimOut]


@router.get(
    "/commitments",
    response_model=Commitments,
    summary="The register: every commitment the caller's party may see, a page at a time",
)
def commitments(
    app: AppDep,
    principal: PrincipalDep,
    party: Annotated[str | None, Query(pattern=PARTY, description="Only those it made or received")] = None,
    instrument: Annotated[str | None, Query(pattern=INSTRUMENT)] = None,
    limit: LimitQuery = talks.PAGE,
    after: AfterQuery = None,
) -> Commitments:
    found, following = register.commitments_page(
        app, viewer=principal.party, party=party, instrument=instrument, after=after, limit=limit
    )
    return Commitments.model_validate({"commitments": [v.to_json() for v in found], "next": following})


@router.get(
    "/commitments/{commitment:path}",
    response_model=CommitmentShown,
    summary="One commitment: its text, source, status and claims",
)
def commitment(app: AppDep, principal: PrincipalDep, commitment: CommitmentPath) -> CommitmentShown:
    return CommitmentShown.model_validate(
        register.commitment(app, commitment, viewer=principal.party).to_json()
    )


@router.get("/statements", response_model=Statements, summary="Every public statement recorded")
def statements(
    app: AppDep,
    principal: PrincipalDep,
    party: Annotated[str | None, Query(pattern=PARTY, description="Only this party's")] = None,
) -> Statements:
    found = register.statements(app, party=party)
    return Statements.model_validate({"statements": [register.statement_json(s) for s in found]})


@router.get("/claims", response_model=Claims, summary="Claims the caller's party may see, with their status")
def claims(
    app: AppDep,
    principal: PrincipalDep,
    commitment: Annotated[str | None, Query(pattern=COMMITMENT)] = None,
) -> Claims:
    found = register.claims(app, viewer=principal.party, commitment=commitment)
    return Claims.model_validate({"claims": [register.claim_json(c) for c in found]})


# ---- acts ------------------------------------------------------------------------------------------


class CommitmentIn(Body):
    party: str = Field(pattern=PARTY, description="Who made the commitment (the obligor)")
    to: list[PartyStr] = Field(min_length=1, max_length=MANY, description="Toward whom")
    text: str = Field(min_length=1, max_length=LONG, description="What was undertaken, as said or written")
    form: Literal["spoken", "written", "signed", "binding"]
    source: str = Field(min_length=1, max_length=LINE, description="Where it can be read or heard")
    source_kind: Literal["statement", "meeting", "note", "document", "other"] = "other"
    date: When = None
    offer: Literal["standing", "made"] | None = Field(None, description="An offer, not an undertaking")
    statement: str | None = Field(None, pattern=STATEMENT, description="The statement it was made in")
    meeting: str | None = Field(None, pattern=MEETING, description="The meeting it was made at")
    public: bool | None = Field(None, description="Seen by everyone (default: if from a statement)")
    track: str | None = Field(None, pattern=ID, description="The talks it belongs to")


class CommitmentRecorded(Acted):
    commitment: str


class DeclineIn(Body):
    reason: str | None = Field(None, max_length=LINE)
    date: When = None


class WithdrawIn(Body):
    reason: str = Field(min_length=1, max_length=LINE)
    date: When = None


class StatementIn(Body):
    speaker: str = Field(min_length=1, max_length=SHORT, description="Who spoke (name and title)")
    party: str = Field(pattern=PARTY, description="For whom")
    date: str = Field(pattern=WHEN)
    medium: str = Field(min_length=1, max_length=SHORT, description="Press conference, interview, note …")
    source: str = Field(min_length=1, max_length=LINE)
    quote: str = Field(min_length=1, max_length=LONG, description="The words, as published")
    points: list[Annotated[str, Field(pattern=_POINT_REF)]] = Field(
        default_factory=list, max_length=MANY, description="Published points it concerns (VERSION#EID)"
    )
    track: str | None = Field(None, pattern=ID)


class StatementRecorded(Acted):
    statement: str


class ClaimIn(Body):
    commitment: str = Field(pattern=COMMITMENT, description="The commitment said broken")
    text: str = Field(min_length=1, max_length=LONG, description="What was broken, and how")
    evidence: list[Annotated[str, Field(min_length=1, max_length=LINE)]] = Field(
        min_length=1, max_length=MANY
    )
    date: When = None


class ClaimFiled(Acted):
    claim: str


class ClaimAnswerIn(Body):
    answer: Literal["admit", "deny", "explain"]
    text: str | None = Field(None, max_length=LONG)
    date: When = None


class AssessIn(Body):
    finding: Literal["kept", "broken", "no-action"]
    text: str | None = Field(None, max_length=LONG)
    date: When = None


class ClaimWithdrawIn(Body):
    text: str | None = Field(None, max_length=LONG)
    date: When = None


@router.post(
    "/commitments",
    response_model=CommitmentRecorded,
    status_code=201,
    summary="Record a commitment or offer, from a statement, a meeting record or a note",
)
def record_commitment(app: AppDep, principal: PrincipalDep, body: CommitmentIn) -> CommitmentRecorded:
    cid, recorded = register.record_commitment(
        app,
        party=body.party,
        to=body.to,
        text=body.text,
        form=body.form,
        source=body.source,
        source_kind=body.source_kind,
        date=body.date,
        as_party=principal.party,
        offer=body.offer,
        statement=body.statement,
        meeting=body.meeting,
        public=body.public,
        track=body.track,
        delegate=principal.delegate,
    )
    return CommitmentRecorded(commitment=cid, event=event_of(recorded))


@router.post(
    "/commitments/{commitment:path}/declines",
    response_model=Acted,
    status_code=201,
    summary="A party an offer was made to declines it",
)
def decline(app: AppDep, principal: PrincipalDep, commitment: CommitmentPath, body: DeclineIn) -> Acted:
    recorded = register.decline(
        app,
        commitment,
        as_party=principal.party,
        reason=body.reason,
        date=body.date,
        delegate=principal.delegate,
    )
    return Acted(event=event_of(recorded))


@router.post(
    "/commitments/{commitment:path}/withdrawals",
    response_model=Acted,
    status_code=201,
    summary="The obligor withdraws its commitment or offer",
)
def withdraw(app: AppDep, principal: PrincipalDep, commitment: CommitmentPath, body: WithdrawIn) -> Acted:
    recorded = register.withdraw(
        app,
        commitment,
        as_party=principal.party,
        reason=body.reason,
        date=body.date,
        delegate=principal.delegate,
    )
    return Acted(event=event_of(recorded))


@router.post(
    "/statements",
    response_model=StatementRecorded,
    status_code=201,
    summary="Record a public statement (commitments may then cite it)",
)
def record_statement(app: AppDep, principal: PrincipalDep, body: StatementIn) -> StatementRecorded:
    sid, recorded = register.record_statement(
        app,
        speaker=body.speaker,
        party=body.party,
        date=body.date,
        medium=body.medium,
        source=body.source,
        quote=body.quote,
        points=body.points,
        as_party=principal.party,
        track=body.track,
        delegate=principal.delegate,
    )
    return StatementRecorded(statement=sid, event=event_of(recorded))


@router.post(
    "/claims",
    response_model=ClaimFiled,
    status_code=201,
    summary="Claim that a commitment was broken, with evidence",
)
def file_claim(app: AppDep, principal: PrincipalDep, body: ClaimIn) -> ClaimFiled:
    cid, recorded = register.file_claim(
        app,
        body.commitment,
        as_party=principal.party,
        text=body.text,
        evidence=body.evidence,
        date=body.date,
        delegate=principal.delegate,
    )
    return ClaimFiled(claim=cid, event=event_of(recorded))


@router.post(
    "/claims/{claim:path}/answers",
    response_model=Acted,
    status_code=201,
    summary="The obligor admits, denies or explains",
)
def answer_claim(app: AppDep, principal: PrincipalDep, claim: ClaimPath, body: ClaimAnswerIn) -> Acted:
    recorded = register.answer_claim(
        app,
        claim,
        as_party=principal.party,
        answer=body.answer,
        text=body.text,
        date=body.date,
        delegate=principal.delegate,
    )
    return Acted(event=event_of(recorded))


@router.post(
    "/claims/{claim:path}/assessments",
    response_model=Acted,
    status_code=201,
    summary="The caller's party's finding: kept, broken or no-action",
)
def assess_claim(app: AppDep, principal: PrincipalDep, claim: ClaimPath, body: AssessIn) -> Acted:
    recorded = register.assess_claim(
        app,
        claim,
        as_party=principal.party,
        finding=body.finding,
        text=body.text,
        date=body.date,
        delegate=principal.delegate,
    )
    return Acted(event=event_of(recorded))


@router.post(
    "/claims/{claim:path}/withdrawals",
    response_model=Acted,
    status_code=201,
    summary="The claimant withdraws its claim",
)
def withdraw_claim(app: AppDep, principal: PrincipalDep, claim: ClaimPath, body: ClaimWithdrawIn) -> Acted:
    recorded = register.withdraw_claim(
        app, claim, as_party=principal.party, text=body.text, date=body.date, delegate=principal.delegate
    )
    return Acted(event=event_of(recorded))

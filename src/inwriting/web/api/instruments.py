"""Instruments: agreed text fixed by its hash, and each party's acts on it (initials, signature,
ratification, reservations, entry into force, suspension, withdrawal), always the caller's party's
own; its status as a depositary shows it, its offline proof and PDF; exchanges of notes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query, Response
from pydantic import BaseModel, Field

from inwriting.app import instruments
from inwriting.web.api.common import (
    DATE,
    EID,
    INSTRUMENT,
    LINE,
    LONG,
    MANY,
    PARTY,
    SHORT,
    VERSION,
    Acted,
    Body,
    EventOut,
    Ok,
    api_router,
    binary,
    download,
    event_of,
)
from inwriting.web.auth import AppDep, PrincipalDep

router = api_router("instruments")

InstrumentKind = Literal[
    "treaty", "agreement", "exchange-of-notes", "memorandum", "joint-statement", "protocol"
]
InstrumentPath = Annotated[str, Path(pattern=INSTRUMENT, description="An instrument, e.g. `ru-us-treaty`")]
PartyStr = Annotated[str, Field(pattern=PARTY)]
EidStr = Annotated[str, Field(pattern=EID)]


# ---- reading -------------------------------------------------------------------------------------


class Listed(BaseModel):
    instrument: str
    kind: str
    title: str
    parties: list[str]
    status: str
    in_force: str | None


class Listing(Ok):
    instruments: list[Listed]


class SignatureOut(BaseModel):
    date: str
    place: str | None
    signatory: str | None
    key_id: str | None
    signature: str | None


class Reservation(BaseModel):
    kind: str
    point: str | None
    text: str | None
    date: str


class Withdrawal(BaseModel):
    date: str
    reason: str | None


class PartyRow(BaseModel):
    party: str
    name: str
    status: str
    initialled: str | None
    signed: SignatureOut | None
    ratified: str | None
    in_force: str | None
    reservations: list[Reservation]
    suspended: str | None
    withdrawn: Withdrawal | None


class TextPoint(BaseModel):
    eid: str
    label: str
    parent: str | None


class InstrumentOut(Ok):
    instrument: str
    kind: str
    title: str
    track: str
    sources: list[str]
    text_hash: str
    status: str
    agreed: str
    in_force: str | None
    ratification: bool
    required: int
    parties: list[PartyRow]
    points: list[TextPoint]


class ProofSignature(BaseModel):
    party: str
    signatory: str
    place: str
    date: str
    key_id: str
    signature: str
    public_key: str


class ProofOut(BaseModel):
    """The file `inwriting instrument verify` checks offline: the salted text, every signature and
    the keys that made them."""

    format: str
    origin: str
    instrument: str
    text_hash: str
    salt: str
    text: str
    signatures: list[ProofSignature]


@router.get("/instruments", response_model=Listing, summary="Every instrument the caller's party may see")
def listing(app: AppDep, principal: PrincipalDep) -> Listing:
    found = instruments.listing(app, viewer=principal.party)
    return Listing(
        instruments=[
            Listed(
                instrument=i.id,
                kind=i.kind,
                title=i.title,
                parties=list(i.parties),
                status=i.status,
                in_force=i.in_force,
            )
            for i in found
        ]
    )


@router.get(
    "/instruments/{instrument}",
    response_model=InstrumentOut,
    summary="Status per party and overall, as a treaty depositary shows it",
)
def show(app: AppDep, principal: PrincipalDep, instrument: InstrumentPath) -> InstrumentOut:
    return InstrumentOut.model_validate(instruments.show(app, instrument, viewer=principal.party).to_json())


@router.get(
    "/instruments/{instrument}/proof",
    response_model=ProofOut,
    summary="The offline proof: salted text, signatures, public keys (for `inwriting instrument verify`)",
)
def proof(app: AppDep, principal: PrincipalDep, instrument: InstrumentPath) -> ProofOut:
    return ProofOut.model_validate(instruments.proof(app, instrument, viewer=principal.party).to_json())


@router.get(
    "/instruments/{instrument}/pdf",
    response_class=Response,
    responses=binary("The instrument as PDF, its proof embedded", "application/pdf"),
    summary="The text with a signature block per party; the PDF embeds the proof",
)
def pdf(app: AppDep, principal: PrincipalDep, instrument: InstrumentPath) -> Response:
    data = instruments.pdf(app, instrument, viewer=principal.party)
    return download(data, media_type="application/pdf", filename=f"{instrument}.pdf")


# ---- acts ------------------------------------------------------------------------------------------


class InstrumentIn(Body):
    version: str = Field(pattern=VERSION, description="The agreed version")
    kind: InstrumentKind
    parties: list[PartyStr] = Field(
        default_factory=list, max_length=MANY, description="The parties it binds (default: the track's)"
    )
    instrument: str | None = Field(
        None, pattern=INSTRUMENT, description="Its id (default: from the document)"
    )
    title: str | None = Field(None, max_length=500, description="Default: the version's")
    ratification: bool | None = Field(
        None, description="Each party must ratify (default: yes for treaties, agreements, protocols)"
    )
    required: int | None = Field(None, ge=1, le=MANY, description="Parties bound before entry into force")
    obligors: dict[EidStr, list[PartyStr]] = Field(
        default_factory=dict, max_length=10_000, description="Who a point obliges (default: every party)"
    )
    date: str | None = Field(None, pattern=DATE)


class Created(Acted):
    instrument: str
    text_hash: str


class DateIn(Body):
    date: str | None = Field(None, pattern=DATE)


class SignIn(Body):
    place: str = Field(min_length=1, max_length=SHORT, description="Where it was signed")
    date: str | None = Field(None, pattern=DATE)


class Signed(Acted):
    key_id: str | None
    text_hash: str


class ReserveIn(Body):
    point: str = Field(pattern=EID, description="The point it concerns")
    text: str = Field(min_length=1, max_length=LONG, description="The reservation, as made")
    declaration: bool = Field(False, description="An interpretative declaration, not a reservation")
    date: str | None = Field(None, pattern=DATE)


class ReasonIn(Body):
    reason: str = Field(min_length=1, max_length=LINE)
    date: str | None = Field(None, pattern=DATE)


class InForce(Acted):
    in_force: str | None


@router.post(
    "/instruments",
    response_model=Created,
    status_code=201,
    summary="Fix a version's text as an instrument; its hash is what every party signs",
)
def create(app: AppDep, principal: PrincipalDep, body: InstrumentIn) -> Created:
    iid, recorded = instruments.create(
        app,
        version=body.version,
        kind=body.kind,
        as_party=principal.party,
        parties=body.parties,
        instrument=body.instrument,
        title=body.title,
        ratification=body.ratification,
        required=body.required,
        obligors=body.obligors,
        date=body.date,
        delegate=principal.delegate,
    )
    view = instruments.show(app, iid, viewer=principal.party)
    return Created(instrument=iid, text_hash=view.instrument.content, event=event_of(recorded))


@router.post(
    "/instruments/{instrument}/initials",
    response_model=Acted,
    status_code=201,
    summary="The caller (a signatory) initials the agreed text for its party",
)
def initial(app: AppDep, principal: PrincipalDep, instrument: InstrumentPath, body: DateIn) -> Acted:
    recorded = instruments.initial(
        app, instrument, as_party=principal.party, delegate=principal.delegate, date=body.date
    )
    return Acted(event=event_of(recorded))


@router.post(
    "/instruments/{instrument}/signatures",
    response_model=Signed,
    status_code=201,
    summary="The caller (a signatory) signs for its party: Ed25519 over the text hash",
)
def sign(app: AppDep, principal: PrincipalDep, instrument: InstrumentPath, body: SignIn) -> Signed:
    recorded = instruments.sign(
        app,
        instrument,
        as_party=principal.party,
        delegate=principal.delegate,
        place=body.place,
        date=body.date,
    )
    view = instruments.show(app, instrument, viewer=principal.party)
    signed = next((r.signed for r in view.rows if r.party == principal.party), None)
    return Signed(
        key_id=signed.key_id if signed else None,
        text_hash=view.instrument.content,
        event=event_of(recorded),
    )


@router.post(
    "/instruments/{instrument}/ratifications",
    response_model=Acted,
    status_code=201,
    summary="Record the caller's party's ratification (after its signature)",
)
def ratify(app: AppDep, principal: PrincipalDep, instrument: InstrumentPath, body: DateIn) -> Acted:
    recorded = instruments.ratify(
        app, instrument, as_party=principal.party, date=body.date, delegate=principal.delegate
    )
    return Acted(event=event_of(recorded))


@router.post(
    "/instruments/{instrument}/reservations",
    response_model=Acted,
    status_code=201,
    summary="A reservation (or declaration) of the caller's party on one point",
)
def reserve(app: AppDep, principal: PrincipalDep, instrument: InstrumentPath, body: ReserveIn) -> Acted:
    recorded = instruments.reserve(
        app,
        instrument,
        as_party=principal.party,
        point=body.point,
        text=body.text,
        declaration=body.declaration,
        date=body.date,
        delegate=principal.delegate,
    )
    return Acted(event=event_of(recorded))


@router.post(
    "/instruments/{instrument}/entry-into-force",
    response_model=InForce,
    status_code=201,
    summary="Record entry into force (refused before the required ratifications)",
)
def enter_into_force(
    app: AppDep, principal: PrincipalDep, instrument: InstrumentPath, body: DateIn
) -> InForce:
    recorded = instruments.enter_into_force(
        app, instrument, as_party=principal.party, date=body.date, delegate=principal.delegate
    )
    view = instruments.show(app, instrument, viewer=principal.party)
    return InForce(in_force=view.instrument.in_force, event=event_of(recorded))


def _suspend(app: AppDep, principal: PrincipalDep, instrument: str, body: ReasonIn, *, resume: bool) -> Acted:
    recorded = instruments.suspend(
        app,
        instrument,
        as_party=principal.party,
        reason=body.reason,
        resume=resume,
        date=body.date,
        delegate=principal.delegate,
    )
    return Acted(event=event_of(recorded))


@router.post(
    "/instruments/{instrument}/suspensions",
    response_model=Acted,
    status_code=201,
    summary="The caller's party suspends the instrument's operation for itself",
)
def suspend(app: AppDep, principal: PrincipalDep, instrument: InstrumentPath, body: ReasonIn) -> Acted:
    return _suspend(app, principal, instrument, body, resume=False)


@router.post(
    "/instruments/{instrument}/resumptions",
    response_model=Acted,
    status_code=201,
    summary="The caller's party ends its suspension",
)
def resume(app: AppDep, principal: PrincipalDep, instrument: InstrumentPath, body: ReasonIn) -> Acted:
    return _suspend(app, principal, instrument, body, resume=True)


@router.post(
    "/instruments/{instrument}/withdrawals",
    response_model=Acted,
    status_code=201,
    summary="The caller's party withdraws; its commitments under the instrument end that day",
)
def withdraw(app: AppDep, principal: PrincipalDep, instrument: InstrumentPath, body: ReasonIn) -> Acted:
    recorded = instruments.withdraw(
        app,
        instrument,
        as_party=principal.party,
        reason=body.reason,
        date=body.date,
        delegate=principal.delegate,
    )
    return Acted(event=event_of(recorded))


# ---- exchanges of notes ------------------------------------------------------------------------------


class NotesDifference(BaseModel):
    eid: str
    label: str
    kind: str
    summary: str
    a_text: str | None
    b_text: str | None
    diff: list[tuple[str, str]]


class NotesComparison(Ok):
    same: bool
    points: int
    differences: list[NotesDifference]


@router.get(
    "/notes/compare",
    response_model=NotesComparison,
    tags=["notes"],
    summary="Where two notes' operative texts differ, point by point",
)
def compare(
    app: AppDep,
    principal: PrincipalDep,
    a: Annotated[str, Query(pattern=VERSION, description="Note A (a version)")],
    b: Annotated[str, Query(pattern=VERSION, description="Note B, the reply")],
) -> NotesComparison:
    return NotesComparison.model_validate(instruments.compare(app, a, b, viewer=principal.party).to_json())


class ExchangeIn(Body):
    note_a: str = Field(pattern=VERSION, description="The first note (a version)")
    note_b: str = Field(pattern=VERSION, description="The reply (a version)")
    date: str = Field(pattern=DATE, description="The reply's date")
    place: str = Field(min_length=1, max_length=SHORT, description="Where the notes were exchanged")
    instrument: str | None = Field(None, pattern=INSTRUMENT)
    title: str | None = Field(None, max_length=500)
    in_force: bool = Field(True, description="In force on the reply's date once both have signed")


class ExchangeOut(Ok):
    instrument: str
    comparison: NotesComparison
    signed_by: list[str]
    awaiting_signature: list[str]
    in_force: str | None
    events: list[EventOut]


@router.post(
    "/notes/exchanges",
    response_model=ExchangeOut,
    status_code=201,
    tags=["notes"],
    summary="Record an exchange of notes as an instrument, signed for the caller's party only",
    description="Refused (422) unless both notes carry the same operative text point by point (see"
    " `GET /notes/compare`). The caller's delegate signs for its party; the other party signs with"
    " `POST /instruments/{instrument}/signatures`.",
)
def exchange(app: AppDep, principal: PrincipalDep, body: ExchangeIn) -> ExchangeOut:
    # Only the caller's party signs here; the other signs its own note with its own token.
    result = instruments.exchange(
        app,
        body.note_a,
        body.note_b,
        date=body.date,
        place=body.place,
        signatories={principal.party: principal.delegate},
        as_party=principal.party,
        instrument=body.instrument,
        title=body.title,
        enter_into_force=body.in_force,
        delegate=principal.delegate,
        sign_for={principal.party},
    )
    return ExchangeOut.model_validate(result.to_json())

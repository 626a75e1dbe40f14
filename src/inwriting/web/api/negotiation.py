"""Negotiation: hand a version over, acknowledge it, answer it point by point (positions as JSON, or the
Markdown answer file) or in prose; and where things stand: status, answers owed, the position matrix."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import Body as BodyParam
from fastapi import Path, Query, Response
from pydantic import BaseModel, Field

from inwriting.app import drafts, negotiation
from inwriting.domain.matrix import NOT_ADDRESSED
from inwriting.errors import InvalidInput
from inwriting.importers.answer import MAX_ANSWER_BYTES, parse_answer
from inwriting.importers.text import MAX_BYTES
from inwriting.web.api.common import (
    DATE,
    EID,
    HANDOVER,
    ID,
    LONG,
    MANY,
    MEETING,
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
    max_body,
    scratch,
)
from inwriting.web.auth import AppDep, PrincipalDep

router = api_router("negotiation")

VersionPath = Annotated[str, Path(pattern=VERSION, description="A version, e.g. `draft-treaty@v1`")]
Position = Literal["accept", "amend", "counter", "reject", "clarify", "defer", "noted"]
PartyStr = Annotated[str, Field(pattern=PARTY)]
_MAX_POINTS = 10_000

# ---- hand-overs and receipts ---------------------------------------------------------------------


class HandoverIn(Body):
    to: list[PartyStr] = Field(min_length=1, max_length=MANY, description="The recipients")
    due: str | None = Field(None, pattern=DATE, description="When the written answer is due")
    point_by_point: bool = Field(False, description="Demand a written answer on every point")
    meeting: str | None = Field(None, pattern=MEETING, description="The meeting it was handed over at")
    date: str | None = Field(None, pattern=DATE, description="Default: the meeting's day, or today")


class HandoverOut(Acted):
    handover: str
    version: str
    to: list[str]
    due: str | None
    point_by_point: bool


class ReceiptIn(Body):
    handover: str | None = Field(
        None, pattern=HANDOVER, description="The hand-over acknowledged (default: the latest open one)"
    )
    date: str | None = Field(None, pattern=DATE)


class ReceiptOut(Acted):
    receipt: str


@router.post(
    "/versions/{version}/handovers",
    response_model=HandoverOut,
    status_code=201,
    summary="Hand the caller's version to recipients (an alliance's members receive it too)",
)
def handover(app: AppDep, principal: PrincipalDep, version: VersionPath, body: HandoverIn) -> HandoverOut:
    hid, recorded = negotiation.handover(
        app,
        version,
        to=body.to,
        due=body.due,
        point_by_point=body.point_by_point,
        meeting=body.meeting,
        date=body.date,
        delegate=principal.delegate,
        as_party=principal.party,
    )
    return HandoverOut(
        handover=hid,
        version=version,
        to=body.to,
        due=body.due,
        point_by_point=body.point_by_point,
        event=event_of(recorded),
    )


@router.post(
    "/versions/{version}/receipts",
    response_model=ReceiptOut,
    status_code=201,
    summary="Acknowledge receipt of a version handed to the caller's party (signed)",
)
def receipt(app: AppDep, principal: PrincipalDep, version: VersionPath, body: ReceiptIn) -> ReceiptOut:
    rid, recorded = negotiation.receipt(
        app,
        version,
        as_party=principal.party,
        delegate=principal.delegate,
        date=body.date,
        handover=body.handover,
    )
    return ReceiptOut(receipt=rid, event=event_of(recorded))


# ---- answers ---------------------------------------------------------------------------------------


class PositionIn(Body):
    eid: str = Field(pattern=EID, description="The point, e.g. `art_4__para_2`")
    position: Position
    text: str | None = Field(
        None,
        max_length=LONG,
        description="amend, counter, clarify: the new text, counter-text or question",
    )
    reason: str | None = Field(None, max_length=LONG)


class ProposalIn(Body):
    label: str = Field(min_length=1, max_length=SHORT, description="How the new point is numbered")
    text: str = Field(min_length=1, max_length=LONG)


class PointsAnswer(Body):
    """Positions as JSON. They are recorded as the Markdown answer file that says exactly the same;
    a text that file cannot carry unchanged (a list, a heading, a single line break) is refused."""

    form: Literal["points"]
    positions: list[PositionIn] = Field(max_length=_MAX_POINTS)
    proposals: list[ProposalIn] = Field(default_factory=list, max_length=MANY)
    date: str | None = Field(None, pattern=DATE)


class MarkdownAnswer(Body):
    """The answer file as written (see `GET /versions/{version}/answer-template`)."""

    form: Literal["markdown"]
    text: str = Field(min_length=1, max_length=MAX_ANSWER_BYTES)
    date: str | None = Field(None, pattern=DATE)


class ProseAnswer(Body):
    """An answer received as prose, kept as received; it answers no point until aligned."""

    form: Literal["prose"]
    text: str = Field(min_length=1, max_length=MAX_BYTES)
    date: str | None = Field(None, pattern=DATE)


AnswerIn = Annotated[PointsAnswer | MarkdownAnswer | ProseAnswer, Field(discriminator="form")]


class PointRef(BaseModel):
    eid: str
    label: str


class AnswerOut(Ok):
    answer: str
    form: str
    positions: int
    proposals: int
    left_open: list[str]
    unanswered: list[str]
    unanswered_points: list[PointRef]
    complete: bool
    event: EventOut


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]


def _quote(text: str) -> str:
    return "\n>\n".join(f"> {paragraph}" for paragraph in _paragraphs(text))


def _canonical(text: str | None) -> str | None:
    """What the answer file keeps of a text: NFC, its paragraphs trimmed, one blank line between."""
    if text is None or not text.strip():
        return None
    return unicodedata.normalize("NFC", "\n\n".join(_paragraphs(text)))


def positions_markdown(version: str, positions: Sequence[PositionIn], proposals: Sequence[ProposalIn]) -> str:
    """The answer file that says what the positions say (read back by the parser of every answer)."""
    blocks = [f"# Answer to {version}"]
    for p in positions:
        blocks.append(f"## {{{p.eid}}}: {p.position}")
        if _canonical(p.text) is not None:
            blocks.append(_quote(str(p.text)))
        if _canonical(p.reason) is not None:
            blocks.append(f"Reason: {p.reason}")
    for proposal in proposals:
        blocks.extend([f"## New: {proposal.label}", _quote(proposal.text)])
    return "\n\n".join(blocks) + "\n"


def _check_each(version: str, body: PointsAnswer, outline: Sequence[tuple[str, str]]) -> None:
    """Each position and proposal must read back from its answer file as given; else say which."""
    items: list[tuple[str, list[PositionIn], list[ProposalIn]]] = [
        *((p.eid, [p], []) for p in body.positions),
        *((f"new point {q.label!r}", [], [q]) for q in body.proposals),
    ]
    for name, positions, proposals in items:
        why = "a list, a heading or a single line break in it?"
        try:
            parsed = parse_answer(
                positions_markdown(version, positions, proposals).encode("utf-8"),
                outline=outline,
                source=name,
            )
        except InvalidInput as exc:
            parsed, why = None, exc.message
        given = [(p.eid, p.position, _canonical(p.text), _canonical(p.reason)) for p in positions]
        given_new = [(q.label.strip(), _canonical(q.text)) for q in proposals]
        if (
            parsed is None
            or [(p.eid, p.position, p.text, p.reason) for p in parsed.positions] != given
            or [(q.label, q.text) for q in parsed.proposals] != given_new
        ):
            raise InvalidInput(
                f"{name} cannot be carried unchanged by an answer file ({why}); send the answer as"
                " form `markdown`",
                where=name,
            )


@router.post(
    "/versions/{version}/answers",
    response_model=AnswerOut,
    status_code=201,
    summary="Answer a version handed to the caller's party: point by point, or in prose",
    description="Points left out stay unanswered and are named in the response and by `status`.",
    openapi_extra=max_body(4 * MAX_BYTES),
)
def answer(
    app: AppDep,
    principal: PrincipalDep,
    version: VersionPath,
    body: Annotated[AnswerIn, BodyParam()],
) -> AnswerOut:
    if isinstance(body, PointsAnswer):
        if not body.positions and not body.proposals:
            raise InvalidInput("the answer takes no position and proposes no point")
        found, _ = drafts.get_version(app, version, viewer=principal.party)  # 404 before any parsing
        _check_each(version, body, found.outline)
        text = positions_markdown(version, body.positions, body.proposals)
    else:
        text = body.text
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"the answer holds a lone surrogate (U+{ord(exc.object[exc.start]):04X})"
        ) from None
    limit = MAX_BYTES if isinstance(body, ProseAnswer) else MAX_ANSWER_BYTES
    if len(data) > limit:
        raise InvalidInput(f"the answer is {len(data)} bytes; the limit is {limit}")
    name = "answer.txt" if isinstance(body, ProseAnswer) else "answer.md"
    with scratch() as folder:
        path = folder / name
        path.write_bytes(data)
        recorded = negotiation.answer(
            app,
            version,
            as_party=principal.party,
            file=path,
            prose=isinstance(body, ProseAnswer),
            date=body.date,
            delegate=principal.delegate,
        )
    return AnswerOut.model_validate(recorded.to_json())


class Template(Ok):
    version: str
    template: str = Field(description="The answer file to fill in (Markdown), every point at `?`")


@router.get(
    "/versions/{version}/answer-template",
    response_model=Template,
    summary="A ready-to-fill answer file listing every point",
)
def answer_template(app: AppDep, principal: PrincipalDep, version: VersionPath) -> Template:
    text = negotiation.answer_template(app, version, viewer=principal.party)
    return Template(version=version, template=text)


# ---- where things stand ----------------------------------------------------------------------------


class AnsweredPoint(BaseModel):
    eid: str
    label: str
    position: str
    text: str | None
    reason: str | None
    inherited_from: str | None


class Confirmer(BaseModel):
    party: str
    delegate: str | None


class AnswerRef(BaseModel):
    answer: str
    party: str
    date: str
    form: str
    # a prose answer only (see GET /answers/{answer}/alignment): how far its reading is confirmed
    reading: str | None = Field(None, description='"answered in prose, confirmed by US (sherman)"')
    confirmed_paragraphs: int | None = None
    paragraphs: int | None = Field(None, description="Known once a first paragraph is confirmed")
    confirmed_by: list[Confirmer] | None = None


class Recipient(BaseModel):
    party: str
    through: str | None
    state: str
    handover: str
    handovers: list[str]
    delivered: str
    acknowledged: str | None
    acknowledged_by: str | None
    due: str | None
    point_by_point: bool
    answers: list[AnswerRef]
    answered_points: int
    points: int
    complete: bool
    completed_on: str | None
    overdue: bool
    late: bool
    answered: list[AnsweredPoint]
    unanswered: list[PointRef]


class Status(Ok):
    version: str
    title: str
    author: str
    track: str
    points: int
    today: str
    recipients: list[Recipient]


@router.get(
    "/versions/{version}/status",
    response_model=Status,
    summary="Per recipient: delivered, acknowledged, answered and unanswered points, overdue",
)
def status(
    app: AppDep,
    principal: PrincipalDep,
    version: VersionPath,
    members: Annotated[bool, Query(description="Show an alliance's members separately")] = False,
) -> Status:
    report = negotiation.status_report(app, version, members=members, viewer=principal.party)
    return Status.model_validate(report)


class OwedRow(BaseModel):
    version: str
    title: str
    author: str
    party: str
    due: str | None
    point_by_point: bool
    delivered: str
    acknowledged: str | None
    unanswered: int
    overdue: bool


class Due(Ok):
    today: str
    owed: list[OwedRow]


@router.get(
    "/due",
    response_model=Due,
    summary="Written answers still owed by or to the caller's party, soonest due first",
)
def due(app: AppDep, principal: PrincipalDep) -> Due:
    owed = negotiation.owed(app, viewer=principal.party)
    return Due(
        today=negotiation.today(app),
        owed=[
            OwedRow(
                version=o.version,
                title=o.title,
                author=o.author,
                party=o.status.party,
                due=o.status.demand.due,
                point_by_point=o.status.demand.point_by_point,
                delivered=o.status.demand.delivered,
                acknowledged=o.status.receipt.date if o.status.receipt else None,
                unanswered=len(o.status.coverage.unanswered),
                overdue=o.status.overdue,
            )
            for o in owed
        ],
    )


class MatrixCell(BaseModel):
    state: str = Field(description="A position, `proposed`, `unanswered` or `by-parts`")
    inherited: bool


class MatrixRow(BaseModel):
    version: str
    eid: str
    label: str
    contested: bool
    unanswered: int
    cells: dict[str, MatrixCell] = Field(description="By party; parties it was not handed to are left out")


class MatrixOut(Ok):
    scope: str
    columns: list[str]
    rows: list[MatrixRow]


ScopePath = Annotated[str, Path(pattern=ID, description="A track or a process")]


@router.get(
    "/matrix/{scope}",
    response_model=MatrixOut,
    summary="Points x parties for every version handed over on a track or process",
)
def matrix(
    app: AppDep,
    principal: PrincipalDep,
    scope: ScopePath,
    members: Annotated[bool, Query(description="Show an alliance's members separately")] = False,
) -> MatrixOut:
    m = negotiation.matrix(app, scope, members=members, viewer=principal.party)
    return MatrixOut(
        scope=scope,
        columns=list(m.columns),
        rows=[
            MatrixRow(
                version=r.version,
                eid=r.eid,
                label=r.label,
                contested=r.contested,
                unanswered=r.unanswered,
                cells={
                    p: MatrixCell(state=c.state, inherited=c.inherited)
                    for p, c in zip(m.columns, r.cells, strict=True)
                    if c.state != NOT_ADDRESSED
                },
            )
            for r in m.rows
        ],
    )


@router.get(
    "/matrix/{scope}/export",
    response_class=Response,
    responses=binary("The matrix as a file", "text/csv; charset=utf-8", "text/html; charset=utf-8"),
    summary="The position matrix as CSV or as a coloured HTML grid",
)
def matrix_export(
    app: AppDep,
    principal: PrincipalDep,
    scope: ScopePath,
    format: Annotated[Literal["csv", "html"], Query()] = "csv",
    members: Annotated[bool, Query()] = False,
) -> Response:
    m = negotiation.matrix(app, scope, members=members, viewer=principal.party)
    if format == "csv":
        from inwriting.exporters.matrix_csv import matrix_csv

        data = matrix_csv(m).encode("utf-8")
        return download(data, media_type="text/csv; charset=utf-8", filename=f"{scope}-matrix.csv")
    from inwriting.exporters.matrix_html import to_matrix_html

    page = to_matrix_html(m, title=scope).encode("utf-8")
    return download(page, media_type="text/html; charset=utf-8", filename=f"{scope}-matrix.html")

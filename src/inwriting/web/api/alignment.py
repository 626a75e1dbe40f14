"""Answers received in prose: how each paragraph reads against the points of the version it answers
(suggested by an engine, computed afresh on every read), and the caller's decisions on those
suggestions, recorded as one signed `answer.aligned` event. Only confirmed paragraphs count toward
the answer's completeness; only the answering party or the version's author confirms."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from fastapi import Path, Query
from pydantic import BaseModel, Field, model_validator

from inwriting.app import alignment
from inwriting.domain.negotiation import MAX_PARAGRAPHS
from inwriting.web.api.common import (
    DATE,
    ID,
    LONG,
    MANY,
    SHORT,
    VERSION,
    Body,
    EventOut,
    Ok,
    api_router,
    event_of,
    max_body,
)
from inwriting.web.api.negotiation import Confirmer
from inwriting.web.auth import AppDep, PrincipalDep

router = api_router("alignment")

# An answer: its version, `/answer/`, the answering party and a number (`t@v1/answer/US/1`).
ANSWER = VERSION[:-1] + "/answer/" + ID[1:-1] + "/[1-9][0-9]{0,5}$"
AnswerPath = Annotated[
    str, Path(pattern=ANSWER, description="An answer given in prose, e.g. `t@v1/answer/US/1`")
]
Engine = Literal["tfidf", "embeddings", "keyword"]
Position = Literal["accept", "amend", "counter", "reject", "clarify", "defer", "noted"]
ENGINE_HELP = "tfidf (the default, no model), embeddings (the extra inwriting[embeddings]) or keyword"

# ---- the reading --------------------------------------------------------------------------------------


class PointRef(BaseModel):
    eid: str
    label: str = Field(description="As printed, with its ancestors': `Article 5 1.`")


class SuggestedPoint(PointRef):
    score: float = Field(description="The engine's similarity; 1.0 when the paragraph names the point")
    named: bool = Field(description="The paragraph (or its heading) names the point outright")


class ConfirmedParagraph(BaseModel):
    decision: Literal["keep", "change", "drop"]
    points: list[PointRef]
    position: str | None
    text: str | None = Field(description="The sentence that carries the position, or the text given")
    by: str = Field(description="The party that confirmed it")
    delegate: str | None
    event: int


class ParagraphOut(BaseModel):
    paragraph: int = Field(description="1-based")
    text: str
    heading: bool = Field(description="The answer's own heading: it addresses nothing by itself")
    points: list[SuggestedPoint] = Field(description="The points it seems to address")
    position: str | None = Field(description="The position it seems to take there")
    confidence: float = Field(description="0 to 1")
    sentence: str | None = Field(description="The sentence that carries the position")
    confirmed: ConfirmedParagraph | None = Field(description="The decision that stands, if any")


class ConfirmedOut(BaseModel):
    paragraphs: int = Field(description="How many paragraphs are decided")
    of: int = Field(description="How many paragraphs the answer has")
    by: list[Confirmer]
    summary: str = Field(description='For a status line: "answered in prose, confirmed by US (sherman)"')
    unanswered: list[PointRef] = Field(description="The points no confirmed paragraph addresses")


class AlignmentOut(Ok):
    answer: str
    version: str
    party: str = Field(description="The party that gave the answer")
    engine: str
    paragraphs: list[ParagraphOut]
    unanswered: list[PointRef] = Field(description="The points no paragraph seems to address")
    confirmed: ConfirmedOut


class AlignedOut(AlignmentOut):
    event: EventOut


@router.get(
    "/answers/{answer:path}/alignment",
    response_model=AlignmentOut,
    summary="How each paragraph of a prose answer reads against the points of the version it answers",
    description="Suggestions count for nothing until confirmed; `confirmed` holds the decisions that stand.",
)
def suggestions(
    app: AppDep,
    principal: PrincipalDep,
    answer: AnswerPath,
    engine: Annotated[Engine, Query(description=ENGINE_HELP)] = "tfidf",
) -> AlignmentOut:
    view = alignment.suggestions(app, answer, viewer=principal.party, engine_name=engine)
    return AlignmentOut.model_validate(view.to_json())


# ---- decisions ----------------------------------------------------------------------------------------


class DecisionIn(Body):
    paragraph: int = Field(ge=1, le=MAX_PARAGRAPHS, description="1-based, as `GET` numbers them")
    decision: Literal["keep", "change", "drop"]
    points: list[Annotated[str, Field(min_length=1, max_length=SHORT)]] | None = Field(
        None,
        max_length=MANY,
        description="change only: the points it addresses, by id (`art_5__para_1`) or label (`Article 5 1.`)",
    )
    position: Position | None = Field(None, description="change only (default: the suggested one, or noted)")
    text: str | None = Field(
        None, max_length=LONG, description="The sentence that carries it (default: the suggested one)"
    )


class AlignmentIn(Body):
    """Either `accept_all` (keep the suggestion on every paragraph not yet decided) or `decisions`."""

    accept_all: bool = False
    decisions: list[DecisionIn] | None = Field(None, min_length=1, max_length=MAX_PARAGRAPHS)
    engine: Engine = Field("tfidf", description=ENGINE_HELP)
    date: str | None = Field(None, pattern=DATE, description="Default: today")

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if self.accept_all == (self.decisions is not None):
            raise ValueError("give either accept_all: true or decisions")
        return self


@router.post(
    "/answers/{answer:path}/alignment",
    response_model=AlignedOut,
    status_code=201,
    summary="Confirm how paragraphs of a prose answer read: keep, change or drop each suggestion (signed)",
    description="Only the answering party or the version's author confirms; one event records them all.",
    openapi_extra=max_body(alignment.MAX_DECISIONS_BYTES),
)
def confirm(app: AppDep, principal: PrincipalDep, answer: AnswerPath, body: AlignmentIn) -> AlignedOut:
    decisions = None
    if body.decisions is not None:
        decisions = [d.model_dump(exclude_none=True) for d in body.decisions]
    view, recorded = alignment.confirm(
        app,
        answer,
        as_party=principal.party,
        accept_all=body.accept_all,
        decisions=decisions,
        engine_name=body.engine,
        date=body.date,
        delegate=principal.delegate,
    )
    return AlignedOut.model_validate({**view.to_json(), "event": event_of(recorded)})

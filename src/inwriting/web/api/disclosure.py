"""Who sees what: a text's story (audience, hand-overs, requests, consents, refusals, publications),
requests not to publish and to publish, the owner's consent or refusal, publication (whole or chosen
points) and publication elsewhere recorded as a fact. A text is a version or an answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, Field

from inwriting.app import disclosure
from inwriting.app.recorder import Recorded
from inwriting.web.api.common import (
    DATE,
    EID,
    LINE,
    MANY,
    SHORT,
    TEXT,
    Acted,
    Body,
    Ok,
    api_router,
    event_of,
)
from inwriting.web.auth import AppDep, PrincipalDep

router = api_router("disclosure")

TextPath = Annotated[
    str, Path(pattern=TEXT, description="A version (`doc@v1`) or an answer (`doc@v1/answer/US/1`)")
]
Points = list[Annotated[str, Field(pattern=EID)]]


class DisclosureAct(BaseModel):
    kind: str
    party: str
    date: str
    reason: str | None
    until: str | None
    event: int


class Publication(BaseModel):
    by: str
    points: list[str]
    date: str
    elsewhere: bool
    publisher: str | None
    source: str | None
    over_objection: bool
    event: int


class Story(Ok):
    text: str
    owner: str
    audience: str
    audience_parties: list[str]
    handed_to: list[str]
    policy: str
    public: bool
    published_points: list[str] | None
    owner_stance: str | None
    you_see: str = Field(description="`all`, or `published points` only")
    acts: list[DisclosureAct]
    publications: list[Publication]


class TextActed(Acted):
    text: str


class Published(TextActed):
    points: list[str]


class EmbargoIn(Body):
    reason: str = Field(min_length=1, max_length=LINE, description="Why it should not be published")
    until: str | None = Field(None, pattern=DATE, description="Until when (default: for good)")
    date: str | None = Field(None, pattern=DATE)


class RequestIn(Body):
    reason: str | None = Field(None, max_length=LINE)
    date: str | None = Field(None, pattern=DATE)


class PublishIn(Body):
    points: Points = Field(default_factory=list, max_length=10_000, description="Only these (default: all)")
    date: str | None = Field(None, pattern=DATE)


class ElsewhereIn(Body):
    publisher: str = Field(min_length=1, max_length=SHORT, description="Who published it")
    source: str = Field(min_length=1, max_length=LINE, description="Where: a URL or a citation")
    points: Points = Field(default_factory=list, max_length=MANY)
    date: str | None = Field(None, pattern=DATE)


def _acted(text: str, recorded: Recorded) -> TextActed:
    return TextActed(text=text, event=event_of(recorded))


@router.get(
    "/texts/{text:path}/story",
    response_model=Story,
    summary="A text's audience, hand-overs, requests, consents, refusals and publications",
)
def story(app: AppDep, principal: PrincipalDep, text: TextPath) -> Story:
    return Story.model_validate(disclosure.story(app, text, viewer=principal.party).to_json())


@router.post(
    "/texts/{text:path}/embargo-requests",
    response_model=TextActed,
    status_code=201,
    summary="The text's owner asks that it not be published",
)
def request_embargo(app: AppDep, principal: PrincipalDep, text: TextPath, body: EmbargoIn) -> TextActed:
    recorded = disclosure.request_embargo(
        app,
        text,
        as_party=principal.party,
        reason=body.reason,
        until=body.until,
        date=body.date,
        delegate=principal.delegate,
    )
    return _acted(text, recorded)


@router.post(
    "/texts/{text:path}/publication-requests",
    response_model=TextActed,
    status_code=201,
    summary="Ask the owner's consent to publish its text",
)
def request_publication(app: AppDep, principal: PrincipalDep, text: TextPath, body: RequestIn) -> TextActed:
    recorded = disclosure.request_publication(
        app, text, as_party=principal.party, reason=body.reason, date=body.date, delegate=principal.delegate
    )
    return _acted(text, recorded)


def _answer(app: AppDep, principal: PrincipalDep, text: str, body: RequestIn, *, consent: bool) -> TextActed:
    recorded = disclosure.answer_request(
        app,
        text,
        as_party=principal.party,
        consent=consent,
        reason=body.reason,
        date=body.date,
        delegate=principal.delegate,
    )
    return _acted(text, recorded)


@router.post(
    "/texts/{text:path}/consents",
    response_model=TextActed,
    status_code=201,
    summary="The owner consents to its text's publication",
)
def consent(app: AppDep, principal: PrincipalDep, text: TextPath, body: RequestIn) -> TextActed:
    return _answer(app, principal, text, body, consent=True)


@router.post(
    "/texts/{text:path}/refusals",
    response_model=TextActed,
    status_code=201,
    summary="The owner refuses its text's publication",
)
def refuse(app: AppDep, principal: PrincipalDep, text: TextPath, body: RequestIn) -> TextActed:
    return _answer(app, principal, text, body, consent=False)


@router.post(
    "/texts/{text:path}/publications",
    response_model=Published,
    status_code=201,
    summary="Publish a text (or chosen points), as the track's policy allows",
    description="Under the `consent` policy, another party's text is refused (422) without its owner's"
    " consent; under `unilateral` it is published with the owner's objection on the record.",
)
def publish(app: AppDep, principal: PrincipalDep, text: TextPath, body: PublishIn) -> Published:
    recorded = disclosure.publish(
        app, text, as_party=principal.party, points=body.points, date=body.date, delegate=principal.delegate
    )
    return Published(text=text, points=body.points, event=event_of(recorded))


@router.post(
    "/texts/{text:path}/published-elsewhere",
    response_model=TextActed,
    status_code=201,
    summary="Record that a third party (a newspaper) published the text",
)
def published_elsewhere(app: AppDep, principal: PrincipalDep, text: TextPath, body: ElsewhereIn) -> TextActed:
    recorded = disclosure.published_elsewhere(
        app,
        text,
        as_party=principal.party,
        publisher=body.publisher,
        source=body.source,
        points=body.points,
        date=body.date,
        delegate=principal.delegate,
    )
    return _acted(text, recorded)

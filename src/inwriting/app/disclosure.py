"""Use cases for who sees what: requests not to publish, requests to publish, consents and
refusals, publication (whole or chosen points), publication elsewhere recorded as a fact, and the
whole story of a text as a party may read it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inwriting.app.context import App
from inwriting.app.drafts import text_state
from inwriting.app.negotiation import act_date, today
from inwriting.app.recorder import Recorded, record_in
from inwriting.domain import events as ev
from inwriting.domain.access import ALL, owner_of, require_text
from inwriting.domain.events import EventType, PartyId
from inwriting.domain.model import Disclosure, State
from inwriting.errors import NotFound


def _track_of(state: State, text: str) -> str:
    version = state.versions.get(text.split("/answer/")[0])
    if version is None:
        raise NotFound(f"no version or answer {text}")
    return version.track


def _record(
    app: App, text: str, party: str, type_: EventType, body: dict[str, Any], delegate: str | None
) -> Recorded:
    with app.store.write() as writer:
        state = text_state(writer.conn, [text])
        viewer = None if party == ev.OPERATOR else PartyId(party)
        require_text(state, viewer, text)  # not found, for a party that may not see it
        return record_in(
            app,
            writer,
            PartyId(party),
            type_,
            {"text": text, **body},
            track=_track_of(state, text),
            delegate=delegate,
        )


def request_embargo(
    app: App,
    text: str,
    *,
    as_party: str,
    reason: str,
    until: str | None = None,
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    """The text's owner asks that it not be published (until a date, or for good)."""
    body = {"kind": "embargo", "reason": reason, "until": until, "date": act_date(app, date)}
    return _record(app, text, as_party, ev.DISCLOSURE_REQUESTED, body, delegate)


def request_publication(
    app: App,
    text: str,
    *,
    as_party: str,
    reason: str | None = None,
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    """Another party that has the text asks its owner's consent to publish it."""
    body = {"kind": "publication", "reason": reason, "until": None, "date": act_date(app, date)}
    return _record(app, text, as_party, ev.DISCLOSURE_REQUESTED, body, delegate)


def answer_request(
    app: App,
    text: str,
    *,
    as_party: str,
    consent: bool,
    reason: str | None = None,
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    body = {"answer": "consent" if consent else "refuse", "reason": reason, "date": act_date(app, date)}
    return _record(app, text, as_party, ev.DISCLOSURE_ANSWERED, body, delegate)


def publish(
    app: App,
    text: str,
    *,
    as_party: str,
    points: Sequence[str] = (),
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    """Make a text (or chosen points of a version) public, as the track's policy allows."""
    body = {"points": list(points), "date": act_date(app, date)}
    return _record(app, text, as_party, ev.TEXT_PUBLISHED, body, delegate)


def published_elsewhere(
    app: App,
    text: str,
    *,
    as_party: str | None,
    publisher: str,
    source: str,
    points: Sequence[str] = (),
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    """Record that a third party (a newspaper) published the text; inwriting publishes nothing."""
    body = {"publisher": publisher, "source": source, "points": list(points), "date": act_date(app, date)}
    return _record(app, text, as_party or ev.OPERATOR, ev.TEXT_PUBLISHED_ELSEWHERE, body, delegate)


@dataclass(frozen=True)
class Story:
    text: str
    owner: PartyId
    audience: str
    audience_parties: tuple[PartyId, ...]
    handed_to: tuple[PartyId, ...]
    policy: str
    disclosure: Disclosure
    seen: str  # "all" or "published points"
    today: str = ""

    def to_json(self) -> dict[str, Any]:
        d = self.disclosure
        published = d.published_points()
        return {
            "text": self.text,
            "owner": self.owner,
            "audience": self.audience,
            "audience_parties": list(self.audience_parties),
            "handed_to": list(self.handed_to),
            "policy": self.policy,
            "public": published is not None,
            "published_points": None if published is None else list(published),
            "owner_stance": d.stance(on=self.today),
            "you_see": self.seen,
            "acts": [
                {
                    "kind": a.kind,
                    "party": a.party,
                    "date": a.date,
                    "reason": a.reason,
                    "until": a.until,
                    "event": a.seq,
                }
                for a in d.acts
            ],
            "publications": [
                {
                    "by": p.by,
                    "points": list(p.points),
                    "date": p.date,
                    "elsewhere": p.elsewhere,
                    "publisher": p.publisher,
                    "source": p.source,
                    "over_objection": p.over_objection,
                    "event": p.seq,
                }
                for p in d.publications
            ],
        }


def story(app: App, text: str, *, viewer: PartyId | None = None) -> Story:
    """Audience, hand-overs, requests, consents, refusals and publications of one text."""
    with app.store.read() as conn:
        state = text_state(conn, [text])
    seen = require_text(state, viewer, text)
    owner = owner_of(state, text)
    version = state.versions[text.split("/answer/")[0]]
    is_version = text == version.id
    handed = tuple(
        dict.fromkeys(p for h in sorted(state.handovers.values(), key=lambda h: h.seq) for p in h.to)
    )
    track = state.tracks.get(version.track)
    return Story(
        text,
        owner,
        version.audience if is_version else "answering party and the version's author",
        version.audience_parties if is_version else (),
        handed if is_version else (),
        track.policy if track is not None else "consent",
        state.disclosures.get(text) or Disclosure(text, owner),
        "all" if seen == ALL else "published points",
        today(app),
    )

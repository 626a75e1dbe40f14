"""The dashboard: the processes and tracks the party takes part in, the answers it owes and is owed
(overdue ones first and in red), and the latest events it may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.responses import Response

from inwriting.app import negotiation
from inwriting.app.feed import tracks_of, visible_events
from inwriting.domain import events as ev
from inwriting.domain.events import Event
from inwriting.web.auth import AppDep
from inwriting.web.pages.links import (
    alignment_url,
    disclosure_url,
    instrument_url,
    meeting_url,
    text_url,
    track_url,
    version_url,
)
from inwriting.web.pages.render import render
from inwriting.web.pages.route import ViewerDep, page_router

router = page_router()

FEED_WINDOW = 2000  # how many of the newest events of the log the feed looks through
FEED_LENGTH = 25


@dataclass(frozen=True)
class Line:
    """One event in the feed: when, who, what, and where to read more."""

    seq: int
    day: str
    actor: str
    what: str
    href: str


def _s(body: Any, name: str) -> str:
    value = body.get(name)
    return value if isinstance(value, str) else ""


def describe(event: Event) -> tuple[str, str]:
    """A line of plain words for an event the viewer may read, and a link."""
    b, t = event.body, event.type
    track = track_url(event.track or "")
    if t == ev.VERSION_CREATED:
        return f"recorded {_s(b, 'version')}: {_s(b, 'title')}", version_url(_s(b, "version"))
    if t == ev.HANDOVER_MADE:
        to = ", ".join(v for v in b.get("to", []) if isinstance(v, str))
        due = f", answer due {_s(b, 'due')}" if b.get("due") else ""
        return f"handed {_s(b, 'version')} to {to}{due}", version_url(_s(b, "version"))
    if t == ev.RECEIPT_SIGNED:
        return f"acknowledged receipt of {_s(b, 'version')}", version_url(_s(b, "version"))
    if t == ev.ANSWER_GIVEN:
        return f"answered {_s(b, 'version')} ({_s(b, 'form')})", text_url(_s(b, "answer"))
    if t == ev.ANSWER_ALIGNED:
        decided = b.get("decisions")
        count = len(decided) if isinstance(decided, list) else 0
        return (
            f"confirmed how {count} paragraph{'s' if count != 1 else ''} of {_s(b, 'answer')} read",
            alignment_url(_s(b, "answer")),
        )
    if t == ev.MEETING_HELD:
        return f"meeting at {_s(b, 'place')}", meeting_url(event.track or "", _s(b, "meeting"))
    if t in (ev.PRECONDITION_ADDED, ev.PRECONDITION_ANSWERED):
        act = _s(b, "act")
        return (f"{act} on a precondition" if act else "set a precondition"), f"{track}#preconditions"
    if t == ev.DISCLOSURE_REQUESTED:
        kind = "asked not to publish" if _s(b, "kind") == "embargo" else "asked to publish"
        return f"{kind} {_s(b, 'text')}", disclosure_url(_s(b, "text"))
    if t == ev.DISCLOSURE_ANSWERED:
        word = "consented to publishing" if _s(b, "answer") == "consent" else "refused publication of"
        return f"{word} {_s(b, 'text')}", disclosure_url(_s(b, "text"))
    if t in (ev.TEXT_PUBLISHED, ev.TEXT_PUBLISHED_ELSEWHERE):
        where = " (elsewhere)" if t == ev.TEXT_PUBLISHED_ELSEWHERE else ""
        return f"published {_s(b, 'text')}{where}", text_url(_s(b, "text"))
    if t in ev.INSTRUMENT_TYPES:
        act = t.split(".", 1)[1].replace("_", " ")
        return f"instrument {_s(b, 'instrument')}: {act}", instrument_url(_s(b, "instrument"))
    words = t.replace(".", " ").replace("_", " ")
    if t in ev.COMMITMENT_TYPES or t in ev.CLAIM_TYPES or t == ev.STATEMENT_RECORDED:
        return words, "/register"
    return words, track if event.track else "/"


def day_of(event: Event) -> str:
    """The day the act took place (its body's date), else the day it was recorded."""
    value = event.body.get("date")
    return value if isinstance(value, str) and len(value) == 10 else event.time[:10]


def feed(events: tuple[Event, ...]) -> list[Line]:
    lines = []
    for event in reversed(events[-FEED_LENGTH:]):
        what, href = describe(event)
        party = "the operator" if event.actor.party == ev.OPERATOR else event.actor.party
        actor = party + (f" ({event.actor.delegate})" if event.actor.delegate else "")
        lines.append(Line(event.seq, day_of(event), actor, what, href))
    return lines


@router.get("/")
def dashboard(request: Request, app: AppDep, viewer: ViewerDep) -> Response:
    party = viewer.party
    seen = visible_events(app, party, last=FEED_WINDOW)
    state = seen.state
    tracks = tracks_of(state, party)
    processes = [
        (process, [t for t in tracks if t.process == process.id])
        for process in sorted(state.processes.values(), key=lambda p: p.created_seq)
    ]
    owed = negotiation.owed(app, viewer=party)
    return render(
        request,
        "dashboard.html",
        party_name=state.parties[party].name if party in state.parties else party,
        processes=[(p, ts) for p, ts in processes if ts],
        owed_by=[o for o in owed if o.author != party],
        owed_to=[o for o in owed if o.author == party],
        today=negotiation.today(app),
        feed=feed(seen.events),
    )

"""Rules for what happens to a version once it exists: hand-overs, receipts, answers, meetings and
preconditions. Each handler takes the (partial) state and one event and returns the next state or
raises the domain error that says why the act is not allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from inwriting.domain import events as ev
from inwriting.domain.access import sees_answer, sees_version
from inwriting.domain.alignment import ENGINES, merge, positions_from
from inwriting.domain.events import Event, PartyId
from inwriting.domain.model import (
    DECISIONS,
    NEEDS_TEXT,
    POSITIONS,
    PRECONDITION_ACTS,
    Answer,
    Decision,
    Handover,
    Meeting,
    Position,
    Precondition,
    PreconditionAct,
    Proposal,
    Receipt,
    State,
    Track,
    Version,
)
from inwriting.domain.text import check_text
from inwriting.errors import Conflict, InvalidInput, NotFound, Refused

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTENT = re.compile(r"^sha256:[0-9a-f]{64}$")
MAX_POINT_TEXT = 100_000


def check_date(value: object, *, what: str = "date") -> str:
    """A calendar date written YYYY-MM-DD (the day an act took place, or a deadline)."""
    if not isinstance(value, str) or not _DATE.match(value):
        raise InvalidInput(f"{what} must be a date written YYYY-MM-DD; got {value!r}")
    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{what} {value} is not a real date") from exc
    return value


def _act_day(event: Event, name: str, *, what: str) -> str:
    """The day an act took place: a real date, and not after the day the event was signed."""
    day = check_date(event.body.get(name), what=what)
    if day > event.time[:10]:
        raise InvalidInput(f"{what} {day} is after the day the event was signed ({event.time[:10]})")
    return day


def _text(event: Event, name: str) -> str:
    value = event.body.get(name)
    if not isinstance(value, str):
        raise InvalidInput(f"{event.type}: body.{name} must be text")
    return value


def _optional_text(event: Event, name: str, *, what: str, max_len: int = 2000) -> str | None:
    value = event.body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{event.type}: body.{name} must be text or null")
    return check_text(value, what=what, max_len=max_len)


def _texts(event: Event, name: str) -> list[str]:
    value = event.body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{event.type}: body.{name} must be a list of texts")
    return list(value)


def _version(state: State, event: Event) -> Version:
    """The version the event is about, as its actor may see it: one it may not see does not exist."""
    vid = _text(event, "version")
    version = state.versions.get(vid)
    actor = None if event.actor.party == ev.OPERATOR else event.actor.party
    if version is None or sees_version(state, actor, version) is None:
        raise NotFound(f"version {vid} does not exist")
    if event.track != version.track:
        raise InvalidInput(f"{event.type} for {vid} must carry its track {version.track} in the envelope")
    return version


def _track(state: State, event: Event) -> Track:
    track = state.tracks.get(event.track or "")
    if track is None:
        raise NotFound(f"track {event.track} does not exist")
    return track


_NUMBER = (r"[1-9][0-9]{0,5}", "a number")
_MEETING_DAY = (
    r"\d{4}-\d{2}-\d{2}(?:-[2-9]|-[1-9][0-9]{1,2})?",
    "its date (then -2, -3 … for more that day)",
)


def _new_id(existing: Any, event: Event, name: str, *, prefix: str, suffix: tuple[str, str] = _NUMBER) -> str:
    """The id the event gives its new entity: `prefix` then `suffix` (a number, by default)."""
    value = _text(event, name)
    if not (value.startswith(prefix) and re.fullmatch(suffix[0], value[len(prefix) :])):
        raise InvalidInput(f"{name} id {value!r} must be {prefix!r} followed by {suffix[1]}")
    if value in existing:
        raise Conflict(f"{value} already exists")
    return value


def handovers_reaching(state: State, version: Version, party: PartyId) -> list[Handover]:
    """The hand-overs of `version` that reached `party`: to it, or to an alliance it belongs to.
    Never the author's own text, even when the author belongs to the recipient alliance."""
    if party == version.author:
        return []
    found = []
    for handover in sorted(state.handovers.values(), key=lambda h: h.seq):
        if handover.version != version.id:
            continue
        for recipient in handover.to:
            group = state.parties.get(recipient)
            if recipient == party or (group is not None and party in group.members):
                found.append(handover)
                break
    return found


def _handover_made(state: State, event: Event) -> State:
    version = _version(state, event)
    by = event.actor.party
    if by != version.author:
        raise Refused(f"only the author of {version.id} ({version.author}) can hand it over; not {by}")
    hid = _new_id(state.handovers, event, "handover", prefix=f"{version.id}/h")
    to = tuple(PartyId(p) for p in _texts(event, "to"))
    if not to:
        raise InvalidInput("a hand-over needs at least one recipient")
    if len(set(to)) != len(to):
        raise InvalidInput("a recipient is named twice")
    for party in to:
        if party not in state.parties:
            raise NotFound(f"party {party} is not registered")
        if party == by:
            raise Refused(f"{by} cannot hand its own text to itself")
    day = _act_day(event, "date", what="hand-over date")
    due = event.body.get("due")
    if due is not None:
        check_date(due, what="due date")
        if due < day:
            raise InvalidInput(f"the answer cannot be due ({due}) before the hand-over ({day})")
    point_by_point = event.body.get("point_by_point")
    if not isinstance(point_by_point, bool):
        raise InvalidInput("point_by_point must be true or false")
    meeting = event.body.get("meeting")
    if meeting is not None:
        found = state.meetings.get(str(meeting))
        if found is None:
            raise NotFound(f"meeting {meeting} does not exist")
        if found.track != version.track:
            raise Refused(f"meeting {meeting} is on track {found.track}, not on {version.track}")
        if found.date != day:
            raise InvalidInput(f"meeting {meeting} was held on {found.date}, not on {day}")
    handover = Handover(hid, version.id, version.track, by, to, day, due, point_by_point, meeting, event.seq)
    return replace(state, handovers=state.handovers.set(hid, handover))


def _receipt_signed(state: State, event: Event) -> State:
    version = _version(state, event)
    party = event.actor.party
    reaching = {h.id: h for h in handovers_reaching(state, version, party)}
    if not reaching:
        raise Refused(f"{version.id} was not handed to {party}; there is nothing to acknowledge")
    hid = _text(event, "handover")
    handover = reaching.get(hid)
    if handover is None:
        raise NotFound(f"hand-over {hid} of {version.id} did not reach {party}")
    rid = f"{hid}/receipt/{party}"
    if _text(event, "receipt") != rid:
        raise InvalidInput(f"the receipt of {party} for {hid} is {rid}")
    if rid in state.receipts:
        raise Conflict(f"{party} already acknowledged {hid} (event {state.receipts[rid].seq})")
    day = _act_day(event, "date", what="receipt date")
    if day < handover.date:
        raise InvalidInput(f"a receipt ({day}) cannot predate the hand-over ({handover.date})")
    delegate = _optional_text(event, "delegate", what="delegate", max_len=200)
    receipt = Receipt(rid, version.id, hid, party, day, delegate, event.seq)
    return replace(state, receipts=state.receipts.set(rid, receipt))


def _positions(event: Event, version: Version) -> tuple[Position, ...]:
    raw = event.body.get("positions")
    if not isinstance(raw, list):
        raise InvalidInput("positions must be a list")
    known = {eid for eid, _ in version.outline}
    seen: set[str] = set()
    result = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("eid"), str):
            raise InvalidInput("each position must be an object with an eid")
        eid, position = item["eid"], item.get("position")
        if eid not in known:
            raise NotFound(f"{version.id} has no point {eid}")
        if eid in seen:
            raise InvalidInput(f"point {eid} is answered twice")
        seen.add(eid)
        if position not in POSITIONS:
            raise InvalidInput(f"position on {eid} must be one of {', '.join(POSITIONS)}; got {position!r}")
        text, reason = item.get("text"), item.get("reason")
        if not all(v is None or isinstance(v, str) for v in (text, reason)):
            raise InvalidInput(f"text and reason on {eid} must be text or null")
        if text is not None:
            text = check_text(text, what=f"text on {eid}", multiline=True, max_len=MAX_POINT_TEXT)
        if reason is not None:
            reason = check_text(reason, what=f"reason on {eid}", multiline=True, max_len=MAX_POINT_TEXT)
        if position in NEEDS_TEXT and not text:
            raise InvalidInput(f"{position} on {eid} needs its text (the new text, counter-text or question)")
        result.append(Position(eid, str(position), text or None, reason or None))
    return tuple(result)


def _proposals(event: Event) -> tuple[Proposal, ...]:
    raw = event.body.get("proposals", [])
    if not isinstance(raw, list) or not all(
        isinstance(p, dict) and isinstance(p.get("label"), str) and isinstance(p.get("text"), str)
        for p in raw
    ):
        raise InvalidInput("proposals must be a list of {label, text}")
    return tuple(
        Proposal(
            check_text(p["label"], what="proposal label", max_len=200),
            check_text(p["text"], what="proposal text", multiline=True, max_len=MAX_POINT_TEXT),
        )
        for p in raw
    )


def _answer_given(state: State, event: Event) -> State:
    version = _version(state, event)
    party = event.actor.party
    reaching = handovers_reaching(state, version, party)
    if not reaching:
        raise Refused(f"{version.id} was not handed to {party}; record the hand-over before its answer")
    aid = _new_id(state.answers, event, "answer", prefix=f"{version.id}/answer/{party}/")
    form = event.body.get("form")
    if form not in ("points", "prose"):
        raise InvalidInput("form must be 'points' or 'prose'")
    positions = _positions(event, version)
    proposals = _proposals(event)
    if form == "prose" and (positions or proposals):
        raise InvalidInput("an answer in prose carries no per-point positions until they are confirmed")
    if form == "points" and not (positions or proposals):
        raise InvalidInput("the answer takes no position on any point and proposes none of its own")
    content = _text(event, "content")
    if not _CONTENT.match(content):
        raise InvalidInput("content must be sha256:<64 hex digits>")
    day = _act_day(event, "date", what="answer date")
    first = reaching[0].date
    if day < first:
        raise InvalidInput(f"an answer ({day}) cannot predate the hand-over ({first})")
    media_type = event.body.get("media_type")
    allowed = _PROSE_MEDIA_TYPES if form == "prose" else frozenset({"text/markdown"})
    if media_type is not None and media_type not in allowed:
        raise InvalidInput(f"a {form} answer is stored as {' or '.join(sorted(allowed))}; got {media_type!r}")
    answer = Answer(
        aid,
        version.id,
        party,
        day,
        str(form),
        content,
        positions,
        proposals,
        event.seq,
        media_type=media_type,
    )
    return replace(state, answers=state.answers.set(aid, answer))


MAX_PARAGRAPHS = 5_000  # as importers.prose refuses more
# How a prose answer's bytes are read (importers.prose.MEDIA_TYPES); signed so that it cannot change.
_PROSE_MEDIA_TYPES = frozenset(
    {
        "text/plain",
        "text/markdown",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/pdf",
    }
)
_DECISION_FIELDS = frozenset({"paragraph", "decision", "points", "position", "text", "suggested"})


def _answer_aligned(state: State, event: Event) -> State:
    """A delegate of the answering party, or of the version's author, confirms how paragraphs of a
    prose answer read: the points each addresses and the position it takes there. The latest
    decision on a paragraph stands, but one the answering party confirmed only it may change."""
    aid = _text(event, "answer")
    answer = state.answers.get(aid)
    actor = event.actor.party
    if answer is None or sees_answer(state, actor, answer) is None:
        raise NotFound(f"answer {aid} does not exist")
    version = _version(state, event)
    if version.id != answer.version:
        raise InvalidInput(f"answer {aid} answers {answer.version}, not {version.id}")
    if answer.form != "prose":
        raise Refused(f"{aid} answers point by point; only an answer in prose is aligned")
    if actor not in (answer.party, version.author):
        raise Refused(
            f"only {answer.party}, which gave {aid}, or {version.author}, which wrote {version.id},"
            f" confirms how it reads; not {actor}"
        )
    count = event.body.get("paragraphs")
    if type(count) is not int or not 0 < count <= MAX_PARAGRAPHS:
        raise InvalidInput(f"paragraphs must be a whole number from 1 to {MAX_PARAGRAPHS}")
    if answer.paragraphs and count != answer.paragraphs:
        raise InvalidInput(f"{aid} has {answer.paragraphs} paragraphs, not {count}")
    engine = event.body.get("engine")
    if engine not in ENGINES:
        raise InvalidInput(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    reading = _text(event, "reading")
    if not _CONTENT.match(reading):
        raise InvalidInput("reading must be sha256:<64 hex digits>, the digest of the paragraphs as read")
    if answer.reading is not None and reading != answer.reading:
        raise Conflict(
            f"{aid} was first confirmed as read into other paragraphs ({answer.reading}); this reading"
            f" ({reading}) does not match, so its paragraph numbers would not name the same words"
        )
    day = _act_day(event, "date", what="date")
    if day < answer.date:
        raise InvalidInput(f"a confirmation ({day}) cannot predate the answer ({answer.date})")
    raw = event.body.get("decisions")
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("decisions must be a non-empty list")
    known = {eid for eid, _ in version.outline}
    standing = {d.paragraph: d for d in answer.alignment}
    decided: list[Decision] = []
    for item in raw:
        decision = _decision(item, count, known, event)
        if any(d.paragraph == decision.paragraph for d in decided):
            raise InvalidInput(f"paragraph {decision.paragraph} is decided twice")
        before = standing.get(decision.paragraph)
        if before is not None and before.by == answer.party and actor != answer.party:
            raise Refused(
                f"{answer.party} confirmed paragraph {decision.paragraph} of its own answer"
                f" (event {before.seq}); only {answer.party} changes it"
            )
        decided.append(decision)
    alignment = merge(answer.alignment, decided)
    positions = positions_from(alignment, answer.party)
    done = replace(answer, alignment=alignment, positions=positions, paragraphs=count, reading=reading)
    return replace(state, answers=state.answers.set(aid, done))


def _decision(item: object, count: int, known: set[str], event: Event) -> Decision:
    if not isinstance(item, dict):
        raise InvalidInput("each decision must be an object")
    extra = sorted(set(item) - _DECISION_FIELDS)
    if extra:
        raise InvalidInput(f"a decision has unknown fields {', '.join(map(str, extra))}")
    n = item.get("paragraph")
    if type(n) is not int or not 1 <= n <= count:
        raise InvalidInput(f"paragraph must be a number from 1 to {count}; got {n!r}")
    where = f"paragraph {n}"
    kind = item.get("decision")
    if kind not in DECISIONS:
        raise InvalidInput(f"the decision on {where} must be one of {', '.join(DECISIONS)}; got {kind!r}")
    suggested = item.get("suggested")
    if not isinstance(suggested, dict) or set(suggested) != {"points", "position"}:
        raise InvalidInput(f"the decision on {where} must carry what was suggested: its points and position")
    points = _eids(item.get("points"), known, where)
    was = _eids(suggested.get("points"), known, f"the suggestion for {where}")
    position, was_position = item.get("position"), suggested.get("position")
    for value in (position, was_position):
        if value is not None and value not in POSITIONS:
            raise InvalidInput(f"a position on {where} must be one of {', '.join(POSITIONS)}; got {value!r}")
    if bool(points) != (position is not None):
        raise InvalidInput(f"{where} takes a position exactly when it addresses points")
    if kind == "drop" and points:
        raise InvalidInput(f"a dropped suggestion on {where} addresses no point")
    if kind == "keep" and (points, position) != (was, was_position):
        raise InvalidInput(f"{where} keeps the suggestion, so its points and position are the suggested ones")
    if kind == "change" and (points, position) == (was, was_position):
        raise InvalidInput(f"{where} is marked changed but is what was suggested")
    if kind == "change" and not points:
        raise InvalidInput(f"{where} is changed to address no point: that is a drop")
    text = item.get("text")
    if kind == "drop" and text is not None:
        raise InvalidInput(f"a dropped suggestion on {where} carries no text")
    if text is not None:
        if not isinstance(text, str):
            raise InvalidInput(f"the text on {where} must be text or null")
        text = check_text(text, what=f"the text on {where}", multiline=True, max_len=MAX_POINT_TEXT)
    if position in NEEDS_TEXT and not text:
        raise InvalidInput(f"{position} on {where} needs its text (the sentence that carries it)")
    return Decision(
        n,
        str(kind),
        points,
        None if position is None else str(position),
        text or None,
        was,
        None if was_position is None else str(was_position),
        event.actor.party,
        event.actor.delegate,
        event.seq,
    )


def _eids(value: object, known: set[str], where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"the points of {where} must be a list of point ids")
    for eid in value:
        if eid not in known:
            raise NotFound(f"the version has no point {eid} ({where})")
    if len(set(value)) != len(value):
        raise InvalidInput(f"a point is named twice in {where}")
    return tuple(value)


def _meeting_held(state: State, event: Event) -> State:
    track = _track(state, event)
    actor = event.actor.party
    if actor != ev.OPERATOR and actor not in track.parties:
        raise Refused(f"{actor} is not a party to track {track.id}")
    mid = _new_id(
        state.meetings,
        event,
        "meeting",
        prefix=f"{track.id}/",
        suffix=_MEETING_DAY,
    )
    day = _act_day(event, "date", what="meeting date")
    if not mid[len(track.id) + 1 :].startswith(day):
        raise InvalidInput(f"meeting id {mid} must carry its date {day}")
    place = check_text(_text(event, "place"), what="place", max_len=200)
    delegates = tuple(check_text(d, what="delegate", max_len=200) for d in _texts(event, "delegates"))
    tabled = tuple(_texts(event, "tabled"))
    viewer = None if actor == ev.OPERATOR else actor
    for vid in tabled:
        found = state.versions.get(vid)
        if found is None or sees_version(state, viewer, found) is None:
            raise NotFound(f"version {vid} (tabled) does not exist")
    meeting = Meeting(mid, track.id, day, place, delegates, tabled, actor, event.seq)
    return replace(state, meetings=state.meetings.set(mid, meeting))


def _precondition_added(state: State, event: Event) -> State:
    track = _track(state, event)
    by = event.actor.party
    if by not in track.parties:
        raise Refused(f"{by} is not a party to track {track.id}")
    pid = _new_id(state.preconditions, event, "precondition", prefix=f"{track.id}/pre/")
    text = check_text(_text(event, "text"), what="precondition", max_len=5000)
    version = event.body.get("version")
    if version is not None:
        found = state.versions.get(str(version))
        if found is None or sees_version(state, by, found) is None:
            raise NotFound(f"version {version} does not exist")
        if found.track != track.id:
            raise Refused(f"version {version} is on track {found.track}, not on {track.id}")
    day = _act_day(event, "date", what="date")
    anticipated = event.body.get("anticipated", False)
    if not isinstance(anticipated, bool):
        raise InvalidInput("anticipated must be true or false")
    pre = Precondition(pid, track.id, by, text, version, day, (), event.seq, anticipated)
    return replace(state, preconditions=state.preconditions.set(pid, pre))


def _precondition_answered(state: State, event: Event) -> State:
    pid = _text(event, "precondition")
    pre = state.preconditions.get(pid)
    if pre is None:
        raise NotFound(f"precondition {pid} does not exist")
    track = _track(state, event)
    if track.id != pre.track:
        raise InvalidInput(f"precondition {pid} is on track {pre.track}")
    party = event.actor.party
    if party not in track.parties:  # an outsider learns nothing of the track's preconditions
        raise NotFound(f"precondition {pid} does not exist")
    act = event.body.get("act")
    if act not in PRECONDITION_ACTS:
        raise InvalidInput(f"act must be one of {', '.join(PRECONDITION_ACTS)}; got {act!r}")
    if pre.status in ("met", "waived"):
        raise Conflict(f"precondition {pid} is already {pre.status}")
    if act in ("accept", "reject") and party == pre.by and not pre.anticipated:
        raise Refused(f"{party} set precondition {pid}; only the other parties accept or reject it")
    if act == "waive" and (party != pre.by or pre.anticipated):
        raise Refused(f"only the party that set precondition {pid} ({pre.by}) can waive it")
    day = _act_day(event, "date", what="date")
    if day < pre.date and not pre.anticipated:
        raise InvalidInput(f"{act} ({day}) cannot predate the precondition ({pre.date})")
    reason = _optional_text(event, "reason", what="reason", max_len=5000)
    done = replace(pre, acts=(*pre.acts, PreconditionAct(str(act), party, day, reason, event.seq)))
    return replace(state, preconditions=state.preconditions.set(pid, done))


HANDLERS: dict[str, Callable[[State, Event], State]] = {
    ev.HANDOVER_MADE: _handover_made,
    ev.RECEIPT_SIGNED: _receipt_signed,
    ev.ANSWER_GIVEN: _answer_given,
    ev.ANSWER_ALIGNED: _answer_aligned,
    ev.MEETING_HELD: _meeting_held,
    ev.PRECONDITION_ADDED: _precondition_added,
    ev.PRECONDITION_ANSWERED: _precondition_answered,
}

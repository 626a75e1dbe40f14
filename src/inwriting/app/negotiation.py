"""Use cases after a draft exists: hand it over, acknowledge it, answer it (point by point or in
prose), and read where every recipient stands: status, answers owed, the position matrix.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC
from pathlib import Path
from typing import Any

from pyrsistent import pmap
from sqlalchemy import Connection, select

from inwriting.app.context import App
from inwriting.app.drafts import VersionView, get_version, read_text, read_version, text_state
from inwriting.app.recorder import Recorded, record_in
from inwriting.domain import events as ev
from inwriting.domain.access import ALL, reaches, sees_text
from inwriting.domain.alignment import summary
from inwriting.domain.completeness import Outline, RecipientStatus, version_status
from inwriting.domain.documents import DraftText, Point
from inwriting.domain.events import PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.matrix import Matrix, VersionColumns, build_matrix
from inwriting.domain.model import Answer, Party, State, Version
from inwriting.domain.negotiation import check_date, handovers_reaching
from inwriting.errors import Conflict, InvalidInput, NotFound
from inwriting.importers.answer import MAX_ANSWER_BYTES, ParsedAnswer, parse_answer
from inwriting.importers.prose import media_type_of, read_prose
from inwriting.record.blob import blob_hash, new_salt
from inwriting.storage import schema as t
from inwriting.storage.projections import answers_to, load_state


def today(app: App) -> str:
    return app.clock().astimezone(UTC).date().isoformat()


def act_date(app: App, value: str | None, *, what: str = "date") -> str:
    """The day an act took place: given (not after today) or today."""
    if value is None:
        return today(app)
    check_date(value, what=what)
    if value > today(app):
        raise InvalidInput(f"{what} {value} is in the future; record acts once they have happened")
    return value


def outline_of(draft: DraftText) -> Outline:
    points: list[tuple[str, str, str | None]] = []
    stack: list[tuple[Point, str | None]] = [(p, None) for p in reversed(draft.points)]
    while stack:
        point, parent = stack.pop()
        points.append((point.eid, point.label, parent))
        stack.extend((c, point.eid) for c in reversed(point.children))
    return Outline.of(points)


def _next_number(ids: Sequence[str], prefix: str) -> int:
    numbers = [int(i[len(prefix) :]) for i in ids if i.startswith(prefix) and i[len(prefix) :].isdigit()]
    return max(numbers, default=0) + 1


# --- acts -------------------------------------------------------------------------------------------


def handover(
    app: App,
    version: str,
    *,
    to: Sequence[str],
    due: str | None = None,
    point_by_point: bool = False,
    meeting: str | None = None,
    date: str | None = None,
    delegate: str | None = None,
    as_party: str | None = None,
) -> tuple[str, Recorded]:
    """Record that the version's author handed it to `to`; signed by the author (or `as_party`,
    which the rules refuse unless it is the author)."""
    if date is None and meeting is not None:  # handed over at a meeting: on the meeting's day
        with app.store.read() as conn:
            held = load_state(conn, Refs(meetings=frozenset({meeting}))).meetings.get(meeting)
        date = held.date if held is not None else None
    day = act_date(app, date, what="hand-over date")
    if due is not None:
        check_date(due, what="due date")
    with app.store.write() as writer:
        state = writer.load(Refs(versions=frozenset({version}), version_acts=frozenset({version})))
        found = _version_in(state, version)
        hid = f"{version}/h{_next_number(list(state.handovers), f'{version}/h')}"
        body = {
            "handover": hid,
            "version": version,
            "to": list(to),
            "date": day,
            "due": due,
            "point_by_point": point_by_point,
            "meeting": meeting,
        }
        actor = PartyId(as_party) if as_party else found.author
        recorded = record_in(app, writer, actor, ev.HANDOVER_MADE, body, track=found.track, delegate=delegate)
    return hid, recorded


def receipt(
    app: App,
    version: str,
    *,
    as_party: str,
    delegate: str | None = None,
    date: str | None = None,
    handover: str | None = None,
) -> tuple[str, Recorded]:
    """The recipient signs that it has the version and knows the deadline of a hand-over (by
    default the latest one that reached it and that it has not yet acknowledged)."""
    day = act_date(app, date, what="receipt date")
    party = PartyId(as_party)
    with app.store.write() as writer:
        state = writer.load(Refs(versions=frozenset({version}), version_acts=frozenset({version})))
        found = _version_in(state, version)
        reaching = handovers_reaching(state, found, party)
        if handover is None:
            open_ones = [h for h in reaching if f"{h.id}/receipt/{party}" not in state.receipts]
            if reaching and not open_ones:
                raise Conflict(f"{party} has already acknowledged every hand-over of {version}")
            handover = open_ones[-1].id if open_ones else f"{version}/h1"
        rid = f"{handover}/receipt/{party}"
        body = {"receipt": rid, "handover": handover, "version": version, "date": day, "delegate": delegate}
        recorded = record_in(
            app, writer, PartyId(as_party), ev.RECEIPT_SIGNED, body, track=found.track, delegate=delegate
        )
    return rid, recorded


@dataclass(frozen=True)
class AnswerRecorded:
    answer: str
    form: str
    parsed: ParsedAnswer | None
    status: RecipientStatus | None
    event: Recorded
    labels: Mapping[str, str] = field(default_factory=dict)  # eid -> "Article 4 2." for messages

    def to_json(self) -> dict[str, Any]:
        parsed = self.parsed
        return {
            "answer": self.answer,
            "form": self.form,
            "positions": 0 if parsed is None else len(parsed.positions),
            "proposals": 0 if parsed is None else len(parsed.proposals),
            "left_open": [] if parsed is None else list(parsed.left_open),
            "unanswered": [] if self.status is None else list(self.status.coverage.unanswered),
            "unanswered_points": [
                {"eid": eid, "label": self.labels.get(eid, eid)}
                for eid in ([] if self.status is None else self.status.coverage.unanswered)
            ],
            "complete": self.status is not None and self.status.complete,
            "event": self.event.to_json(),
        }


def answer(
    app: App,
    version: str,
    *,
    as_party: str,
    file: Path,
    prose: bool = False,
    date: str | None = None,
    delegate: str | None = None,
) -> AnswerRecorded:
    """Record an answer file as received (its bytes kept as a blob) with the positions it takes.

    An answer that leaves points out is recorded as written; `status` names what it left out.
    """
    day = act_date(app, date, what="answer date")
    data = read_text(file, limit=MAX_ANSWER_BYTES if not prose else None)
    found, draft = get_version(
        app, version, viewer=PartyId(as_party)
    )  # not found, for one who may not see it
    parsed = None
    media_type = "text/markdown"
    if prose:  # kept as received, but only once it reads as paragraphs: nothing unreadable is recorded
        media_type = media_type_of(file.name)
        read_prose(data, media_type=media_type, source=file.name)
    else:
        parsed = parse_answer(data, outline=found.outline, source=file.name)
    salt = new_salt()
    digest = blob_hash(salt, data)
    party = PartyId(as_party)
    with app.store.write() as writer:
        prefix = f"{version}/answer/{party}/"
        taken = writer.conn.execute(
            select(t.answers.c.id).where(t.answers.c.version == version, t.answers.c.party == party)
        )
        aid = f"{prefix}{_next_number(list(taken.scalars()), prefix)}"
        form = "prose" if prose else "points"
        body: dict[str, Any] = {
            "answer": aid,
            "version": version,
            "date": day,
            "form": form,
            "content": digest,
            "media_type": media_type,
            "positions": []
            if parsed is None
            else [
                {"eid": p.eid, "position": p.position, "text": p.text, "reason": p.reason}
                for p in parsed.positions
            ],
            "proposals": []
            if parsed is None
            else [{"label": p.label, "text": p.text} for p in parsed.proposals],
        }
        writer.add_blob(digest, salt, media_type, data)
        recorded = record_in(app, writer, party, ev.ANSWER_GIVEN, body, track=found.track, delegate=delegate)
    mine = [s for s in status(app, version, members=True, of=party) if s.party == party]
    return AnswerRecorded(aid, form, parsed, mine[0] if mine else None, recorded, outline_of(draft).paths())


def answer_template(app: App, version: str, *, viewer: PartyId | None = None) -> str:
    from inwriting.exporters.answer_template import to_answer_template

    found, draft = get_version(app, version, viewer=viewer)
    return to_answer_template(found.id, draft)


# --- reading where things stand ---------------------------------------------------------------------


def _version_in(state: State, version: str) -> Version:
    found = state.versions.get(version)
    if found is None:
        raise NotFound(f"version {version} does not exist")
    return found


def _concerns(
    parties: Mapping[PartyId, Party], viewer: PartyId | None, author: PartyId, s: RecipientStatus
) -> bool:
    """A row of a status is shown to the operator, the author, and the party the row is about (or
    a member of it, or the alliance it received through); other recipients' rows are not theirs."""
    if viewer is None or viewer == author or viewer == s.party:
        return True  # an alliance does not see the rows of members answering for themselves
    group = parties.get(s.party)
    return group is not None and viewer in group.members


def status(
    app: App,
    version: str,
    *,
    members: bool = False,
    of: str | None = None,
    viewer: PartyId | None = None,
) -> list[RecipientStatus]:
    """Per recipient: delivered, acknowledged, answered points, unanswered points, overdue.

    `of` limits the work to one party (and the alliances it belongs to) among the recipients;
    `viewer` sees the version only if it may (else NotFound), and only the rows that concern it."""
    return _status_rows(app, read_version(app, version, viewer=viewer), members=members, of=of, viewer=viewer)


def _status_rows(
    app: App, view: VersionView, *, members: bool, of: str | None, viewer: PartyId | None
) -> list[RecipientStatus]:
    found, draft, version = view.version, view.draft, view.version.id
    with app.store.read() as conn:
        state = load_state(conn, Refs(versions=frozenset({version}), version_acts=frozenset({version})))
        parties: set[str] | None = None
        if of is not None:
            parties = {of, *(p for p, party in state.parties.items() if of in party.members)}
            mine = {k: h for k, h in state.handovers.items() if parties & set(h.to)}
            state = replace(state, handovers=pmap(mine))
        answers = answers_to(conn, [version], parties)
    rows = version_status(
        found.id,
        state.handovers.values(),
        state.receipts.values(),
        answers.values(),
        state.parties,
        outline_of(draft),
        today(app),
        members=members,
    )
    return [s for s in rows if _concerns(state.parties, viewer, found.author, s)]


@dataclass(frozen=True)
class Owed:
    version: str
    title: str
    author: PartyId
    status: RecipientStatus


def _handed_versions(conn: Connection, tracks: Sequence[str] | None = None) -> list[str]:
    query = select(t.handovers.c.version).distinct()
    if tracks is not None:
        query = query.where(t.handovers.c.track.in_(tracks))
    return sorted(conn.execute(query).scalars())


def _statuses(
    app: App, versions: Sequence[str], *, members: bool, viewer: PartyId | None = None
) -> list[tuple[Version, Outline, list[RecipientStatus]]]:
    """Statuses of the versions `viewer` may read in full, each with only the rows that concern it."""
    with app.store.read() as conn:
        state = text_state(conn, versions)
        answers = answers_to(conn, versions)
    day = today(app)
    result = []
    for vid in versions:
        if sees_text(state, viewer, vid) != ALL:
            continue
        found, draft = get_version(app, vid)
        outline = outline_of(draft)
        statuses = version_status(
            vid,
            state.handovers.values(),
            state.receipts.values(),
            answers.values(),
            state.parties,
            outline,
            day,
            members=members,
        )
        mine = [s for s in statuses if _concerns(state.parties, viewer, found.author, s)]
        result.append((found, outline, mine))
    return result


def owed(app: App, *, viewer: PartyId | None = None) -> list[Owed]:
    """Every answer still owed (a point-by-point answer not yet complete, or no answer at all by
    its due date), soonest due first; those without a due date last. A party sees what it owes
    and what is owed to it."""
    with app.store.read() as conn:
        versions = _handed_versions(conn)
    result = []
    for found, _, statuses in _statuses(app, versions, members=False, viewer=viewer):
        for s in statuses:
            owes = not s.complete if s.demand.point_by_point else not s.answers
            if owes and (s.demand.point_by_point or s.demand.due is not None):
                result.append(Owed(found.id, found.title, found.author, s))
    return sorted(result, key=lambda o: (o.status.demand.due is None, o.status.demand.due or "", o.version))


def matrix(app: App, scope: str, *, members: bool = False, viewer: PartyId | None = None) -> Matrix:
    """Points x parties for every version handed over on a track, or on all tracks of a process;
    a party sees the versions it may read, and its own and the author's columns."""
    with app.store.read() as conn:
        state = load_state(conn, Refs(tracks=frozenset({scope}), processes=frozenset({scope})))
        if scope in state.tracks:
            tracks = [scope]
        elif scope in state.processes:
            rows = conn.execute(
                select(t.tracks.c.id).where(t.tracks.c.process == scope).order_by(t.tracks.c.created_seq)
            )
            tracks = list(rows.scalars())
        else:
            raise NotFound(f"no track or process named {scope}")
        versions = _handed_versions(conn, tracks)
        around = load_state(conn, Refs(tracks=frozenset(tracks))) if viewer is not None else None
    with _cyclic_gc_paused():
        parts = [
            VersionColumns(found.id, found.author, outline, statuses)
            for found, outline, statuses in _statuses(app, versions, members=members, viewer=viewer)
        ]
        grid = build_matrix(parts)
    # a party that takes no part in the scope and reads nothing there learns not even that it exists
    if (
        around is not None
        and viewer is not None
        and not grid.rows
        and not any(reaches(around, p, viewer) for track in around.tracks.values() for p in track.parties)
    ):
        raise NotFound(f"no track or process named {scope}")
    return grid


_GC_LOCK = threading.Lock()
_gc_pauses = 0  # how many callers are inside _cyclic_gc_paused
_gc_was_enabled = True


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A big grid allocates a few hundred thousand short-lived, acyclic objects (positions, cells,
    rows); the cyclic collector's repeated scans of them cost a third of the time (measured in
    bench/matrix.py). Reference counting still frees them. Counted under a lock, so that threads
    building grids at once leave the collector as they found it when the last one is done."""
    global _gc_pauses, _gc_was_enabled
    with _GC_LOCK:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


# --- JSON forms shared by the CLI and the API -------------------------------------------------------


def _answer_json(a: Answer) -> dict[str, Any]:
    entry: dict[str, Any] = {"answer": a.id, "party": a.party, "date": a.date, "form": a.form}
    if a.form == "prose":  # "answered in prose, confirmed by US (J. Sullivan)"
        entry["reading"] = summary(a.alignment)
        entry["confirmed_paragraphs"] = len(a.alignment)
        entry["paragraphs"] = a.paragraphs or None
        entry["confirmed_by"] = [{"party": p, "delegate": d} for p, d in a.confirmed_by]
    return entry


def recipient_to_json(s: RecipientStatus, paths: dict[str, str]) -> dict[str, Any]:
    cover = s.coverage
    answered = []
    for eid, path in paths.items():
        position = cover.position_of(eid)
        if position is not None:
            answered.append(
                {
                    "eid": eid,
                    "label": path,
                    "position": position.position,
                    "text": position.text,
                    "reason": position.reason,
                    "inherited_from": cover.inherited.get(eid),
                }
            )
    return {
        "party": s.party,
        "through": s.through,
        "state": s.state,
        "handover": s.handover.id,
        "handovers": [h.id for h in s.demand.handovers],
        "delivered": s.demand.delivered,
        "acknowledged": s.receipt.date if s.receipt else None,
        "acknowledged_by": s.receipt.delegate if s.receipt else None,
        "due": s.demand.due,
        "point_by_point": s.demand.point_by_point,
        "answers": [_answer_json(a) for a in s.answers],
        "answered_points": cover.covered,
        "points": s.total,
        "complete": s.complete,
        "completed_on": s.completed_on,
        "overdue": s.overdue,
        "late": s.late,
        "answered": answered,
        "unanswered": [{"eid": eid, "label": paths.get(eid, eid)} for eid in cover.unanswered],
    }


def status_report(
    app: App, version: str, *, members: bool = False, viewer: PartyId | None = None
) -> dict[str, Any]:
    view = read_version(app, version, viewer=viewer)  # NotFound outside the audience
    found, draft = view.version, view.draft
    outline = outline_of(draft)
    paths = outline.paths()
    return {
        "version": found.id,
        "title": found.title,
        "author": found.author,
        "track": found.track,
        "points": sum(1 for _ in view.seen_draft.walk()),
        "today": today(app),
        "recipients": [
            recipient_to_json(s, paths)
            for s in _status_rows(app, view, members=members, of=None, viewer=viewer)
        ],
    }
